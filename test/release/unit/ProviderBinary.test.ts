/**
 * The provider's single executable, built from tiny stand-in bundles (a main
 * script that reports what the executable holds) and the pinned Node 24: the
 * file written (mode, size, stripped or not, the SEA fuse flipped), what it
 * runs with (its options, its assets, the build id), and how a build for
 * another architecture finds qemu-user, or says what is missing.
 */
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import { oncePerCi } from "../../oncePerCi.js"
import { fetchNodeBinary, NODE_BINARIES, readVerifiedNode } from "../../../src/release/NodeBinary.js"
import {
  AARCH64_PREFIX,
  BUNDLE_FILES,
  packProviderBinary,
  runnerFor,
  SEA_EXEC_ARGV,
  SEA_FUSE,
  seaBuildId,
} from "../../../src/release/ProviderBinary.js"

const root = mkdtempSync(join(tmpdir(), "release-provider-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const saved = { PATH: process.env["PATH"], NODE_OPTIONS: process.env["NODE_OPTIONS"] }
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
})

const qemuMissing =
  "running arm64 binaries here needs qemu-user and the arm64 C libraries: apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross"

/** A folder holding empty executables of these names. */
const binDir = (name: string, programs: ReadonlyArray<string>): string => {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  for (const program of programs) {
    writeFileSync(join(dir, program), "")
    chmodSync(join(dir, program), 0o755)
  }
  return dir
}

describe("running a binary of an architecture", () => {
  it("of this machine's is direct", () => {
    expect(runnerFor("x64")).toEqual({ prefix: [] })
  })
  it("arm64 runs under qemu-user from PATH, the static build first, with the arm64 C libraries", () => {
    const cross = join(root, "cross")
    mkdirSync(join(cross, "lib"), { recursive: true })
    const both = binDir("qemu-both", ["qemu-aarch64-static", "qemu-aarch64"])
    const plain = binDir("qemu-plain", ["qemu-aarch64"])
    const none = binDir("qemu-none", [])
    process.env["PATH"] = `${none}:${plain}:${both}`
    expect(runnerFor("arm64", cross)).toEqual({ prefix: [join(both, "qemu-aarch64-static"), "-L", cross] })
    process.env["PATH"] = `${none}:${plain}`
    expect(runnerFor("arm64", cross)).toEqual({ prefix: [join(plain, "qemu-aarch64"), "-L", cross] })
    // By default, Debian's libc6-arm64-cross folder.
    expect(runnerFor("arm64")).toEqual(
      existsSync(join(AARCH64_PREFIX, "lib"))
        ? { prefix: [join(plain, "qemu-aarch64"), "-L", AARCH64_PREFIX] }
        : { missing: qemuMissing },
    )
  })
  it("arm64 with qemu-user but without the arm64 C libraries says what to install", () => {
    process.env["PATH"] = binDir("qemu-both", ["qemu-aarch64-static", "qemu-aarch64"])
    const cross = join(root, "cross-without-lib")
    mkdirSync(cross, { recursive: true })
    expect(runnerFor("arm64", cross)).toEqual({ missing: qemuMissing })
    expect(runnerFor("arm64", join(root, "no-cross"))).toEqual({ missing: qemuMissing })
  })
  it("arm64 without qemu-user on PATH says what to install; an empty PATH entry is not the current folder", () => {
    // qemu in the current folder only (the test runner's, which its worker threads cannot change): an empty entry of
    // PATH must not find it.
    const inCwd = join(process.cwd(), "qemu-aarch64-static")
    expect(existsSync(inCwd)).toBe(false)
    writeFileSync(inCwd, "", { mode: 0o755 })
    try {
      process.env["PATH"] = `:${binDir("qemu-none", [])}:`
      expect(runnerFor("arm64")).toEqual({ missing: qemuMissing })
    } finally {
      rmSync(inCwd)
    }
    delete process.env["PATH"]
    expect(runnerFor("arm64")).toEqual({ missing: qemuMissing })
  })
  it("a build for arm64 without qemu-user fails at once, saying why, fetching and writing nothing", async () => {
    process.env["PATH"] = binDir("qemu-none", [])
    const nodeCacheDir = join(root, "untouched-cache")
    const outFile = join(root, "never-written")
    await expect(
      packProviderBinary({ arch: "arm64", bundleDir: join(root, "no-bundles"), outFile, nodeCacheDir }),
    ).rejects.toThrow(new Error(`cannot build the linux_arm64 binary: ${qemuMissing}`))
    expect(existsSync(nodeCacheDir)).toBe(false)
    expect(existsSync(outFile)).toBe(false)
  })
})

describe("the build id", () => {
  const sources = (plugin: string, reader: string, main = "main") => ({
    "plugin.cjs": Buffer.from(plugin),
    "reader.cjs": Buffer.from(reader),
    "sea-main.cjs": Buffer.from(main),
  })
  const id = (overrides: Partial<Parameters<typeof seaBuildId>[0]> = {}) =>
    seaBuildId({
      nodeSha256: NODE_BINARIES["linux-x64-24"].sha256,
      execArgv: SEA_EXEC_ARGV,
      sources: sources("ab", "c"),
      ...overrides,
    })
  it("is a SHA-256, the same for the same inputs", () => {
    expect(id()).toMatch(/^[0-9a-f]{64}$/)
    expect(id()).toBe(id())
  })
  it("changes with the Node binary, the options, any bundle, and bytes moved from one bundle to the next", () => {
    const ids = [
      id(),
      id({ nodeSha256: NODE_BINARIES["linux-arm64-24"].sha256 }),
      id({ execArgv: ["--use-openssl-ca"] }),
      id({ sources: sources("ab", "c", "main2") }),
      id({ sources: sources("ab", "d") }),
      id({ sources: sources("a", "bc") }),
      id({ sources: sources("abc", "") }),
    ]
    expect(new Set(ids).size).toBe(ids.length)
  })
})

/** Stand-in bundles: the main script prints what the executable was built with. */
const bundles = (name: string, plugin: string, reader: string): string => {
  const dir = join(root, name)
  mkdirSync(dir)
  writeFileSync(join(dir, "plugin.cjs"), plugin)
  writeFileSync(join(dir, "reader.cjs"), reader)
  writeFileSync(
    join(dir, "sea-main.cjs"),
    [
      'const sea = require("node:sea")',
      "const asset = (key) => { try { return sea.getAsset(key, 'utf8') } catch { return null } }",
      "process.stdout.write(JSON.stringify({",
      "  isSea: sea.isSea(), execArgv: process.execArgv, keys: sea.getAssetKeys().sort(),",
      "  buildId: asset('build-id'), plugin: asset('plugin.cjs'), reader: asset('reader.cjs'),",
      "}))",
    ].join("\n"),
  )
  return dir
}
const sourcesOf = (dir: string) =>
  Object.fromEntries(BUNDLE_FILES.map((file) => [file, readFileSync(join(dir, file))])) as Record<
    (typeof BUNDLE_FILES)[number],
    Buffer
  >

/** Runs the executable with a NODE_OPTIONS that would announce itself, were it obeyed. */
const run = (file: string) => {
  const hijack = join(root, "hijack.cjs")
  writeFileSync(hijack, 'process.stderr.write("NODE_OPTIONS obeyed\\n")')
  const result = spawnSync(file, [], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", NODE_OPTIONS: `--require=${hijack}` },
  })
  return { status: result.status, stderr: result.stderr, report: JSON.parse(result.stdout || "null") as unknown }
}

// Each build reads, checks and strips the 127 MB pinned Node and injects the blob (seconds); the executable is the
// pinned Node 24's whatever Node runs the tests.
describe.skipIf(oncePerCi("the provider executable's builds") !== undefined)(
  "the executable",
  { timeout: 300_000 },
  () => {
    const pinned = () => readVerifiedNode("linux-x64-24", fetchNodeBinary("linux-x64-24"))
    const fuse = (bytes: Buffer, flag: string) => bytes.includes(Buffer.from(`${SEA_FUSE}:${flag}`))

    it("is the pinned Node, stripped, with the blob injected and its fuse flipped, written 0755", async () => {
      const bundleDir = bundles("bundles-a", "module.exports = 'plugin a'", "module.exports = 'reader a'")
      const workParent = mkdtempSync(join(root, "work-"))
      const outFile = join(root, "provider-a")
      const warn = console.warn
      const built = await packProviderBinary({ arch: "x64", bundleDir, outFile, workParent })
      const bytes = readFileSync(outFile)
      const node = pinned()
      expect(built).toEqual({ outFile, bytes: bytes.length, stripped: true, nodeVersion: "24.22.3" })
      expect(statSync(outFile).mode & 0o7777).toBe(0o755)
      // The symbol table and debugging sections are gone: 127 MB → 109 MB.
      expect(bytes.length).toBeLessThan(node.length - 15_000_000)
      expect(fuse(node, "0")).toBe(true)
      expect(fuse(bytes, "1")).toBe(true)
      expect(fuse(bytes, "0")).toBe(false)
      // Nothing left where it worked; console.warn is the caller's again.
      expect(readdirSync(workParent)).toEqual([])
      expect(console.warn).toBe(warn)
      // Built again in another folder: the same bytes (no code cache, whose bytes differ at every compile).
      const again = join(root, "provider-a-again")
      await packProviderBinary({
        arch: "x64",
        bundleDir,
        outFile: again,
        workParent: mkdtempSync(join(root, "elsewhere-")),
      })
      expect(readFileSync(again).equals(bytes)).toBe(true)

      expect(run(outFile)).toEqual({
        status: 0,
        // No experimental-feature warning, and NODE_OPTIONS ignored.
        stderr: "",
        report: {
          isSea: true,
          execArgv: [...SEA_EXEC_ARGV],
          // The main script is the blob's entry, not an asset.
          keys: ["build-id", "plugin.cjs", "reader.cjs"],
          buildId: seaBuildId({
            nodeSha256: NODE_BINARIES["linux-x64-24"].sha256,
            execArgv: SEA_EXEC_ARGV,
            sources: sourcesOf(bundleDir),
          }),
          plugin: "module.exports = 'plugin a'",
          reader: "module.exports = 'reader a'",
        },
      })
    })

    it("unstripped when asked: the whole pinned Node, and the new bundles' build id", async () => {
      const bundleDir = bundles("bundles-b", "module.exports = 'plugin b'", "module.exports = 'reader b'")
      const outFile = join(root, "provider-b")
      const built = await packProviderBinary({ arch: "x64", bundleDir, outFile, strip: false })
      const bytes = readFileSync(outFile)
      expect(built).toEqual({ outFile, bytes: bytes.length, stripped: false, nodeVersion: "24.22.3" })
      expect(bytes.length).toBeGreaterThan(pinned().length)
      expect(fuse(bytes, "1")).toBe(true)
      const { report } = run(outFile) as { report: { buildId: string; plugin: string } }
      expect(report.plugin).toBe("module.exports = 'plugin b'")
      expect(report.buildId).toBe(
        seaBuildId({
          nodeSha256: NODE_BINARIES["linux-x64-24"].sha256,
          execArgv: SEA_EXEC_ARGV,
          sources: sourcesOf(bundleDir),
        }),
      )
    })
  },
)
