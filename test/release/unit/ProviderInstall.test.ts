/**
 * `provider install`, called in-process (`installProvider`) with a release
 * folder made in a moment (`fakeRelease`): where the executable lands under
 * the mirror layout, its bytes and modes whatever the umask, its `h1:`, the
 * default and implied mirror folders (HOME, XDG_DATA_HOME, XDG_DATA_DIRS),
 * the refusals (links under the mirror folder, unexpected entries, bad HOME,
 * `~user`, other systems and machines) that create nothing, the lock, and
 * replacement that keeps the previous install and leaves no temporary file
 * when the producer fails or the install is interrupted. The same behaviours
 * through the built CLI are in ../install.test.ts.
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
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir, userInfo } from "node:os"
import { join, resolve } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { packageVersion } from "../../../src/atlas/UserAgent.js"
import { PROVIDER_SOURCE } from "../../../src/datasource/schema.js"
import { packageHashH1 } from "../../../src/release/PackageHash.js"
import { BUNDLE_FILES } from "../../../src/release/ProviderBinary.js"
import {
  buildFromBundles,
  expandPath,
  homeDir,
  impliedMirrorDirs,
  installProvider,
  InstallError,
} from "../../../src/release/ProviderInstall.js"
import type { Producer } from "../../../src/release/ProviderInstall.js"
import { Interrupted } from "../../../src/release/Step.js"
import { fakeRelease, throwawayKey } from "../fixtures.js"

// The passwd entry is the machine's: a home-less or odd one can only be had by standing in for userInfo.
vi.mock("node:os", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:os")>()
  return { ...actual, userInfo: vi.fn(actual.userInfo) }
})

const gpgMissing = spawnSync("gpg", ["--version"]).status !== 0
if (gpgMissing) console.warn("SKIPPING the --verify-key test: gpg is not on PATH")

const version = packageVersion()
const executableName = `terraform-provider-mongodbatlas_v${version}`
const arches = { x64: "linux_amd64", arm64: "linux_arm64" } as const
const platform = arches[process.arch as keyof typeof arches]
/** Different bytes per platform, so that the one installed shows which was chosen. */
const executables = {
  linux_amd64: Buffer.from("#!/bin/sh\necho amd64 provider\n"),
  linux_arm64: Buffer.from("#!/bin/sh\necho arm64 provider, a little longer\n"),
}
const ours = executables[platform]

const root = mkdtempSync(join(tmpdir(), "provider-install-"))
const release = join(root, "release")
afterAll(() => rmSync(root, { recursive: true, force: true }))
beforeAll(async () => {
  await fakeRelease(release, version, executables)
})

let n = 0
/** A fresh folder under the test's root. */
const fresh = (name: string) => {
  const dir = join(root, `${name}-${++n}`)
  mkdirSync(dir)
  return dir
}
/** A mirror folder (not created) and the paths an install of `version` on `platformName` makes in it. */
const mirror = (platformName: string = platform, v: string = version) => {
  const dir = join(root, `mirror-${++n}`)
  const versionDir = join(dir, PROVIDER_SOURCE, v)
  const platformDir = join(versionDir, platformName)
  return {
    dir,
    versionDir,
    platformDir,
    lock: join(versionDir, `.${platformName}.lock`),
    executable: join(platformDir, `terraform-provider-mongodbatlas_v${v}`),
  }
}
type Mirror = ReturnType<typeof mirror>
const install = (dir: string | undefined, extra: Partial<Parameters<typeof installProvider>[0]> = {}) =>
  installProvider({ dir, env: { HOME: fresh("home") }, cwd: root, from: release, ...extra })
/** The folder's h1 as Terraform computes it from the files on disk. */
const diskH1 = (dir: string) => packageHashH1(readdirSync(dir).map((name) => ({ name, path: join(dir, name) })))
/** A pid that no process has now: a shell that has exited. */
const deadPid = () => Number(spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim())
/** Runs `body` with process[key] reading `value`. */
const faking = async <T>(key: "platform" | "arch", value: string, body: () => Promise<T>): Promise<T> => {
  const saved = Object.getOwnPropertyDescriptor(process, key)!
  Object.defineProperty(process, key, { ...saved, value })
  try {
    return await body()
  } finally {
    Object.defineProperty(process, key, saved)
  }
}
const withUmask = async <T>(mask: number, body: () => Promise<T>): Promise<T> => {
  const saved = process.umask(mask)
  try {
    return await body()
  } finally {
    process.umask(saved)
  }
}
/** Installs into a fresh mirror; returns the mirror and the installed file's inode. */
const installed = async (): Promise<Mirror & { ino: number }> => {
  const m = mirror()
  await install(m.dir)
  return { ...m, ino: statSync(m.executable).ino }
}
/** The previous install is there, unchanged, alone; no lock, temporary file or folder is left. */
const expectIntact = (m: Mirror & { ino: number }) => {
  expect(statSync(m.executable).ino).toBe(m.ino)
  expect(readFileSync(m.executable)).toEqual(ours)
  expect(readdirSync(m.platformDir)).toEqual([executableName])
  expect(readdirSync(m.versionDir)).toEqual([platform])
}

describe("homeDir, impliedMirrorDirs and expandPath", () => {
  it("HOME is the home folder; empty or relative is refused, naming HOME and the rule", () => {
    expect(homeDir({ HOME: "/home/me" })).toBe("/home/me")
    expect(() => homeDir({ HOME: "" })).toThrow(
      new InstallError("HOME is set but empty: set it to your home folder, or pass --dir"),
    )
    expect(() => homeDir({ HOME: "me" })).toThrow(new InstallError('HOME must be an absolute path, not "me"'))
  })

  it("without HOME, the passwd entry's home; none, an empty or a relative one is an error that says what to set", () => {
    const passwd = vi.mocked(userInfo)
    passwd.mockReturnValueOnce({ ...userInfo(), homedir: "/var/lib/me" })
    expect(homeDir({})).toBe("/var/lib/me")
    passwd.mockImplementationOnce(() => {
      throw new Error("uv_os_get_passwd returned ENOENT (no such file or directory)")
    })
    expect(() => homeDir({})).toThrow(
      new InstallError(
        "HOME is not set and this user has no passwd entry (uv_os_get_passwd returned ENOENT (no such file or directory)); set HOME or pass --dir",
      ),
    )
    for (const homedir of ["", "relative/home"]) {
      passwd.mockReturnValueOnce({ ...userInfo(), homedir })
      expect(() => homeDir({})).toThrow(
        new InstallError("HOME is not set and this user's passwd entry names no home folder; set HOME or pass --dir"),
      )
    }
  })

  it("the implied mirrors, in Terraform's order: ~/.terraform.d/plugins, then XDG_DATA_HOME's, then each of XDG_DATA_DIRS'", () => {
    const defaults = [
      "/h/.terraform.d/plugins",
      "/h/.local/share/terraform/plugins",
      "/usr/local/share/terraform/plugins",
      "/usr/share/terraform/plugins",
    ]
    expect(impliedMirrorDirs({ HOME: "/h" })).toEqual(defaults)
    // Set but empty is unset, as the XDG base directory rules say.
    expect(impliedMirrorDirs({ HOME: "/h", XDG_DATA_HOME: "", XDG_DATA_DIRS: "" })).toEqual(defaults)
    expect(impliedMirrorDirs({ HOME: "/h", XDG_DATA_HOME: "/data", XDG_DATA_DIRS: "/a::/b:" })).toEqual([
      "/h/.terraform.d/plugins",
      "/data/terraform/plugins",
      "/a/terraform/plugins",
      "/b/terraform/plugins",
    ])
    expect(() => impliedMirrorDirs({ HOME: "" })).toThrow("HOME is set but empty")
  })

  it("a flag's path: ~ and ~/… are the home folder, relative is under cwd, ~user and blank are refused naming the flag", () => {
    const env = { HOME: "/h" }
    expect(expandPath("--dir", "~", env, "/cwd")).toBe("/h")
    expect(expandPath("--dir", "~/m/n", env, "/cwd")).toBe("/h/m/n")
    expect(expandPath("--dir", "m/n", env, "/cwd")).toBe("/cwd/m/n")
    expect(expandPath("--dir", "/abs/m", env, "/cwd")).toBe("/abs/m")
    expect(expandPath("--dir", "m~", env, "/cwd")).toBe("/cwd/m~")
    expect(() => expandPath("--from", "~bob/release", env, "/cwd")).toThrow(
      new InstallError('--from "~bob/release": only ~ and ~/… (this user\'s home) are expanded; give the path'),
    )
    expect(() => expandPath("--verify-key", " \t", env, "/cwd")).toThrow(
      new InstallError("--verify-key must name a path; it is empty"),
    )
    expect(() => expandPath("--dir", "~/m", { HOME: "" }, "/cwd")).toThrow("HOME is set but empty")
  })
})

describe("installProvider --from a release folder", () => {
  it("puts the release's executable for this machine under the mirror layout: its bytes, 0755, the folder's h1", async () => {
    const m = mirror()
    const before = process.hrtime.bigint()
    const result = await install(m.dir)
    const elapsed = Number((process.hrtime.bigint() - before) / 1_000_000n)
    expect(m.executable).toBe(
      join(m.dir, "registry.terraform.io", "atlas-flex", "mongodbatlas", version, platform, executableName),
    )
    expect(result).toEqual({
      dir: m.dir,
      file: m.executable,
      version,
      platform,
      bytes: ours.length,
      h1: await diskH1(m.platformDir),
      implied: false,
      millis: expect.any(Number),
    })
    expect(Number.isInteger(result.millis) && result.millis >= 0 && result.millis <= elapsed).toBe(true)
    expect(readFileSync(m.executable)).toEqual(ours)
    expect(lstatSync(m.executable).mode & 0o7777).toBe(0o755)
    expect(readdirSync(m.platformDir)).toEqual([executableName])
    // No lock file, no temporary folder.
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })

  it("the version is the release's: a folder holding only 9.8.7's release installs 9.8.7", async () => {
    const other = fresh("release-9.8.7")
    await fakeRelease(other, "9.8.7", executables)
    const m = mirror(platform, "9.8.7")
    const result = await install(m.dir, { from: other })
    expect([result.version, result.file]).toEqual(["9.8.7", m.executable])
    expect(readFileSync(m.executable)).toEqual(ours)
  })

  it("on an arm64 machine the linux_arm64 executable is installed", async () => {
    const m = mirror("linux_arm64")
    const result = await faking("arch", "arm64", () => install(m.dir))
    expect([result.platform, result.file, result.bytes]).toEqual([
      "linux_arm64",
      m.executable,
      executables.linux_arm64.length,
    ])
    expect(readFileSync(m.executable)).toEqual(executables.linux_arm64)
  })

  for (const mask of [0o000, 0o077]) {
    it(`under umask ${mask.toString(8).padStart(3, "0")}, every folder it creates and the executable are 0755`, async () => {
      const base = fresh("umask")
      // Missing parents of the mirror folder are created too.
      const dir = join(base, "a", "b", "mirror")
      const result = await withUmask(mask, () => install(dir))
      const modes: Array<[string, number]> = []
      let path = base
      for (const part of ["a", "b", "mirror", ...PROVIDER_SOURCE.split("/"), version, platform, executableName]) {
        path = join(path, part)
        modes.push([path, statSync(path).mode & 0o7777])
      }
      expect(modes).toEqual(modes.map(([p]) => [p, 0o755]))
      expect(path).toBe(result.file)
    })
  }

  it("without --dir, the first implied mirror: ~/.terraform.d/plugins of HOME, and it says Terraform finds it", async () => {
    const home = fresh("home")
    const result = await installProvider({ env: { HOME: home }, cwd: root, from: release })
    expect([result.dir, result.implied]).toEqual([join(home, ".terraform.d", "plugins"), true])
    expect(readFileSync(result.file)).toEqual(ours)
    expect(statSync(join(home, ".terraform.d")).mode & 0o777).toBe(0o755)
  })

  it("--dir is implied when it is any of Terraform's implied mirrors, however it is spelled", async () => {
    const home = fresh("home")
    const data = fresh("data")
    const shared = fresh("shared")
    const env = { HOME: home, XDG_DATA_HOME: data, XDG_DATA_DIRS: `/nonexistent:${shared}` }
    const implied = async (dir: string) => (await installProvider({ dir, env, cwd: shared, from: release })).implied
    expect(await implied("~/.terraform.d/plugins/")).toBe(true)
    expect(await implied(join(data, "terraform", "plugins"))).toBe(true)
    expect(await implied("terraform/plugins")).toBe(true)
    expect(await implied(join(home, ".local", "share", "terraform", "plugins"))).toBe(false)
    expect(await implied("~/mirror")).toBe(false)
    expect(readFileSync(join(home, "mirror", PROVIDER_SOURCE, version, platform, executableName))).toEqual(ours)
  })

  it("a relative --dir is under the working folder, and nothing else is written there", async () => {
    const work = fresh("work")
    const saved = process.cwd()
    process.chdir(work)
    try {
      const result = await installProvider({ dir: "m", env: { HOME: fresh("home") }, from: release })
      expect(result.file).toBe(join(work, "m", PROVIDER_SOURCE, version, platform, executableName))
    } finally {
      process.chdir(saved)
    }
    expect(readdirSync(work)).toEqual(["m"])
  })

  it("with HOME empty, an install into --dir still works and is not called implied", async () => {
    const m = mirror()
    const result = await installProvider({ dir: m.dir, env: { HOME: "" }, from: release })
    expect([result.file, result.implied]).toEqual([m.executable, false])
  })

  it("--from and --dir relative to cwd and ~/…; an http:// URL is kept as a URL, not a path", async () => {
    const home = fresh("home")
    const other = join(home, "rel")
    await fakeRelease(other, version, executables)
    const result = await installProvider({ dir: "m", env: { HOME: home }, cwd: home, from: "~/rel" })
    expect(result.file).toBe(join(home, "m", PROVIDER_SOURCE, version, platform, executableName))
    const again = await installProvider({ dir: "~/m", env: { HOME: home }, cwd: root, from: "rel" }).catch(
      (e: unknown) => e,
    )
    expect(again).toEqual(new InstallError(`--from ${join(root, "rel")}: no such file or folder`))
    await expect(
      installProvider({ dir: "~/m", env: { HOME: home }, cwd: home, from: "HTTP://mirror.example.test/" }),
    ).rejects.toThrow(
      new InstallError(
        "--from http://mirror.example.test/: a mirror URL must be https:// (the release is only trusted over TLS)",
      ),
    )
  })

  it("replaces a previous install by renaming the new file over it", async () => {
    const m = await installed()
    const newer = fresh("release-newer")
    const bytes = Buffer.from("#!/bin/sh\necho a newer provider\n")
    await fakeRelease(newer, version, { [platform]: bytes })
    const result = await install(m.dir, { from: newer })
    expect(readFileSync(m.executable)).toEqual(bytes)
    expect(statSync(m.executable).ino).not.toBe(m.ino)
    expect(result.bytes).toBe(bytes.length)
    expect(result.h1).toBe(await diskH1(m.platformDir))
    expect(readdirSync(m.platformDir)).toEqual([executableName])
  })

  it("an archive that does not match SHA256SUMS is refused: the previous install stays, nothing is left", async () => {
    const m = await installed()
    const tampered = fresh("release-tampered")
    const names = await fakeRelease(tampered, version, executables)
    writeFileSync(join(tampered, names.zip(platform)), "not the release")
    await expect(install(m.dir, { from: tampered })).rejects.toThrow(
      `${join(tampered, names.zip(platform))} does not match ${names.sums}`,
    )
    expectIntact(m)
  })

  it.skipIf(gpgMissing)(
    `--verify-key: a release signed by the key installs; an unsigned one is refused${gpgMissing ? " (SKIPPED: gpg missing)" : ""}`,
    async () => {
      const key = throwawayKey(fresh("keys"), "releaser")
      try {
        const signed = fresh("release-signed")
        const names = await fakeRelease(signed, version, executables)
        key.sign(join(signed, names.sums), join(signed, names.signature))
        const m = mirror()
        const result = await install(m.dir, { from: signed, verifyKey: key.publicKey })
        expect(readFileSync(result.file)).toEqual(ours)
        // gpg's throwaway folder is gone.
        expect(readdirSync(m.versionDir)).toEqual([platform])
        const other = mirror()
        await expect(install(other.dir, { verifyKey: key.publicKey })).rejects.toThrow(
          new InstallError(`${join(release, names.signature)} is missing, and --verify-key asks for it`),
        )
        expect(readdirSync(other.platformDir)).toEqual([])
      } finally {
        key.remove()
      }
    },
  )
})

describe("refusals that create nothing", () => {
  /** Runs an install (from the release, into a fresh HOME) that must fail with exactly `message`. */
  const refused = async (options: Partial<Parameters<typeof installProvider>[0]>, message: string): Promise<void> => {
    await expect(
      installProvider({ env: { HOME: fresh("home") }, cwd: root, from: release, ...options }),
    ).rejects.toThrow(new InstallError(message))
  }

  it("other systems are told to use dev_overrides", async () => {
    const m = mirror()
    await faking("platform", "darwin", () =>
      refused(
        { dir: m.dir },
        "provider install builds Linux executables only; this is darwin. Use the dev_overrides setup in the README instead",
      ),
    )
    expect(existsSync(m.dir)).toBe(false)
  })

  it("other machines are named", async () => {
    const m = mirror()
    await faking("arch", "ia32", () =>
      refused({ dir: m.dir }, "provider install supports x64 and arm64 machines; this one is ia32"),
    )
    expect(existsSync(m.dir)).toBe(false)
  })

  it("HOME empty without --dir names HOME; nothing is created in the working folder", async () => {
    const cwd = fresh("cwd")
    await refused({ env: { HOME: "" }, cwd }, "HOME is set but empty: set it to your home folder, or pass --dir")
    expect(readdirSync(cwd)).toEqual([])
  })

  it("~user in --dir is refused naming --dir and the rule", async () => {
    const cwd = fresh("cwd")
    await refused(
      { dir: "~root/mirror", cwd },
      '--dir "~root/mirror": only ~ and ~/… (this user\'s home) are expanded; give the path',
    )
    expect(readdirSync(cwd)).toEqual([])
  })

  it("~user in --from or --verify-key is refused naming that flag", async () => {
    const m = mirror()
    await refused(
      { dir: m.dir, from: "~bob/release" },
      '--from "~bob/release": only ~ and ~/… (this user\'s home) are expanded; give the path',
    )
    await refused(
      { dir: m.dir, verifyKey: "~bob/key.asc" },
      '--verify-key "~bob/key.asc": only ~ and ~/… (this user\'s home) are expanded; give the path',
    )
    // A path that merely holds "://" is a path.
    await refused(
      { dir: m.dir, from: "releases/v1://x" },
      `--from ${resolve(root, "releases/v1://x")}: no such file or folder`,
    )
    expect(existsSync(m.dir)).toBe(false)
  })

  it("--verify-key needs --from, and names a file that exists", async () => {
    const m = mirror()
    await refused(
      { dir: m.dir, from: undefined, verifyKey: "key.asc" },
      "--verify-key checks a release's signature: it needs --from",
    )
    await refused({ dir: m.dir, verifyKey: "key.asc" }, `--verify-key ${join(root, "key.asc")}: no such file`)
    expect(existsSync(m.dir)).toBe(false)
  })

  it("--dir naming a file, or a folder under a file, is refused and the file kept", async () => {
    const file = join(fresh("files"), "mirror")
    writeFileSync(file, "mine")
    await refused({ dir: file }, `--dir must be a directory: ${file} is a file`)
    const link = `${file}-link`
    symlinkSync(file, link)
    await refused({ dir: link }, `--dir must be a directory: ${link} is a file`)
    await refused(
      { dir: join(file, "below") },
      `cannot inspect ${join(file, "below")}: ENOTDIR: not a directory, lstat '${join(file, "below")}'`,
    )
    expect(readFileSync(file, "utf8")).toBe("mine")
  })

  it("a folder that cannot be created is named with the system's reason", async () => {
    // /proc takes no new folders, even from root.
    await refused(
      { dir: "/proc/atlas-flex-mirror" },
      "cannot create /proc/atlas-flex-mirror: ENOENT: no such file or directory, mkdir '/proc/atlas-flex-mirror'",
    )
  })

  it("a file where the layout needs a folder is refused, not replaced", async () => {
    const m = mirror()
    mkdirSync(m.dir)
    writeFileSync(join(m.dir, "registry.terraform.io"), "mine")
    await refused({ dir: m.dir }, `${join(m.dir, "registry.terraform.io")} must be a directory; it is not`)
    expect(readFileSync(join(m.dir, "registry.terraform.io"), "utf8")).toBe("mine")
  })
})

describe("no link under the mirror folder is followed", () => {
  const linkTests: Array<[string, (m: Mirror) => string]> = [
    ["registry.terraform.io", (m) => join(m.dir, "registry.terraform.io")],
    ["atlas-flex", (m) => join(m.dir, "registry.terraform.io", "atlas-flex")],
    ["the version folder", (m) => m.versionDir],
    ["the platform folder", (m) => m.platformDir],
  ]
  for (const [what, at] of linkTests) {
    it(`${what} as a symlink is refused and the folder it points to is left as it was`, async () => {
      const m = mirror()
      const victim = fresh("victim")
      writeFileSync(join(victim, "precious.txt"), "keep me")
      const link = at(m)
      mkdirSync(join(link, ".."), { recursive: true })
      symlinkSync(victim, link)
      await expect(install(m.dir)).rejects.toThrow(
        new InstallError(`${link} is a symlink: provider install follows no link under the mirror folder; remove it`),
      )
      expect(readdirSync(victim)).toEqual(["precious.txt"])
      expect(readlinkSync(link)).toBe(victim)
    })
  }

  it("the mirror folder itself may be a link to a folder: the install goes there", async () => {
    const target = fresh("real-mirror")
    const link = join(fresh("links"), "mirror")
    symlinkSync(target, link)
    const result = await install(link)
    expect(result.file).toBe(join(link, PROVIDER_SOURCE, version, platform, executableName))
    expect(readFileSync(join(target, PROVIDER_SOURCE, version, platform, executableName))).toEqual(ours)
  })

  it("a symlinked lock file is refused and what it points to is untouched", async () => {
    const m = mirror()
    mkdirSync(m.versionDir, { recursive: true })
    const victim = join(fresh("victim"), "file")
    writeFileSync(victim, "keep me")
    symlinkSync(victim, m.lock)
    await expect(install(m.dir)).rejects.toThrow(new InstallError(`the lock file ${m.lock} is a symlink; remove it`))
    expect(readFileSync(victim, "utf8")).toBe("keep me")
    expect(readdirSync(m.versionDir).sort()).toEqual([`.${platform}.lock`])
  })

  it("a link named like a build folder is not followed or removed; build folders of this machine are", async () => {
    const m = mirror()
    mkdirSync(m.versionDir, { recursive: true })
    const victim = fresh("victim")
    writeFileSync(join(victim, "precious.txt"), "keep me")
    const arch = process.arch === "x64" ? "x64" : "arm64"
    const otherArch = arch === "x64" ? "arm64" : "x64"
    symlinkSync(victim, join(m.versionDir, `.provider-sea-${arch}-link`))
    for (const killed of [
      `.provider-sea-${arch}-aaaa`,
      `.provider-gpg-${arch}-bbbb`,
      `.provider-sea-${otherArch}-cccc`,
    ]) {
      mkdirSync(join(m.versionDir, killed))
      writeFileSync(join(m.versionDir, killed, "left"), "by a killed install")
    }
    writeFileSync(join(m.versionDir, `.provider-gpg-${arch}-file`), "a file, not a build folder")
    await install(m.dir)
    expect(readdirSync(victim)).toEqual(["precious.txt"])
    // Another machine's build folder may be a running install's (it has its own lock): kept.
    expect(readdirSync(m.versionDir).sort()).toEqual(
      [`.provider-gpg-${arch}-file`, `.provider-sea-${arch}-link`, `.provider-sea-${otherArch}-cccc`, platform].sort(),
    )
  })
})

describe("the platform folder holds only the provider", () => {
  it("unexpected entries are named, kept, and the previous install stays", async () => {
    const m = await installed()
    writeFileSync(join(m.platformDir, "notes.txt"), "mine")
    symlinkSync("/etc/passwd", join(m.platformDir, "link"))
    mkdirSync(join(m.platformDir, "sub"))
    await expect(install(m.dir)).rejects.toThrow(
      new InstallError(
        `${m.platformDir} holds link (a symlink), notes.txt, sub besides the provider; Terraform hashes the whole folder, so remove them and run again`,
      ),
    )
    expect(readdirSync(m.platformDir).sort()).toEqual(["link", "notes.txt", "sub", executableName].sort())
    expect(statSync(m.executable).ino).toBe(m.ino)
  })

  it("one unexpected entry: the executable's name as a symlink is named, and 'remove it'", async () => {
    const m = mirror()
    mkdirSync(m.platformDir, { recursive: true })
    symlinkSync("/bin/sh", m.executable)
    await expect(install(m.dir)).rejects.toThrow(
      new InstallError(
        `${m.platformDir} holds ${executableName} (a symlink) besides the provider; Terraform hashes the whole folder, so remove it and run again`,
      ),
    )
    expect(readlinkSync(m.executable)).toBe("/bin/sh")
  })

  it("a temporary file of an install whose process is gone is removed; a live one's (this one's too), or a look-alike, is named and kept", async () => {
    const m = await installed()
    const temp = (pid: number | string) => join(m.platformDir, `.${executableName}.${pid}.tmp`)
    writeFileSync(temp(deadPid()), "half an executable")
    await install(m.dir)
    expect(readdirSync(m.platformDir)).toEqual([executableName])
    // The parent of this test's process is alive; the look-alike differs where the name has dots.
    const alive = temp(process.ppid)
    const own = temp(process.pid)
    const lookAlike = join(m.platformDir, `.${executableName.replaceAll(".", "x")}.${deadPid()}.tmp`)
    const dead = temp(deadPid())
    writeFileSync(alive, "a running install's")
    writeFileSync(own, "not this install's")
    writeFileSync(lookAlike, "not ours")
    symlinkSync("/etc/passwd", dead)
    const named = [alive, own, dead, lookAlike]
      .map((p) => p.slice(m.platformDir.length + 1))
      .sort()
      .map((entry) => (join(m.platformDir, entry) === dead ? `${entry} (a symlink)` : entry))
    await expect(install(m.dir)).rejects.toThrow(`${m.platformDir} holds ${named.join(", ")} besides the provider`)
    expect(readdirSync(m.platformDir).length).toBe(5)
    expect(readFileSync(own, "utf8")).toBe("not this install's")
  })
})

describe("the lock serializes installs of one platform", () => {
  it("an install waits while a live process holds the lock, then installs and removes it", async () => {
    const m = mirror()
    mkdirSync(m.versionDir, { recursive: true })
    writeFileSync(m.lock, `${process.ppid}\n`)
    let done = false
    const waiting = install(m.dir).finally(() => (done = true))
    // Several of its looks at the lock go by.
    await sleep(350)
    expect(done).toBe(false)
    expect(readFileSync(m.lock, "utf8")).toBe(`${process.ppid}\n`)
    expect(existsSync(m.executable)).toBe(false)
    rmSync(m.lock)
    const result = await waiting
    expect(readFileSync(result.file)).toEqual(ours)
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })

  it("two installs at once into one mirror: both succeed, one after the other, each reporting the h1 on disk", async () => {
    const m = mirror()
    const results = await Promise.all([install(m.dir), install(m.dir)])
    const h1 = await diskH1(m.platformDir)
    expect(results.map((r) => r.h1)).toEqual([h1, h1])
    expect(readdirSync(m.platformDir)).toEqual([executableName])
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })

  it("an install leaves neither its lock file nor the release open", async () => {
    const m = mirror()
    // (Not the platform folder: the h1's read streams close a moment after the hash is returned.)
    /** What this process has open of the lock or the release (a removed file reads "<path> (deleted)"). */
    const openHere = () =>
      readdirSync("/proc/self/fd")
        .map((fd) => {
          try {
            return readlinkSync(join("/proc/self/fd", fd))
          } catch {
            return "" // Closed meanwhile (readdir's own descriptor).
          }
        })
        .filter((target) => target.startsWith(m.lock) || target.startsWith(release))
    await install(m.dir)
    expect(openHere()).toEqual([])
  })

  it("while an install runs, the lock file holds its pid; removed by hand meanwhile, the install still ends well", async () => {
    const m = mirror()
    const held: Array<string> = []
    const produce: Producer = async ({ outFile }) => {
      held.push(readFileSync(m.lock, "utf8"))
      rmSync(m.lock)
      writeFileSync(outFile, "new")
    }
    await install(m.dir, { produce })
    expect(held).toEqual([`${process.pid}\n`])
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })

  it("a folder where the lock file goes is refused, not waited on forever", async () => {
    const m = mirror()
    mkdirSync(m.lock, { recursive: true })
    await expect(install(m.dir)).rejects.toThrow(new InstallError(`the lock file ${m.lock} is not a file; remove it`))
    expect(readdirSync(m.versionDir)).toEqual([`.${platform}.lock`])
  })

  it("a lock file that cannot be created is named with the system's reason", async () => {
    // A mirror folder so deep that the version folder can be made but not the lock file's longer path.
    const m = mirror()
    const lockName = `.${platform}.lock`
    const room = 4095 - join(m.versionDir, lockName).length
    const depth = Math.floor(room / 201) + 1
    const pad = room - (depth - 1) * 201
    const dir = join(m.dir, ...Array.from({ length: depth }, (_, i) => "d".repeat(i === 0 ? pad : 200)))
    const lock = join(dir, PROVIDER_SOURCE, version, lockName)
    expect(lock.length).toBe(4096)
    await expect(install(dir)).rejects.toThrow(
      new InstallError(`cannot create the lock file ${lock}: ENAMETOOLONG: name too long, open '${lock}'`),
    )
    expect(readdirSync(join(dir, PROVIDER_SOURCE, version))).toEqual([])
  })

  it("a lock left by a process that is gone is taken over", async () => {
    const m = mirror()
    mkdirSync(m.versionDir, { recursive: true })
    writeFileSync(m.lock, `${deadPid()}\n`)
    await install(m.dir)
    expect(readFileSync(m.executable)).toEqual(ours)
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })

  for (const [what, content] of [
    // Seen by a user other than root, pid 1 is another user's process: kill(1, 0) fails with EPERM, yet it lives.
    ["another user's process", "1\n"],
    ["unreadable", "not a pid\n"],
    ["not a process id", "-99999\n"],
  ] as const) {
    it(`a lock whose holder is ${what} is waited for, not taken; Ctrl-C stops the wait and leaves it`, async () => {
      const m = mirror()
      mkdirSync(m.versionDir, { recursive: true })
      writeFileSync(m.lock, content)
      const controller = new AbortController()
      const waiting = install(m.dir, { signal: controller.signal }).catch((e: unknown) => e)
      await sleep(250)
      controller.abort()
      expect(await waiting).toEqual(new Interrupted("waiting for another install to finish was interrupted"))
      expect(readFileSync(m.lock, "utf8")).toBe(content)
      expect(readdirSync(m.versionDir).sort()).toEqual([`.${platform}.lock`])
    })
  }
})

describe("a failed or interrupted install keeps the previous one and leaves no temporary file", () => {
  it("Ctrl-C once the install has begun: Interrupted, the previous install intact, the lock released", async () => {
    const m = await installed()
    const controller = new AbortController()
    const running = install(m.dir, { signal: controller.signal })
    controller.abort()
    await expect(running).rejects.toThrow(new Interrupted("provider install was interrupted"))
    expectIntact(m)
  })

  it("Ctrl-C after the new executable is written: Interrupted, and the new file is removed, not renamed", async () => {
    const m = await installed()
    const controller = new AbortController()
    const seen: Array<string> = []
    const produce: Producer = async ({ outFile, workParent, target }) => {
      seen.push(outFile, workParent, target.executable)
      writeFileSync(outFile, "new")
      controller.abort()
    }
    await expect(install(m.dir, { produce, signal: controller.signal })).rejects.toThrow(
      new Interrupted("provider install was interrupted"),
    )
    expect(seen).toEqual([join(m.platformDir, `.${executableName}.${process.pid}.tmp`), m.versionDir, m.executable])
    expectIntact(m)
  })

  it("a producer that fails halfway: its error, and its partial file removed", async () => {
    const m = await installed()
    const produce: Producer = async ({ outFile }) => {
      writeFileSync(outFile, "half")
      throw new InstallError("the disk is full")
    }
    await expect(install(m.dir, { produce })).rejects.toThrow(new InstallError("the disk is full"))
    expectIntact(m)
  })

  it("a producer that fails before writing, or leaves a folder: its own error is the one reported", async () => {
    const m = await installed()
    const before: Producer = async () => {
      throw new InstallError("no archive")
    }
    await expect(install(m.dir, { produce: before })).rejects.toThrow(new InstallError("no archive"))
    expectIntact(m)
    const folder: Producer = async ({ outFile }) => {
      mkdirSync(outFile)
      throw new InstallError("made a folder")
    }
    await expect(install(m.dir, { produce: folder })).rejects.toThrow(new InstallError("made a folder"))
  })

  it("whatever mode the producer leaves (0600 under umask 077, or group- and world-writable), the executable is 0755", async () => {
    for (const mode of [undefined, 0o777]) {
      const m = mirror()
      const produce: Producer = async ({ outFile }) => {
        writeFileSync(outFile, "new")
        if (mode !== undefined) chmodSync(outFile, mode)
      }
      const result = await withUmask(0o077, () => install(m.dir, { produce }))
      expect([result.bytes, lstatSync(m.executable).mode & 0o7777]).toEqual([3, 0o755])
    }
  })

  it("an entry that appears in the platform folder during the install is named", async () => {
    const m = mirror()
    const produce: Producer = async ({ outFile, target }) => {
      writeFileSync(outFile, "new")
      mkdirSync(join(target.platformDir, "intruder"))
    }
    await expect(install(m.dir, { produce })).rejects.toThrow(
      new InstallError(`${join(m.platformDir, "intruder")} appeared during the install; remove it`),
    )
    expect(readdirSync(m.versionDir)).toEqual([platform])
  })
})

describe("without --from, the plugin's bundles are packed", () => {
  const packageBundles = join(resolve(import.meta.dirname, "../../.."), "dist", "provider")
  /** A bundle folder holding `files` (stand-ins: the build is stopped before it runs them). */
  const bundleFolder = (files: ReadonlyArray<string>) => {
    const dir = fresh("bundles")
    mkdirSync(dir, { recursive: true })
    for (const file of files) writeFileSync(join(dir, file), "module.exports = 1\n")
    return dir
  }
  /** Runs `produce` for an x64 install into a fresh mirror, with `signal`. */
  const produceInto = (produce: Producer, signal?: AbortSignal) => {
    const m = mirror()
    mkdirSync(m.versionDir, { recursive: true })
    const target = { ...m, version, platform, arch: "x64" as const }
    const outFile = join(m.versionDir, "out")
    return { outFile, m, done: produce({ outFile, workParent: m.versionDir, target, signal }) }
  }

  it("a folder without all the bundles says which are missing and to run npm run build; nothing is installed", async () => {
    for (const present of [[], ["plugin.cjs"], ["plugin.cjs", "sea-main.cjs"]]) {
      const dir = bundleFolder(present)
      const missing = BUNDLE_FILES.filter((f) => !present.includes(f))
      const m = mirror()
      await expect(install(m.dir, { from: undefined, produce: buildFromBundles(dir) })).rejects.toThrow(
        new InstallError(
          `the plugin is not built (${missing.join(", ")} missing in ${dir}); run \`npm run build\` in the package`,
        ),
      )
      expect(readdirSync(m.platformDir)).toEqual([])
    }
  })

  it(
    "an install with neither --from nor a producer builds this package's bundles, or says to build them",
    { timeout: 300_000 },
    async () => {
      const m = mirror()
      const missing = BUNDLE_FILES.filter((f) => !existsSync(join(packageBundles, f)))
      if (missing.length === 0) {
        // npm test, after npm run build: the pinned Node 24 with the package's plugin, 0755, its h1 from disk.
        const installed = await install(m.dir, { from: undefined })
        expect(installed.file).toBe(m.executable)
        expect(statSync(m.executable).mode & 0o7777).toBe(0o755)
        expect(installed.h1).toBe(await diskH1(m.platformDir))
      } else {
        // Stryker's sandbox has no dist/.
        await expect(install(m.dir, { from: undefined })).rejects.toThrow(
          new InstallError(
            `the plugin is not built (${missing.join(", ")} missing in ${packageBundles}); run \`npm run build\` in the package`,
          ),
        )
      }
    },
  )

  it("with every bundle, the x64 build starts and Ctrl-C stops it at its first step, writing nothing", async () => {
    const controller = new AbortController()
    controller.abort()
    const { outFile, m, done } = produceInto(buildFromBundles(bundleFolder(BUNDLE_FILES)), controller.signal)
    await expect(done).rejects.toThrow(new Interrupted("making the x64 blob was interrupted"))
    expect(existsSync(outFile)).toBe(false)
    expect(readdirSync(m.versionDir)).toEqual([])
  })

  it("the default folder is this package's dist/provider", async () => {
    const controller = new AbortController()
    controller.abort()
    const { done } = produceInto(buildFromBundles(), controller.signal)
    const missing = BUNDLE_FILES.filter((f) => !existsSync(join(packageBundles, f)))
    // Built (npm test, after npm run build): the build starts; not built (Stryker's sandbox): the message names it.
    await expect(done).rejects.toThrow(
      missing.length === 0
        ? new Interrupted("making the x64 blob was interrupted")
        : new InstallError(
            `the plugin is not built (${missing.join(", ")} missing in ${packageBundles}); run \`npm run build\` in the package`,
          ),
    )
  })
})
