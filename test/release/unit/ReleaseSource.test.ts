/**
 * `provider install --from` in process, without building anything: which
 * release a path or URL names, and the producer that writes the release's
 * executable only once its archive matches `SHA256SUMS` (and `SHA256SUMS` its
 * signature, checked by the real gpg and gpgv in a throwaway folder).
 *
 * The https mirror is served here over plain HTTP by a local server: Node's
 * global fetch trusts only the CAs it was started with, so the source reads
 * it through a fetch that swaps `https:` for `http:` and leaves every other
 * part of the request alone (redirects, abort, Content-Length and chunked
 * bodies are the real fetch's). The TLS part is test/release/install.test.ts's.
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
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:http"
import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import type { InstallTarget } from "../../../src/release/ProviderInstall.js"
import { fromRelease, releaseNames, releaseSource, verifySignature } from "../../../src/release/ReleaseSource.js"
import type { ReleaseSource } from "../../../src/release/ReleaseSource.js"
import { InstallError, Interrupted } from "../../../src/release/Step.js"
import { fakeRelease, throwawayKey, writeZip } from "../fixtures.js"
import { loadFresh } from "../../fresh.js"

const root = mkdtempSync(join(tmpdir(), "release-source-"))
const servers: Array<Server> = []
const keys: Array<{ readonly gnupgHome: string; readonly gpgEnv: NodeJS.ProcessEnv }> = []
afterAll(() => {
  for (const server of servers) {
    server.closeAllConnections()
    server.close()
  }
  for (const key of keys) {
    spawnSync("gpgconf", ["--kill", "all"], { env: key.gpgEnv })
    rmSync(key.gnupgHome, { recursive: true, force: true })
  }
  rmSync(root, { recursive: true, force: true })
})

let n = 0
const folder = (name: string) => {
  const dir = join(root, `${name}-${++n}`)
  mkdirSync(dir, { recursive: true })
  return dir
}
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex")

const VERSION = "1.2.3"
const names = releaseNames(VERSION)
const SUMS = "terraform-provider-mongodbatlas_1.2.3_SHA256SUMS"
const ZIP_AMD64 = "terraform-provider-mongodbatlas_1.2.3_linux_amd64.zip"
const ZIP_ARM64 = "terraform-provider-mongodbatlas_1.2.3_linux_arm64.zip"
const EXECUTABLE = "terraform-provider-mongodbatlas_v1.2.3"
const MIRROR_DIR = "registry.terraform.io/atlas-flex/mongodbatlas"
const SMALL = 65_536
const ARCHIVE = 268_435_456
const executables = { linux_amd64: Buffer.from("#!/bin/sh\necho amd64\n"), linux_arm64: Buffer.from("arm64 bytes") }

/** A release folder of VERSION with a zip per platform and SHA256SUMS listing them. */
const release = async () => {
  const dir = folder("release")
  await fakeRelease(dir, VERSION, executables)
  return { dir, sums: join(dir, SUMS), zip: join(dir, ZIP_AMD64) }
}

/** Rewrites `dir`'s SHA256SUMS to list `files` as they are now. */
const listSums = (dir: string, files: ReadonlyArray<string>, extra = "") =>
  writeFileSync(join(dir, SUMS), files.map((f) => `${sha256(readFileSync(join(dir, f)))}  ${f}\n`).join("") + extra)

/** SHA256SUMS of exactly `size` bytes: the line of `zip` then filler lines, which list nothing. */
const sumsOfSize = (dir: string, size: number) => {
  const line = `${sha256(readFileSync(join(dir, ZIP_AMD64)))}  ${ZIP_AMD64}\n`
  const filler = size - line.length
  return line + `${"#".repeat(filler - 1)}\n`
}

const target = (workParent: string, arch: "x64" | "arm64" = "x64"): InstallTarget => {
  const platform = arch === "x64" ? "linux_amd64" : "linux_arm64"
  return {
    dir: workParent,
    version: VERSION,
    platform,
    arch,
    versionDir: workParent,
    platformDir: join(workParent, platform),
    executable: join(workParent, platform, EXECUTABLE),
  }
}

/** Runs the producer of `source` into a fresh work folder: the file it wrote, or the error. */
const produce = async (
  source: ReleaseSource,
  options: { readonly keyFile?: string; readonly arch?: "x64" | "arm64"; readonly signal?: AbortSignal } = {},
) => {
  const workParent = folder("work")
  const outFile = join(workParent, "out")
  const run = fromRelease(
    source,
    options.keyFile,
  )({ outFile, workParent, target: target(workParent, options.arch), signal: options.signal })
  return { run, outFile, workParent }
}

const installs = async (source: ReleaseSource, options: Parameters<typeof produce>[1] = {}) => {
  const { run, outFile, workParent } = await produce(source, options)
  await run
  expect(readdirSync(workParent)).toEqual(["out"])
  return { bytes: readFileSync(outFile), mode: statSync(outFile).mode & 0o7777 }
}

/** Expects the producer to fail with the InstallError `message` (exactly) and to leave its work folder empty. */
const refuses = async (source: ReleaseSource, message: string, options: Parameters<typeof produce>[1] = {}) => {
  const { run, workParent } = await produce(source, options)
  await expect(run).rejects.toThrow(new InstallError(message))
  expect(readdirSync(workParent)).toEqual([])
}

describe("releaseNames: a release's files", () => {
  it("are named by the version, as the release folder and the mirror hold them", () => {
    const { zip, ...rest } = releaseNames("1.2.3")
    expect(rest).toEqual({
      executable: EXECUTABLE,
      sums: SUMS,
      signature: `${SUMS}.sig`,
      manifest: "terraform-provider-mongodbatlas_1.2.3_manifest.json",
      mirrorDir: MIRROR_DIR,
    })
    expect([zip("linux_amd64"), zip("linux_arm64")]).toEqual([ZIP_AMD64, ZIP_ARM64])
  })
})

describe("releaseSource: which release --from names", () => {
  it("an archive: the release of its name, read from the folder it is in", async () => {
    const r = await release()
    const source = releaseSource(r.zip, "9.9.9")
    expect(source.version).toBe(VERSION)
    expect(source.describe(SUMS)).toBe(join(r.dir, SUMS))
    expect(await source.read(SUMS, SMALL, undefined)).toEqual(readFileSync(r.sums))
    expect(await source.read("nothing-here", SMALL, undefined)).toBeUndefined()
    expect(releaseSource(join(r.dir, ZIP_ARM64), "9.9.9").version).toBe(VERSION)
  })

  it("an archive not named as released is refused, naming the pattern", () => {
    for (const name of [
      "provider.zip",
      "xterraform-provider-mongodbatlas_1.2.3_linux_amd64.zip",
      "terraform-provider-mongodbatlas_1.2.3_linux_amd64.zip.bak",
      "terraform-provider-mongodbatlas__linux_amd64.zip",
      "terraform-provider-mongodbatlas_1.2.3_linux_386.zip",
      "terraform-provider-mongodbatlas_1.2.3_darwin_amd64.zip",
    ]) {
      const file = join(folder("named"), name)
      writeFileSync(file, "zip")
      expect(() => releaseSource(file, VERSION)).toThrow(
        new InstallError(
          `--from ${file}: an archive must be named terraform-provider-mongodbatlas_<version>_linux_<arch>.zip, as released`,
        ),
      )
    }
  })

  it("a path that is not there", () => {
    const missing = join(root, "no-such-release")
    expect(() => releaseSource(missing, VERSION)).toThrow(new InstallError(`--from ${missing}: no such file or folder`))
  })

  it("a folder with one release: that release, whatever version is asked", async () => {
    const r = await release()
    writeFileSync(join(r.dir, `${SUMS}.sig`), "signature")
    writeFileSync(join(r.dir, `old-${SUMS}`), "not a release")
    const source = releaseSource(r.dir, "9.9.9")
    expect(source.version).toBe(VERSION)
    expect(source.describe(ZIP_AMD64)).toBe(join(r.dir, ZIP_AMD64))
    expect(await source.read(`${SUMS}.sig`, SMALL, undefined)).toEqual(Buffer.from("signature"))
  })

  it("a folder with several releases: the version asked, or the releases it holds", async () => {
    const dir = folder("several")
    await fakeRelease(dir, "1.0.0", executables)
    await fakeRelease(dir, "2.0.0", executables)
    expect(releaseSource(dir, "2.0.0").version).toBe("2.0.0")
    expect(releaseSource(dir, "1.0.0").version).toBe("1.0.0")
    expect(() => releaseSource(dir, "9.9.9")).toThrow(
      /^--from .+: no terraform-provider-mongodbatlas_9\.9\.9_SHA256SUMS there \(it holds releases (1\.0\.0, 2\.0\.0|2\.0\.0, 1\.0\.0)\)$/,
    )
  })

  it("a folder with no release says which file it looked for", async () => {
    const dir = folder("none")
    writeFileSync(join(dir, ZIP_AMD64), "zip")
    expect(() => releaseSource(dir, "9.9.9")).toThrow(
      new InstallError(`--from ${dir}: no terraform-provider-mongodbatlas_9.9.9_SHA256SUMS there`),
    )
  })

  it("a folder whose path holds '://' is a folder, not a URL", async () => {
    const dir = join(folder("odd"), "x:", "rel")
    await fakeRelease(dir, VERSION, executables)
    const odd = dir.replace("x:/", "x://")
    expect(releaseSource(odd, "9.9.9").version).toBe(VERSION)
  })

  it("an https mirror URL, with or without a trailing slash, in any letter case: the version asked", () => {
    for (const url of ["https://mirror.example/tf", "https://mirror.example/tf/", "HTTPS://mirror.example/tf"]) {
      const source = releaseSource(url, "4.5.6")
      expect(source.version).toBe("4.5.6")
      expect(source.describe("a.zip")).toBe(`https://mirror.example/tf/${MIRROR_DIR}/a.zip`)
    }
    expect(releaseSource("https://mirror.example", "4.5.6").describe("b")).toBe(
      `https://mirror.example/${MIRROR_DIR}/b`,
    )
  })

  it("a URL of another scheme is refused: the release is only trusted over TLS", () => {
    for (const [url, shown] of [
      ["http://mirror.example/tf", "http://mirror.example/tf"],
      ["HTTP://Mirror.Example", "http://mirror.example/"],
      ["ftp://mirror.example/", "ftp://mirror.example/"],
      ["git+ssh://h/x", "git+ssh://h/x"],
    ]) {
      expect(() => releaseSource(url!, VERSION)).toThrow(
        new InstallError(`--from ${shown}: a mirror URL must be https:// (the release is only trusted over TLS)`),
      )
    }
  })

  it("a URL that does not parse is refused", () => {
    expect(() => releaseSource("https://", VERSION)).toThrow(
      new InstallError("--from is not a valid URL (a mirror URL is https://<host>/<path>)"),
    )
  })

  it("a URL with a user, password, query or fragment is refused, and shown without them", () => {
    for (const url of [
      "https://deploy:s3cret-token@mirror.example/tf/",
      "https://s3cret-token@mirror.example/tf/",
      "https://mirror.example/tf/?token=s3cret-token",
      "https://mirror.example/tf/#s3cret-token",
      "http://deploy:s3cret-token@mirror.example/tf/",
    ]) {
      const refused = (() => {
        try {
          releaseSource(url, VERSION)
        } catch (error) {
          return error as Error
        }
        return undefined
      })()
      expect(refused).toBeInstanceOf(InstallError)
      expect(refused?.message).not.toContain("s3cret")
      expect(refused?.message).toMatch(/^--from (https|http):\/\/mirror\.example\/tf\/: /)
    }
    expect(() => releaseSource("https://deploy:s3cret-token@mirror.example/tf/", VERSION)).toThrow(
      new InstallError(
        "--from https://mirror.example/tf/: a mirror URL must not hold a user, password, query or fragment (each file is read at <URL>/<provider>/<file>)",
      ),
    )
    expect(() => releaseSource("http://deploy:s3cret-token@mirror.example/tf/", VERSION)).toThrow(
      new InstallError(
        "--from http://mirror.example/tf/: a mirror URL must be https:// (the release is only trusted over TLS)",
      ),
    )
  })
})

describe("fromRelease from a folder or an archive", () => {
  it("writes the executable of the install's platform: the release's bytes, mode 0755", async () => {
    const r = await release()
    expect(await installs(releaseSource(r.dir, VERSION))).toEqual({ bytes: executables.linux_amd64, mode: 0o755 })
    expect(await installs(releaseSource(r.zip, VERSION), { arch: "arm64" })).toEqual({
      bytes: executables.linux_arm64,
      mode: 0o755,
    })
  })

  it("reads SHA256SUMS lines in either sha256sum form (text and binary marker), and no other line", async () => {
    const r = await release()
    const hash = sha256(readFileSync(r.zip))
    writeFileSync(r.sums, `# ${hash}  ${ZIP_ARM64}\n${hash} *${ZIP_AMD64}\n`)
    expect((await installs(releaseSource(r.dir, VERSION))).bytes).toEqual(executables.linux_amd64)
    await refuses(releaseSource(r.dir, VERSION), `${r.sums} does not list ${ZIP_ARM64}`, { arch: "arm64" })
    for (const line of [
      `${hash}  ${ZIP_AMD64}.bak`,
      `${hash}  ${ZIP_AMD64}\r.bak`,
      `${hash}\t${ZIP_AMD64}`,
      `${hash.toUpperCase()}  ${ZIP_AMD64}`,
      `${hash.slice(1)}  ${ZIP_AMD64}`,
      `x${hash}  ${ZIP_AMD64}`,
      `${hash}  `,
    ]) {
      writeFileSync(r.sums, `${line}\n`)
      await refuses(releaseSource(r.dir, VERSION), `${r.sums} does not list ${ZIP_AMD64}`)
    }
  })

  it("reads a SHA256SUMS written with Windows line ends (CRLF)", async () => {
    const r = await release()
    const hash = sha256(readFileSync(r.zip))
    writeFileSync(r.sums, `${hash}  ${ZIP_ARM64}\r\n${hash}  ${ZIP_AMD64}\r\n`)
    expect((await installs(releaseSource(r.dir, VERSION))).bytes).toEqual(executables.linux_amd64)
  })

  it("without SHA256SUMS nothing is installed", async () => {
    const r = await release()
    unlinkSync(r.sums)
    await refuses(releaseSource(r.zip, VERSION), `${r.sums} is missing: nothing to check the archive against`)
  })

  it("a zip SHA256SUMS lists but that is not there", async () => {
    const r = await release()
    unlinkSync(r.zip)
    await refuses(releaseSource(r.dir, VERSION), `${r.zip} is missing`)
  })

  it("a zip that does not match SHA256SUMS names both hashes, and nothing is written", async () => {
    const r = await release()
    const listed = sha256(readFileSync(r.zip))
    await writeZip(r.zip, [{ name: EXECUTABLE, data: Buffer.from("tampered") }])
    const actual = sha256(readFileSync(r.zip))
    expect(actual).not.toBe(listed)
    await refuses(
      releaseSource(r.dir, VERSION),
      `${r.zip} does not match ${SUMS} (sha256 ${actual}, listed ${listed}): not installed`,
    )
  })

  it("a zip without the executable names what it holds", async () => {
    const r = await release()
    await writeZip(r.zip, [
      { name: "README.md", data: Buffer.from("read me") },
      { name: "terraform-provider-mongodbatlas_v9.9.9", data: Buffer.from("other") },
    ])
    listSums(r.dir, [ZIP_AMD64])
    await refuses(
      releaseSource(r.dir, VERSION),
      `${r.zip} holds README.md, terraform-provider-mongodbatlas_v9.9.9, not ${EXECUTABLE}`,
    )
    await writeZip(r.zip, [])
    listSums(r.dir, [ZIP_AMD64])
    await refuses(releaseSource(r.dir, VERSION), `${r.zip} holds nothing, not ${EXECUTABLE}`)
  })

  it("the executable is found after other entries", async () => {
    const r = await release()
    const big = Buffer.alloc(300_000, 1)
    await writeZip(r.zip, [
      { name: "LICENSE", data: Buffer.from("license") },
      { name: EXECUTABLE, data: big },
      { name: "CHANGELOG.md", data: Buffer.from("changes") },
    ])
    listSums(r.dir, [ZIP_AMD64])
    expect(await installs(releaseSource(r.dir, VERSION))).toEqual({ bytes: big, mode: 0o755 })
  })

  it("a file that is not a zip", async () => {
    const r = await release()
    writeFileSync(r.zip, "not a zip at all")
    listSums(r.dir, [ZIP_AMD64])
    await refuses(
      releaseSource(r.dir, VERSION),
      `${r.zip} is not a readable zip: End of central directory record signature not found. Either not a zip file, or file is truncated.`,
    )
  })

  it("a zip that is damaged: the entry's header, its compressed bytes, the central directory", async () => {
    const r = await release()
    const zip = readFileSync(r.zip)
    // One entry: its local header at 0, then its name and extra field, then its deflated bytes.
    const data = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28)
    // The central directory, where the end record says it starts.
    const directory = zip.readUInt32LE(zip.lastIndexOf(Buffer.from("PK\u0005\u0006", "latin1")) + 16)
    const damaged = (from: number, to: number) =>
      Buffer.concat([zip.subarray(0, from), Buffer.alloc(to - from, 0xff), zip.subarray(to)])
    for (const [bytes, why] of [
      [damaged(0, 4), "invalid local file header signature: 0xffffffff"],
      [damaged(data, data + 4), "invalid block type"],
      [damaged(directory, directory + 4), "invalid central directory file header signature: 0xffffffff"],
    ] as const) {
      writeFileSync(r.zip, bytes)
      listSums(r.dir, [ZIP_AMD64])
      await refuses(releaseSource(r.dir, VERSION), `${r.zip}: ${why}`)
    }
  })

  it("SHA256SUMS is read up to 64 KiB", async () => {
    const r = await release()
    writeFileSync(r.sums, sumsOfSize(r.dir, SMALL))
    expect((await installs(releaseSource(r.dir, VERSION))).bytes).toEqual(executables.linux_amd64)
    writeFileSync(r.sums, sumsOfSize(r.dir, SMALL + 1))
    await refuses(releaseSource(r.dir, VERSION), `${r.sums} is larger than ${SMALL} bytes`)
  })

  it("an interrupted install writes nothing", async () => {
    const r = await release()
    const { run, workParent } = await produce(releaseSource(r.dir, VERSION), { signal: AbortSignal.abort() })
    await expect(run).rejects.toThrow(new Interrupted("provider install was interrupted"))
    await expect(run).rejects.toMatchObject({ name: "Interrupted" })
    expect(readdirSync(workParent)).toEqual([])
  })

  it("an executable already there is not overwritten", async () => {
    const r = await release()
    const { run, outFile } = await produce(releaseSource(r.dir, VERSION))
    await run
    await expect(
      fromRelease(
        releaseSource(r.dir, VERSION),
        undefined,
      )({
        outFile,
        workParent: folder("work"),
        target: target(root),
        signal: undefined,
      }),
    ).rejects.toMatchObject({ code: "EEXIST" })
  })
})

/** A mirror served over HTTP at `/base`: the release folder `dir`'s files under the provider's folder, 404 else. */
const mirror = async (
  dir: string | undefined,
  special: (name: string, req: IncomingMessage, res: ServerResponse) => boolean = () => false,
) => {
  const requests: Array<string> = []
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://127.0.0.1").pathname)
    requests.push(path)
    const prefix = `/base/${MIRROR_DIR}/`
    const name = path.startsWith(prefix) ? path.slice(prefix.length) : ""
    if (special(name, req, res)) return
    const file = dir === undefined || name === "" ? undefined : join(dir, name)
    if (file === undefined || !existsSync(file)) {
      res.writeHead(404).end("not found")
      return
    }
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(readFileSync(file))
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const port = (server.address() as { port: number }).port
  /** The fetch the source reads with: the real one, over plain HTTP. */
  const get: typeof fetch = (input, init) => fetch(String(input).replace(/^https:\/\//, "http://"), init)
  const url = `https://127.0.0.1:${port}/base`
  return { requests, url, get, at: (name: string) => `${url}/${MIRROR_DIR}/${name}`, server }
}

describe("fromRelease from an https mirror", () => {
  it("reads SHA256SUMS then the archive, two requests, and writes the release's executable", async () => {
    const r = await release()
    const m = await mirror(r.dir)
    expect(await installs(releaseSource(`${m.url}/`, VERSION, m.get))).toEqual({
      bytes: executables.linux_amd64,
      mode: 0o755,
    })
    expect(m.requests).toEqual([`/base/${MIRROR_DIR}/${SUMS}`, `/base/${MIRROR_DIR}/${ZIP_AMD64}`])
    expect((await installs(releaseSource(m.url, VERSION, m.get), { arch: "arm64" })).bytes).toEqual(
      executables.linux_arm64,
    )
  })

  it("404 is a missing file, named by its URL", async () => {
    const m = await mirror(undefined)
    await refuses(
      releaseSource(m.url, VERSION, m.get),
      `${m.at(SUMS)} is missing: nothing to check the archive against`,
    )
    const r = await release()
    unlinkSync(r.zip)
    const n = await mirror(r.dir)
    await refuses(releaseSource(n.url, VERSION, n.get), `${n.at(ZIP_AMD64)} is missing`)
  })

  it("any other status than 200 is refused with it", async () => {
    for (const status of [500, 201, 403]) {
      const m = await mirror(undefined, (_name, _req, res) => {
        res.writeHead(status).end("no")
        return true
      })
      await refuses(releaseSource(m.url, VERSION, m.get), `cannot download ${m.at(SUMS)}: HTTP ${status}`)
    }
  })

  it("a redirect is refused, and not followed", async () => {
    const r = await release()
    const m = await mirror(r.dir, (name, _req, res) => {
      if (name !== SUMS) return false
      res.writeHead(302, { location: `/base/${MIRROR_DIR}/${ZIP_AMD64}` }).end()
      return true
    })
    await refuses(releaseSource(m.url, VERSION, m.get), `cannot download ${m.at(SUMS)}: unexpected redirect`)
    expect(m.requests).toEqual([`/base/${MIRROR_DIR}/${SUMS}`])
  })

  it("a mirror that cannot be reached says why", async () => {
    const m = await mirror(undefined)
    await new Promise((resolve) => m.server.close(resolve))
    const port = new URL(m.url).port
    await refuses(
      releaseSource(m.url, VERSION, m.get),
      `cannot download ${m.at(SUMS)}: connect ECONNREFUSED 127.0.0.1:${port}`,
    )
  })

  it("a download that times out says so", async () => {
    const timedOut: typeof fetch = () =>
      Promise.reject(new DOMException("The operation was aborted due to timeout", "TimeoutError"))
    await refuses(
      releaseSource("https://mirror.example/tf", VERSION, timedOut),
      `cannot download https://mirror.example/tf/${MIRROR_DIR}/${SUMS}: The operation was aborted due to timeout`,
    )
  })

  it("a 200 without a body is an empty file", async () => {
    const empty: typeof fetch = () => Promise.resolve(new Response(null, { status: 200 }))
    await refuses(
      releaseSource("https://mirror.example/tf", VERSION, empty),
      `https://mirror.example/tf/${MIRROR_DIR}/${SUMS} does not list ${ZIP_AMD64}`,
    )
  })

  it("a file whose Content-Length is over the limit is refused before its body is read", async () => {
    const r = await release()
    const m = await mirror(r.dir, (name, _req, res) => {
      if (name !== ZIP_AMD64) return false
      // Two bytes, then the connection is cut: a reader that read the body would fail on it instead.
      res.writeHead(200, { "content-length": String(ARCHIVE + 1) })
      res.write("PK", () => res.destroy())
      return true
    })
    await refuses(releaseSource(m.url, VERSION, m.get), `${m.at(ZIP_AMD64)} is larger than ${ARCHIVE} bytes`)
    expect(m.requests).toEqual([`/base/${MIRROR_DIR}/${SUMS}`, `/base/${MIRROR_DIR}/${ZIP_AMD64}`])
  })

  it("SHA256SUMS is read up to 64 KiB, with or without Content-Length", async () => {
    const r = await release()
    for (const [size, chunked] of [
      [SMALL, false],
      [SMALL, true],
    ] as const) {
      const sums = sumsOfSize(r.dir, size)
      const m = await mirror(r.dir, (name, _req, res) => {
        if (name !== SUMS) return false
        if (chunked) {
          res.writeHead(200)
          res.write(sums.slice(0, 1000))
          res.end(sums.slice(1000))
        } else res.writeHead(200, { "content-length": String(size) }).end(sums)
        return true
      })
      expect((await installs(releaseSource(m.url, VERSION, m.get))).bytes).toEqual(executables.linux_amd64)
    }
    for (const chunked of [false, true]) {
      const sums = sumsOfSize(r.dir, SMALL + 1)
      const m = await mirror(r.dir, (name, _req, res) => {
        if (name !== SUMS) return false
        if (chunked) {
          res.writeHead(200)
          for (let at = 0; at < sums.length; at += 4096) res.write(sums.slice(at, at + 4096))
          res.end()
        } else res.writeHead(200, { "content-length": String(sums.length) }).end(sums)
        return true
      })
      await refuses(releaseSource(m.url, VERSION, m.get), `${m.at(SUMS)} is larger than ${SMALL} bytes`)
    }
  })

  it("an install interrupted while it waits for the mirror stops at once", async () => {
    const r = await release()
    let arrived: () => void = () => undefined
    const requested = new Promise<void>((resolve) => (arrived = resolve))
    const m = await mirror(r.dir, (name) => {
      if (name !== SUMS) return false
      arrived()
      return true
    })
    const controller = new AbortController()
    const { run, workParent } = await produce(releaseSource(m.url, VERSION, m.get), { signal: controller.signal })
    await requested
    controller.abort()
    await expect(run).rejects.toThrow(new Interrupted(`downloading ${m.at(SUMS)} was interrupted`))
    await expect(run).rejects.toMatchObject({ name: "Interrupted" })
    expect(readdirSync(workParent)).toEqual([])
  })

  it("a body cut short names the file and why, as a failed request does", async () => {
    const r = await release()
    const m = await mirror(r.dir, (name, _req, res) => {
      if (name !== ZIP_AMD64) return false
      res.writeHead(200, { "content-length": "1000" })
      res.write("PK", () => res.destroy())
      return true
    })
    await refuses(releaseSource(m.url, VERSION, m.get), `cannot download ${m.at(ZIP_AMD64)}: other side closed`)
  })

  it("an install interrupted while the body arrives stops at once", async () => {
    const r = await release()
    const m = await mirror(r.dir, (name, _req, res) => {
      if (name !== ZIP_AMD64) return false
      res.writeHead(200, { "content-length": "1000" })
      res.write("PK")
      return true
    })
    const controller = new AbortController()
    // Aborted once the archive's response has arrived: while its body is read.
    const get: typeof fetch = async (input, init) => {
      const response = await m.get(input, init)
      if (String(input).endsWith(ZIP_AMD64)) setImmediate(() => controller.abort())
      return response
    }
    const { run, workParent } = await produce(releaseSource(m.url, VERSION, get), { signal: controller.signal })
    await expect(run).rejects.toThrow(new Interrupted(`downloading ${m.at(ZIP_AMD64)} was interrupted`))
    expect(readdirSync(workParent)).toEqual([])
  })

  it("an install interrupted before it starts asks the mirror nothing", async () => {
    const r = await release()
    const m = await mirror(r.dir)
    const { run } = await produce(releaseSource(m.url, VERSION, m.get), { signal: AbortSignal.abort() })
    await expect(run).rejects.toThrow(new Interrupted(`downloading ${m.at(SUMS)} was interrupted`))
    expect(m.requests).toEqual([])
  })
})

describe("verifySignature with gpg and gpgv", () => {
  const keyRoot = folder("keys")
  const key = throwawayKey(keyRoot, "release")
  const other = throwawayKey(keyRoot, "other")
  keys.push(key, other)
  const binaryKey = join(keyRoot, "release.gpg")
  writeFileSync(
    binaryKey,
    spawnSync("gpg", ["--batch", "--export", key.key], { env: key.gpgEnv, encoding: "buffer" }).stdout,
  )
  /** A signed release: SHA256SUMS and its signature by `signer`. */
  const signed = async (signer = key) => {
    const r = await release()
    signer.sign(r.sums, join(r.dir, `${SUMS}.sig`))
    return r
  }
  const verify = (options: { sums: Buffer; signature: Buffer; keyFile: string; signal?: AbortSignal }) => {
    const workParent = folder("gpg-work")
    const run = verifySignature({
      ...options,
      workParent,
      prefix: "x64",
      signal: options.signal,
      what: "the sums",
    })
    return { run, workParent }
  }

  const gpgv = spawnSync("sh", ["-c", "command -v gpgv"], { encoding: "utf8" }).stdout.trim()
  /** Runs `body` with PATH set to `path`, as verifySignature passes it on to gpg and gpgv. */
  const withPath = async (path: string, body: () => Promise<void>) => {
    const before = process.env["PATH"]
    process.env["PATH"] = path
    try {
      await body()
    } finally {
      process.env["PATH"] = before
    }
  }

  it("accepts a good signature with an armored or a binary key, and leaves nothing behind", async () => {
    const r = await signed()
    const sums = readFileSync(r.sums)
    const signature = readFileSync(join(r.dir, `${SUMS}.sig`))
    for (const keyFile of [key.publicKey, binaryKey]) {
      const { run, workParent } = verify({ sums, signature, keyFile })
      await run
      expect(readdirSync(workParent)).toEqual([])
    }
  })

  it("refuses another key's signature and a changed SHA256SUMS, and leaves nothing behind", async () => {
    const r = await signed(other)
    const sums = readFileSync(r.sums)
    const otherSignature = readFileSync(join(r.dir, `${SUMS}.sig`))
    const byOther = verify({ sums, signature: otherSignature, keyFile: key.publicKey })
    await expect(byOther.run).rejects.toThrow(
      `checking the signature of the sums with ${key.publicKey} failed: gpgv exited with status 2: `,
    )
    await expect(byOther.run).rejects.toThrow("No public key")
    expect(readdirSync(byOther.workParent)).toEqual([])

    const good = await signed()
    const signature = readFileSync(join(good.dir, `${SUMS}.sig`))
    const changed = Buffer.concat([readFileSync(good.sums), Buffer.from(`${"0".repeat(64)}  evil.zip\n`)])
    for (const keyFile of [key.publicKey, binaryKey]) {
      const tampered = verify({ sums: changed, signature, keyFile })
      await expect(tampered.run).rejects.toThrow(
        `checking the signature of the sums with ${keyFile} failed: gpgv exited with status 1: `,
      )
      await expect(tampered.run).rejects.toThrow("BAD signature")
      expect(readdirSync(tampered.workParent)).toEqual([])
    }
  })

  it("a key file gpg cannot read", async () => {
    const r = await signed()
    const broken = join(keyRoot, "broken.asc")
    writeFileSync(
      broken,
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!! not base64 !!!!\n-----END PGP PUBLIC KEY BLOCK-----\n",
    )
    const { run, workParent } = verify({
      sums: readFileSync(r.sums),
      signature: readFileSync(join(r.dir, `${SUMS}.sig`)),
      keyFile: broken,
    })
    await expect(run).rejects.toThrow(`reading the key ${broken} failed: gpg exited with status 2`)
    expect(readdirSync(workParent)).toEqual([])
  })

  it("an interrupted check leaves nothing behind", async () => {
    const r = await signed()
    for (const keyFile of [key.publicKey, binaryKey]) {
      const { run, workParent } = verify({
        sums: readFileSync(r.sums),
        signature: readFileSync(join(r.dir, `${SUMS}.sig`)),
        keyFile,
        signal: AbortSignal.abort(),
      })
      await expect(run).rejects.toMatchObject({ name: "Interrupted" })
      expect(readdirSync(workParent)).toEqual([])
    }
  })

  it("a binary key needs only gpgv; an armored one needs gpg to read it, and says so", async () => {
    const r = await signed()
    const bin = folder("only-gpgv")
    symlinkSync(gpgv, join(bin, "gpgv"))
    const sums = readFileSync(r.sums)
    const signature = readFileSync(join(r.dir, `${SUMS}.sig`))
    await withPath(bin, async () => {
      await verify({ sums, signature, keyFile: binaryKey }).run
      await expect(verify({ sums, signature, keyFile: key.publicKey }).run).rejects.toThrow(
        `reading the key ${key.publicKey} failed: gpg could not start: spawn gpg ENOENT`,
      )
    })
  })

  it("gpgv runs in a throwaway .provider-gpg-<arch>- folder of the work folder, its GNUPGHOME, on private copies", async () => {
    const r = await signed()
    const bin = folder("bin")
    const log = join(bin, "log")
    writeFileSync(
      join(bin, "gpgv"),
      `#!/bin/sh\n{ echo "$PWD"; echo "$GNUPGHOME"; ls -A; stat -c '%a %n' SHA256SUMS SHA256SUMS.sig; cat SHA256SUMS; } > '${log}'\nexec '${gpgv}' "$@"\n`,
    )
    chmodSync(join(bin, "gpgv"), 0o755)
    await withPath(`${bin}:${process.env["PATH"] ?? ""}`, async () => {
      const { run, workParent } = verify({
        sums: readFileSync(r.sums),
        signature: readFileSync(join(r.dir, `${SUMS}.sig`)),
        keyFile: binaryKey,
      })
      await run
      const [cwd, home, ...rest] = readFileSync(log, "utf8").trimEnd().split("\n")
      expect(cwd).toMatch(new RegExp(`^${workParent}/\\.provider-gpg-x64-[A-Za-z0-9]{6}$`))
      expect(home).toBe(cwd)
      expect(rest.join("\n")).toBe(
        [
          "SHA256SUMS",
          "SHA256SUMS.sig",
          "key.gpg",
          "600 SHA256SUMS",
          "600 SHA256SUMS.sig",
          readFileSync(r.sums, "utf8"),
        ]
          .join("\n")
          .trimEnd(),
      )
      expect(readdirSync(workParent)).toEqual([])
    })
  })
})

describe("fromRelease with --verify-key", () => {
  const keyRoot = folder("keys")
  const key = throwawayKey(keyRoot, "signer")
  const stranger = throwawayKey(keyRoot, "stranger")
  keys.push(key, stranger)

  it("checks the signature, then the archive: three requests to a mirror", async () => {
    const r = await release()
    key.sign(r.sums, join(r.dir, `${SUMS}.sig`))
    const m = await mirror(r.dir)
    expect(await installs(releaseSource(m.url, VERSION, m.get), { keyFile: key.publicKey })).toEqual({
      bytes: executables.linux_amd64,
      mode: 0o755,
    })
    expect(m.requests).toEqual([SUMS, `${SUMS}.sig`, ZIP_AMD64].map((f) => `/base/${MIRROR_DIR}/${f}`))
  })

  it("a release without a signature is refused when a key is given", async () => {
    const r = await release()
    await refuses(
      releaseSource(r.dir, VERSION),
      `${join(r.dir, `${SUMS}.sig`)} is missing, and --verify-key asks for it`,
      { keyFile: key.publicKey },
    )
  })

  it("a signature by another key is refused before the archive is read", async () => {
    const r = await release()
    stranger.sign(r.sums, join(r.dir, `${SUMS}.sig`))
    unlinkSync(r.zip)
    const { run, workParent } = await produce(releaseSource(r.dir, VERSION), { keyFile: key.publicKey })
    await expect(run).rejects.toThrow(
      `checking the signature of ${r.sums} with ${key.publicKey} failed: gpgv exited with status 2: `,
    )
    expect(readdirSync(workParent)).toEqual([])
  })
})

describe("ReleaseSource loaded afresh (its module-level patterns and limits evaluated inside the test)", () => {
  it("names releases, lists a folder's and reads up to the limits as the module loaded once does", async () => {
    const fresh = await loadFresh<typeof import("../../../src/release/ReleaseSource.js")>(
      new URL("../../../src/release/ReleaseSource.ts", import.meta.url),
    )
    expect(fresh.releaseSource).not.toBe(releaseSource)
    const r = await release()
    writeFileSync(join(r.dir, `${SUMS}.sig`), "signature")
    writeFileSync(join(r.dir, `old-${SUMS}`), "not a release")
    expect(fresh.releaseSource(r.dir, "9.9.9").version).toBe(VERSION)
    expect(fresh.releaseSource(r.zip, "9.9.9").version).toBe(VERSION)
    for (const name of [`x${ZIP_AMD64}`, `${ZIP_AMD64}.bak`, "terraform-provider-mongodbatlas_1.2.3_linux_386.zip"]) {
      writeFileSync(join(r.dir, name), "zip")
      expect(() => fresh.releaseSource(join(r.dir, name), VERSION)).toThrow("an archive must be named")
    }
    const workParent = folder("work")
    const producer = fresh.fromRelease(fresh.releaseSource(r.dir, VERSION), undefined)
    await producer({ outFile: join(workParent, "out"), workParent, target: target(workParent), signal: undefined })
    expect(readFileSync(join(workParent, "out"))).toEqual(executables.linux_amd64)
    writeFileSync(r.sums, sumsOfSize(r.dir, SMALL + 1))
    await expect(
      producer({ outFile: join(workParent, "out2"), workParent, target: target(workParent), signal: undefined }),
    ).rejects.toThrow(`${r.sums} is larger than ${SMALL} bytes`)
    expect(basename(r.sums)).toBe(names.sums)
    // A URL is told from a path by the same test: http:// is refused as a URL, a path that holds :// is a path.
    expect(() => fresh.releaseSource("HTTP://mirror.example.test/", VERSION)).toThrow(
      new InstallError(
        "--from http://mirror.example.test/: a mirror URL must be https:// (the release is only trusted over TLS)",
      ),
    )
    expect(() => fresh.releaseSource("./https://mirror.example.test/", VERSION)).toThrow(
      new InstallError("--from ./https://mirror.example.test/: no such file or folder"),
    )
  })
})
