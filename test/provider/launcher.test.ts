/**
 * The shell launcher `bin/terraform-provider-mongodbatlas`: how it starts
 * Node (checked against a stand-in entry that reports what it got), and that
 * the Atlas client still trusts what Node would, NODE_EXTRA_CA_CERTS
 * included, though the launcher moves it (checked through the real plugin
 * against an https server with a self-signed certificate).
 */
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { rootCertificates } from "node:tls"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { decodeMsgpack } from "../../src/provider/tfplugin6/CtyMsgpack.js"
import { atlasTrust, LauncherEnv } from "../../src/datasource/plugin/Trust.js"
import { buildPlugin, clientCertificate, configureAndRead, repoRoot } from "./pluginProcess.js"
import type { BuiltPlugin, KeyPair } from "./pluginProcess.js"
import { serveTls } from "../tlsServer.js"
import type { TlsServer } from "../tlsServer.js"

const launcher = join(repoRoot, "bin", "terraform-provider-mongodbatlas")
let dir: string

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "launcher-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A package with the real launcher and a stand-in entry that prints how Node was started. */
const standIn = (name: string): string => {
  const pkg = join(dir, name)
  mkdirSync(join(pkg, "bin"), { recursive: true })
  mkdirSync(join(pkg, "dist", "provider"), { recursive: true })
  const bin = join(pkg, "bin", "terraform-provider-mongodbatlas")
  copyFileSync(launcher, bin)
  chmodSync(bin, 0o755)
  writeFileSync(
    join(pkg, "dist", "provider", "launch.cjs"),
    `const e = process.env
process.stdout.write(JSON.stringify({ execArgv: process.execArgv, argv: process.argv.slice(2),
  extra: e.NODE_EXTRA_CA_CERTS ?? null, moved: e.${LauncherEnv.extraCaCerts} ?? null, bundled: e.${LauncherEnv.bundledCa} ?? null }))
`,
  )
  return bin
}

const launch = (bin: string, env: Record<string, string> = {}, args: Array<string> = []) => {
  const run = spawnSync(bin, args, { env: { PATH: process.env["PATH"] ?? "", ...env }, encoding: "utf8" })
  expect(run.stderr).toBe("")
  expect(run.status).toBe(0)
  return JSON.parse(run.stdout) as {
    execArgv: Array<string>
    argv: Array<string>
    extra: string | null
    moved: string | null
    bundled: string | null
  }
}

describe("the launcher", () => {
  it("starts the CommonJS entry with OpenSSL's store and says so to the plugin, passing arguments through", () => {
    const got = launch(standIn("plain"), {}, ["--debug", "a b"])
    expect(got).toEqual({
      execArgv: ["--use-openssl-ca"],
      argv: ["--debug", "a b"],
      extra: null,
      moved: null,
      bundled: "1",
    })
  })

  it("hands NODE_EXTRA_CA_CERTS over instead of letting Node parse it at start", () => {
    const got = launch(standIn("extra"), { NODE_EXTRA_CA_CERTS: "/some/ca bundle.pem" })
    expect(got).toMatchObject({
      execArgv: ["--use-openssl-ca"],
      extra: null,
      moved: "/some/ca bundle.pem",
      bundled: "1",
    })
  })

  it.each(["--use-bundled-ca", "--use-openssl-ca"])(
    "changes nothing when NODE_OPTIONS already picks a store (%s): the flags would conflict",
    (flag) => {
      const pem = join(dir, "one-root.pem")
      writeFileSync(pem, rootCertificates[0]!)
      const got = launch(standIn(`options${flag}`), { NODE_OPTIONS: flag, NODE_EXTRA_CA_CERTS: pem })
      expect(got).toMatchObject({ execArgv: [], extra: pem, moved: null, bundled: null })
    },
  )

  it("finds its package through npm's relative bin symlinks", () => {
    const bin = standIn("linked")
    const binDir = join(dir, "linked", "node_modules", ".bin")
    mkdirSync(binDir, { recursive: true })
    symlinkSync("../../bin/terraform-provider-mongodbatlas", join(binDir, "terraform-provider-mongodbatlas"))
    symlinkSync(join(binDir, "terraform-provider-mongodbatlas"), join(dir, "absolute-link"))
    expect(bin).toContain("linked")
    expect(launch(join(binDir, "terraform-provider-mongodbatlas")).bundled).toBe("1")
    expect(launch(join(dir, "absolute-link")).bundled).toBe("1")
  })

  it("says how to build the plugin when its bundle is missing", () => {
    const bin = join(dir, "unbuilt", "bin", "terraform-provider-mongodbatlas")
    mkdirSync(join(dir, "unbuilt", "bin"), { recursive: true })
    copyFileSync(launcher, bin)
    chmodSync(bin, 0o755)
    const run = spawnSync(bin, [], { env: { PATH: process.env["PATH"] ?? "" }, encoding: "utf8" })
    expect(run.status).toBe(1)
    expect(run.stdout).toBe("")
    expect(run.stderr).toContain("the plugin is not built; run `npm run build`")
  })
})

describe("atlasTrust", () => {
  it("leaves Node's default store when the launcher did not change it", () => {
    expect(atlasTrust({}, () => expect.fail("no warning expected"))).toBeUndefined()
  })

  it("gives Node's bundled roots plus the extra file's certificates, and skips an unreadable file with a warning", () => {
    const pem = join(dir, "extra.pem")
    writeFileSync(pem, `comment\n${rootCertificates[0]}\n${rootCertificates[1]}\n`)
    const warnings: Array<string> = []
    const warn = (m: string) => warnings.push(m)
    expect(atlasTrust({ [LauncherEnv.bundledCa]: "1" }, warn)).toEqual(rootCertificates)
    const withExtra = atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: pem }, warn)!
    expect(withExtra.length).toBe(rootCertificates.length + 2)
    expect(withExtra.slice(-2)).toEqual([rootCertificates[0]!.trim(), rootCertificates[1]!.trim()])
    expect(warnings).toEqual([])
    const missing = atlasTrust(
      { [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: join(dir, "nope.pem") },
      warn,
    )
    expect(missing).toEqual(rootCertificates)
    expect(warnings).toEqual([expect.stringContaining(`Ignoring extra certs from ${join(dir, "nope.pem")}`)])
  })
})

describe("the plugin's Atlas client over https", () => {
  let plugin: BuiltPlugin
  let client: KeyPair
  let atlas: TlsServer
  let caFile: string
  let baseUrl: string
  const userAgents: Array<string> = []

  beforeAll(async () => {
    plugin = await buildPlugin()
    client = clientCertificate(plugin.dir)
    atlas = await serveTls(dir, "atlas", (request, response) => {
      userAgents.push(request.headers["user-agent"] ?? "")
      response.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json;charset=utf-8" })
      response.end(
        JSON.stringify({
          id: EmulatorSeed.jobs.completed,
          instanceName: EmulatorSeed.clusterName,
          status: "COMPLETED",
        }),
      )
    })
    caFile = atlas.certificate.certFile
    baseUrl = atlas.url
  }, 60_000)
  afterAll(async () => {
    await atlas?.close()
    plugin?.cleanup()
  })

  let stderr = ""
  const readWith = async (extra: Record<string, string>, configureDiagnostics: ReadonlyArray<unknown> = []) => {
    const answered = await configureAndRead(plugin.bin, client, baseUrl, extra)
    stderr = answered.stderr
    expect(answered.configured.diagnostics ?? []).toEqual(configureDiagnostics)
    return answered.read
  }

  it("trusts a certificate from NODE_EXTRA_CA_CERTS, as Node would", async () => {
    const read = await readWith({ NODE_EXTRA_CA_CERTS: caFile })
    expect(read.diagnostics ?? []).toEqual([])
    expect((decodeMsgpack(read.state.msgpack) as Record<string, unknown>)["status"]).toBe("COMPLETED")
    // The bundle has the package's version written in.
    const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }
    expect(userAgents.at(-1)).toBe(
      `atlas-flex-restore/${version} (Node ${process.versions.node}; ${process.platform} ${process.arch})`,
    )
  })

  it("refuses that server without it: the bundled roots do not include it", async () => {
    const read = await readWith({})
    expect(read.diagnostics).toHaveLength(1)
    expect(read.diagnostics[0].detail).toMatch(/certificate/i)
  })

  it("trusts it too when NODE_OPTIONS keeps the launcher out of the way", async () => {
    const read = await readWith({ NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: "--use-bundled-ca" })
    expect(read.diagnostics ?? []).toEqual([])
  })

  describe("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn the certificate check off", () => {
    const ignored = {
      severity: "WARNING",
      summary: "Setting ignored",
      detail:
        "NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: the Atlas client always verifies the server's certificate. " +
        "To trust a private certificate authority or a TLS-intercepting proxy, set NODE_EXTRA_CA_CERTS to its PEM file.",
    }
    it.each([
      ["the launcher", {}],
      ["the launcher out of the way (NODE_OPTIONS)", { NODE_OPTIONS: "--use-bundled-ca" }],
    ])("%s: ConfigureProvider warns once, the read is refused, the server never reached", async (_, extra) => {
      const before = userAgents.length
      const read = await readWith({ ...extra, NODE_TLS_REJECT_UNAUTHORIZED: "0" }, [ignored])
      expect(read.diagnostics).toHaveLength(1)
      expect(read.diagnostics[0].detail).toMatch(/self-signed certificate/)
      expect(userAgents.length).toBe(before)
      // Node's own warning ("makes TLS connections and HTTPS requests insecure") would be untrue here.
      expect(stderr).not.toContain("NODE_TLS_REJECT_UNAUTHORIZED")
    })

    it("with the certificate trusted (NODE_EXTRA_CA_CERTS), warned and read", async () => {
      const read = await readWith({ NODE_TLS_REJECT_UNAUTHORIZED: "0", NODE_EXTRA_CA_CERTS: caFile }, [ignored])
      expect(read.diagnostics ?? []).toEqual([])
    })
  })
})
