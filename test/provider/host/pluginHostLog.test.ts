/**
 * What the plugin host writes to Terraform's log (TF_LOG=trace): each health
 * check and a shutdown request; and the time of its two start-up
 * phases, which add up to no more than the start took.
 */
import * as grpc from "@grpc/grpc-js"
import { afterAll, describe, expect, it } from "vitest"
import { uptimeMillis } from "../../../src/provider/host/Clock.js"
import { controllerDefinition, healthDefinition } from "../../../src/provider/host/GoPluginServices.js"
import { makeLogger } from "../../../src/provider/host/Log.js"
import { startPluginHost } from "../../../src/provider/host/PluginHost.js"
import type { RunningPluginHost } from "../../../src/provider/host/PluginHost.js"

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
})
