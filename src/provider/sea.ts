/**
 * The main script of the provider's single executable (a Node 24 SEA, built by
 * `scripts/release/sea.ts`): what `launch.ts` does from `dist/provider/`, from
 * the executable's own assets instead. The plugin and reader bundles and
 * their code caches are embedded (`plugin.cjs`, `plugin.cjs.cache`, …); the
 * caches were written by the same Node build on the same platform, so V8
 * accepts them. Nothing is read from disk and no `node` is needed on PATH.
 *
 * Node starts with `--use-openssl-ca` (the SEA's `execArgv`, `SEA_EXEC_ARGV`, and
 * `NODE_OPTIONS` is ignored): as with the shell launcher, the plugin's TLS
 * server then costs no root-store parsing, and the Atlas client is given
 * Node's bundled roots and `NODE_EXTRA_CA_CERTS` explicitly
 * (`src/datasource/plugin/Trust.ts`), so
 * it trusts what Node would.
 *
 * @since 0.1.0
 */
import { getAsset, isSea } from "node:sea"
import * as tls from "node:tls"
import { LauncherEnv } from "../datasource/plugin/Trust.js"
import { compileCommonJs } from "./host/CodeCache.js"
import type { Loaded } from "./host/CodeCache.js"
import { uptimeMillis } from "./host/Clock.js"
import { Launch } from "./host/LaunchHooks.js"
import type { LaunchInfo } from "./host/LaunchHooks.js"

const launchedAt = uptimeMillis()

/**
 * The asset keys of the bundles; each has its code cache under `<key>.cache`.
 *
 * @since 0.1.0
 * @category constants
 */
export const SeaAssets = { plugin: "plugin.cjs", reader: "reader.cjs" } as const

const seaRequire = require

const loadAsset = (key: string): Loaded => {
  let cachedData: Buffer | undefined
  if (process.env["ATLAS_PROVIDER_CODE_CACHE"] !== "0") {
    try {
      cachedData = Buffer.from(getAsset(`${key}.cache`))
    } catch {
      cachedData = undefined
    }
  }
  return compileCommonJs({
    source: getAsset(key, "utf8"),
    filename: `/sea/${key}`,
    cachedData,
    require: seaRequire,
    saveCache: () => {
      throw new Error("the single executable's code caches are written at build time")
    },
  })
}

if (isSea()) {
  const env = process.env
  env[LauncherEnv.bundledCa] = "1"
  const extra = env["NODE_EXTRA_CA_CERTS"]
  if (extra && !env[LauncherEnv.extraCaCerts]) env[LauncherEnv.extraCaCerts] = extra
  // No TLS context of the plugin needs Node's default store: the server
  // trusts only Terraform's certificate (its `ca`), and the Atlas client is
  // given its roots explicitly (`atlasTrust`). Emptied, the store is not
  // built at each context: the server's costs ~2 ms of CPU instead of ~7,
  // or ~13 with NODE_EXTRA_CA_CERTS set, which Node 24 parses into it.
  tls.setDefaultCACertificates([])
  const info: LaunchInfo = Launch.set({
    launchedAt,
    loadLazy: () => {
      const reader = loadAsset(SeaAssets.reader)
      info.lazyCached = reader.cached
      return reader.exports
    },
  })
  const plugin = loadAsset(SeaAssets.plugin)
  info.cached = plugin.cached
  plugin.exports.main().catch((error: unknown) => {
    process.stderr.write(`terraform-provider-mongodbatlas: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
}
