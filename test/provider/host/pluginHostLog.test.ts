/**
 * What the plugin host writes to Terraform's log (TF_LOG=trace): each health
 * check and a shutdown request; and the time of its two start-up
 * phases, which add up to no more than the start took.
 */
import { mkdtempSync, rmSync } from "node:fs"
import * as http2 from "node:http2"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tls from "node:tls"
import * as grpc from "@grpc/grpc-js"
import { afterAll, describe, expect, it } from "vitest"
import { uptimeMillis } from "../../../src/provider/host/Clock.js"
import { controllerDefinition, healthDefinition } from "../../../src/provider/host/GoPluginServices.js"
import { makeLogger } from "../../../src/provider/host/Log.js"
import { startPluginHost } from "../../../src/provider/host/PluginHost.js"
import type { RunningPluginHost } from "../../../src/provider/host/PluginHost.js"
import type { Service, UnaryCall } from "../../../src/provider/host/GrpcServer.js"
import { clientCertificate } from "../pluginProcess.js"

describe("the plugin host's log", () => {
  const hosts: Array<RunningPluginHost> = []
  afterAll(() => Promise.all(hosts.map((h) => h.stop())))

  const unary = (port: number, definition: typeof healthDefinition, service: string, method: string) => {
    const Ctor = grpc.makeGenericClientConstructor(definition as never, service)
    const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as grpc.Client &
      Record<string, Function>
    return new Promise<unknown>((resolve, reject) =>
      client[method]!({}, (error: Error | null, response: unknown) => {
        client.close()
        return error ? reject(error) : resolve(response)
      }),
    )
  }

  it("logs each health check and a shutdown request, and times its start", async () => {
    const lines: Array<string> = []
    const timings: Record<string, number> = {}
    const before = uptimeMillis()
    const host = await startPluginHost({
      services: [],
      appProtocolVersion: 6,
      log: makeLogger({ level: "trace", write: (line) => lines.push(line) }),
      clientCertPem: "plaintext",
      onShutdown: () => {},
      onTiming: (phase, millis) => (timings[phase] = millis),
    })
    const took = uptimeMillis() - before
    hosts.push(host)
    expect(timings["certificate"]! + timings["listen"]!).toBeLessThanOrEqual(took)
    await unary(host.port, healthDefinition, "Health", "Check")
    await unary(host.port, controllerDefinition, "Controller", "Shutdown")
    const messages = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(messages.map(({ "@level": level, "@message": message, rpc }) => ({ level, message, rpc }))).toStrictEqual([
      { level: "trace", message: "rpc", rpc: "Health.Check" },
      { level: "debug", message: "shutdown requested", rpc: undefined },
    ])
  })

  it("logs, at debug, a connection that does not speak HTTP/2 and a call the client resets with an error", async () => {
    const lines: Array<string> = []
    // A method that answers once its call is cancelled.
    const bytes = (b: Buffer) => b
    const waiting: Service = {
      definition: { Wait: { path: "/test.Wait/Wait", requestDeserialize: bytes, responseSerialize: bytes } },
      handlers: {
        Wait: (_request: Buffer, call: UnaryCall) =>
          new Promise((resolve) => call.signal.addEventListener("abort", () => resolve(Buffer.alloc(0)))),
      },
    }
    const host = await startPluginHost({
      services: [waiting],
      appProtocolVersion: 6,
      log: makeLogger({ level: "debug", write: (line) => lines.push(line) }),
      clientCertPem: "plaintext",
      onShutdown: () => {},
    })
    hosts.push(host)
    const transport = async (count: number) => {
      while (lines.filter((line) => line.includes("grpc transport")).length < count)
        await new Promise((r) => setTimeout(r, 5))
      return lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((m) => m["@message"] === "grpc transport")
        .map(({ "@level": level, where, error }) => ({ level, where, error }))
    }
    const socket = net.connect({ host: "127.0.0.1", port: host.port }, () =>
      socket.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    )
    socket.on("error", () => {})
    expect(await transport(1)).toStrictEqual([
      { level: "debug", where: "session", error: "Received bad client magic byte string" },
    ])
    socket.destroy()
    const session = http2.connect(`http://127.0.0.1:${host.port}`)
    const request = session.request({
      ":method": "POST",
      ":path": "/test.Wait/Wait",
      "content-type": "application/grpc",
    })
    request.on("error", () => {})
    request.end(Buffer.from([0, 0, 0, 0, 0]))
    await new Promise((r) => setTimeout(r, 20))
    request.close(http2.constants.NGHTTP2_INTERNAL_ERROR)
    expect((await transport(2))[1]).toStrictEqual({
      level: "debug",
      where: "stream",
      error: "Stream closed with error code NGHTTP2_INTERNAL_ERROR",
    })
    session.destroy()
  })

  it("logs a refused client as a transport event, through scrub; listens on 127.0.0.1 only; stops listening at stop", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plugin-host-log-"))
    try {
      const lines: Array<string> = []
      const host = await startPluginHost({
        services: [],
        appProtocolVersion: 6,
        log: makeLogger({ level: "trace", write: (line) => lines.push(line) }),
        clientCertPem: clientCertificate(dir).certPem,
        scrub: (text) => text.replaceAll("certificate", "<masked>"),
        onShutdown: () => {},
      })
      hosts.push(host)
      // A TLS client with no certificate of its own.
      await new Promise<void>((resolve) => {
        const socket = tls.connect({
          host: "127.0.0.1",
          port: host.port,
          ca: host.certificate.certPem,
          servername: "localhost",
          ALPNProtocols: ["h2"],
        })
        socket.on("error", () => resolve())
        socket.on("close", () => resolve())
      })
      while (!lines.some((line) => line.includes("grpc transport"))) await new Promise((r) => setTimeout(r, 5))
      const transport = lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((m) => m["@message"] === "grpc transport")!
      expect(transport).toMatchObject({ "@level": "debug", where: "tls" })
      expect(transport["error"]).toContain("<masked>")
      expect(transport["error"]).not.toContain("certificate")

      const reachable = (host: string, port: number) =>
        new Promise<boolean>((resolve) => {
          const socket = net.connect({ host, port }, () => (socket.destroy(), resolve(true)))
          socket.on("error", () => resolve(false))
        })
      expect(await reachable("127.0.0.1", host.port)).toBe(true)
      expect(await reachable("::1", host.port)).toBe(false)
      await host.stop()
      expect(await reachable("127.0.0.1", host.port)).toBe(false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
