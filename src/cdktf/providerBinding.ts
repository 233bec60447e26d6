/**
 * Which provider block of this package a data source binds to, written once
 * for both flavours (it imports neither cdktf nor cdktn).
 *
 * Our provider takes its own local name (`atlasflex`), so a data source of
 * type `mongodbatlas_flex_restore_job` reaches it only through the `provider`
 * meta-argument. Each provider construct registers itself with its stack when
 * it is built; each data source asks at synth time, so the order in which the
 * two are constructed does not matter, and a stack of a thousand data sources
 * pays one map look-up each. A data source with an explicit `provider` keeps
 * it, and one in a stack without our provider keeps the default binding (the
 * type's prefix, `mongodbatlas`: the official provider).
 *
 * @since 0.1.0
 */

/**
 * What the binding needs of a provider construct: both flavours' providers
 * have it.
 *
 * @since 0.1.0
 * @category models
 */
export interface BindableProvider {
  /** `atlasflex`, or `atlasflex.<alias>`. */
  readonly fqn: string
  readonly alias?: string | undefined
  readonly node: { readonly path: string }
  /** The local name. */
  readonly terraformResourceType: string
  readonly terraformProviderSource?: string | undefined
  readonly terraformGeneratorMetadata?: { readonly providerVersion?: string | undefined } | undefined
}

const providersByStack = new WeakMap<object, Array<BindableProvider>>()

/**
 * Records one of our provider constructs in its stack. Throws when another
 * one of the stack (same local name, `atlasflex`) has another source address
 * or version constraint: `required_providers` holds one entry per local name,
 * and cdktf would silently keep the last.
 *
 * @since 0.1.0
 * @category binding
 */
export const registerProvider = (stack: object, provider: BindableProvider): void => {
  const providers = providersByStack.get(stack)
  if (providers === undefined) return void providersByStack.set(stack, [provider])
  // All of ours share the local name `atlasflex`: any other source or version is a conflict.
  for (const [what, of] of [
    ["source", (p: BindableProvider) => p.terraformProviderSource],
    ["version", (p: BindableProvider) => p.terraformGeneratorMetadata?.providerVersion],
  ] as const) {
    const other = providers.find((p) => of(p) !== of(provider))
    if (other !== undefined)
      throw new TypeError(
        `Provider "${provider.node.path}" has ${what} ${JSON.stringify(of(provider))}, ` +
          `but "${other.node.path}" in the same stack has ${JSON.stringify(of(other))}: ` +
          `every provider of local name "${provider.terraformResourceType}" must have the same ${what}.`,
      )
  }
  providers.push(provider)
}

/**
 * The provider a data source of `stack` binds to when it names none: the only
 * one of ours, else the only one of ours without an alias; `undefined` when
 * the stack has none of ours. Throws when the choice is ambiguous (several of
 * ours without an alias, or only aliased ones), naming the data source and
 * the candidates.
 *
 * @since 0.1.0
 * @category binding
 */
export const boundProvider = (stack: object, dataSourcePath: string): BindableProvider | undefined => {
  const providers = providersByStack.get(stack)
  if (providers === undefined) return undefined
  if (providers.length === 1) return providers[0]
  const defaults = providers.filter((p) => p.alias === undefined)
  if (defaults.length === 1) return defaults[0]
  throw new Error(
    `Data source "${dataSourcePath}" cannot choose between this package's providers ` +
      providers.map((p) => `"${p.node.path}"${p.alias === undefined ? "" : ` (alias "${p.alias}")`}`).join(", ") +
      `: set its \`provider\` to one of them.`,
  )
}

/**
 * A block's meta-arguments with `provider` set to this package's provider of
 * its stack when none was given (resolved at synth time): what the data
 * source's and the ephemeral resource's constructs answer.
 *
 * @throws Error when the stack has several of this package's providers and
 * none was given (naming them).
 * @since 0.1.0
 * @category binding
 */
export const boundMetaArguments = (
  block: { readonly provider?: unknown; readonly cdktfStack: object; readonly node: { readonly path: string } },
  args: { [name: string]: unknown },
): { [name: string]: unknown } => {
  if (block.provider !== undefined) return args
  const provider = boundProvider(block.cdktfStack, block.node.path)
  return provider === undefined ? args : { ...args, provider: provider.fqn }
}
