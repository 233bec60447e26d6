/**
 * `provider install` cannot hurt, driven as users run it (the built CLI):
 * symlinks are not followed, unexpected entries are named and kept, the
 * previous install stays until the new one is complete (a failure, Ctrl-C or
 * a kill leaves it and no temporary file, in TMPDIR or beside it), installs
 * serialize on a lock, modes do not depend on the umask, HOME and `~` are
 * checked; and `--from` installs the release (a folder, an archive, an
 * https mirror) after checking SHA256SUMS and its signature. Most use
 * `--from release/` (no build); the Ctrl-C and kill cases interrupt a build.
 */
import { spawnSync } from "node:child_process"
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:https"
import type { Server } from "node:https"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { oncePerCi } from "../oncePerCi.js"
import { opensslCertificate } from "../../bench/opensslCertificate.js"
import { releaseNames } from "../../scripts/release/release.js"
import type { ReleaseBuild } from "../../scripts/release/release.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { packageHashH1 } from "../../src/release/PackageHash.js"
import { ensureBuilt } from "../cli/built.js"
import { repoRoot } from "../provider/pluginProcess.js"
import { throwawayKey } from "./fixtures.js"
import { ensureRelease, runCli, startCli } from "./support.js"

const gpgMissing = spawnSync("gpg", ["--version"]).status !== 0
if (gpgMissing) console.warn("SKIPPING the --verify-key tests: gpg is not on PATH")

const version = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version as string
const names = releaseNames(version)
const platform = `linux_${process.arch === "x64" ? "amd64" : process.arch}`
const releaseDir = join(repoRoot, "release")
const h1Of = (line: string) => /(h1:[A-Za-z0-9+/=]+)/.exec(line)?.[1]

// It builds the provider (the pinned Node 24) many times: once per CI run.
const once = oncePerCi("the install tests")

describe.skipIf(once !== undefined)(
  `provider install cannot hurt${once === undefined ? "" : ` (SKIPPED: ${once})`}`,
  { timeout: 120_000 },
  () => {
    let build: ReleaseBuild
    let root: string
    let n = 0
    /** A fresh mirror folder and the paths inside it. */
    const mirror = () => {
      const dir = join(root, `mirror-${++n}`)
      const versionDir = join(dir, PROVIDER_SOURCE, version)
      const platformDir = join(versionDir, platform)
      return { dir, versionDir, platformDir, executable: join(platformDir, names.executable) }
    }
    const home = () => {
      const dir = join(root, `home-${++n}`)
      mkdirSync(dir)
      return dir
    }
    const releaseH1 = () => build.archives.find((a) => `linux_${a.arch === "x64" ? "amd64" : a.arch}` === platform)!.h1
    const installFrom = (dir: string, extra: Array<string> = [], env: Record<string, string> = {}) =>
      runCli(["provider", "install", "--from", releaseDir, "--dir", dir, ...extra], { env: { HOME: home(), ...env } })
    /** The folder's h1 as Terraform computes it from the files on disk. */
    const diskH1 = (dir: string) => packageHashH1(readdirSync(dir).map((name) => ({ name, path: join(dir, name) })))

    beforeAll(async () => {
      ensureBuilt()
      build = await ensureRelease()
      root = mkdtempSync(join(tmpdir(), "atlas-install-"))
    }, 600_000)
    afterAll(() => {
      if (root) rmSync(root, { recursive: true, force: true })
    })

    it("--from a release folder installs the release's executable: its h1 is the release's", async () => {
      const m = mirror()
      const installed = await installFrom(m.dir)
      expect(installed.stderr).toBe("")
      expect(installed.code).toBe(0)
      expect(h1Of(installed.stdout)).toBe(releaseH1())
      expect(await diskH1(m.platformDir)).toBe(releaseH1())
      expect(readdirSync(m.versionDir)).toEqual([platform])
      expect(statSync(m.executable).mode & 0o777).toBe(0o755)
    })

    it("--from the archive itself, SHA256SUMS beside it, installs the same", async () => {
      const m = mirror()
      const zip = join(releaseDir, names.zip(platform))
      const installed = await runCli(["provider", "install", "--from", zip, "--dir", m.dir], { env: { HOME: home() } })
      expect(installed.stderr).toBe("")
      expect(h1Of(installed.stdout)).toBe(releaseH1())
    })

    it("an archive that does not match SHA256SUMS is refused and nothing is installed", async () => {
      const fake = join(root, "fake-release")
      mkdirSync(fake)
      copyFileSync(join(releaseDir, names.sums), join(fake, names.sums))
      writeFileSync(join(fake, names.zip(platform)), "not the release")
      const m = mirror()
      const refused = await runCli(["provider", "install", "--from", fake, "--dir", m.dir], { env: { HOME: home() } })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain(`${join(fake, names.zip(platform))} does not match ${names.sums}`)
      expect(refused.stderr).toContain("not installed")
      expect(readdirSync(m.platformDir)).toEqual([])
    })

    it("a symlinked platform folder is refused and the folder it points to is left as it was", async () => {
      const m = mirror()
      const victim = join(root, "victim")
      mkdirSync(victim)
      writeFileSync(join(victim, "precious.txt"), "keep me")
      mkdirSync(m.versionDir, { recursive: true })
      symlinkSync(victim, m.platformDir)
      const refused = await installFrom(m.dir)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toBe(
        `atlas-flex-restore: InstallError: ${m.platformDir} is a symlink: provider install follows no link under the mirror folder; remove it\n`,
      )
      expect(readdirSync(victim)).toEqual(["precious.txt"])
      expect(readdirSync(m.versionDir)).toEqual([platform])
    })

    it("a symlink higher up (the version folder) is refused the same way", async () => {
      const m = mirror()
      const victim = join(root, "victim-version")
      mkdirSync(victim)
      mkdirSync(join(m.versionDir, ".."), { recursive: true })
      symlinkSync(victim, m.versionDir)
      const refused = await installFrom(m.dir)
      expect(refused.stderr).toContain(`${m.versionDir} is a symlink`)
      expect(readdirSync(victim)).toEqual([])
    })

    it("an unexpected entry in the platform folder is named, kept, and the previous install stays", async () => {
      const m = mirror()
      expect((await installFrom(m.dir)).code).toBe(0)
      const before = statSync(m.executable).ino
      writeFileSync(join(m.platformDir, "notes.txt"), "mine")
      symlinkSync("/etc/passwd", join(m.platformDir, "link"))
      const refused = await installFrom(m.dir)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toBe(
        `atlas-flex-restore: InstallError: ${m.platformDir} holds link (a symlink), notes.txt besides the provider; Terraform hashes the whole folder, so remove them and run again\n`,
      )
      expect(readdirSync(m.platformDir).sort()).toEqual(["link", "notes.txt", names.executable])
      expect(statSync(m.executable).ino).toBe(before)
    })

    it("under umask 000, folders it creates are 0755 and the executable 0755; ~ in --dir is the home folder", async () => {
      const h = home()
      const installed = await runCli(["provider", "install", "--from", releaseDir, "--dir", "~/tf-mirror"], {
        env: { HOME: h },
        umask: "000",
      })
      expect(installed.stderr).toBe("")
      const m = { dir: join(h, "tf-mirror") }
      expect(existsSync(join(h, "~"))).toBe(false)
      let dir = m.dir
      for (const part of ["", ...PROVIDER_SOURCE.split("/"), version, platform]) {
        dir = part === "" ? dir : join(dir, part)
        expect([dir, statSync(dir).mode & 0o777]).toEqual([dir, 0o755])
      }
      expect(statSync(join(dir, names.executable)).mode & 0o777).toBe(0o755)
    })

    it("HOME set but empty is an error that names it, and nothing is created in the working folder", async () => {
      const cwd = mkdtempSync(join(root, "cwd-"))
      const refused = await runCli(["provider", "install", "--from", releaseDir], { env: { HOME: "" }, cwd })
      expect(refused.code).toBe(2)
      expect(refused.stderr).toBe(
        "atlas-flex-restore: InstallError: HOME is set but empty: set it to your home folder, or pass --dir\n",
      )
      expect(readdirSync(cwd)).toEqual([])
    })

    it("installs wait for each other on the lock file; each reports the h1 of the file on disk", async () => {
      const m = mirror()
      mkdirSync(m.versionDir, { recursive: true })
      const lock = join(m.versionDir, `.${platform}.lock`)
      // Held by a live process (this one): the install waits.
      writeFileSync(lock, `${process.pid}\n`)
      const waiting = startCli(["provider", "install", "--from", releaseDir, "--dir", m.dir], { env: { HOME: home() } })
      let exited = false
      void waiting.done.then(() => (exited = true))
      await sleep(1500)
      expect(exited).toBe(false)
      expect(existsSync(m.executable)).toBe(false)
      rmSync(lock)
      const [first, second] = await Promise.all([waiting.done, installFrom(m.dir)])
      for (const result of [first, second]) {
        expect(result.stderr).toBe("")
        expect(h1Of(result.stdout)).toBe(await diskH1(m.platformDir))
      }
      expect(readdirSync(m.versionDir)).toEqual([platform])
      expect(readdirSync(m.platformDir)).toEqual([names.executable])
    })

    it("a lock left by a process that is gone is taken over", async () => {
      const m = mirror()
      mkdirSync(m.versionDir, { recursive: true })
      const gone = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" }).stdout.trim()
      writeFileSync(join(m.versionDir, `.${platform}.lock`), `${gone}\n`)
      const installed = await installFrom(m.dir)
      expect(installed.stderr).toBe("")
      expect(readdirSync(m.versionDir)).toEqual([platform])
    })

    /** Starts a building install into `m` (after a first install from the release) and signals it once its build folder appears. */
    const interruptBuild = async (signal: NodeJS.Signals) => {
      const m = mirror()
      expect((await installFrom(m.dir)).code).toBe(0)
      const before = statSync(m.executable).ino
      const tmp = mkdtempSync(join(root, "tmp-"))
      const running = startCli(["provider", "install", "--dir", m.dir], { env: { HOME: home(), TMPDIR: tmp } })
      while (!readdirSync(m.versionDir).some((e) => e.startsWith(".provider-sea-"))) {
        if (running.child.exitCode !== null) throw new Error("the install ended before its build began")
        await sleep(20)
      }
      running.child.kill(signal)
      return { m, before, tmp, result: await running.done }
    }

    it("Ctrl-C during the build ends the install: the previous one stays, no temporary file is left", async () => {
      const { m, before, tmp, result } = await interruptBuild("SIGINT")
      expect(result.code).toBe(130)
      expect(statSync(m.executable).ino).toBe(before)
      expect(readdirSync(m.versionDir)).toEqual([platform])
      expect(readdirSync(m.platformDir)).toEqual([names.executable])
      expect(readdirSync(tmp)).toEqual([])
    })

    it("a killed install leaves its build folder beside the destination, not in TMPDIR; the next install removes it", async () => {
      const { m, before, tmp, result } = await interruptBuild("SIGKILL")
      expect(result.signal).toBe("SIGKILL")
      expect(statSync(m.executable).ino).toBe(before)
      expect(readdirSync(tmp)).toEqual([])
      const left = readdirSync(m.versionDir).filter((e) => e !== platform)
      expect(left.some((e) => e.startsWith(".provider-sea-"))).toBe(true)
      const again = await installFrom(m.dir)
      expect(again.stderr).toBe("")
      expect(readdirSync(m.versionDir)).toEqual([platform])
      expect(readdirSync(m.platformDir)).toEqual([names.executable])
    })

    it("--from an https mirror URL: SHA256SUMS and the archive, two requests; a changed archive is refused", async () => {
      const certificate = opensslCertificate(mkdtempSync(join(root, "tls-")), "mirror", {
        curve: "P-256",
        subject: "/CN=127.0.0.1",
        subjectAltName: "IP:127.0.0.1",
      })
      const requests: Array<string> = []
      let tamper = false
      const mirrorRoot = join(releaseDir, "mirror")
      const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
        const path = decodeURIComponent(new URL(req.url ?? "/", "https://127.0.0.1").pathname)
        requests.push(`${req.method} ${path}`)
        const file = join(mirrorRoot, path)
        if (path.includes("..") || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end()
        res.writeHead(200).end(tamper && file.endsWith(".zip") ? Buffer.from("tampered") : readFileSync(file))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      try {
        const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/`
        const env = { NODE_EXTRA_CA_CERTS: certificate.certFile }
        const m = mirror()
        const installed = await installFrom(m.dir, [], env).then(() =>
          runCli(["provider", "install", "--from", url, "--dir", m.dir], { env: { HOME: home(), ...env } }),
        )
        expect(installed.stderr).toBe("")
        expect(h1Of(installed.stdout)).toBe(releaseH1())
        expect(requests).toEqual([
          `GET /${PROVIDER_SOURCE}/${names.sums}`,
          `GET /${PROVIDER_SOURCE}/${names.zip(platform)}`,
        ])
        tamper = true
        const before = statSync(m.executable).ino
        const refused = await runCli(["provider", "install", "--from", url, "--dir", m.dir], {
          env: { HOME: home(), ...env },
        })
        expect(refused.code).toBe(2)
        expect(refused.stderr).toContain(`${url}${PROVIDER_SOURCE}/${names.zip(platform)} does not match ${names.sums}`)
        expect(statSync(m.executable).ino).toBe(before)
        expect(readdirSync(m.platformDir)).toEqual([names.executable])
        const plain = await runCli(["provider", "install", "--from", url.replace("https", "http"), "--dir", m.dir], {
          env: { HOME: home() },
        })
        expect(plain.stderr).toContain("a mirror URL must be https://")
        expect(requests).toHaveLength(4)
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })

    it.skipIf(gpgMissing)(
      `--from with --verify-key: a good signature installs; another key's is refused${gpgMissing ? " (SKIPPED: gpg missing)" : ""}`,
      async () => {
        const releaser = throwawayKey(root, "releaser")
        const stranger = throwawayKey(root, "stranger")
        try {
          const signed = join(root, "signed")
          mkdirSync(signed)
          for (const file of [names.sums, names.zip(platform)]) linkSync(join(releaseDir, file), join(signed, file))
          releaser.sign(join(signed, names.sums), join(signed, names.signature))
          const m = mirror()
          const good = await runCli(
            ["provider", "install", "--from", signed, "--verify-key", releaser.publicKey, "--dir", m.dir],
            { env: { HOME: home() } },
          )
          expect(good.stderr).toBe("")
          expect(h1Of(good.stdout)).toBe(releaseH1())
          const other = mirror()
          const bad = await runCli(
            ["provider", "install", "--from", signed, "--verify-key", stranger.publicKey, "--dir", other.dir],
            { env: { HOME: home() } },
          )
          expect(bad.code).toBe(1)
          expect(bad.stderr).toContain(
            `checking the signature of ${join(signed, names.sums)} with ${stranger.publicKey} failed: gpgv exited with status 2`,
          )
          expect(readdirSync(other.platformDir)).toEqual([])
          const unsigned = await runCli(
            ["provider", "install", "--from", releaseDir, "--verify-key", releaser.publicKey, "--dir", other.dir],
            { env: { HOME: home() } },
          )
          expect(build.signed || unsigned.stderr.includes(`${names.signature} is missing`)).toBe(true)
        } finally {
          releaser.remove()
          stranger.remove()
        }
      },
    )
  },
)
