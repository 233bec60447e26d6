/**
 * What the launcher tells the plugin bundle, across bundles (each has its own
 * copy of every module, so this lives on `globalThis`): when the process
 * reached the launcher, whether the code cache was used, and how to load the
 * reader bundle through it. Without a launcher (tests, an unbundled run) the
 * reader is a plain dynamic import.
 *
 * @since 0.1.0
 */
import type * as ReaderModule from "../../datasource/plugin/Session.js"

const key = Symbol.for("atlas-flex-restore/provider.launch")

/**
 * @since 0.1.0
 * @category models
 */
export interface LaunchInfo {
  /** `uptimeMillis()` when the launcher started. */
  readonly launchedAt: number
  /** Whether V8 accepted the plugin bundle's code cache. */
  cached?: boolean
  /** Whether V8 accepted the reader bundle's code cache, once it is loaded. */
  readerCached?: boolean
  readonly loadReader?: () => typeof ReaderModule
}

/**
 * @since 0.1.0
 * @category hooks
 */
export const Launch = {
  set: (info: LaunchInfo): LaunchInfo => ((globalThis as Record<symbol, unknown>)[key] = info),
  get: (): LaunchInfo | undefined => (globalThis as Record<symbol, unknown>)[key] as LaunchInfo | undefined,
}

/**
 * The reader module: from the launcher's cached bundle, else imported.
 *
 * @since 0.1.0
 * @category hooks
 */
export const loadReaderModule = async (): Promise<typeof ReaderModule> => {
  const load = Launch.get()?.loadReader
  return load === undefined ? import("../../datasource/plugin/Session.js") : load()
}
