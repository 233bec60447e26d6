/**
 * `atlas-flex-restore provider install`: builds the provider for this machine
 * as one self-contained executable (the same Node 24 single executable as the
 * release, `ProviderBinary.ts`, from this package's `dist/provider/`) and puts
 * it where `terraform init` finds it without any CLI configuration: the
 * unpacked layout of Terraform's implied local mirror,
 * `~/.terraform.d/plugins/registry.terraform.io/atlas-flex/mongodbatlas/<version>/linux_<arch>/`.
 *
 * The installed file depends on nothing else: not on `node`, the current
 * directory or this package staying where it is; and it is byte for byte the
 * release's executable for this platform (the same `h1:`), so one lock file
 * serves everyone.
 *
 * An install cannot hurt what is there: the new executable is built into a
 * temporary file beside its destination and renamed into place (the previous
 * one stays until then; a failure or a signal removes every temporary file);
 * nothing under the mirror folder is followed through a symlink or deleted
 * unless this install made it; an unexpected entry in the platform folder is
 * an error naming it; a lock file serializes installs of one platform; the
 * folders it creates are 0755 and the executable 0755 whatever the umask.
 *
 * @since 0.1.0
 */
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs"
import type { Stats } from "node:fs"
import { userInfo } from "node:os"
import { dirname, isAbsolute, join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { packageVersion } from "../atlas/UserAgent.js"
import { PROVIDER_SOURCE } from "../datasource/schema.js"
import { packageHashH1 } from "./PackageHash.js"
import { packageRoot } from "./NodeBinary.js"
import { BUNDLE_FILES, packProviderBinary, terraformArch } from "./ProviderBinary.js"
import type { Arch } from "./ProviderBinary.js"
import { fromRelease, isUrl, releaseSource } from "./ReleaseSource.js"
import { checkInterrupted, InstallError } from "./Step.js"

export { InstallError } from "./Step.js"

/**
 * The user's home folder: `HOME`, else (unset) the passwd entry's; empty or
 * relative is an error.
 *
 * @since 0.1.0
 * @category constants
 */
export const homeDir = (env: Readonly<Record<string, string | undefined>>): string => {
  const home = env["HOME"]
  if (home !== undefined) {
    if (home === "") throw new InstallError("HOME is set but empty: set it to your home folder, or pass --dir")
    if (!isAbsolute(home)) throw new InstallError(`HOME must be an absolute path, not ${JSON.stringify(home)}`)
    return home
  }
  let entry: string | undefined
  try {
    entry = userInfo().homedir
  } catch (error) {
    throw new InstallError(
      `HOME is not set and this user has no passwd entry (${(error as Error).message}); set HOME or pass --dir`,
    )
  }
  if (!entry || !isAbsolute(entry)) {
    throw new InstallError("HOME is not set and this user's passwd entry names no home folder; set HOME or pass --dir")
  }
  return entry
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
  const home = homeDir(env)
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
  /** The `h1:` hash of the platform folder as it is on disk after the install. */
  readonly h1: string
  /** Whether Terraform searches `dir` without a CLI configuration. */
  readonly implied: boolean
  readonly millis: number
}

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw new InstallError(`cannot inspect ${path}: ${(error as Error).message}`)
  }
}

/** Creates `dir` (mode 0755 whatever the umask) unless it is there; never through a symlink. */
const enterDir = (dir: string): void => {
  const found = lstatOrUndefined(dir)
  if (found?.isSymbolicLink()) {
    throw new InstallError(`${dir} is a symlink: provider install follows no link under the mirror folder; remove it`)
  }
  if (found !== undefined) {
    if (!found.isDirectory()) throw new InstallError(`${dir} must be a directory; it is not`)
    return
  }
  try {
    mkdirSync(dir, { mode: 0o755 })
  } catch (error) {
    throw new InstallError(`cannot create ${dir}: ${(error as Error).message}`)
  }
  chmodSync(dir, 0o755)
  if (!lstatSync(dir).isDirectory()) throw new InstallError(`${dir} changed while it was created`)
}

/** Creates `dir` and its missing parents, each 0755 (the mirror folder itself may be reached through links). */
const ensureMirrorDir = (dir: string): void => {
  const missing: Array<string> = []
  for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d)
  for (const d of missing) enterDir(d)
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Takes the lock file `file` (created exclusively, holding this pid), waiting
 * while a live process holds it; a lock whose process is gone is taken over.
 * Returns its release.
 */
const lock = async (file: string, signal: AbortSignal | undefined): Promise<() => void> => {
  for (;;) {
    checkInterrupted(signal, "waiting for another install to finish")
    try {
      const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }
      return () => rmSync(file, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new InstallError(`cannot create the lock file ${file}: ${(error as Error).message}`)
      }
    }
    // A link is not followed; a folder is never released.
    const found = lstatOrUndefined(file)
    if (found !== undefined && !found.isFile()) {
      const what = found.isSymbolicLink() ? "a symlink" : "not a file"
      throw new InstallError(`the lock file ${file} is ${what}; remove it`)
    }
    let holder = Number.NaN
    try {
      holder = Number.parseInt(readFileSync(file, "utf8"), 10)
    } catch {
      // Gone meanwhile: try again.
    }
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) rmSync(file, { force: true })
    else await sleep(100)
  }
}

/**
 * Where an install writes, for one version and platform.
 *
 * @since 0.1.0
 * @category models
 */
export interface InstallTarget {
  readonly dir: string
  readonly version: string
  readonly platform: string
  readonly arch: Arch
  /** The version folder: holds the lock file and the temporary folders (`.provider-sea-<arch>-…`, `.provider-gpg-<arch>-…`). */
  readonly versionDir: string
  /** The platform folder, which Terraform hashes whole. */
  readonly platformDir: string
  readonly executable: string
}

/**
 * Produces the new executable as `outFile` (a new file), working under
 * `workParent`; stops when `signal` is aborted.
 *
 * @since 0.1.0
 * @category models
 */
export type Producer = (options: {
  readonly outFile: string
  readonly workParent: string
  readonly target: InstallTarget
  readonly signal: AbortSignal | undefined
}) => Promise<void>

/**
 * The builder of `provider install` without `--from`: the plugin's bundles
 * in `bundleDir` (this package's `dist/provider` by default), packed into
 * the executable with the pinned Node.
 *
 * @since 0.1.0
 * @category install
 */
export const buildFromBundles =
  (bundleDir = join(packageRoot(), "dist", "provider")): Producer =>
  async ({ outFile, workParent, target, signal }) => {
    const missing = BUNDLE_FILES.filter((f) => !existsSync(join(bundleDir, f)))
    if (missing.length > 0) {
      throw new InstallError(
        `the plugin is not built (${missing.join(", ")} missing in ${bundleDir}); run \`npm run build\` in the package`,
      )
    }
    await packProviderBinary({ arch: target.arch, bundleDir, outFile, workParent, ...(signal ? { signal } : {}) })
  }

/**
 * The path a flag names, absolute: `~` and `~/…` expanded to the home
 * folder, `~user` refused, relative to `cwd`.
 *
 * @since 0.1.0
 * @category install
 */
export const expandPath = (
  flag: string,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string => {
  if (path.trim() === "") throw new InstallError(`${flag} must name a path; it is empty`)
  if (path === "~" || path.startsWith("~/")) return join(homeDir(env), path.slice(1))
  if (path.startsWith("~")) {
    throw new InstallError(
      `${flag} ${JSON.stringify(path)}: only ~ and ~/… (this user's home) are expanded; give the path`,
    )
  }
  return isAbsolute(path) ? path : resolve(cwd, path)
}

/**
 * Installs the provider into the mirror directory `dir` (default: the first
 * implied one, `~/.terraform.d/plugins`). A previous install of the same
 * version and platform is replaced once the new executable is complete.
 *
 * @since 0.1.0
 * @category install
 */
export const installProvider = async (options: {
  readonly dir?: string | undefined
  readonly env: Readonly<Record<string, string | undefined>>
  readonly cwd?: string
  readonly signal?: AbortSignal | undefined
  /** A release to install from (an archive, a release folder or an https:// mirror URL) instead of building. */
  readonly from?: string | undefined
  /** A public key file: the release's SHA256SUMS must carry a good signature by it (with `from`). */
  readonly verifyKey?: string | undefined
  /**
   * Writes the new executable in place of the release or the build (tests: a
   * producer that fails or is interrupted after writing, which no release can
   * be made to do at a chosen moment).
   */
  readonly produce?: Producer | undefined
}): Promise<Installed> => {
  const started = process.hrtime.bigint()
  const { signal } = options
  if (process.platform !== "linux") {
    throw new InstallError(
      `provider install builds Linux executables only; this is ${process.platform}. Use the dev_overrides setup in the README instead`,
    )
  }
  if (process.arch !== "x64" && process.arch !== "arm64") {
    throw new InstallError(`provider install supports x64 and arm64 machines; this one is ${process.arch}`)
  }
  const arch: Arch = process.arch
  const cwd = options.cwd ?? process.cwd()
  const dir =
    options.dir === undefined ? impliedMirrorDirs(options.env)[0]! : expandPath("--dir", options.dir, options.env, cwd)
  if (options.verifyKey !== undefined && options.from === undefined) {
    throw new InstallError("--verify-key checks a release's signature: it needs --from")
  }
  const keyFile =
    options.verifyKey === undefined ? undefined : expandPath("--verify-key", options.verifyKey, options.env, cwd)
  if (keyFile !== undefined && !existsSync(keyFile)) throw new InstallError(`--verify-key ${keyFile}: no such file`)
  const source =
    options.from === undefined
      ? undefined
      : releaseSource(
          isUrl(options.from) ? options.from : expandPath("--from", options.from, options.env, cwd),
          packageVersion(),
        )
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new InstallError(`--dir must be a directory: ${dir} is a file`)
  }
  const version = source?.version ?? packageVersion()
  const platform = `linux_${terraformArch[arch]}`
  const versionDir = join(dir, PROVIDER_SOURCE, version)
  const name = `terraform-provider-mongodbatlas_v${version}`
  const target: InstallTarget = {
    dir,
    version,
    platform,
    arch,
    versionDir,
    platformDir: join(versionDir, platform),
    executable: join(versionDir, platform, name),
  }
  ensureMirrorDir(dir)
  let below = dir
  for (const part of [...PROVIDER_SOURCE.split("/"), version]) enterDir((below = join(below, part)))
  const release = await lock(join(versionDir, `.${platform}.lock`), signal)
  const temp = join(target.platformDir, `.${name}.${process.pid}.tmp`)
  let tempCreated = false
  try {
    // Temporary folders of an install that was killed (this lock is free, so none is running). An entry's
    // type is the one readdir reports (a link is a link, not what it points to).
    for (const entry of readdirSync(versionDir, { withFileTypes: true })) {
      const ours = [`.provider-sea-${arch}-`, `.provider-gpg-${arch}-`].some((prefix) => entry.name.startsWith(prefix))
      if (ours && entry.isDirectory()) rmSync(join(versionDir, entry.name), { recursive: true, force: true })
    }
    enterDir(target.platformDir)
    const staleTemp = new RegExp(`^\\.${name.replace(/[.]/g, "\\.")}\\.(\\d+)\\.tmp$`)
    const unexpected: Array<string> = []
    for (const entry of readdirSync(target.platformDir, { withFileTypes: true })) {
      if (entry.name === name && entry.isFile()) continue
      const stale = staleTemp.exec(entry.name)
      if (stale !== null && entry.isFile() && !isAlive(Number(stale[1]))) {
        rmSync(join(target.platformDir, entry.name), { force: true })
        continue
      }
      unexpected.push(entry.isSymbolicLink() ? `${entry.name} (a symlink)` : entry.name)
    }
    if (unexpected.length > 0) {
      throw new InstallError(
        `${target.platformDir} holds ${unexpected.join(", ")} besides the provider; Terraform hashes the whole folder, so remove ${unexpected.length === 1 ? "it" : "them"} and run again`,
      )
    }
    const produce = options.produce ?? (source === undefined ? buildFromBundles() : fromRelease(source, keyFile))
    tempCreated = true
    await produce({ outFile: temp, workParent: versionDir, target, signal })
    checkInterrupted(signal, "provider install")
    chmodSync(temp, 0o755)
    renameSync(temp, target.executable)
    // What Terraform will hash: every file of the platform folder, as it is now.
    const files = readdirSync(target.platformDir, { withFileTypes: true }).map((entry) => {
      const path = join(target.platformDir, entry.name)
      if (!entry.isFile()) throw new InstallError(`${path} appeared during the install; remove it`)
      return { name: entry.name, path }
    })
    const h1 = await packageHashH1(files)
    const bytes = lstatSync(target.executable).size
    let implied: boolean
    try {
      implied = impliedMirrorDirs(options.env).some((d) => resolve(d) === resolve(dir))
    } catch {
      implied = false
    }
    return {
      dir,
      file: target.executable,
      version,
      platform,
      bytes,
      h1,
      implied,
      millis: Number((process.hrtime.bigint() - started) / 1_000_000n),
    }
  } finally {
    // The producer's file, unless it was renamed into place (then there is none).
    if (tempCreated && lstatOrUndefined(temp)?.isFile()) unlinkSync(temp)
    release()
  }
}
