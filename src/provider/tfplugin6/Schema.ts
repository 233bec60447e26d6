/**
 * Blocks as a provider declares them (the shape `terraform providers schema
 * -json` prints), and their conversion to the protocol's `Schema`. Every
 * attribute is a string: what the providers served here need, and what
 * `CtyMsgpack.ts` reads and writes.
 *
 * @since 0.1.0
 */
import type { Schema } from "./Protocol.js"

/**
 * One attribute.
 *
 * @since 0.1.0
 * @category models
 */
export interface Attribute {
  readonly type: "string"
  readonly description: string
  readonly description_kind: "plain"
  readonly required?: true
  readonly optional?: true
  readonly computed?: true
  readonly sensitive?: true
}

/**
 * A provider's or a data source's block.
 *
 * @since 0.1.0
 * @category models
 */
export interface Block {
  readonly version: number
  readonly block: {
    readonly attributes: Readonly<Record<string, Attribute>>
    readonly description: string
    readonly description_kind: "plain"
  }
}

/**
 * The schema of a block in the protocol's shape.
 *
 * @since 0.1.0
 * @category schemas
 */
export const toProtocolSchema = (block: Block): Schema => ({
  version: block.version,
  block: {
    version: block.version,
    attributes: Object.keys(block.block.attributes)
      .sort()
      .map((name) => {
        const a = block.block.attributes[name]!
        return {
          name,
          // JSON bytes: `"string"` with its quotes, or Terraform itself crashes.
          type: Buffer.from(JSON.stringify(a.type)),
          description: a.description,
          description_kind: "PLAIN" as const,
          ...(a.required ? { required: true } : {}),
          ...(a.optional ? { optional: true } : {}),
          ...(a.computed ? { computed: true } : {}),
          ...(a.sensitive ? { sensitive: true } : {}),
        }
      }),
    description: block.block.description,
    description_kind: "PLAIN",
  },
})

/**
 * The block's attribute names, sorted.
 *
 * @since 0.1.0
 * @category schemas
 */
export const attributeNames = (block: Block): ReadonlyArray<string> => Object.keys(block.block.attributes).sort()

/**
 * The attributes a configuration sets (required or optional), sorted.
 *
 * @since 0.1.0
 * @category schemas
 */
export const inputNames = (block: Block): ReadonlyArray<string> =>
  attributeNames(block).filter((name) => {
    const a = block.block.attributes[name]!
    return a.required === true || a.optional === true
  })

/**
 * The required attributes, sorted.
 *
 * @since 0.1.0
 * @category schemas
 */
export const requiredNames = (block: Block): ReadonlyArray<string> =>
  attributeNames(block).filter((name) => block.block.attributes[name]!.required === true)
