/**
 * The go-plugin host's small parts, in-process: what Terraform reads on
 * stdout (the handshake line), whether the process agrees to start (magic
 * cookie, offered protocol versions), the hclog JSON lines on stderr (level
 * from TF_LOG_PROVIDER / TF_LOG, timestamp, scrubbing), the signals it
 * obeys, and the plugin host's health and shutdown services over gRPC.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as grpc from "@grpc/grpc-js"
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { controllerDefinition, healthDefinition } from "../../../src/provider/host/GoPluginServices.js"
import { hasMagicCookie, handshakeLine, offersProtocol } from "../../../src/provider/host/Handshake.js"
import { hclogTimestamp, levelFromEnv, makeLogger, silentLogger } from "../../../src/provider/host/Log.js"
import type { LogLevel } from "../../../src/provider/host/Log.js"
import { startPluginHost } from "../../../src/provider/host/PluginHost.js"
import type { RunningPluginHost } from "../../../src/provider/host/PluginHost.js"
import { watchSignals } from "../../../src/provider/host/Signals.js"
import { notStartedByTerraform, TerraformMagicCookie } from "../../../src/provider/tfplugin6/TerraformHandshake.js"
import { clientCertificate } from "../pluginProcess.js"
import type { KeyPair } from "../pluginProcess.js"

describe("handshake", () => {
  it("starts only with Terraform's magic cookie", () => {
    const { key, value } = TerraformMagicCookie
    expect(key).toBe("TF_PLUGIN_MAGIC_COOKIE")
    expect(hasMagicCookie({ [key]: value }, TerraformMagicCookie)).toBe(true)
    expect(hasMagicCookie({ [key]: value.slice(1) }, TerraformMagicCookie)).toBe(false)
    expect(hasMagicCookie({}, TerraformMagicCookie)).toBe(false)
  })

  it.each([
    [undefined, true],
    ["", true],
    ["  ", true],
    ["6", true],
    ["5,6", true],
    [" 5 , 6 ", true],
    ["5", false],
    ["16,60", false],
  ])("PLUGIN_PROTOCOL_VERSIONS=%j offers 6: %s", (offered, expected) => {
    expect(offersProtocol(offered === undefined ? {} : { PLUGIN_PROTOCOL_VERSIONS: offered }, 6)).toBe(expected)
  })

  it("prints core|app|tcp|address|grpc, then the certificate as unpadded base64", () => {
    expect(handshakeLine({ host: "127.0.0.1", port: 4321 }, 6)).toBe("1|6|tcp|127.0.0.1:4321|grpc\n")
    expect(handshakeLine({ host: "127.0.0.1", port: 4321 }, 6, Uint8Array.of(1))).toBe(
      "1|6|tcp|127.0.0.1:4321|grpc|AQ\n",
    )
    expect(handshakeLine({ host: "::1", port: 1 }, 5, Uint8Array.of(1, 2, 3))).toBe("1|5|tcp|::1:1|grpc|AQID\n")
  })

  it("tells a user who runs the executable by hand where to put it", () => {
    const text = notStartedByTerraform("registry.terraform.io/atlas-flex/mongodbatlas")
    expect(text.startsWith("This binary is a plugin. These are not meant to be executed directly.\n")).toBe(true)
    expect(text).toContain(
      "~/.terraform.d/plugins/registry.terraform.io/atlas-flex/mongodbatlas/<version>/<os>_<arch>/.",
    )
    expect(text).toContain(
      '"registry.terraform.io/atlas-flex/mongodbatlas" = "<directory holding terraform-provider-mongodbatlas>"',
    )
    expect(notStartedByTerraform("")).toContain('"" = "<directory holding terraform-provider->"')
  })
})

describe("hclog lines", () => {
  it.each([
    [{}, "warn"],
    [{ TF_LOG: "DEBUG" }, "debug"],
    [{ TF_LOG: " trace " }, "trace"],
    [{ TF_LOG: "json" }, "trace"],
    [{ TF_LOG: "off" }, "off"],
    [{ TF_LOG: "loud" }, "warn"],
    [{ TF_LOG: "trace", TF_LOG_PROVIDER: "error" }, "error"],
    [{ TF_LOG: "info", TF_LOG_PROVIDER: "" }, "info"],
    [{ TF_LOG: "info", TF_LOG_PROVIDER: "OFF" }, "off"],
  ])("%j: level %s", (env, level) => {
    expect(levelFromEnv(env)).toBe(level)
  })

  it("stamps microseconds like hclog", () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678)
    // Fractions a double holds exactly at this magnitude.
    expect(hclogTimestamp(at + 0.5)).toBe("2026-01-02T03:04:05.678500Z")
    expect(hclogTimestamp(at)).toBe("2026-01-02T03:04:05.678000Z")
    expect(hclogTimestamp(at + 0.015625)).toBe("2026-01-02T03:04:05.678015Z")
  })

  const logged = (level: LogLevel | "off", options: { module?: string; scrub?: (t: string) => string } = {}) => {
    const lines: Array<string> = []
    const logger = makeLogger({ level, write: (line) => lines.push(line), ...options })
    return { logger, lines }
  }

  it("writes one JSON line per message at or above the level, with its fields", () => {
    const { logger, lines } = logged("info")
    logger.log("debug", "hidden")
    logger.log("info", "shown", { rpc: "ReadDataSource" })
    logger.log("error", "failed")
    expect(lines).toHaveLength(2)
    expect(lines.every((line) => line.endsWith("}\n"))).toBe(true)
    const first = JSON.parse(lines[0]!)
    expect(first).toMatchObject({
      "@level": "info",
      "@message": "shown",
      "@module": "atlas-flex-restore",
      rpc: "ReadDataSource",
    })
    expect(first["@timestamp"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
    expect(Math.abs(Date.parse(first["@timestamp"]) - Date.now())).toBeLessThan(60_000)
    expect(JSON.parse(lines[1]!)["@level"]).toBe("error")
    expect([logger.enabled("debug"), logger.enabled("info"), logger.enabled("warn")]).toStrictEqual([false, true, true])
  })

  it("trace logs everything, off nothing; the module and scrubbing are the caller's", () => {
    const trace = logged("trace", { module: "provider", scrub: (t) => t.replaceAll("s3cret", "<redacted>") })
    trace.logger.log("trace", "token s3cret")
    expect(JSON.parse(trace.lines[0]!)).toMatchObject({ "@module": "provider", "@message": "token <redacted>" })
    const off = logged("off")
    off.logger.log("error", "x")
    expect(off.lines).toStrictEqual([])
    expect(off.logger.enabled("error")).toBe(false)
    expect(silentLogger.enabled("error")).toBe(false)
  })
})

describe("signals", () => {
  // Only the listeners a test added are removed: the worker's own stay.
  const before = { SIGTERM: process.listeners("SIGTERM"), SIGINT: process.listeners("SIGINT") }
  const removeAdded = (signal: "SIGTERM" | "SIGINT") => {
    for (const listener of process.listeners(signal))
      if (!before[signal].includes(listener)) process.off(signal, listener)
  }
  afterEach(() => {
    vi.useRealTimers()
    removeAdded("SIGTERM")
    removeAdded("SIGINT")
  })

  it("stops on SIGTERM; SIGINT only under debug (Terraform sends it to the whole group on Ctrl-C)", () => {
    vi.useFakeTimers()
    const stops: Array<string> = []
    const { logger, lines } = (() => {
      const lines: Array<string> = []
      return { logger: makeLogger({ level: "debug", write: (l) => lines.push(l) }), lines }
    })()
    watchSignals({ debug: false, log: logger, stop: (why) => stops.push(why) })
    process.emit("SIGINT", "SIGINT")
    expect(stops).toStrictEqual([])
    expect(JSON.parse(lines[0]!)["@message"]).toBe("SIGINT ignored")
    process.emit("SIGTERM", "SIGTERM")
    expect(stops).toStrictEqual(["SIGTERM"])
    // The parent is still there: the watch never stops it.
    vi.advanceTimersByTime(5_000)
    expect(stops).toStrictEqual(["SIGTERM"])
    removeAdded("SIGINT")
    watchSignals({ debug: true, log: silentLogger, stop: (why) => stops.push(why) })
    process.emit("SIGINT", "SIGINT")
    expect(stops).toStrictEqual(["SIGTERM", "SIGINT"])
  })

  it("stops once the process is reparented (its host went away without a Shutdown)", () => {
    vi.useFakeTimers()
    const stops: Array<string> = []
    const parent = process.ppid
    watchSignals({ debug: false, log: silentLogger, stop: (why) => stops.push(why) })
    const ppid = vi.spyOn(process, "ppid", "get").mockReturnValue(parent + 1)
    try {
      vi.advanceTimersByTime(1_000)
    } finally {
      ppid.mockRestore()
    }
    expect(stops[0]).toBe("parent exited")
  })
})

describe("the plugin host", () => {
  let dir: string
  let client: KeyPair
  const hosts: Array<RunningPluginHost> = []
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "plugin-host-"))
    client = clientCertificate(dir)
  })
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()))
    rmSync(dir, { recursive: true, force: true })
  })

  const call = (host: RunningPluginHost, tls: boolean, service: "Health" | "Controller") => {
    const credentials = tls
      ? grpc.credentials.createSsl(
          Buffer.from(host.certificate.certPem),
          Buffer.from(client.keyPem),
          Buffer.from(client.certPem),
        )
      : grpc.credentials.createInsecure()
    const definition = service === "Health" ? healthDefinition : controllerDefinition
    const Ctor = grpc.makeGenericClientConstructor(definition as never, service)
    const c = new Ctor(`127.0.0.1:${host.port}`, credentials, {
      "grpc.ssl_target_name_override": "localhost",
    }) as grpc.Client & Record<string, Function>
    const method = service === "Health" ? "Check" : "Shutdown"
    return new Promise<unknown>((resolve, reject) =>
      c[method]!({}, (error: Error | null, response: unknown) => {
        c.close()
        return error ? reject(error) : resolve(response)
      }),
    )
  }

  it("answers health checks; over mTLS, Shutdown ends it once, after the call is answered", async () => {
    const timings: Array<string> = []
    let shutdowns = 0
    const host = await startPluginHost({
      services: [],
      appProtocolVersion: 6,
      log: silentLogger,
      clientCertPem: client.certPem,
      onShutdown: () => void shutdowns++,
      onTiming: (phase, millis) => {
        expect(millis).toBeGreaterThanOrEqual(0)
        timings.push(phase)
      },
    })
    hosts.push(host)
    expect(timings).toStrictEqual(["certificate", "listen"])
    const base64 = Buffer.from(host.certificate.der).toString("base64").replace(/=+$/, "")
    expect(host.handshake).toBe(`1|6|tcp|127.0.0.1:${host.port}|grpc|${base64}\n`)
    expect(await call(host, true, "Health")).toStrictEqual({ status: "SERVING" })
    await call(host, true, "Controller")
    await call(host, true, "Controller")
    await vi.waitFor(() => expect(shutdowns).toBe(1))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(shutdowns).toBe(1)
  })

  it("in plaintext (the test harness's mode) prints no certificate and ignores Shutdown", async () => {
    let shutdowns = 0
    const host = await startPluginHost({
      services: [],
      appProtocolVersion: 6,
      log: silentLogger,
      clientCertPem: "plaintext",
      onShutdown: () => void shutdowns++,
    })
    hosts.push(host)
    expect(host.handshake).toBe(`1|6|tcp|127.0.0.1:${host.port}|grpc\n`)
    expect(await call(host, false, "Health")).toStrictEqual({ status: "SERVING" })
    await call(host, false, "Controller")
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(shutdowns).toBe(0)
  })
})
