/**
 * The `User-Agent` sent to Atlas: package, version, Node and the OS, so that
 * MongoDB (and a proxy's logs) can tell this client apart.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"

let cached: string | undefined

// The bundles (the plugin, the CLI) have the version written in at build
// time: resolving package.json costs a cold process a few ms.
declare const __ATLAS_FLEX_RESTORE_VERSION__: string | undefined

/**
 * The package's version, `0.0.0` if its package.json cannot be read.
 *
 * @since 0.1.0
 * @category constants
 */
export const packageVersion = (): string => {
  if (typeof __ATLAS_FLEX_RESTORE_VERSION__ === "string") return __ATLAS_FLEX_RESTORE_VERSION__
  try {
    // Self-reference through the package's own `exports`: the same from
    // src/ (tests) and from dist/ (the built package), and read only once.
    const pkg = createRequire(import.meta.url)("atlas-flex-restore/package.json") as { version?: unknown }
    return typeof pkg.version === "string" ? pkg.version : "0.0.0"
  } catch {
    return "0.0.0"
  }
}

/**
 * `atlas-flex-restore/<version> (Node <version>; <platform> <arch>)`.
 *
 * @since 0.1.0
 * @category constants
 */
export const userAgent = (): string =>
  (cached ??= `atlas-flex-restore/${packageVersion()} (Node ${process.versions.node}; ${process.platform} ${process.arch})`)
