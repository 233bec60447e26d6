/**
 * The tfplugin6 service's handlers, called as the gRPC server calls them: every
 * RPC answers (an exception becomes an INTERNAL diagnostic naming the RPC, its
 * secret masked), the RPCs outside the subset answer with a diagnostic or a
 * function error, and each call is logged with its duration.
 */
import { encode } from "@msgpack/msgpack"
import { describe, expect, it } from "vitest"
import { uptimeMillis } from "../../../src/provider/host/Clock.js"
import type { UnaryCall } from "../../../src/provider/host/GrpcServer.js"
import type { LogLevel } from "../../../src/provider/host/Log.js"
import { ProtocolSummaries } from "../../../src/provider/tfplugin6/Diagnostic.js"
import type { Provider } from "../../../src/provider/tfplugin6/Provider.js"
import { ProviderServer } from "../../../src/provider/tfplugin6/ProviderServer.js"
import { providerService } from "../../../src/provider/tfplugin6/ProviderService.js"
import { shout } from "./toy/ShoutDataSource.js"
import type { ToySession } from "./toy/ShoutDataSource.js"
import { toyProvider } from "./toy/ToyProvider.js"

const call: UnaryCall = {
  path: "/tfplugin6.Provider/x",
  signal: new AbortController().signal,
  closed: new Promise(() => {}),
}
const value = (values: Record<string, unknown>) => ({ msgpack: encode(values) })

const service = (provider: Provider<ToySession> = toyProvider()) => {
  const lines: Array<[LogLevel, string, Readonly<Record<string, unknown>> | undefined]> = []
  const server = new ProviderServer({ provider })
  const { handlers } = providerService(server, {
    enabled: () => true,
    log: (level, message, fields) => void lines.push([level, message, fields]),
  })
  const rpc = (name: string, request: object): Promise<any> => Promise.resolve(handlers[name]!(request, call))
  return { rpc, lines }
}

describe("the tfplugin6 service", () => {
  it("answers the RPCs outside the subset with a diagnostic naming the type, and CallFunction with a function error", async () => {
    const { rpc } = service()
    const offered =
      "this provider offers only the data sources toy_shout, toy_probe and the ephemeral resource toy_shout; it has no managed resources or functions."
    expect(await rpc("PlanResourceChange", { type_name: "toy_thing" })).toEqual({
      diagnostics: [
        expect.objectContaining({
          summary: ProtocolSummaries.Unsupported,
          detail: `PlanResourceChange (toy_thing): ${offered}`,
        }),
      ],
    })
    expect((await rpc("MoveResourceState", { target_type_name: "toy_moved" })).diagnostics[0].detail).toBe(
      `MoveResourceState (toy_moved): ${offered}`,
    )
    expect(await rpc("CallFunction", { name: "f" })).toEqual({
      error: { text: `${ProtocolSummaries.Unsupported}: CallFunction: ${offered}` },
    })
  })

  it("turns a handler's exception into an INTERNAL diagnostic naming the RPC, with the configuration's secret masked", async () => {
    let calls = 0
    const provider: Provider<ToySession> = {
      ...toyProvider(),
      configure: async (settings) => {
        if (calls++ > 0) throw new Error(`no session for ${settings["token"]}`)
        return toyProvider().configure(settings)
      },
    }
    const { rpc, lines } = service(provider)
    expect((await rpc("ConfigureProvider", { config: value({ token: "s3cret" }) })).diagnostics).toEqual([])
    const failed = await rpc("ConfigureProvider", { config: value({ token: "s3cret" }) })
    expect(failed).toEqual({
      diagnostics: [
        expect.objectContaining({
          severity: "ERROR",
          summary: ProtocolSummaries.Internal,
          detail: "ConfigureProvider: no session for <redacted>",
        }),
      ],
    })
    expect(lines.at(-1)).toEqual([
      "error",
      "rpc failed",
      { rpc: "ConfigureProvider", error: "no session for <redacted>" },
    ])
  })

  it("logs each call's start and its duration in ms, to the microsecond, no longer than the call took", async () => {
    const slow = {
      ...shout,
      read: async (...args: Parameters<typeof shout.read>) => {
        await new Promise((r) => setTimeout(r, 5))
        return shout.read(...args)
      },
    }
    const { rpc, lines } = service({ ...toyProvider(), dataSources: [slow] })
    const before = uptimeMillis()
    const answer = await rpc("ReadDataSource", { type_name: "toy_shout", config: value({ text: "hi", loud: null }) })
    const took = uptimeMillis() - before
    expect(answer.state).toBeDefined()
    const logged = lines.filter(([, , fields]) => fields?.["rpc"] === "ReadDataSource")
    expect(logged.map(([level, message]) => [level, message])).toEqual([
      ["trace", "rpc start"],
      ["debug", "rpc done"],
    ])
    expect(logged[0]![2]).toEqual({ rpc: "ReadDataSource" })
    const millis = logged[1]![2]!["millis"] as number
    expect(Math.abs(millis * 1000 - Math.round(millis * 1000))).toBeLessThan(1e-6)
    expect(millis).toBeGreaterThan(0)
    expect(millis).toBeLessThanOrEqual(took)
  })

  it("routes each RPC of the subset to the server's answer, and logs it under its own name", async () => {
    const { rpc, lines } = service()
    const shoutConfig = value({ text: "hi", loud: null })
    // The same provider, configured as the calls below configure theirs.
    const same = new ProviderServer({ provider: toyProvider() })
    await same.configureProvider({ config: value({ token: "t" }) })
    const cases: Array<[string, object, unknown]> = [
      ["GetMetadata", {}, same.getMetadata()],
      ["GetProviderSchema", {}, same.getProviderSchema()],
      [
        "ValidateProviderConfig",
        { config: value({ token: 5 }) },
        same.validateProviderConfig({ config: value({ token: 5 }) }),
      ],
      [
        "ValidateDataResourceConfig",
        { type_name: "toy_shout", config: value({ text: "", loud: null }) },
        same.validateDataResourceConfig({ type_name: "toy_shout", config: value({ text: "", loud: null }) }),
      ],
      [
        "ValidateEphemeralResourceConfig",
        { type_name: "toy_probe", config: shoutConfig },
        same.validateEphemeralResourceConfig({ type_name: "toy_probe", config: shoutConfig }),
      ],
      ["ConfigureProvider", { config: value({ token: "t" }) }, { diagnostics: [] }],
      [
        "ReadDataSource",
        { type_name: "toy_shout", config: shoutConfig },
        await same.readDataSource({ type_name: "toy_shout", config: shoutConfig }),
      ],
      [
        "OpenEphemeralResource",
        { type_name: "toy_shout", config: shoutConfig },
        await same.openEphemeralResource({ type_name: "toy_shout", config: shoutConfig }),
      ],
      ["CloseEphemeralResource", { type_name: "toy_probe" }, same.closeEphemeralResource({ type_name: "toy_probe" })],
      ["StopProvider", {}, {}],
      ["GetFunctions", {}, {}],
    ]
    for (const [name, request, expected] of cases) {
      lines.length = 0
      expect([name, await rpc(name, request)]).toEqual([name, expected])
      expect(lines[0]).toEqual(["trace", "rpc start", { rpc: name }])
    }
  })

  it("cancels a read when its call is cancelled", async () => {
    const controller = new AbortController()
    const server = new ProviderServer({ provider: toyProvider() })
    const { handlers } = providerService(server, { enabled: () => false, log: () => {} })
    const read = Promise.resolve(
      handlers["ReadDataSource"]!(
        { type_name: "toy_probe", config: value({ id: "x", note: null }) },
        { ...call, signal: controller.signal },
      ),
    ) as Promise<any>
    const open = Promise.resolve(
      handlers["OpenEphemeralResource"]!(
        { type_name: "toy_shout", config: value({ text: "a", loud: null }) },
        { ...call, signal: AbortSignal.abort() },
      ),
    ) as Promise<any>
    controller.abort()
    expect((await read).diagnostics[0].detail).toBe("probe x cancelled")
    expect((await open).result).toBeDefined()
  })
})
