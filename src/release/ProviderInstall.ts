/**
 * `atlas-flex-restore provider install`: builds the provider for this machine
 * as one self-contained executable (the same Node 24 single executable as the
 * release, `ProviderBinary.ts`, from this package's `dist/provider/`) and puts
 * it where `terraform init` finds it without any CLI configuration: the
 * unpacked layout of Terraform's implied local mirror,
 * `~/.terraform.d/plugins/registry.terraform.io/atlas-flex/mongodbatlas/<version>/linux_<arch>/`.
 *
 * The installed file depends on nothing else: not on `node`, the current
 * directory or this package staying where it is.
 *
 * @since 0.1.0
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs"
import { homedir } from "node:os"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { packageVersion } from "../atlas/UserAgent.js"
import { PROVIDER_SOURCE } from "../datasource/schema.js"
import { packageHashH1 } from "./PackageHash.js"
import { BUNDLE_FILES, packProviderBinary, terraformArch } from "./ProviderBinary.js"
import type { Arch } from "./ProviderBinary.js"

/**
 * An install that cannot be done, with the flag or fact at fault.
 *
 * @since 0.1.0
 * @category errors
 */
export class InstallError extends Error {
  override readonly name = "InstallError"
}

/**
 * Terraform's implied local mirror directories on Linux, in the order it
 * searches them (its CLI configuration docs): used when no
 * `provider_installation` block is configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const impliedMirrorDirs = (env: Readonly<Record<string, string | undefined>>): ReadonlyArray<string> => {
  const home = env["HOME"] || homedir()
  const dataHome = env["XDG_DATA_HOME"] || join(home, ".local", "share")
  const dataDirs = (env["XDG_DATA_DIRS"] || "/usr/local/share:/usr/share").split(":").filter((d) => d !== "")
  return [
    join(home, ".terraform.d", "plugins"),
    join(dataHome, "terraform", "plugins"),
    ...dataDirs.map((d) => join(d, "terraform", "plugins")),
  ]
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Installed {
  /** The mirror directory (the parent of `registry.terraform.io/`). */
  readonly dir: string
  /** The executable. */
  readonly file: string
  readonly version: string
  /** Terraform's platform name, e.g. `linux_amd64`. */
  readonly platform: string
  readonly bytes: number
  readonly h1: string
  /** Whether Terraform searches `dir` without a CLI configuration. */
  readonly implied: boolean
  readonly millis: number
}

const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir)
    if (parent === dir) throw new InstallError("cannot find the atlas-flex-restore package above " + import.meta.url)
    dir = parent
  }
  return dir
}

/**
 * Installs the provider into the mirror directory `dir` (default: the first
 * implied one, `~/.terraform.d/plugins`). A previous install of the same
 * version and platform is replaced.
 *
 * @since 0.1.0
 * @category install
 */
export const installProvider = async (options: {
  readonly dir?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
}): Promise<Installed> => {
  const started = process.hrtime.bigint()
  if (process.platform !== "linux") {
    throw new InstallError(
      `provider install builds Linux executables only; this is ${process.platform}. Use the dev_overrides setup in the README instead`,
    )
  }
  if (process.arch !== "x64" && process.arch !== "arm64") {
    throw new InstallError(`provider install supports x64 and arm64 machines; this one is ${process.arch}`)
  }
  const arch: Arch = process.arch
  const implied = impliedMirrorDirs(options.env)
  let dir: string
  if (options.dir === undefined) dir = implied[0]!
  else {
    if (options.dir.trim() === "") throw new InstallError("--dir must name a directory; it is empty")
    dir = isAbsolute(options.dir) ? options.dir : resolve(options.cwd ?? process.cwd(), options.dir)
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new InstallError(`--dir must be a directory: ${dir} is a file`)
    }
  }
  const bundleDir = join(packageRoot(), "dist", "provider")
  const missing = BUNDLE_FILES.filter((f) => !existsSync(join(bundleDir, f)))
  if (missing.length > 0) {
    throw new InstallError(
      `the plugin is not built (${missing.join(", ")} missing in ${bundleDir}); run \`npm run build\` in the package`,
    )
  }
  const version = packageVersion()
  const platform = `linux_${terraformArch[arch]}`
  const target = join(dir, PROVIDER_SOURCE, version, platform)
  const file = join(target, `terraform-provider-mongodbatlas_v${version}`)
  // Terraform hashes the whole directory (h1:): leave only the executable in it.
  if (existsSync(target)) {
    for (const entry of readdirSync(target)) rmSync(join(target, entry), { recursive: true, force: true })
  }
  mkdirSync(target, { recursive: true })
  const built = await packProviderBinary({ arch, bundleDir, outFile: file })
  return {
    dir,
    file,
    version,
    platform,
    bytes: built.bytes,
    h1: await packageHashH1([{ name: `terraform-provider-mongodbatlas_v${version}`, path: file }]),
    implied: implied.some((d) => resolve(d) === resolve(dir)),
    millis: Number((process.hrtime.bigint() - started) / 1_000_000n),
  }
}
