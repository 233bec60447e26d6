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
 * `release/build.json` records what the build was made from (a fingerprint of
 * the sources, lockfile and pinned Node binaries), so the test suite rebuilds
 * only a missing or stale release.
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
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join, relative, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { parseArgs } from "node:util"
import yazl from "yazl"
import { NODE_BINARIES } from "../../src/release/NodeBinary.js"
import { runnerFor, terraformArch } from "../../src/release/ProviderBinary.js"
import type { Arch } from "../../src/release/ProviderBinary.js"
import { packageHashH1, sha256Hex, zipHash } from "../../src/release/PackageHash.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { buildProviderBinary } from "./sea.js"

/**
 * The provider's type, as in `terraform-provider-<type>`.
 *
 * @since 0.1.0
 * @category constants
 */
export const PROVIDER_TYPE = "mongodbatlas"

/**
 * The file names of a release of `version`.
 *
 * @since 0.1.0
 * @category constants
 */
export const releaseNames = (version: string) => {
  const base = `terraform-provider-${PROVIDER_TYPE}_${version}`
  return {
    executable: `terraform-provider-${PROVIDER_TYPE}_v${version}`,
    zip: (arch: Arch) => `${base}_linux_${terraformArch[arch]}.zip`,
    sums: `${base}_SHA256SUMS`,
    signature: `${base}_SHA256SUMS.sig`,
    manifest: `${base}_manifest.json`,
    /** The mirror's folder for the provider, relative to `mirror/`. */
    mirrorDir: PROVIDER_SOURCE,
  }
}

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
  rmSync(outDir, { recursive: true, force: true })
  const mirrorDir = join(outDir, "mirror", names.mirrorDir)
  mkdirSync(mirrorDir, { recursive: true })

  const work = mkdtempSync(join(tmpdir(), "provider-release-"))
  const archives: Array<ReleaseBuild["archives"][number]> = []
  try {
    for (const arch of arches) {
      const archStarted = process.hrtime.bigint()
      const executable = join(work, arch, names.executable)
      const built = await buildProviderBinary({ arch, outFile: executable, root })
      const zip = names.zip(arch)
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

const usage =
  "usage: npm run release -- [--arch x64|arm64]... [--gpg-key KEY_ID] [--out DIR]\n" +
  "  --arch     build only these (default: x64 and arm64)\n" +
  "  --gpg-key  sign the SHA256SUMS with this key (default: RELEASE_GPG_KEY; unsigned when neither is set)\n" +
  "  --out      write here (default: release/)"

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let parsed
  try {
    parsed = parseArgs({
      options: {
        arch: { type: "string", multiple: true },
        "gpg-key": { type: "string" },
        out: { type: "string" },
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
