/**
 * The plugin's launcher (`dist/provider/launch.cjs`, loaded by
 * `bin/terraform-provider-mongodbatlas`): loads the plugin bundle (`main.ts`)
 * through the code cache, offers the lazy reader bundle (the session,
 * `src/datasource/plugin/Session.ts`) the same way, and runs the plugin. With `ATLAS_PROVIDER_WRITE_CODE_CACHE=1` it instead loads both
 * bundles, warms them up and writes their caches (`npm run build` does this).
 *
 * @since 0.1.0
 */
import { join } from "node:path"
import { loadCommonJs } from "./host/CodeCache.js"
import { uptimeMillis } from "./host/Clock.js"
import { Launch } from "./host/LaunchHooks.js"
import type { LaunchInfo } from "./host/LaunchHooks.js"

const launchedAt = uptimeMillis()
const dir = __dirname

if (process.env["ATLAS_PROVIDER_WRITE_CODE_CACHE"] === "1") {
  const plugin = loadCommonJs(join(dir, "plugin.cjs"))
  const reader = loadCommonJs(join(dir, "reader.cjs"))
  plugin.exports
    .warmUp()
    .then(() => plugin.writeCache())
    .then(() => reader.exports.warmUp())
    .then(() => reader.writeCache())
    .catch((error: unknown) => {
      process.stderr.write(`warming up the plugin failed: ${String(error)}\n`)
      process.exit(1)
    })
} else {
  const info: LaunchInfo = Launch.set({
    launchedAt,
    loadLazy: () => {
      const reader = loadCommonJs(join(dir, "reader.cjs"))
      info.lazyCached = reader.cached
      return reader.exports
    },
  })
  const plugin = loadCommonJs(join(dir, "plugin.cjs"))
  info.cached = plugin.cached
  plugin.exports.main().catch((error: unknown) => {
    process.stderr.write(`terraform-provider-mongodbatlas: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
}
