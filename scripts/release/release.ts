/**
 * `npm run release`: builds the provider's release from a checkout into
 * `release/` (gitignored), as goreleaser lays out a Go provider's release:
 *
 * - `terraform-provider-mongodbatlas_<version>_linux_<arch>.zip` for amd64 and
 *   arm64, each holding the executable `terraform-provider-mongodbatlas_v<version>`
 *   (a Node 24 single executable, `scripts/release/sea.ts`);
 * - `terraform-provider-mongodbatlas_<version>_manifest.json` (protocol 6.0);
 * - `terraform-provider-mongodbatlas_<version>_SHA256SUMS` of the zips and the
 *   manifest, and its detached signature `…_SHA256SUMS.sig` when a GPG key is
 *   given (`--gpg-key ID` or `RELEASE_GPG_KEY`; gpg's own `GNUPGHOME` applies);
 * - `mirror/registry.terraform.io/atlas-flex/mongodbatlas/`: `index.json`,
 *   `<version>.json` with each archive's `h1:` and `zh:` hashes, and the zips,
 *   for the provider network mirror protocol; the same folder is a packed
 *   `filesystem_mirror`.
 *
 *   The mirror folder also holds `SHA256SUMS` and its signature, for
 *   `provider install --from <mirror URL>`.
 *
 * Every file is a function of the checkout and the pinned Node binaries: a
 * rebuild elsewhere gives the same bytes, and `--verify DIR` rebuilds and
 * compares with the `SHA256SUMS` of the release in DIR, naming what differs.
 *
 * `release/build.json` records what the build was made from (a fingerprint of
 * the sources, lockfile and pinned Node binaries), so the test suite rebuilds
 * only a missing or stale release. The folder holds a marker file
 * (`RELEASE_MARKER`): `--out` replaces only a folder that holds it, or an
 * empty one, and never the checkout or a folder above it.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  createWriteStream,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve, sep } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import yazl from "yazl"
import { NODE_BINARIES } from "../../src/release/NodeBinary.js"
import { runnerFor, terraformArch } from "../../src/release/ProviderBinary.js"
import type { Arch } from "../../src/release/ProviderBinary.js"
import { packageHashH1, sha256Hex, zipHash } from "../../src/release/PackageHash.js"
import { releaseNames } from "../../src/release/ReleaseSource.js"
import { buildProviderBinary } from "./sea.js"

export { releaseNames }

/**
 * The provider's type, as in `terraform-provider-<type>`.
 *
 * @since 0.1.0
 * @category constants
 */
export const PROVIDER_TYPE = "mongodbatlas"

/**
 * The file that marks a folder as a release's: `--out` replaces no other
 * non-empty folder.
 *
 * @since 0.1.0
 * @category constants
 */
export const RELEASE_MARKER = ".terraform-provider-mongodbatlas-release"

/**
 * What `release/build.json` holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReleaseBuild {
  readonly version: string
  readonly fingerprint: string
  readonly archives: ReadonlyArray<{
    readonly arch: Arch
    readonly zip: string
    readonly zipBytes: number
    readonly executableBytes: number
    readonly h1: string
    readonly zh: string
    readonly buildMillis: number
  }>
  readonly signed: boolean
  readonly millis: number
}

const packageVersion = (root: string): string =>
  (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  )

/**
 * A hash of everything the release is built from: the package manifest and
 * lockfile, `src/` and `scripts/`, and the pinned Node binaries.
 *
 * @since 0.1.0
 * @category build
 */
export const releaseFingerprint = (root: string): string => {
  const hash = createHash("sha256")
  hash.update(JSON.stringify(NODE_BINARIES))
  const files = [
    join(root, "package.json"),
    join(root, "package-lock.json"),
    ...filesUnder(join(root, "src")),
    ...filesUnder(join(root, "scripts")),
  ].sort()
  for (const file of files) hash.update(`${relative(root, file)}\n`).update(readFileSync(file))
  return hash.digest("hex")
}

/**
 * The release in `outDir`, if it was built from the sources as they are now.
 *
 * @since 0.1.0
 * @category build
 */
export const currentRelease = (root: string, outDir = join(root, "release")): ReleaseBuild | undefined => {
  const file = join(outDir, "build.json")
  if (!existsSync(file)) return undefined
  const build = JSON.parse(readFileSync(file, "utf8")) as ReleaseBuild
  const complete = build.archives.every((a) => existsSync(join(outDir, a.zip)))
  return complete && build.fingerprint === releaseFingerprint(root) ? build : undefined
}

const writeZip = (zipFile: string, entryName: string, source: string): Promise<void> =>
  new Promise((resolvePromise, reject) => {
    const zip = new yazl.ZipFile()
    // A fixed time keeps the zip's bytes (its zh: hash) a function of the executable.
    zip.addFile(source, entryName, { mode: 0o100755, mtime: new Date(Date.UTC(2020, 0, 1)), compress: true })
    zip.end()
    zip.outputStream.pipe(createWriteStream(zipFile)).on("close", resolvePromise).on("error", reject)
  })

/**
 * Writes `signature`, gpg's detached binary signature of `file` made with
 * `key` (what the Terraform Registry expects beside `…_SHA256SUMS`). gpg reads
 * its keyring from `GNUPGHOME` in `env`.
 *
 * @since 0.1.0
 * @category build
 */
export const signDetached = (file: string, signature: string, key: string, env: NodeJS.ProcessEnv = process.env) => {
  const gpg = spawnSync(
    "gpg",
    ["--batch", "--yes", "--local-user", key, "--output", signature, "--detach-sign", file],
    { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  )
  if (gpg.status !== 0) {
    throw new Error(`gpg could not sign ${file} with key ${key}: ${(gpg.stderr || String(gpg.error)).trim()}`)
  }
}

/**
 * Empties `outDir` for a build, or refuses: it must not be the checkout
 * `root` or a folder above it, and a non-empty folder must hold
 * {@link RELEASE_MARKER} (a release made it). Writes the marker.
 *
 * @since 0.1.0
 * @category build
 */
export const prepareOutDir = (root: string, outDir: string): void => {
  const real = (path: string) => {
    let p = resolve(path)
    const rest: Array<string> = []
    while (!existsSync(p)) {
      rest.unshift(p.slice(p.lastIndexOf(sep) + 1))
      p = resolve(p, "..")
    }
    return join(realpathSync(p), ...rest)
  }
  const out = real(outDir)
  const checkout = real(root)
  if (checkout === out || checkout.startsWith(out.endsWith(sep) ? out : out + sep)) {
    throw new Error(`--out ${outDir} holds the checkout ${root}: choose a folder of its own (default: release/)`)
  }
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new Error(`--out ${outDir} is not a folder`)
    const entries = readdirSync(outDir)
    if (entries.length > 0 && !entries.includes(RELEASE_MARKER)) {
      throw new Error(
        `--out ${outDir} holds ${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", …" : ""} and no ${RELEASE_MARKER}: a release did not make it, so nothing in it is replaced; choose an empty or new folder`,
      )
    }
    for (const entry of entries) rmSync(join(outDir, entry), { recursive: true, force: true })
  }
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, RELEASE_MARKER), "Made by npm run release: --out replaces this folder's contents.\n")
}

const elapsed = (since: bigint): number => Number((process.hrtime.bigint() - since) / 1_000_000n)

/**
 * Builds the release. Without qemu-user on an x64 machine, asking for arm64
 * fails with the packages to install.
 *
 * @since 0.1.0
 * @category build
 */
export const buildRelease = async (
  options: {
    readonly root?: string
    readonly outDir?: string
    readonly arches?: ReadonlyArray<Arch>
    readonly gpgKey?: string
    readonly log?: (line: string) => void
  } = {},
): Promise<ReleaseBuild> => {
  const started = process.hrtime.bigint()
  const root = resolve(options.root ?? process.cwd())
  const outDir = resolve(options.outDir ?? join(root, "release"))
  const arches = options.arches ?? ["x64", "arm64"]
  const log = options.log ?? (() => {})
  const version = packageVersion(root)
  const names = releaseNames(version)
  const fingerprint = releaseFingerprint(root)
  for (const arch of arches) {
    const runner = runnerFor(arch)
    if (runner.prefix === undefined) throw new Error(`cannot build linux_${terraformArch[arch]}: ${runner.missing}`)
  }
  prepareOutDir(root, outDir)
  const mirrorDir = join(outDir, "mirror", names.mirrorDir)
  mkdirSync(mirrorDir, { recursive: true })

  const work = mkdtempSync(join(tmpdir(), "provider-release-"))
  const archives: Array<ReleaseBuild["archives"][number]> = []
  try {
    for (const arch of arches) {
      const archStarted = process.hrtime.bigint()
      const executable = join(work, arch, names.executable)
      const built = await buildProviderBinary({ arch, outFile: executable, root })
      const zip = names.zip(`linux_${terraformArch[arch]}`)
      await writeZip(join(outDir, zip), names.executable, executable)
      linkSync(join(outDir, zip), join(mirrorDir, zip))
      const archive = {
        arch,
        zip,
        zipBytes: statSync(join(outDir, zip)).size,
        executableBytes: built.bytes,
        h1: await packageHashH1([{ name: names.executable, path: executable }]),
        zh: await zipHash(join(outDir, zip)),
        buildMillis: elapsed(archStarted),
      }
      archives.push(archive)
      log(
        `${zip}: ${(archive.zipBytes / 1e6).toFixed(1)} MB (executable ${(built.bytes / 1e6).toFixed(1)} MB), ${archive.buildMillis} ms`,
      )
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }

  writeFileSync(
    join(outDir, names.manifest),
    JSON.stringify({ version: 1, metadata: { protocol_versions: ["6.0"] } }, null, 2) + "\n",
  )
  const summed = [...archives.map((a) => a.zip), names.manifest].sort()
  const sums = await Promise.all(summed.map(async (file) => `${await sha256Hex(join(outDir, file))}  ${file}\n`))
  writeFileSync(join(outDir, names.sums), sums.join(""))
  const gpgKey = options.gpgKey
  if (gpgKey !== undefined && gpgKey !== "")
    signDetached(join(outDir, names.sums), join(outDir, names.signature), gpgKey)
  for (const file of [names.sums, names.signature]) {
    if (existsSync(join(outDir, file))) linkSync(join(outDir, file), join(mirrorDir, file))
  }

  writeFileSync(join(mirrorDir, "index.json"), JSON.stringify({ versions: { [version]: {} } }, null, 2) + "\n")
  const versionJson = {
    archives: Object.fromEntries(
      archives.map((a) => [`linux_${terraformArch[a.arch]}`, { url: a.zip, hashes: [a.h1, a.zh] }]),
    ),
  }
  writeFileSync(join(mirrorDir, `${version}.json`), JSON.stringify(versionJson, null, 2) + "\n")

  const build: ReleaseBuild = {
    version,
    fingerprint,
    archives,
    signed: gpgKey !== undefined && gpgKey !== "",
    millis: elapsed(started),
  }
  writeFileSync(join(outDir, "build.json"), JSON.stringify(build, null, 2) + "\n")
  return build
}

/**
 * One file of a release's `SHA256SUMS`, checked: its listed hash, the hash of
 * the file in the release folder, and of the rebuilt file.
 *
 * @since 0.1.0
 * @category verify
 */
export interface VerifiedFile {
  readonly file: string
  readonly listed: string
  readonly release: string | undefined
  readonly rebuilt: string | undefined
}

/**
 * The release in `dir`: its version and the files its `SHA256SUMS` lists.
 *
 * @since 0.1.0
 * @category verify
 */
export const listedFiles = (
  dir: string,
): { readonly version: string; readonly listed: ReadonlyArray<{ readonly file: string; readonly listed: string }> } => {
  const pattern = /^terraform-provider-mongodbatlas_(.+)_SHA256SUMS$/
  const sumsFiles = readdirSync(dir).filter((f) => pattern.test(f))
  if (sumsFiles.length !== 1) {
    throw new Error(
      `${dir} must hold one terraform-provider-mongodbatlas_<version>_SHA256SUMS; it holds ${sumsFiles.length}`,
    )
  }
  const listed = readFileSync(join(dir, sumsFiles[0]!), "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line)
      if (m === null) throw new Error(`${sumsFiles[0]}: not a SHA256SUMS line: ${JSON.stringify(line)}`)
      return { file: m[2]!, listed: m[1]! }
    })
  return { version: pattern.exec(sumsFiles[0]!)![1]!, listed }
}

/**
 * Every file the release in `dir` lists, hashed as in `dir` and as in
 * `rebuiltDir`.
 *
 * @since 0.1.0
 * @category verify
 */
export const compareRelease = async (dir: string, rebuiltDir: string): Promise<ReadonlyArray<VerifiedFile>> => {
  const hashOf = async (file: string) => (existsSync(file) ? await sha256Hex(file) : undefined)
  return Promise.all(
    listedFiles(dir).listed.map(async (l) => ({
      ...l,
      release: await hashOf(join(dir, l.file)),
      rebuilt: await hashOf(join(rebuiltDir, l.file)),
    })),
  )
}

/**
 * One line per file (`same`, or `DIFFERS` and why) and a summary; `ok` when
 * every file is the same.
 *
 * @since 0.1.0
 * @category verify
 */
export const verdicts = (
  version: string,
  files: ReadonlyArray<VerifiedFile>,
): { readonly ok: boolean; readonly lines: ReadonlyArray<string> } => {
  const lines = files.map((f) => {
    const verdict =
      f.rebuilt === f.listed && f.release === f.listed
        ? "same"
        : f.rebuilt !== f.listed
          ? `DIFFERS: rebuilt ${f.rebuilt ?? "(not built)"}`
          : `DIFFERS: the release's file is ${f.release ?? "(missing)"}`
    return `${f.file}: listed ${f.listed}: ${verdict}`
  })
  const differs = lines.filter((l) => !l.endsWith(": same")).length
  lines.push(
    differs === 0
      ? `release ${version}: every file listed in its SHA256SUMS is rebuilt bit for bit`
      : `release ${version}: ${differs} of ${files.length} files differ`,
  )
  return { ok: differs === 0, lines }
}

/**
 * Rebuilds the release in `dir` from the checkout `root` into `outDir`
 * (default: a temporary folder, removed) and compares every file its
 * `SHA256SUMS` lists: listed, as in `dir`, and rebuilt.
 *
 * @since 0.1.0
 * @category verify
 */
export const verifyRelease = async (
  root: string,
  dir: string,
  options: { readonly outDir?: string | undefined; readonly log?: (line: string) => void } = {},
): Promise<{ readonly version: string; readonly files: ReadonlyArray<VerifiedFile> }> => {
  const { version, listed } = listedFiles(dir)
  const checkout = packageVersion(root)
  if (version !== checkout) {
    throw new Error(
      `the release in ${dir} is ${version}; this checkout is ${checkout}: check out the release's commit first`,
    )
  }
  const names = releaseNames(version)
  const arches = (["x64", "arm64"] as const).filter((a) =>
    listed.some((l) => l.file === names.zip(`linux_${terraformArch[a]}`)),
  )
  const work = mkdtempSync(join(tmpdir(), "provider-verify-"))
  try {
    const outDir = options.outDir ?? join(work, "release")
    const log = options.log ?? (() => {})
    log(`rebuilding ${version} (${arches.map((a) => `linux_${terraformArch[a]}`).join(", ")}) from ${root}`)
    await buildRelease({ root, outDir, arches, log })
    return { version, files: await compareRelease(dir, outDir) }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const usage =
  "usage: npm run release -- [--arch x64|arm64]... [--gpg-key KEY_ID] [--out DIR]\n" +
  "       npm run release -- --verify DIR [--out DIR]\n" +
  "  --arch     build only these (default: x64 and arm64)\n" +
  "  --gpg-key  sign the SHA256SUMS with this key (default: RELEASE_GPG_KEY; unsigned when neither is set)\n" +
  "  --out      write here (default: release/; a non-empty folder only if a release made it)\n" +
  "  --verify   rebuild the release in DIR from this checkout (into --out, else a temporary folder)\n" +
  "             and compare with its SHA256SUMS, naming each file that differs"

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let parsed
  try {
    parsed = parseArgs({
      options: {
        arch: { type: "string", multiple: true },
        "gpg-key": { type: "string" },
        out: { type: "string" },
        verify: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    })
  } catch (error) {
    console.error(`release: ${error instanceof Error ? error.message : String(error)}\n${usage}`)
    process.exit(2)
  }
  if (parsed.values.help) {
    console.log(usage)
    process.exit(0)
  }
  if (parsed.values.verify !== undefined) {
    try {
      const { version, files } = await verifyRelease(process.cwd(), resolve(parsed.values.verify), {
        outDir: parsed.values.out,
        log: (line) => console.error(line),
      })
      const { ok, lines } = verdicts(version, files)
      console.log(lines.join("\n"))
      process.exit(ok ? 0 : 1)
    } catch (error) {
      console.error(`release: ${error instanceof Error ? error.message : String(error)}`)
      process.exit(1)
    }
  }
  const arches = parsed.values.arch?.flatMap((a) => a.split(","))
  for (const arch of arches ?? []) {
    if (arch !== "x64" && arch !== "arm64") {
      console.error(`release: --arch must be x64 or arm64, not "${arch}"\n${usage}`)
      process.exit(2)
    }
  }
  const gpgKey = parsed.values["gpg-key"] ?? process.env["RELEASE_GPG_KEY"]
  try {
    const build = await buildRelease({
      ...(arches === undefined ? {} : { arches: arches as Array<Arch> }),
      ...(gpgKey === undefined ? {} : { gpgKey }),
      ...(parsed.values.out === undefined ? {} : { outDir: parsed.values.out }),
      log: (line) => console.error(line),
    })
    const out = resolve(parsed.values.out ?? "release")
    console.error(
      `release ${build.version} in ${relative(process.cwd(), out) || "."}/ (${build.millis} ms${build.signed ? ", signed" : ", unsigned"}); mirror in ${relative(process.cwd(), join(out, "mirror")) || "."}/`,
    )
  } catch (error) {
    console.error(`release: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
