/**
 * Release-shaped files for the in-process install tests, made in a moment
 * without building anything: a release folder whose zips hold any bytes as
 * the executable, its `SHA256SUMS`, and a throwaway gpg key to sign it.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import yazl from "yazl"
import { releaseNames, signDetached } from "../../scripts/release/release.js"

/** A zip holding `data` as `entryName` (mode 0755), as the release writes it. */
export const writeZip = (file: string, entries: ReadonlyArray<{ readonly name: string; readonly data: Buffer }>) =>
  new Promise<void>((resolve, reject) => {
    const zip = new yazl.ZipFile()
    for (const entry of entries) {
      zip.addBuffer(entry.data, entry.name, { mode: 0o100755, mtime: new Date(Date.UTC(2020, 0, 1)) })
    }
    zip.end()
    zip.outputStream.pipe(createWriteStream(file)).on("close", resolve).on("error", reject)
  })

/**
 * A release folder `dir` of `version`: one zip per platform in `executables`
 * (`linux_amd64`, `linux_arm64`) holding those bytes as the executable, and
 * `SHA256SUMS` listing every zip.
 */
export const fakeRelease = async (
  dir: string,
  version: string,
  executables: Readonly<Record<string, Buffer>>,
): Promise<ReturnType<typeof releaseNames>> => {
  const names = releaseNames(version)
  mkdirSync(dir, { recursive: true })
  const sums: Array<string> = []
  for (const [platform, data] of Object.entries(executables)) {
    const zip = join(dir, names.zip(platform))
    await writeZip(zip, [{ name: names.executable, data }])
    sums.push(`${createHash("sha256").update(readFileSync(zip)).digest("hex")}  ${names.zip(platform)}\n`)
  }
  writeFileSync(join(dir, names.sums), sums.join(""))
  return names
}

/** A throwaway gpg signing key in its own GNUPGHOME, with its public key exported to `<root>/<name>.asc`. */
export const throwawayKey = (root: string, name: string) => {
  // Short, so that gpg's agent socket path stays under the limit of a Unix socket's name.
  const gnupgHome = mkdtempSync(join(tmpdir(), "gpg-"))
  const gpgEnv = { PATH: process.env["PATH"] ?? "", GNUPGHOME: gnupgHome }
  const key = `${name}@example.test`
  const made = spawnSync(
    "gpg",
    ["--batch", "--passphrase", "", "--quick-gen-key", `${name} <${key}>`, "ed25519", "sign", "1d"],
    {
      env: gpgEnv,
      encoding: "utf8",
    },
  )
  if (made.status !== 0) throw new Error(`gpg could not make a key: ${made.stderr}`)
  const exported = spawnSync("gpg", ["--batch", "--armor", "--export", key], { env: gpgEnv, encoding: "utf8" })
  const publicKey = join(root, `${name}.asc`)
  writeFileSync(publicKey, exported.stdout)
  return {
    gnupgHome,
    gpgEnv,
    publicKey,
    key,
    /** Signs `file` into `signature` (binary, detached). */
    sign: (file: string, signature: string) => signDetached(file, signature, key, gpgEnv),
    /** Stops its gpg-agent and removes its GNUPGHOME. */
    remove: () => {
      spawnSync("gpgconf", ["--kill", "all"], { env: gpgEnv })
      rmSync(gnupgHome, { recursive: true, force: true })
    },
  }
}
