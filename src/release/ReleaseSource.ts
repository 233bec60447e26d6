/**
 * `provider install --from`: installs a published release's executable
 * instead of building it, for teams that would rather not build. The source
 * is a release archive (`…_linux_<arch>.zip`, with the release's
 * `…_SHA256SUMS` beside it), a release folder (`npm run release`'s `--out`),
 * or the release's network mirror over HTTPS (the URL a `network_mirror`
 * block names; the release puts `SHA256SUMS` and its signature there too).
 *
 * The archive is checked against `SHA256SUMS` before anything is unpacked,
 * and `SHA256SUMS` against its detached signature with gpg when a public key
 * is given (`--verify-key`, imported into a throwaway keyring). The
 * executable is the release's bytes, so its `h1:` is the release's, and the
 * same as building it (`ProviderBinary.ts` is reproducible).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import yauzl from "yauzl"
import { PROVIDER_SOURCE } from "../datasource/schema.js"
import type { Producer } from "./ProviderInstall.js"
import { checkInterrupted, InstallError, runStep, writeNewFile } from "./Step.js"

/**
 * The file names of a release of `version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const releaseNames = (version: string) => {
  const base = `terraform-provider-mongodbatlas_${version}`
  return {
    executable: `terraform-provider-mongodbatlas_v${version}`,
    zip: (platform: string) => `${base}_${platform}.zip`,
    sums: `${base}_SHA256SUMS`,
    signature: `${base}_SHA256SUMS.sig`,
    manifest: `${base}_manifest.json`,
    /** The mirror's folder for the provider, relative to `mirror/`. */
    mirrorDir: PROVIDER_SOURCE,
  }
}

/** The largest files read from a source: a signature or checksum list, an archive. */
const LIMITS = { small: 1 << 16, archive: 256 << 20 }

/**
 * Where a release is read from.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReleaseSource {
  /** The release's version. */
  readonly version: string
  /** Reads one file of the release by name, at most `limit` bytes; `undefined` when it is not there. */
  readonly read: (name: string, limit: number, signal: AbortSignal | undefined) => Promise<Buffer | undefined>
  /** How to name the source in errors. */
  readonly describe: (name: string) => string
}

const zipName = /^terraform-provider-mongodbatlas_(.+)_linux_(amd64|arm64)\.zip$/
const sumsName = /^terraform-provider-mongodbatlas_(.+)_SHA256SUMS$/

const readLocal = (dir: string) => async (name: string, limit: number) => {
  const file = join(dir, name)
  if (!existsSync(file)) return undefined
  if (statSync(file).size > limit) throw new InstallError(`${file} is larger than ${limit} bytes`)
  return readFileSync(file)
}

const fetchLimited = async (
  get: typeof fetch,
  url: string,
  limit: number,
  signal: AbortSignal | undefined,
): Promise<Buffer | undefined> => {
  const timeout = AbortSignal.timeout(120_000)
  // The request and its body alike: a connection lost or aborted while the body arrives says what the request's
  // failure would.
  try {
    const response = await get(url, {
      redirect: "error",
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    })
    if (response.status === 404) return undefined
    if (response.status !== 200) throw new InstallError(`cannot download ${url}: HTTP ${response.status}`)
    const declared = Number(response.headers.get("content-length") ?? "0")
    if (declared > limit) throw new InstallError(`${url} is larger than ${limit} bytes`)
    const chunks: Array<Uint8Array> = []
    let total = 0
    for await (const chunk of response.body ?? []) {
      total += chunk.length
      if (total > limit) throw new InstallError(`${url} is larger than ${limit} bytes`)
      chunks.push(chunk)
    }
    return Buffer.concat(chunks)
  } catch (error) {
    if (error instanceof InstallError) throw error
    checkInterrupted(signal, `downloading ${url}`)
    const cause = (error as Error & { cause?: Error }).cause
    throw new InstallError(`cannot download ${url}: ${cause?.message ?? (error as Error).message}`)
  }
}

/**
 * Whether `from` is a URL (`<scheme>://…`) rather than a path: a path is
 * expanded (`~`, relative) before it is read, a URL is not.
 *
 * @since 0.1.0
 * @category install
 */
export const isUrl = (from: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(from)

/**
 * The release `from` names (an archive, a release folder or an `https://`
 * mirror URL); `version` is used where the source does not name one (a
 * mirror URL, a folder with several releases). A mirror is read with `get`,
 * the global `fetch` but in tests, which cannot make it trust a test CA once
 * the process has started.
 *
 * @since 0.1.0
 * @category install
 */
export const releaseSource = (from: string, version: string, get: typeof fetch = fetch): ReleaseSource => {
  if (isUrl(from)) {
    const url = URL.parse(from)
    if (url === null) throw new InstallError("--from is not a valid URL (a mirror URL is https://<host>/<path>)")
    // Shown without what may be a secret (a user, a password, a token in the query).
    const shown = `${url.protocol}//${url.host}${url.pathname}`
    if (url.protocol !== "https:") {
      throw new InstallError(`--from ${shown}: a mirror URL must be https:// (the release is only trusted over TLS)`)
    }
    if (url.href !== shown) {
      throw new InstallError(
        `--from ${shown}: a mirror URL must not hold a user, password, query or fragment (each file is read at <URL>/<provider>/<file>)`,
      )
    }
    const base = `${shown.replace(/\/$/, "")}/${PROVIDER_SOURCE}/`
    return {
      version,
      read: (name, limit, signal) => fetchLimited(get, base + name, limit, signal),
      describe: (name) => base + name,
    }
  }
  if (!existsSync(from)) throw new InstallError(`--from ${from}: no such file or folder`)
  if (statSync(from).isDirectory()) {
    const listed = readdirSync(from)
      .map((f) => sumsName.exec(f)?.[1])
      .filter((v) => v !== undefined)
    const chosen = listed.length === 1 ? listed[0]! : version
    if (!listed.includes(chosen)) {
      throw new InstallError(
        `--from ${from}: no ${releaseNames(chosen).sums} there${listed.length > 0 ? ` (it holds releases ${listed.join(", ")})` : ""}`,
      )
    }
    return { version: chosen, read: readLocal(from), describe: (name) => join(from, name) }
  }
  const archive = zipName.exec(basename(from))
  if (archive === null) {
    throw new InstallError(
      `--from ${from}: an archive must be named terraform-provider-mongodbatlas_<version>_linux_<arch>.zip, as released`,
    )
  }
  const dir = dirname(from)
  return { version: archive[1]!, read: readLocal(dir), describe: (name) => join(dir, name) }
}

/** The one entry of `zip` named `name`, read from memory. */
const unzipEntry = (zip: Buffer, name: string, describe: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(new InstallError(`${describe} is not a readable zip: ${error.message}`))
      const names: Array<string> = []
      file.on("error", (e: Error) => reject(new InstallError(`${describe}: ${e.message}`)))
      file.on("end", () => reject(new InstallError(`${describe} holds ${names.join(", ") || "nothing"}, not ${name}`)))
      file.on("entry", (entry: yauzl.Entry) => {
        names.push(entry.fileName)
        if (entry.fileName !== name) return file.readEntry()
        file.openReadStream(entry, (e, stream) => {
          if (e) return reject(new InstallError(`${describe}: ${e.message}`))
          const chunks: Array<Buffer> = []
          stream.on("data", (c: Buffer) => chunks.push(c))
          stream.on("error", (err: Error) => reject(new InstallError(`${describe}: ${err.message}`)))
          stream.on("end", () => resolve(Buffer.concat(chunks)))
        })
      })
      file.readEntry()
    })
  })

/**
 * Checks `sums` against `signature` with `gpgv` and the public key in
 * `keyFile` (armored keys are first unarmored by gpg), in a throwaway folder
 * under `workParent`: no keyring of the user's is read or changed, and no
 * gpg-agent is needed.
 *
 * @since 0.1.0
 * @category install
 */
export const verifySignature = async (options: {
  readonly sums: Buffer
  readonly signature: Buffer
  readonly keyFile: string
  readonly workParent: string
  /** Names the throwaway folder (`.provider-gpg-<prefix>-…`). */
  readonly prefix: string
  readonly signal: AbortSignal | undefined
  readonly what: string
}): Promise<void> => {
  const home = mkdtempSync(join(options.workParent, `.provider-gpg-${options.prefix}-`))
  try {
    const step = { cwd: home, env: { PATH: process.env["PATH"] ?? "", GNUPGHOME: home }, signal: options.signal }
    const files = { sums: join(home, "SHA256SUMS"), sig: join(home, "SHA256SUMS.sig"), keyring: join(home, "key.gpg") }
    writeNewFile(files.sums, options.sums, 0o600)
    writeNewFile(files.sig, options.signature, 0o600)
    const key = readFileSync(options.keyFile)
    if (key.subarray(0, 64).toString("latin1").includes("-----BEGIN PGP")) {
      await runStep(
        ["gpg", "--batch", "--no-autostart", "--dearmor", "--output", files.keyring, options.keyFile],
        step,
        `reading the key ${options.keyFile}`,
      )
    } else writeNewFile(files.keyring, key, 0o600)
    await runStep(
      ["gpgv", "--keyring", files.keyring, files.sig, files.sums],
      step,
      `checking the signature of ${options.what} with ${options.keyFile}`,
    )
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/**
 * The producer that writes the release's executable for the install's
 * platform, checked against `SHA256SUMS` (and its signature with `keyFile`).
 *
 * @since 0.1.0
 * @category install
 */
export const fromRelease =
  (source: ReleaseSource, keyFile: string | undefined): Producer =>
  async ({ outFile, workParent, target, signal }) => {
    const names = releaseNames(source.version)
    const sums = await source.read(names.sums, LIMITS.small, signal)
    if (sums === undefined)
      throw new InstallError(`${source.describe(names.sums)} is missing: nothing to check the archive against`)
    if (keyFile !== undefined) {
      const signature = await source.read(names.signature, LIMITS.small, signal)
      if (signature === undefined) {
        throw new InstallError(`${source.describe(names.signature)} is missing, and --verify-key asks for it`)
      }
      const what = source.describe(names.sums)
      await verifySignature({ sums, signature, keyFile, workParent, prefix: target.arch, signal, what })
    }
    const zip = names.zip(target.platform)
    const listed = sums
      .toString("utf8")
      .split(/\r?\n/)
      .map((line) => /^([0-9a-f]{64}) [ *](.+)$/.exec(line))
      .find((m) => m?.[2] === zip)
    if (listed == null) throw new InstallError(`${source.describe(names.sums)} does not list ${zip}`)
    const data = await source.read(zip, LIMITS.archive, signal)
    if (data === undefined) throw new InstallError(`${source.describe(zip)} is missing`)
    const sha256 = createHash("sha256").update(data).digest("hex")
    if (sha256 !== listed[1]) {
      throw new InstallError(
        `${source.describe(zip)} does not match ${names.sums} (sha256 ${sha256}, listed ${listed[1]}): not installed`,
      )
    }
    checkInterrupted(signal, "provider install")
    const executable = await unzipEntry(data, names.executable, source.describe(zip))
    writeNewFile(outFile, executable, 0o755)
  }
