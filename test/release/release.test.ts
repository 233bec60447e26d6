/**
 * The released provider end to end with the real terraform: `release/` built
 * by `npm run release` (here, when missing or stale), then init, plan and
 * apply against the emulator from (a) the implied local mirror after
 * `provider install` with a temporary HOME, (b) `release/mirror` as a
 * `filesystem_mirror` with no `node` on terraform's PATH, (c) the same folder
 * as a `network_mirror` over HTTPS on 127.0.0.1; a tampered archive refused
 * against the lock file; the arm64 executable's handshake under qemu-user;
 * the SHA256SUMS signature checked by gpg.
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import {
  chmodSync,
  copyFileSync,
  createWriteStream,
  existsSync,
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
import { dirname, join, normalize } from "node:path"
import { App } from "cdktf"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import yazl from "yazl"
import { opensslCertificate } from "../../bench/opensslCertificate.js"
import { propsFromEnv, RestoreJobStack } from "../../examples/cdktf/RestoreJobStack.js"
import { releaseNames } from "../../scripts/release/release.js"
import type { ReleaseBuild } from "../../scripts/release/release.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { AARCH64_PREFIX, runnerFor } from "../../src/release/ProviderBinary.js"
import { cli, ensureBuilt } from "../cli/built.js"
import { clientCertificate, configureAndRead, repoRoot, startPlugin, terraformEnv } from "../provider/pluginProcess.js"
import { mainTf, runTerraform, terraformVersion } from "../provider/terraform.js"
import { oncePerCi } from "../oncePerCi.js"
import { throwawayKey } from "./fixtures.js"
import { arm64Missing, ensureRelease, pathWithoutNode, readZip, tempHome } from "./support.js"

const version = terraformVersion()
// The release executable is the pinned Node 24 whichever Node runs the tests: once per CI run.
const once = oncePerCi("the release end-to-end tests")
const gpgMissing = spawnSync("gpg", ["--version"]).status !== 0
if (version === undefined) console.warn("SKIPPING the release end-to-end tests: terraform is not on PATH")
if (arm64Missing !== undefined) console.warn(`SKIPPING the arm64 handshake test: ${arm64Missing}`)
if (gpgMissing) console.warn("SKIPPING the SHA256SUMS signature test: gpg is not on PATH")

const handshakeLine = /^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/
const names = releaseNames(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).version)
const releaseDir = join(repoRoot, "release")
const mirrorRoot = join(releaseDir, "mirror")
const platform = `linux_${process.arch === "x64" ? "amd64" : process.arch}`
const lockedHashes = (dir: string): Array<string> =>
  [...readFileSync(join(dir, ".terraform.lock.hcl"), "utf8").matchAll(/"((?:h1|zh):[^"]+)"/g)].map((m) => m[1]!)

describe.skipIf(version === undefined || once !== undefined)(
  `the released provider through terraform ${version ?? "(SKIPPED: terraform is not on PATH)"}${once === undefined ? "" : ` (SKIPPED: ${once})`}`,
  // Each terraform command starts the plugin 3-4 times; the arm64 start is emulated.
  { timeout: 180_000 },
  () => {
    let build: ReleaseBuild
    let emulator: RunningEmulator
    let root: string
    let noNode: string
    let lockFromMirror: string
    let lockFromInstall: string

    beforeAll(async () => {
      ensureBuilt()
      ;[build, emulator] = await Promise.all([ensureRelease(), startEmulator({ host: "127.0.0.1", port: 0 })])
      root = mkdtempSync(join(tmpdir(), "atlas-release-"))
      noNode = pathWithoutNode(root)
    }, 600_000)
    afterAll(async () => {
      await emulator?.stop()
      if (root) rmSync(root, { recursive: true, force: true })
    })

    const thisArch = () => build.archives.find((a) => `linux_${a.arch === "x64" ? "amd64" : a.arch}` === platform)!
    const config = () => mainTf(`  base_url = "${emulator.url}"`)
    const env = (extra: Record<string, string>) => ({
      PATH: noNode,
      CHECKPOINT_DISABLE: "1",
      TF_IN_AUTOMATION: "1",
      MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
      ...extra,
    })
    const workdir = (name: string, main = config()) => {
      const dir = join(root, name)
      mkdirSync(dir)
      writeFileSync(join(dir, "main.tf"), main)
      return dir
    }
    /** Runs a terraform command that must succeed quietly. */
    const succeeds = async (dir: string, args: Array<string>, environment: Record<string, string>) => {
      const result = await runTerraform(dir, [...args, "-input=false", "-no-color"], environment)
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      return result
    }
    /** init, a second init that verifies the lock, plan and apply; returns the lock's hashes. */
    const initPlanApply = async (dir: string, environment: Record<string, string>) => {
      await succeeds(dir, ["init"], environment)
      await succeeds(dir, ["init"], environment)
      const before = emulator.stats().apiRequests
      const plan = await succeeds(dir, ["plan"], environment)
      expect(plan.stdout).toContain("data.mongodbatlas_flex_restore_job.this: Read complete")
      const apply = await succeeds(dir, ["apply", "-auto-approve"], environment)
      expect(apply.stdout).toMatch(/status\s*=\s*"COMPLETED"/)
      expect(emulator.stats().apiRequests).toBeGreaterThan(before)
      const installed = join(dir, ".terraform", "providers", PROVIDER_SOURCE, build.version, platform)
      expect(readdirSync(installed)).toEqual([names.executable])
      return lockedHashes(dir)
    }
    const mirrorRc = (name: string, block: string) => {
      const file = join(root, `${name}.tfrc`)
      writeFileSync(
        file,
        `provider_installation {\n  ${block}\n  direct {\n    exclude = ["${PROVIDER_SOURCE}"]\n  }\n}\n`,
      )
      return file
    }

    it("release/ holds the archives, the manifest, SHA256SUMS of both and the mirror's index", async () => {
      expect(build.archives.map((a) => a.zip)).toContain(names.zip("linux_amd64"))
      const sums = readFileSync(join(releaseDir, names.sums), "utf8")
      const listed = sums
        .trim()
        .split("\n")
        .map((line) => line.split("  "))
      expect(listed.map(([, file]) => file).sort()).toEqual(
        [...build.archives.map((a) => a.zip), names.manifest].sort(),
      )
      for (const [sum, file] of listed) {
        expect(
          createHash("sha256")
            .update(readFileSync(join(releaseDir, file!)))
            .digest("hex"),
        ).toBe(sum)
      }
      expect(JSON.parse(readFileSync(join(releaseDir, names.manifest), "utf8"))).toEqual({
        version: 1,
        metadata: { protocol_versions: ["6.0"] },
      })
      const providerDir = join(mirrorRoot, names.mirrorDir)
      expect(JSON.parse(readFileSync(join(providerDir, "index.json"), "utf8"))).toEqual({
        versions: { [build.version]: {} },
      })
      const listing = JSON.parse(readFileSync(join(providerDir, `${build.version}.json`), "utf8")) as {
        archives: Record<string, { url: string; hashes: Array<string> }>
      }
      for (const archive of build.archives) {
        const target = `linux_${archive.arch === "x64" ? "amd64" : archive.arch}`
        expect(listing.archives[target]).toEqual({ url: archive.zip, hashes: [archive.h1, archive.zh] })
        expect(existsSync(join(providerDir, archive.zip))).toBe(true)
        const entries = await readZip(join(releaseDir, archive.zip))
        expect(entries.map((e) => [e.name, e.mode])).toEqual([[names.executable, 0o755]])
      }
    })

    it("(b) init, plan and apply from release/mirror as a filesystem_mirror, no node on PATH; the lock holds our h1", async () => {
      expect(existsSync(join(noNode, "node"))).toBe(false)
      const dir = workdir("filesystem")
      const rc = mirrorRc("filesystem", `filesystem_mirror {\n    path = "${mirrorRoot}"\n  }`)
      const hashes = await initPlanApply(dir, env({ HOME: tempHome(join(root, "b")), TF_CLI_CONFIG_FILE: rc }))
      expect(hashes).toContain(thisArch().h1)
      lockFromMirror = readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")
    })

    it("a tampered archive in a mirror is refused against the recorded lock file", async () => {
      expect(lockFromMirror).toContain(thisArch().h1)
      const tampered = join(root, "tampered", names.mirrorDir)
      mkdirSync(tampered, { recursive: true })
      const [entry] = await readZip(join(releaseDir, thisArch().zip))
      await new Promise<void>((resolve, reject) => {
        const zip = new yazl.ZipFile()
        zip.addBuffer(Buffer.concat([entry!.data, Buffer.from("tampered")]), names.executable, {
          mode: 0o100755,
          compress: false,
        })
        zip.end()
        zip.outputStream
          .pipe(createWriteStream(join(tampered, thisArch().zip)))
          .on("close", resolve)
          .on("error", reject)
      })
      const dir = workdir("tampered-case")
      writeFileSync(join(dir, ".terraform.lock.hcl"), lockFromMirror)
      const rc = mirrorRc("tampered", `filesystem_mirror {\n    path = "${join(root, "tampered")}"\n  }`)
      const init = await runTerraform(
        dir,
        ["init", "-input=false", "-no-color"],
        env({ HOME: tempHome(join(root, "t")), TF_CLI_CONFIG_FILE: rc }),
      )
      expect(init.code).toBe(1)
      expect(init.stderr).toMatch(/doesn't match any of\s+the checksums previously recorded/)
      expect(existsSync(join(dir, ".terraform", "providers", PROVIDER_SOURCE))).toBe(false)
    })

    it("(c) init, plan and apply from release/mirror as a network_mirror over HTTPS on 127.0.0.1", async () => {
      const certDir = mkdtempSync(join(root, "tls-"))
      const certificate = opensslCertificate(certDir, "mirror", {
        curve: "P-256",
        subject: "/CN=127.0.0.1",
        subjectAltName: "IP:127.0.0.1",
      })
      const requests: Array<string> = []
      const server: Server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
        const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "https://127.0.0.1").pathname))
        requests.push(`${req.method} ${path}`)
        const file = join(mirrorRoot, path)
        if (req.method !== "GET" || !file.startsWith(mirrorRoot + "/") || !existsSync(file)) {
          res.writeHead(404).end()
          return
        }
        res.writeHead(200, { "content-type": file.endsWith(".json") ? "application/json" : "application/zip" })
        res.end(readFileSync(file))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      try {
        const port = (server.address() as { port: number }).port
        const rc = mirrorRc("network", `network_mirror {\n    url = "https://127.0.0.1:${port}/"\n  }`)
        const dir = workdir("network")
        const hashes = await initPlanApply(
          dir,
          env({ HOME: tempHome(join(root, "c")), TF_CLI_CONFIG_FILE: rc, SSL_CERT_FILE: certificate.certFile }),
        )
        expect(hashes).toContain(thisArch().h1)
        expect(requests).toContain(`GET /${names.mirrorDir}/index.json`)
        expect(requests).toContain(`GET /${names.mirrorDir}/${thisArch().zip}`)
        // Bounded: the listing, the version, one archive (the second init and plan use the installed copy).
        expect(requests.length).toBeLessThanOrEqual(8)
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })

    it("(a) provider install into a temporary HOME, then init, plan and apply with no CLI configuration", async () => {
      const home = tempHome(join(root, "a"))
      const installed = await cli(["provider", "install"], { HOME: home })
      expect(installed.stderr).toBe("")
      expect(installed.code).toBe(0)
      const file = join(
        home,
        ".terraform.d",
        "plugins",
        PROVIDER_SOURCE,
        build.version,
        platform,
        `terraform-provider-mongodbatlas_v${build.version}`,
      )
      expect(installed.stdout).toContain(file)
      expect(installed.stdout).toContain("\n  terraform init\n")
      const printedH1 = /(h1:[A-Za-z0-9+/=]+)/.exec(installed.stdout)![1]!
      // Built here, it is the release's executable, byte for byte: one lock file serves both.
      expect(printedH1).toBe(thisArch().h1)
      // Nothing in it points back at this package: it runs wherever the package goes.
      expect(readFileSync(file).includes(repoRoot.replace(/\/$/, ""))).toBe(false)
      expect(existsSync(join(home, ".terraformrc"))).toBe(false)
      const dir = workdir("installed")
      const hashes = await initPlanApply(dir, env({ HOME: home }))
      expect(hashes).toEqual([printedH1])
      lockFromInstall = readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")
    })

    it("(a) a reinstall builds the same bytes: terraform init still verifies the recorded lock file", async () => {
      const home = join(root, "a", "home")
      const file = join(home, ".terraform.d", "plugins", PROVIDER_SOURCE, build.version, platform, names.executable)
      const before = statSync(file).ino
      // TMPDIR missing: the build works beside the destination, not there.
      const again = await cli(["provider", "install"], { HOME: home, TMPDIR: join(root, "no-such-tmp") })
      expect(again.stderr).toBe("")
      expect(again.stdout).toContain(thisArch().h1)
      // A new file was renamed into place.
      expect(statSync(file).ino).not.toBe(before)
      const dir = join(root, "installed")
      rmSync(join(dir, ".terraform"), { recursive: true, force: true })
      await succeeds(dir, ["init"], env({ HOME: home }))
      expect(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")).toBe(lockFromInstall)
    })

    it("a second clone in another folder, with another HOME, TMPDIR, umask and working folder, rebuilds the release bit for bit (npm run release -- --verify); terraform init from that rebuild verifies the lock file", async () => {
      const clone = join(root, "elsewhere", "second-clone")
      mkdirSync(clone, { recursive: true })
      // The checkout's files as git sees them (tracked and new, not ignored), as a clone has them.
      const listed = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
        cwd: repoRoot,
        encoding: "utf8",
      })
      expect(listed.status).toBe(0)
      for (const file of listed.stdout.split("\0").filter((f) => f !== "" && existsSync(join(repoRoot, f)))) {
        mkdirSync(dirname(join(clone, file)), { recursive: true })
        copyFileSync(join(repoRoot, file), join(clone, file))
      }
      // Its dependencies and pinned Node binaries are shared (a symlink changes nothing: the pins are checked).
      symlinkSync(join(repoRoot, "node_modules"), join(clone, "node_modules"))
      mkdirSync(join(clone, ".cache"))
      symlinkSync(join(repoRoot, ".cache", "node"), join(clone, ".cache", "node"))
      const otherHome = tempHome(join(root, "clone-home"))
      const otherTmp = mkdtempSync(join(root, "clone-tmp-"))
      const rebuilt = join(root, "elsewhere", "rebuilt")
      const verify = spawnSync(
        "sh",
        [
          "-c",
          'umask 077; exec "$@"',
          "sh",
          process.execPath,
          join(repoRoot, "dist", "scripts", "release", "release.js"),
          "--verify",
          releaseDir,
          "--out",
          rebuilt,
        ],
        { cwd: clone, env: { PATH: process.env["PATH"] ?? "", HOME: otherHome, TMPDIR: otherTmp }, encoding: "utf8" },
      )
      const lines = verify.stdout.trim().split("\n")
      expect(lines.at(-1)).toBe(`release ${build.version}: every file listed in its SHA256SUMS is rebuilt bit for bit`)
      expect(lines.slice(0, -1)).toEqual(
        [...build.archives.map((a) => a.zip), names.manifest]
          .sort()
          .map((file) => expect.stringMatching(new RegExp(`^${file}: listed [0-9a-f]{64}: same$`))),
      )
      expect(verify.status).toBe(0)
      expect(readFileSync(join(rebuilt, names.sums), "utf8")).toBe(readFileSync(join(releaseDir, names.sums), "utf8"))
      // An install from that rebuild satisfies the lock file recorded with the built install.
      const home = tempHome(join(root, "from-rebuilt-home"))
      const installed = await cli(["provider", "install", "--from", rebuilt], { HOME: home })
      expect(installed.stderr).toBe("")
      expect(installed.stdout).toContain(thisArch().h1)
      const dir = workdir("from-rebuilt")
      writeFileSync(join(dir, ".terraform.lock.hcl"), lockFromInstall)
      await succeeds(dir, ["init"], env({ HOME: home }))
      await succeeds(dir, ["plan"], env({ HOME: home }))
      expect(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")).toBe(lockFromInstall)
    })

    it("(a) provider install --from the release folder satisfies the same lock file", async () => {
      const home = tempHome(join(root, "from-release-home"))
      const installed = await cli(["provider", "install", "--from", releaseDir], { HOME: home })
      expect(installed.stderr).toBe("")
      const dir = workdir("from-release")
      writeFileSync(join(dir, ".terraform.lock.hcl"), lockFromInstall)
      await succeeds(dir, ["init"], env({ HOME: home }))
      expect(readFileSync(join(dir, ".terraform.lock.hcl"), "utf8")).toBe(lockFromInstall)
    })

    it("the executable writes V8's code caches at its first start into the user's cache folder, and uses them after", async () => {
      const exe = join(
        root,
        "a",
        "home",
        ".terraform.d",
        "plugins",
        PROVIDER_SOURCE,
        build.version,
        platform,
        names.executable,
      )
      const cacheHome = mkdtempSync(join(root, "xdg-cache-"))
      const start = async (extra: Record<string, string>) => {
        const plugin = startPlugin(
          exe,
          terraformEnv(clientCertificate(mkdtempSync(join(root, "cc-"))), {
            PATH: noNode,
            ATLAS_PROVIDER_TIMINGS: "1",
            XDG_CACHE_HOME: cacheHome,
            ...extra,
          }),
        )
        await plugin.handshake
        while (!plugin.stderr().includes("start-up timings")) await new Promise((r) => setTimeout(r, 10))
        plugin.child.kill("SIGTERM")
        expect((await plugin.exit).code).toBe(0)
        const line = plugin
          .stderr()
          .split("\n")
          .find((l) => l.includes("start-up timings"))!
        return JSON.parse(line).codeCache as boolean
      }
      const cacheRoot = join(cacheHome, "atlas-flex-restore", "provider")
      expect(await start({ ATLAS_PROVIDER_CODE_CACHE: "0" })).toBe(false)
      expect(existsSync(cacheRoot)).toBe(false)
      expect(await start({})).toBe(false)
      const [id] = readdirSync(cacheRoot)
      expect(id).toMatch(/^[0-9a-f]{64}$/)
      expect(readdirSync(join(cacheRoot, id!))).toEqual(["plugin.cjs.cache"])
      expect(await start({})).toBe(true)
      // A cache V8 refuses is ignored (and rewritten at exit).
      writeFileSync(join(cacheRoot, id!, "plugin.cjs.cache"), "not a code cache")
      expect(await start({})).toBe(false)
      expect(await start({})).toBe(true)
      // No cache folder to write: the provider starts all the same.
      expect(await start({ XDG_CACHE_HOME: "/proc/no-such-folder" })).toBe(false)
    })

    it("(a) a cdktf-synthesized stack inits and plans from the installed provider, unchanged", async () => {
      const home = join(root, "a", "home")
      expect(existsSync(join(home, ".terraform.d", "plugins", PROVIDER_SOURCE))).toBe(true)
      const outdir = join(root, "cdktf.out")
      const app = new App({ outdir })
      new RestoreJobStack(app, "flex-restore", propsFromEnv({ MONGODB_ATLAS_BASE_URL: emulator.url }))
      app.synth()
      const stackDir = join(outdir, "stacks", "flex-restore")
      const synthesized = readFileSync(join(stackDir, "cdk.tf.json"), "utf8")
      await succeeds(stackDir, ["init"], env({ HOME: home }))
      const plan = await succeeds(stackDir, ["plan"], env({ HOME: home }))
      expect(plan.stdout).toContain("data.mongodbatlas_flex_restore_job.restore_job: Read complete")
      expect(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")).toBe(synthesized)
    })

    it("provider install names the flag at fault, and installs nothing", async () => {
      const home = tempHome(join(root, "flags"))
      const notDir = join(root, "a-file")
      writeFileSync(notDir, "")
      const asFile = await cli(["provider", "install", "--dir", notDir], { HOME: home })
      expect(asFile.code).toBe(2)
      expect(asFile.stderr).toBe(`atlas-flex-restore: InstallError: --dir must be a directory: ${notDir} is a file\n`)
      const unknown = await cli(["provider", "install", "--directory", root], { HOME: home })
      expect(unknown.code).toBe(2)
      expect(unknown.stderr).toContain("--directory")
      const empty = await cli(["provider", "install", "--dir"], { HOME: home })
      expect(empty.code).toBe(2)
      expect(empty.stderr).toContain("--dir")
      expect(readdirSync(home)).toEqual([])
    })

    it("provider install --dir elsewhere (from the release) prints the filesystem_mirror configuration to use", async () => {
      const home = tempHome(join(root, "dir"))
      const mirror = join(root, "own-mirror")
      const installed = await cli(["provider", "install", "--from", releaseDir, "--dir", mirror], { HOME: home })
      expect(installed.code).toBe(0)
      expect(installed.stdout).toContain(`path    = ${JSON.stringify(mirror)}`)
      expect(readdirSync(join(mirror, PROVIDER_SOURCE, build.version, platform))).toEqual([
        `terraform-provider-mongodbatlas_v${build.version}`,
      ])
      expect(readdirSync(home)).toEqual([])
    })

    it("the executable verifies the Atlas server's certificate whatever NODE_TLS_REJECT_UNAUTHORIZED says, and warns once", async () => {
      const dir = mkdtempSync(join(root, "sea-tls-"))
      const [entry] = await readZip(join(releaseDir, thisArch().zip))
      const exe = join(dir, names.executable)
      writeFileSync(exe, entry!.data)
      chmodSync(exe, 0o755)
      const atlas = opensslCertificate(dir, "atlas", {
        curve: "P-256",
        subject: "/CN=127.0.0.1",
        subjectAltName: "IP:127.0.0.1",
      })
      const seen: Array<string | undefined> = []
      const server: Server = createServer({ cert: atlas.certPem, key: atlas.keyPem }, (req, res) => {
        seen.push(req.headers.authorization)
        res.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json" })
        res.end(JSON.stringify({ id: EmulatorSeed.jobs.completed, instanceName: "c", status: "COMPLETED" }))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      try {
        const url = `https://127.0.0.1:${(server.address() as { port: number }).port}`
        const client = clientCertificate(dir)
        const ignored = [expect.objectContaining({ severity: "WARNING", summary: "Setting ignored" })]
        const refused = await configureAndRead(exe, client, url, { PATH: noNode, NODE_TLS_REJECT_UNAUTHORIZED: "0" })
        expect(refused.configured.diagnostics).toEqual(ignored)
        expect(refused.read.diagnostics[0].detail).toMatch(/self-signed certificate/)
        expect(seen).toEqual([])
        const trusted = await configureAndRead(exe, client, url, {
          PATH: noNode,
          NODE_TLS_REJECT_UNAUTHORIZED: "0",
          NODE_EXTRA_CA_CERTS: atlas.certFile,
        })
        expect(trusted.configured.diagnostics).toEqual(ignored)
        expect(trusted.read.diagnostics ?? []).toEqual([])
        expect(seen).toEqual(["Bearer token-for-https"])
      } finally {
        server.closeAllConnections()
        await new Promise((resolve) => server.close(resolve))
      }
    })

    it.skipIf(arm64Missing !== undefined)(
      `the arm64 archive holds an aarch64 executable that prints its handshake under qemu-user${arm64Missing === undefined ? "" : " (SKIPPED: qemu-user missing)"}`,
      async () => {
        const arm = build.archives.find((a) => a.arch === "arm64")!
        const [entry] = await readZip(join(releaseDir, arm.zip))
        // ELF, 64-bit, little-endian, e_machine 183 (EM_AARCH64).
        expect(entry!.data.subarray(0, 4).toString("latin1")).toBe("\x7fELF")
        expect(entry!.data[4]).toBe(2)
        expect(entry!.data.readUInt16LE(18)).toBe(183)
        const dir = mkdtempSync(join(root, "arm64-"))
        const exe = join(dir, names.executable)
        writeFileSync(exe, entry!.data)
        chmodSync(exe, 0o755)
        const { prefix } = runnerFor("arm64") as { prefix: ReadonlyArray<string> }
        expect(prefix).toContain(AARCH64_PREFIX)
        const plugin = startPlugin(prefix[0]!, terraformEnv(clientCertificate(dir), { PATH: noNode }), {
          args: [...prefix.slice(1), exe],
        })
        try {
          expect((await plugin.handshake).line).toMatch(handshakeLine)
          expect(plugin.stderr()).toBe("")
        } finally {
          plugin.child.kill("SIGKILL")
        }
      },
    )

    it.skipIf(gpgMissing)(
      `SHA256SUMS signed with a throwaway key verifies with gpg --verify, and a changed file does not${gpgMissing ? " (SKIPPED: gpg missing)" : ""}`,
      () => {
        const key = throwawayKey(root, "release")
        const gpgEnv = key.gpgEnv
        try {
          const dir = mkdtempSync(join(root, "signed-"))
          copyFileSync(join(releaseDir, names.sums), join(dir, names.sums))
          key.sign(join(dir, names.sums), join(dir, names.signature))
          const verify = spawnSync("gpg", ["--verify", join(dir, names.signature), join(dir, names.sums)], {
            env: gpgEnv,
            encoding: "utf8",
          })
          expect(verify.stderr).toContain('Good signature from "release <release@example.test>"')
          expect(verify.status).toBe(0)
          const sums = readFileSync(join(dir, names.sums), "utf8")
          writeFileSync(join(dir, names.sums), (sums[0] === "0" ? "1" : "0") + sums.slice(1))
          const changed = spawnSync("gpg", ["--verify", join(dir, names.signature), join(dir, names.sums)], {
            env: gpgEnv,
            encoding: "utf8",
          })
          expect(changed.status).not.toBe(0)
          expect(changed.stderr).toContain("BAD signature")
        } finally {
          key.remove()
        }
      },
    )
  },
)
