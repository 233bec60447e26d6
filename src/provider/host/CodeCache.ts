/**
 * Loads a CommonJS bundle through V8's code cache: the bytecode V8 compiled
 * last time is read from `<file>.cache` instead of parsing and compiling the
 * source again. Node 20 has no `module.enableCompileCache` (22.1+), so the
 * plugin does it with `vm.Script`'s `cachedData`, as v8-compile-cache did.
 * A missing or rejected cache (another Node version) only costs the compile;
 * `ATLAS_PROVIDER_CODE_CACHE=0` ignores it (for measuring).
 *
 * @since 0.1.0
 */
import { closeSync, constants as fsConstants, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, isAbsolute, join } from "node:path"
import { constants, Script } from "node:vm"

/**
 * @since 0.1.0
 * @category models
 */
export interface Loaded {
  readonly exports: any
  /** Whether a cache was found and V8 accepted it. */
  readonly cached: boolean
  /** Writes the cache of what has been compiled so far (call after warming up). */
  readonly writeCache: () => void
}

/**
 * Compiles and runs a CommonJS file as `require` would, with the code cache.
 *
 * @since 0.1.0
 * @category loading
 */
export const loadCommonJs = (file: string): Loaded => {
  const cacheFile = `${file}.cache`
  let cachedData: Buffer | undefined
  try {
    cachedData = process.env["ATLAS_PROVIDER_CODE_CACHE"] === "0" ? undefined : readFileSync(cacheFile)
  } catch {
    cachedData = undefined
  }
  return compileCommonJs({
    source: readFileSync(file, "utf8"),
    filename: file,
    cachedData,
    require: createRequire(file),
    saveCache: (data) => {
      // Renamed into place: three plugin processes may start at once.
      if (!writeCacheFile(cacheFile, data)) throw new Error(`cannot write the code cache ${cacheFile}`)
    },
  })
}

/**
 * Writes `data` as `file`, whole or not at all: a new temporary file beside
 * it (not through a symlink), renamed into place. Never throws (`false` when it could not be written).
 *
 * @since 0.1.0
 * @category loading
 */
export const writeCacheFile = (file: string, data: Uint8Array): boolean => {
  const temp = `${file}.${process.pid}.tmp`
  let created = false
  try {
    const fd = openSync(
      temp,
      fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW,
      0o644,
    )
    created = true
    try {
      writeSync(fd, data)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
    return true
  } catch {
    if (created) rmSync(temp, { force: true })
    return false
  }
}

/**
 * The folder of an executable's code caches: under `XDG_CACHE_HOME` when it
 * is an absolute path, else `HOME/.cache`; `undefined` with neither (or with
 * `ATLAS_PROVIDER_CODE_CACHE=0`).
 *
 * @since 0.1.0
 * @category loading
 */
export const codeCacheDir = (env: NodeJS.ProcessEnv, buildId: string): string | undefined => {
  if (env["ATLAS_PROVIDER_CODE_CACHE"] === "0" || !/^[0-9a-f]{64}$/.test(buildId)) return undefined
  const xdg = env["XDG_CACHE_HOME"]
  const home = env["HOME"]
  const base =
    xdg !== undefined && isAbsolute(xdg)
      ? xdg
      : home !== undefined && isAbsolute(home)
        ? join(home, ".cache")
        : undefined
  return base === undefined ? undefined : join(base, "atlas-flex-restore", "provider", buildId)
}

/**
 * Compiles and runs CommonJS source, with `cachedData` as its code cache when
 * given: the file loader above, and the single executable, whose bundles and
 * caches are embedded assets (`src/provider/sea.ts`).
 *
 * @since 0.1.0
 * @category loading
 */
export const compileCommonJs = (options: {
  readonly source: string
  readonly filename: string
  readonly cachedData: Buffer | undefined
  readonly require: NodeJS.Require
  readonly saveCache: (data: Buffer) => void
}): Loaded => {
  const { cachedData, filename } = options
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${options.source}\n})`, {
    filename,
    ...(cachedData === undefined ? {} : { cachedData }),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  const module = { exports: {} as any }
  script.runInThisContext()(module.exports, options.require, module, filename, dirname(filename))
  return {
    exports: module.exports,
    cached: cachedData !== undefined && !script.cachedDataRejected,
    writeCache: () => options.saveCache(script.createCachedData()),
  }
}
