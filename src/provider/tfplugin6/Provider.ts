/**
 * What the generic server (`ProviderServer.ts`) is handed: a provider value,
 * the way terraform-plugin-framework's server is handed a provider whose
 * `DataSources()` and `EphemeralResources()` return values. A provider has
 * its source address, the schema of its block, `configure` (which makes a
 * session: the clients of one configuration), its data sources and its
 * ephemeral resources; each has its type name, schema, `validate` and `read`.
 * An ephemeral resource is a data source's sibling: the same read, served at
 * OpenEphemeralResource, its result never written to plan or state. Decoding, unknown values, cancellation,
 * scrubbing and the protocol's answers are the server's.
 *
 * @since 0.1.0
 */
import type { Diagnostic } from "./Diagnostic.js"
import type { Block } from "./Schema.js"

/**
 * The known, non-empty string values of a block's attributes, by name.
 *
 * @since 0.1.0
 * @category models
 */
export type KnownValues = Readonly<Record<string, string>>

/**
 * What one configuration of the provider made: the server hands it to every
 * read until the next ConfigureProvider, and disposes of it after the reads
 * in flight on it finish.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProviderSession {
  /** Masks this configuration's secrets in any text (diagnostics, logs). */
  readonly scrub: (text: string) => string
  /**
   * The configuration's problems. `complete` is false when some attribute of
   * the provider block was not known yet: check only what can be checked.
   */
  readonly check: (complete: boolean) => Promise<ReadonlyArray<Diagnostic>>
  readonly dispose: () => Promise<void>
}

/**
 * How a read ended: the data source's attribute values, or diagnostics.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadResult =
  | { readonly _tag: "State"; readonly state: Readonly<Record<string, string | null | undefined>> }
  | { readonly _tag: "Diagnostics"; readonly diagnostics: ReadonlyArray<Diagnostic> }

/**
 * One data source.
 *
 * @since 0.1.0
 * @category models
 */
export interface DataSource<S extends ProviderSession = ProviderSession> {
  readonly typeName: string
  readonly schema: Block
  /**
   * Problems of the known input values, at validation time (unknown and null
   * values are left out: unknowns are checked once known, and Terraform
   * itself reports a missing required attribute).
   */
  readonly validate: (known: KnownValues) => ReadonlyArray<Diagnostic>
  /**
   * Reads with every required input known. `signal` aborts when Terraform
   * cancels the call or stops the provider.
   */
  readonly read: (session: S, config: KnownValues, signal: AbortSignal) => Promise<ReadResult>
}

/**
 * One ephemeral resource (Terraform 1.10 or later): read at
 * OpenEphemeralResource, with nothing to renew or release at Close. The
 * shape of a data source, so one value can serve as both.
 *
 * @since 0.1.0
 * @category models
 */
export type EphemeralResource<S extends ProviderSession = ProviderSession> = DataSource<S>

/**
 * A provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface Provider<S extends ProviderSession = ProviderSession> {
  /** The source address, as a `required_providers` block names it. */
  readonly source: string
  /** The provider block. */
  readonly schema: Block
  /** A session for these known values of the provider block (the rest unset or unknown). */
  readonly configure: (settings: KnownValues) => Promise<S>
  readonly dataSources: ReadonlyArray<DataSource<S>>
  readonly ephemeralResources?: ReadonlyArray<EphemeralResource<S>>
}
