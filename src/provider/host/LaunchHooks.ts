/**
 * What a launcher tells the plugin bundle, across bundles (each has its own
 * copy of every module, so this lives on `globalThis`): when the process
 * reached the launcher, whether the code cache was used, and how to load the
 * lazy bundle (the code only some starts need) through it. Without a
 * launcher (tests, an unbundled run) there is nothing here and the
 * application imports its lazy module itself.
 *
 * @since 0.1.0
 */

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
  /** Whether V8 accepted the lazy bundle's code cache, once it is loaded. */
  lazyCached?: boolean
  /** Loads the lazy bundle and returns its exports. */
  readonly loadLazy?: () => unknown
}

/**
 * @since 0.1.0
 * @category hooks
 */
export const Launch = {
  set: (info: LaunchInfo): LaunchInfo => ((globalThis as Record<symbol, unknown>)[key] = info),
  get: (): LaunchInfo | undefined => (globalThis as Record<symbol, unknown>)[key] as LaunchInfo | undefined,
}
