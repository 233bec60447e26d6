/**
 * Terraform values on the wire (`DynamicValue`), for objects of string
 * attributes: the only shape this provider's schemas have. Terraform sends
 * msgpack in which an object is a map holding every attribute (null when
 * unset) and an unknown value is a msgpack extension: type 0, or type 12 for a
 * "refined" unknown. Every extension type is read as unknown, so a refinement
 * Terraform adds later cannot be mistaken for a value.
 *
 * @since 0.1.0
 */
import { decode, encode } from "@msgpack/msgpack"
import type { ExtensionCodecType } from "@msgpack/msgpack"

/**
 * A value not yet known at this point of the plan.
 *
 * @since 0.1.0
 * @category models
 */
export class UnknownValue {
  readonly _tag = "UnknownValue"
  constructor(
    /** The msgpack extension type that carried it (0 plain, 12 refined). */
    readonly extensionType: number,
  ) {}
}

/**
 * @since 0.1.0
 * @category predicates
 */
export const isUnknown = (value: unknown): value is UnknownValue => value instanceof UnknownValue

/**
 * The value of one string attribute.
 *
 * @since 0.1.0
 * @category models
 */
export type StringValue = string | null | UnknownValue

/**
 * An object value: every attribute of the schema, each known, null or unknown.
 *
 * @since 0.1.0
 * @category models
 */
export type ObjectValue<K extends string = string> = { readonly [P in K]: StringValue }

/**
 * A `DynamicValue` as it arrives.
 *
 * @since 0.1.0
 * @category models
 */
export interface DynamicValue {
  readonly msgpack?: Uint8Array
  readonly json?: Uint8Array
}

/**
 * Why a value could not be read, and which attribute was at fault if one was.
 *
 * @since 0.1.0
 * @category models
 */
export interface ValueProblem {
  readonly attribute?: string
  readonly reason: string
}

/**
 * The outcome of reading an object.
 *
 * @since 0.1.0
 * @category models
 */
export type DecodedObject<K extends string> =
  | { readonly _tag: "Object"; readonly value: ObjectValue<K> }
  /** The whole object is unknown (e.g. a provider block built from a resource). */
  | { readonly _tag: "Unknown" }
  /** No value at all: a null object or an empty `DynamicValue`. */
  | { readonly _tag: "Null" }
  | { readonly _tag: "Invalid"; readonly problems: ReadonlyArray<ValueProblem> }

const everyExtensionIsUnknown: ExtensionCodecType<undefined> = {
  tryToEncode: () => null,
  decode: (_data, extensionType) => new UnknownValue(extensionType),
}

/**
 * Decodes cty msgpack into plain values, every extension read as `UnknownValue`.
 * Throws on malformed input.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeMsgpack = (bytes: Uint8Array): unknown =>
  decode(bytes, { extensionCodec: everyExtensionIsUnknown, useBigInt64: false })

/** What a value that is neither null nor a string is (callers handle null first). */
const describe = (value: unknown): string =>
  Array.isArray(value)
    ? "a list"
    : value instanceof Uint8Array
      ? "bytes"
      : typeof value === "object"
        ? "an object"
        : typeof value

/**
 * Reads a `DynamicValue` as an object of the given string attributes. Never
 * throws: malformed bytes, a non-object, a non-string attribute or an
 * attribute the schema does not have all come back as `Invalid` with reasons.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeObject = <K extends string>(
  dynamic: DynamicValue | undefined,
  attributes: ReadonlyArray<K>,
): DecodedObject<K> => {
  let raw: unknown
  try {
    if (dynamic?.msgpack !== undefined && dynamic.msgpack.length > 0) raw = decodeMsgpack(dynamic.msgpack)
    else if (dynamic?.json !== undefined && dynamic.json.length > 0)
      raw = JSON.parse(Buffer.from(dynamic.json).toString("utf8"))
    else return { _tag: "Null" }
  } catch (e) {
    return {
      _tag: "Invalid",
      problems: [{ reason: `the value is not valid msgpack or JSON (${(e as Error).message})` }],
    }
  }
  if (raw === null) return { _tag: "Null" }
  if (isUnknown(raw)) return { _tag: "Unknown" }
  if (typeof raw !== "object" || Array.isArray(raw) || raw instanceof Uint8Array) {
    return { _tag: "Invalid", problems: [{ reason: `expected an object, got ${describe(raw)}` }] }
  }
  const input = raw as Record<string, unknown>
  const problems: Array<ValueProblem> = []
  const value: Record<string, StringValue> = {}
  for (const name of attributes) {
    const v = input[name]
    if (v === undefined || v === null) value[name] = null
    else if (typeof v === "string" || isUnknown(v)) value[name] = v
    else problems.push({ attribute: name, reason: `expected a string, got ${describe(v)}` })
  }
  for (const name of Object.keys(input)) {
    if (!(attributes as ReadonlyArray<string>).includes(name)) {
      problems.push({ attribute: name, reason: "the schema has no such attribute" })
    }
  }
  return problems.length > 0 ? { _tag: "Invalid", problems } : { _tag: "Object", value: value as ObjectValue<K> }
}

/**
 * Encodes a wholly known object of string attributes, keys sorted as Terraform
 * sends them.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeObject = (value: Readonly<Record<string, string | null>>): Uint8Array => {
  const sorted: Record<string, string | null> = {}
  for (const key of Object.keys(value).sort()) sorted[key] = value[key] ?? null
  return encode(sorted)
}
