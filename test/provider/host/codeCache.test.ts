import { execFileSync } from "node:child_process"
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as esbuild from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { codeCacheDir, loadCommonJs, writeCacheFile } from "../../../src/provider/host/CodeCache.js"

const dir = mkdtempSync(join(tmpdir(), "code-cache-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const module = (name: string, salt: string) => {
  const file = join(dir, name)
  writeFileSync(
    file,
    `const path = require("node:path"); exports.name = path.basename(__filename); exports.twice = (x) => 2 * x; module.exports.self = module.exports === exports; // ${salt}`,
  )
  return file
}

/** Loads a file in a fresh process (V8 keeps an in-memory cache per process). */
let runner: string
beforeAll(async () => {
  runner = join(dir, "runner.cjs")
  await esbuild.build({
    stdin: {
      contents: `import { loadCommonJs } from ${JSON.stringify(join(import.meta.dirname, "../../../src/provider/host/CodeCache.ts"))}
        const loaded = loadCommonJs(process.argv[2]); const value = loaded.exports.twice(21)
        if (process.argv[3] === "write") loaded.writeCache()
        console.log(JSON.stringify({ cached: loaded.cached, value }))`,
      resolveDir: dir,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: runner,
    logLevel: "error",
  })
})
const fresh = (file: string, write = false): { cached: boolean; value: number } =>
  JSON.parse(execFileSync(process.execPath, [runner, file, ...(write ? ["write"] : [])], { encoding: "utf8" }))

describe("loadCommonJs", () => {
  it("runs a CommonJS file as require would", () => {
    const loaded = loadCommonJs(module("a.cjs", "a"))
    expect(loaded.exports.name).toBe("a.cjs")
    expect(loaded.exports.twice(21)).toBe(42)
    expect(loaded.exports.self).toBe(true)
    expect(loaded.cached).toBe(false)
  })

  it("uses the cache a previous process wrote", () => {
    const file = module("b.cjs", "b")
    expect(fresh(file, true)).toEqual({ cached: false, value: 42 })
    expect(fresh(file)).toEqual({ cached: true, value: 42 })
  })

  it("works on when the cache is garbage or belongs to other code", () => {
    const file = module("c.cjs", "c")
    writeFileSync(`${file}.cache`, "not a code cache")
    expect(fresh(file)).toEqual({ cached: false, value: 42 })
    const other = module("d.cjs", "d")
    fresh(other, true)
    writeFileSync(file, `exports.twice = (x) => x + x // changed`)
    writeFileSync(`${file}.cache`, readFileSync(`${other}.cache`))
    expect(fresh(file)).toEqual({ cached: false, value: 42 })
  })
})

describe("loadCommonJs in one process", () => {
  it("writes the cache beside the file, and the next load uses it", () => {
    const file = module("e.cjs", "e")
    const first = loadCommonJs(file)
    expect(first.cached).toBe(false)
    first.writeCache()
    expect(statSync(`${file}.cache`).size).toBeGreaterThan(0)
    const second = loadCommonJs(file)
    expect(second.cached).toBe(true)
    expect(second.exports.twice(4)).toBe(8)
  })

  it("ignores the cache under ATLAS_PROVIDER_CODE_CACHE=0, and a cache V8 rejects", () => {
    const file = module("f.cjs", "f")
    loadCommonJs(file).writeCache()
    const saved = process.env["ATLAS_PROVIDER_CODE_CACHE"]
    process.env["ATLAS_PROVIDER_CODE_CACHE"] = "0"
    try {
      expect(loadCommonJs(file).cached).toBe(false)
    } finally {
      if (saved === undefined) delete process.env["ATLAS_PROVIDER_CODE_CACHE"]
      else process.env["ATLAS_PROVIDER_CODE_CACHE"] = saved
    }
    expect(loadCommonJs(file).cached).toBe(true)
    // Source this process has not compiled yet (V8 would reuse its own compilation), with a cache that is garbage.
    const other = module("h.cjs", "h")
    writeFileSync(`${other}.cache`, "not a code cache")
    const rejected = loadCommonJs(other)
    expect(rejected.cached).toBe(false)
    expect(rejected.exports.twice(5)).toBe(10)
  })

  it("says which cache it could not write", () => {
    const file = module("g.cjs", "g")
    // A folder where the cache would go: it cannot be replaced by a file.
    mkdirSync(`${file}.cache`)
    expect(() => loadCommonJs(file).writeCache()).toThrow(`cannot write the code cache ${file}.cache`)
  })
})

describe("writeCacheFile", () => {
  it("leaves no temporary file behind when the cache cannot be renamed into place", () => {
    const folder = join(dir, "rename")
    mkdirSync(folder)
    // A folder where the cache would go: the temporary file is written, then cannot replace it.
    mkdirSync(join(folder, "x.cache"))
    expect(writeCacheFile(join(folder, "x.cache"), Buffer.from("v1"))).toBe(false)
    expect(readdirSync(folder)).toEqual(["x.cache"])
    expect(readdirSync(join(folder, "x.cache"))).toEqual([])
  })

  it("writes the bytes whole, writable by its owner alone, not executable, and closes the file", () => {
    const folder = join(dir, "mode")
    mkdirSync(folder)
    const bytes = Buffer.from([0, 1, 2, 255, 254])
    expect(writeCacheFile(join(folder, "y.cache"), bytes)).toBe(true)
    // 0644 less the umask (vitest's workers cannot set one).
    expect(statSync(join(folder, "y.cache")).mode & 0o777 & ~0o644).toBe(0)
    expect(statSync(join(folder, "y.cache")).mode & 0o600).toBe(0o600)
    expect(readFileSync(join(folder, "y.cache"))).toEqual(bytes)
    // The file it wrote is closed: no descriptor of the process points at it.
    const open = () =>
      readdirSync("/proc/self/fd").flatMap((fd) => {
        try {
          return [readlinkSync(`/proc/self/fd/${fd}`)]
        } catch {
          return []
        }
      })
    expect(writeCacheFile(join(folder, "z.cache"), bytes)).toBe(true)
    expect(open().filter((target) => target.startsWith(folder))).toEqual([])
    expect(readdirSync(folder).sort()).toEqual(["y.cache", "z.cache"])
  })
})

describe("codeCacheDir", () => {
  const id = "0123456789abcdef".repeat(4)
  it("takes a build id of exactly 64 lower-case hex digits and nothing around it", () => {
    expect(codeCacheDir({ HOME: "/h" }, id)).toBe(`/h/.cache/atlas-flex-restore/provider/${id}`)
    for (const bad of [`../${id}`, `${id}/..`, `${id}0`, id.slice(1), id.toUpperCase(), ""]) {
      expect([bad, codeCacheDir({ HOME: "/h" }, bad)]).toEqual([bad, undefined])
    }
  })

  it("uses no relative folder: a relative XDG_CACHE_HOME or HOME counts as none", () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: "x" }, id)).toBeUndefined()
    expect(codeCacheDir({ HOME: "h" }, id)).toBeUndefined()
    expect(codeCacheDir({ XDG_CACHE_HOME: "x", HOME: "h" }, id)).toBeUndefined()
    expect(codeCacheDir({ XDG_CACHE_HOME: "/x" }, id)).toBe(`/x/atlas-flex-restore/provider/${id}`)
  })
})
