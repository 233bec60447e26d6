import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { encode } from "@msgpack/msgpack"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { toState } from "../../src/datasource/model.js"
import { DATA_SOURCE_TYPE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { decodeMsgpack } from "../../src/provider/tfplugin6/CtyMsgpack.js"
import { Summaries } from "../../src/datasource/plugin/AtlasDiagnostics.js"
import { buildPlugin, clientCertificate, connect, startPlugin, terraformEnv } from "./pluginProcess.js"
import type { BuiltPlugin, KeyPair, RunningPlugin } from "./pluginProcess.js"
import { dataConfig, providerBlock } from "./values.js"

let plugin: BuiltPlugin
let client: KeyPair
let other: KeyPair
let emulator: RunningEmulator
const running: Array<RunningPlugin> = []

beforeAll(async () => {
  plugin = await buildPlugin()
  client = clientCertificate(plugin.dir)
  other = clientCertificate(plugin.dir, "other")
  emulator = await startEmulator({ host: "127.0.0.1", port: 0 })
})
afterAll(async () => {
  for (const p of running) if (p.child.exitCode === null) p.child.kill("SIGKILL")
  await emulator?.stop()
  plugin?.cleanup()
})

const start = (
  extra: Record<string, string> = {},
  options: { stdin?: "ignore" | "pipe"; args?: Array<string> } = {},
) => {
  const p = startPlugin(plugin.bin, terraformEnv(client, extra), options)
  running.push(p)
  return p
}

const ref = {
  project_id: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restore_job_id: EmulatorSeed.jobs.completed,
}
const emulatorBlock = () => providerBlock({ access_token: emulator.credentials.accessToken, base_url: emulator.url })

describe("started by hand", () => {
  it("explains itself on stderr and exits 1 without the magic cookie", async () => {
    const p = startPlugin(plugin.bin, { PATH: process.env["PATH"] ?? "" })
    expect(await p.exit).toEqual({ code: 1, signal: null })
    expect(p.stdout()).toBe("")
    expect(p.stderr()).toContain("This binary is a plugin")
    expect(p.stderr()).toContain("dev_overrides")
    expect(p.stderr()).toContain(
      "~/.terraform.d/plugins/registry.terraform.io/atlas-flex/mongodbatlas/<version>/<os>_<arch>/",
    )
  })

  it("refuses to serve without Terraform's client certificate", async () => {
    const env = terraformEnv(client)
    delete env["PLUGIN_CLIENT_CERT"]
    const p = startPlugin(plugin.bin, env)
    expect((await p.exit).code).toBe(1)
    expect(p.stdout()).toBe("")
    expect(p.stderr()).toContain("PLUGIN_CLIENT_CERT")
  })
})

describe("started as Terraform starts it", () => {
  it("prints exactly one handshake line, serves over mutual TLS, and exits after Shutdown", async () => {
    const p = start({ TF_LOG_PROVIDER: "trace" })
    const handshake = await p.handshake
    expect(handshake.line).toMatch(/^1\|6\|tcp\|127\.0\.0\.1:\d+\|grpc\|[A-Za-z0-9+/]+$/)
    const clients = connect(handshake, client)
    try {
      expect(await clients.health["Check"]!({ service: "plugin" })).toEqual({ status: "SERVING" })
      const schema = await clients.provider["GetProviderSchema"]!({})
      expect(Object.keys(schema.data_source_schemas)).toEqual([DATA_SOURCE_TYPE])
      // The same restore job as an ephemeral resource, listed beside the data source, snapshot_url sensitive in both.
      expect(schema.ephemeral_resource_schemas).toEqual(schema.data_source_schemas)
      const snapshotUrl = schema.data_source_schemas[DATA_SOURCE_TYPE].block.attributes.find(
        (a: { name: string }) => a.name === "snapshot_url",
      )
      expect(snapshotUrl).toMatchObject({ computed: true, sensitive: true })
      expect((await clients.provider["GetMetadata"]!({})).ephemeral_resources).toEqual([
        { type_name: DATA_SOURCE_TYPE },
      ])
      expect(schema.provider.block.attributes.map((a: { name: string }) => a.name)).toContain("access_token")
      expect(Buffer.from(schema.provider.block.attributes[0].type).toString()).toBe('"string"')
      const unsupported = await clients.provider["PlanResourceChange"]!({ type_name: "mongodbatlas_cluster" })
      expect(unsupported.diagnostics[0].summary).toBe(Summaries.Unsupported)
      const call = await clients.provider["CallFunction"]!({ name: "f" })
      expect(call.error.text).toContain(Summaries.Unsupported)
      expect(await clients.controller["Shutdown"]!({})).toEqual({})
    } finally {
      clients.close()
    }
    expect(await p.exit).toEqual({ code: 0, signal: null })
    expect(p.stdout()).toBe(handshake.line + "\n")
    // Logs: hclog JSON on stderr, with six fractional digits in @timestamp.
    const lines = p.stderr().trim().split("\n")
    expect(lines.length).toBeGreaterThan(2)
    for (const line of lines) {
      const entry = JSON.parse(line)
      expect(entry["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      expect(["trace", "debug", "info", "warn", "error"]).toContain(entry["@level"])
    }
  })

  it("refuses a client without the certificate Terraform gave, or with another one", async () => {
    const p = start()
    const handshake = await p.handshake
    for (const who of [undefined, other]) {
      const clients = connect(handshake, who)
      await expect(clients.provider["GetProviderSchema"]!({})).rejects.toThrow(/UNAVAILABLE|certificate|handshake/i)
      clients.close()
    }
    const good = connect(handshake, client)
    expect((await good.provider["GetMetadata"]!({})).data_sources).toEqual([{ type_name: DATA_SOURCE_TYPE }])
    good.close()
    p.child.kill("SIGTERM")
    expect(await p.exit).toEqual({ code: 0, signal: null })
  })

  it("reads through the emulator, survives malformed input, and cancels a hung read on StopProvider", async () => {
    const p = start({ TF_LOG_PROVIDER: "debug" })
    const clients = connect(await p.handshake, client)
    try {
      expect((await clients.provider["ConfigureProvider"]!({ config: emulatorBlock() })).diagnostics ?? []).toEqual([])
      const read = await clients.provider["ReadDataSource"]!({ type_name: DATA_SOURCE_TYPE, config: dataConfig(ref) })
      expect(read.diagnostics ?? []).toEqual([])
      const state = decodeMsgpack(read.state.msgpack) as Record<string, string | null>
      expect(state["status"]).toBe("COMPLETED")
      expect(state).toEqual(toState(ref, await emulatorJob(ref.restore_job_id)))

      const malformed = await clients.provider["ReadDataSource"]!({
        type_name: DATA_SOURCE_TYPE,
        config: { msgpack: Buffer.from([0x81, 0xa4, 0x6e]) },
      })
      expect(malformed.diagnostics[0].summary).toBe(Summaries.InvalidValue)
      const notObject = await clients.provider["ValidateProviderConfig"]!({ config: { msgpack: encode([1]) } })
      expect(notObject.diagnostics[0].summary).toBe(Summaries.InvalidValue)

      emulator.setFaults([{ match: { path: EmulatorSeed.jobs.running }, hang: true }])
      const hung = clients.provider["ReadDataSource"]!({
        type_name: DATA_SOURCE_TYPE,
        config: dataConfig({ ...ref, restore_job_id: EmulatorSeed.jobs.running }),
      })
      while (emulator.stats().activeRequests === 0) await new Promise((r) => setTimeout(r, 10))
      expect(await clients.provider["StopProvider"]!({})).toEqual({})
      expect((await hung).diagnostics[0].summary).toBe(Summaries.Cancelled)
    } finally {
      emulator.clearFaults()
      clients.close()
    }
    p.child.kill("SIGTERM")
    expect((await p.exit).code).toBe(0)
    // The reader bundle (Effect) came through its code cache.
    const loaded = p
      .stderr()
      .split("\n")
      .filter((l) => l.includes("loaded the reader"))
      .map((l) => JSON.parse(l))
    expect(loaded.map((l) => l.code_cache)).toEqual([true])
  })

  it("ignores SIGINT and stops on SIGTERM", async () => {
    const p = start()
    const handshake = await p.handshake
    p.child.kill("SIGINT")
    await new Promise((r) => setTimeout(r, 200))
    const clients = connect(handshake, client)
    expect((await clients.provider["GetMetadata"]!({})).data_sources).toHaveLength(1)
    clients.close()
    p.child.kill("SIGTERM")
    expect(await p.exit).toEqual({ code: 0, signal: null })
  })

  it("does not read or watch stdin (it is Terraform's own), so a closed stdin does not stop it", async () => {
    const p = start({}, { stdin: "pipe" })
    const handshake = await p.handshake
    p.child.stdin!.end("yes\n")
    await new Promise((r) => setTimeout(r, 300))
    const clients = connect(handshake, client)
    expect((await clients.provider["GetMetadata"]!({})).data_sources).toHaveLength(1)
    clients.close()
    p.child.kill("SIGTERM")
    expect((await p.exit).code).toBe(0)
  })

  it("exits when Terraform goes away without a Shutdown", async () => {
    // A parent that starts the plugin, reports its pid, then is killed.
    const parent = spawn(
      process.execPath,
      [
        "-e",
        `const c = require("node:child_process").spawn(process.argv[1], [], { stdio: ["ignore", "ignore", "ignore"] });
         process.stdout.write(String(c.pid) + "\\n"); setInterval(() => {}, 1000)`,
        plugin.bin,
      ],
      { env: terraformEnv(client), stdio: ["ignore", "pipe", "ignore"] },
    )
    const pid = await new Promise<number>((resolve) => parent.stdout!.once("data", (d) => resolve(Number(String(d)))))
    await new Promise((r) => setTimeout(r, 600))
    expect(alive(pid)).toBe(true)
    parent.kill("SIGKILL")
    // However long it takes (a plugin that outlives its parent fails by the test's timeout).
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50))
    expect(alive(pid)).toBe(false)
  })

  it("prints its start-up breakdown when asked", async () => {
    const p = start({ ATLAS_PROVIDER_TIMINGS: "1" })
    await p.handshake
    await new Promise((r) => setTimeout(r, 50))
    const timings = JSON.parse(p.stderr().trim().split("\n").at(-1)!)
    for (const phase of ["boot", "load", "proto", "certificate", "listen", "total", "cpu"]) {
      expect(timings[phase]).toBeGreaterThan(0)
    }
    // The build wrote the bundles' code caches, and V8 accepted them.
    expect(timings.codeCache).toBe(true)
    p.child.kill("SIGTERM")
    await p.exit
  })
})

/** Whether a process is alive (a zombie counts as gone). */
const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"))
  } catch {
    return false
  }
}

/** The job as the emulator serves it, read with raw fetch. */
const emulatorJob = async (id: string) => {
  const url = `${emulator.url}/api/atlas/v2/groups/${EmulatorSeed.groupId}/flexClusters/${EmulatorSeed.clusterName}/backup/restoreJobs/${id}`
  const response = await fetch(url, {
    headers: {
      accept: "application/vnd.atlas.2024-11-13+json",
      authorization: `Bearer ${emulator.credentials.accessToken}`,
    },
  })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, never>
}
