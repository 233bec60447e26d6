/**
 * Helpers for the release tests: the release built once (and only when
 * missing or stale), a zip reader and a PATH without `node`.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import yauzl from "yauzl"
import { buildRelease, currentRelease, RELEASE_MARKER } from "../../scripts/release/release.js"
import type { ReleaseBuild } from "../../scripts/release/release.js"
import { runnerFor } from "../../src/release/ProviderBinary.js"
import type { Arch } from "../../src/release/ProviderBinary.js"
import { bin } from "../cli/built.js"
import type { Ran } from "../cli/built.js"
import { repoRoot } from "../provider/pluginProcess.js"

/** Why arm64 cannot be built or run here, or undefined when it can. */
export const arm64Missing = ((r) => (r.prefix === undefined ? r.missing : undefined))(runnerFor("arm64"))

/**
 * `release/` as `npm run release` writes it, built now if it is missing or
 * older than the sources. Without qemu-user, only x64 (said loudly).
 */
export const ensureRelease = async (): Promise<ReleaseBuild> => {
  const arches: Array<Arch> = arm64Missing === undefined ? ["x64", "arm64"] : ["x64"]
  const current = currentRelease(repoRoot)
  if (current !== undefined && arches.every((a) => current.archives.some((x) => x.arch === a))) return current
  if (arm64Missing !== undefined) console.warn(`SKIPPING the arm64 release build: ${arm64Missing}`)
  // A release/ written before releases were marked: the suite's own folder, so it is replaced.
  const releaseDir = join(repoRoot, "release")
  if (existsSync(join(releaseDir, "build.json")) && !existsSync(join(releaseDir, RELEASE_MARKER))) {
    rmSync(releaseDir, { recursive: true, force: true })
  }
  const build = await buildRelease({ root: repoRoot, arches })
  console.warn(
    `built release/ for the tests in ${build.millis} ms: ` +
      build.archives.map((a) => `${a.zip} ${a.zipBytes} bytes (${a.buildMillis} ms)`).join(", "),
  )
  return build
}

export interface ZipEntry {
  readonly name: string
  /** Unix mode from the external attributes. */
  readonly mode: number
  readonly data: Buffer
}

/** Every entry of a zip, read with yauzl. */
export const readZip = (file: string): Promise<Array<ZipEntry>> =>
  new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      const entries: Array<ZipEntry> = []
      zip.on("error", reject)
      zip.on("end", () => resolve(entries))
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err)
          const chunks: Array<Buffer> = []
          stream.on("data", (c: Buffer) => chunks.push(c))
          stream.on("error", reject)
          stream.on("end", () => {
            entries.push({
              name: entry.fileName,
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              data: Buffer.concat(chunks),
            })
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  })

/** A directory holding only a link to `terraform`: a PATH on which there is no `node`. */
export const pathWithoutNode = (root: string): string => {
  const dir = mkdtempSync(join(root, "bin-"))
  const terraform = (process.env["PATH"] ?? "")
    .split(":")
    .map((d) => join(d, "terraform"))
    .find((f) => existsSync(f))
  if (terraform === undefined) throw new Error("terraform is not on PATH")
  symlinkSync(terraform, join(dir, "terraform"))
  return dir
}

/** A fresh, empty HOME. */
export const tempHome = (root: string): string => {
  const home = join(root, "home")
  mkdirSync(home, { recursive: true })
  return home
}

/**
 * Starts the CLI with exactly `env` (plus PATH), in `cwd`, under `umask`
 * when given (through sh, which sets it for the node it execs).
 */
export const startCli = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly cwd?: string; readonly umask?: string } = {},
): { readonly child: ChildProcess; readonly done: Promise<Ran> } => {
  const argv = [process.execPath, bin, ...args]
  const [command, ...rest] =
    options.umask === undefined ? argv : ["sh", "-c", `umask ${options.umask}; exec "$@"`, "sh", ...argv]
  const child = spawn(command!, rest, {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env["PATH"] ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()))
  const done = new Promise<Ran>((resolve, reject) => {
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
  return { child, done }
}

/** Runs the CLI to its end (see {@link startCli}). */
export const runCli = (
  args: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly cwd?: string; readonly umask?: string } = {},
): Promise<Ran> => startCli(args, options).done
