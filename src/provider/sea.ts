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
import { constants, existsSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { getAsset, isSea } from "node:sea"
import * as tls from "node:tls"
import { LauncherEnv } from "../datasource/plugin/Trust.js"
import { codeCacheDir, compileCommonJs, writeCacheFile } from "./host/CodeCache.js"
import type { Loaded } from "./host/CodeCache.js"
import { uptimeMillis } from "./host/Clock.js"
import { Launch } from "./host/LaunchHooks.js"
import type { LaunchInfo } from "./host/LaunchHooks.js"

const launchedAt = uptimeMillis()

/**
 * The asset keys of the bundles.
 *
 * @since 0.1.0
 * @category constants
 */
export const SeaAssets = { plugin: "plugin.cjs", reader: "reader.cjs", buildId: "build-id" } as const

/**
 * Creates `dir` and its missing parents (0700), one at a time: Node's
 * recursive `mkdirSync` never returns for a path under `/proc`. `false` when
 * it cannot.
 */
const makeDirs = (dir: string): boolean => {
  const missing: Array<string> = []
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    if (dirname(d) === d) return false
    missing.unshift(d)
  }
  try {
    for (const d of missing) mkdirSync(d, { mode: 0o700 })
    return true
  } catch {
    return false
  }
}

const seaRequire = require
const pending: Array<() => void> = []

const loadAsset = (key: string, cacheDir: string | undefined): Loaded => {
  const cacheFile = cacheDir === undefined ? undefined : join(cacheDir, `${key}.cache`)
  let cachedData: Buffer | undefined
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(openSync(cacheFile, constants.O_RDONLY | constants.O_NOFOLLOW))
    } catch {
      cachedData = undefined
    }
  }
  const loaded = compileCommonJs({
    source: getAsset(key, "utf8"),
    filename: `/sea/${key}`,
    cachedData,
    require: seaRequire,
    saveCache: (data) => {
      if (cacheDir === undefined || cacheFile === undefined) return
      if (makeDirs(cacheDir)) writeCacheFile(cacheFile, data)
    },
  })
  // Written at exit, with every function this start compiled.
  if (!loaded.cached) pending.push(loaded.writeCache)
  return loaded
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
  const cacheDir = codeCacheDir(env, getAsset(SeaAssets.buildId, "utf8"))
  process.once("exit", () => {
    for (const write of pending) {
      try {
        write()
      } catch {
        // A cache is only ever an optimization.
      }
    }
  })
  const info: LaunchInfo = Launch.set({
    launchedAt,
    loadLazy: () => {
      const reader = loadAsset(SeaAssets.reader, cacheDir)
      info.lazyCached = reader.cached
      return reader.exports
    },
  })
  const plugin = loadAsset(SeaAssets.plugin, cacheDir)
  info.cached = plugin.cached
  plugin.exports.main().catch((error: unknown) => {
    process.stderr.write(`terraform-provider-mongodbatlas: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
}
