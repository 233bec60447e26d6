/**
 * What the generic server answers Terraform, word for word, in process: the
 * diagnostics of each refusal, what a configuration hands the provider, when a
 * configuration is released, and the log lines TF_LOG shows.
 */
import { encode } from "@msgpack/msgpack"
import { describe, expect, it } from "vitest"
import type { LogLevel } from "../../../src/provider/host/Log.js"
import { uptimeMillis } from "../../../src/provider/host/Clock.js"
import { decodeMsgpack } from "../../../src/provider/tfplugin6/CtyMsgpack.js"
import { ProtocolSummaries } from "../../../src/provider/tfplugin6/Diagnostic.js"
import type { DataSource, Provider } from "../../../src/provider/tfplugin6/Provider.js"
import { ProviderServer } from "../../../src/provider/tfplugin6/ProviderServer.js"
import { probe } from "./toy/ProbeDataSource.js"
import { shout } from "./toy/ShoutDataSource.js"
import type { ToySession } from "./toy/ShoutDataSource.js"
import { toyProvider } from "./toy/ToyProvider.js"

const value = (values: Record<string, unknown>) => ({ msgpack: encode(values) })
/** cty's unknown value, alone or as one attribute. */
const unknown = Buffer.from([0xd4, 0x00, 0x00])
const withUnknown = (key: string) => Buffer.concat([Buffer.from([0x81]), encode(key), unknown])

const recorder = () => {
  const lines: Array<[LogLevel, string, Readonly<Record<string, unknown>> | undefined]> = []
  return { lines, log: { enabled: () => true, log: (...line: (typeof lines)[number]) => void lines.push(line) } }
}
const details = (answer: { diagnostics?: ReadonlyArray<{ detail?: string }> | undefined }) =>
  (answer.diagnostics ?? []).map((d) => d.detail)

describe("the generic server's refusals", () => {
  const server = new ProviderServer({ provider: toyProvider() })

  it("names what Terraform sent that it cannot read, and the attribute", async () => {
    const wrong = value({ token: 5 })
    const expected = "Terraform sent a provider configuration this provider cannot read: token: "
    const validated = server.validateProviderConfig({ config: wrong }).diagnostics!
    expect(validated).toHaveLength(1)
    expect(validated[0]!.detail).toBe(`${expected}expected a string, got number.`)
    expect(validated[0]!.attribute?.steps[0]?.attribute_name).toBe("token")
    expect(validated[0]!.summary).toBe(ProtocolSummaries.InvalidValue)
    expect(details(await server.configureProvider({ config: wrong }))).toEqual([validated[0]!.detail])
    // Bytes that are no msgpack at all: no attribute to name.
    const garbled = server.validateProviderConfig({ config: { msgpack: Buffer.from([0xc1]) } }).diagnostics!
    expect(garbled[0]!.detail).toBe(
      "Terraform sent a provider configuration this provider cannot read: the value is not valid msgpack or JSON (Unrecognized type byte: 0xc1).",
    )
    expect(garbled[0]!.attribute).toBeUndefined()
    expect(server.validateProviderConfig({ config: value({ token: "t" }) }).diagnostics).toEqual([])

    const data = server.validateDataResourceConfig({ type_name: "toy_shout", config: value({ text: 5, loud: null }) })
    expect(details(data)).toEqual([
      "Terraform sent a data source configuration this provider cannot read: text: expected a string, got number.",
    ])
    const read = await server.readDataSource({ type_name: "toy_shout", config: value({ text: 5, loud: null }) })
    expect(details(read)).toEqual(details(data))
    const ephemeral = await server.openEphemeralResource({
      type_name: "toy_shout",
      config: value({ text: 5, loud: null }),
    })
    expect(details(ephemeral)).toEqual([
      "Terraform sent an ephemeral resource configuration this provider cannot read: text: expected a string, got number.",
    ])
    expect(
      details(
        server.validateEphemeralResourceConfig({ type_name: "toy_shout", config: value({ text: 5, loud: null }) }),
      ),
    ).toEqual(details(ephemeral))
  })

  it("names the types it has when asked for another", async () => {
    expect(details(server.validateDataResourceConfig({ type_name: "toy_nope", config: value({}) }))).toEqual([
      'This provider has no data source "toy_nope"; its data sources are toy_shout, toy_probe.',
    ])
    expect(details(await server.readDataSource({ config: value({}) }))).toEqual([
      'This provider has no data source ""; its data sources are toy_shout, toy_probe.',
    ])
    expect(details(server.closeEphemeralResource({ type_name: "toy_probe" }))).toEqual([
      'This provider has no ephemeral resource "toy_probe"; its only ephemeral resource is toy_shout.',
    ])
    expect(server.closeEphemeralResource({ type_name: "toy_shout" })).toEqual({})
    const plain = new ProviderServer({ provider: { ...toyProvider(), dataSources: [shout], ephemeralResources: [] } })
    expect(details(plain.validateEphemeralResourceConfig({ type_name: "toy_shout", config: value({}) }))).toEqual([
      'This provider has no ephemeral resource "toy_shout"; it has no ephemeral resources.',
    ])
    expect(details(plain.validateDataResourceConfig({ type_name: "toy_probe", config: value({}) }))).toEqual([
      'This provider has no data source "toy_probe"; its only data source is toy_shout.',
    ])
    expect(details(plain.unsupported("ReadResource"))).toEqual([
      "ReadResource: this provider offers only the data source toy_shout; it has no managed resources or functions.",
    ])
    expect(details(server.unsupported("PlanResourceChange", "toy_thing"))).toEqual([
      "PlanResourceChange (toy_thing): this provider offers only the data sources toy_shout, toy_probe and the ephemeral resource toy_shout; it has no managed resources or functions.",
    ])
  })

  it("refuses a provider with two types of one name", () => {
    expect(() => new ProviderServer({ provider: { ...toyProvider(), dataSources: [shout, shout] } })).toThrow(
      "two data sources named toy_shout",
    )
    expect(() => new ProviderServer({ provider: { ...toyProvider(), ephemeralResources: [shout, shout] } })).toThrow(
      "two ephemeral resources named toy_shout",
    )
  })

  it("refuses to read what is not known, null, or not there, word for word", async () => {
    const noConfig = await server.readDataSource({ type_name: "toy_shout", config: { msgpack: unknown } })
    expect(noConfig.diagnostics).toEqual([
      expect.objectContaining({
        summary: ProtocolSummaries.InvalidValue,
        detail: "Terraform sent no configuration to read the data source with.",
      }),
    ])
    const open = await server.openEphemeralResource({
      type_name: "toy_shout",
      config: { msgpack: withUnknown("text") },
    })
    expect(open.diagnostics).toEqual([
      expect.objectContaining({
        summary: ProtocolSummaries.UnknownValue,
        detail: "text is not known yet; the ephemeral resource cannot be read.",
      }),
    ])
    expect(details(await server.readDataSource({ type_name: "toy_shout", config: value({ text: null }) }))).toEqual([
      "text is required but was null.",
    ])
    // A configuration that is not known yet is not checked until it is.
    expect(server.validateDataResourceConfig({ type_name: "toy_shout", config: { msgpack: unknown } })).toEqual({
      diagnostics: [],
    })
  })

  it("answers INTERNAL when a read changes an input, naming it", async () => {
    const answer = await server.readDataSource({ type_name: "toy_probe", config: value({ id: "now", note: null }) })
    expect(answer.diagnostics).toEqual([
      expect.objectContaining({
        summary: ProtocolSummaries.Internal,
        detail: "The read changed the input attributes note.",
      }),
    ])
  })

  it("offers the optional provider schema: Terraform may skip GetProviderSchema", () => {
    expect(server.getMetadata().server_capabilities).toEqual({ get_provider_schema_optional: true })
    expect(server.getProviderSchema().server_capabilities).toEqual({ get_provider_schema_optional: true })
  })
})

/** A provider whose one data source answers with what it was given: the settings, completeness, config. */
const mirror = (disposed: Array<string> = [], failDispose = false) => {
  const settingsSeen: Array<Readonly<Record<string, string>>> = []
  const configs: Array<Readonly<Record<string, string>>> = []
  const echoSource: DataSource<ToySession> = {
    ...probe,
    typeName: "toy_echo",
    read: async (_session, config) => {
      configs.push({ ...config })
      await new Promise((r) => setTimeout(r, 5))
      return { _tag: "State", state: { id: config["id"]!, note: config["note"] ?? null, extra: 5 } as never }
    },
  }
  const provider: Provider<ToySession> = {
    ...toyProvider(),
    configure: async (settings) => {
      settingsSeen.push(settings)
      const token = settings["token"] ?? "(none)"
      return {
        greeting: "hey",
        scrub: (text) => text.replaceAll(token, "<redacted>"),
        check: async (complete) => [{ severity: "WARNING", summary: "Checked", detail: `complete: ${complete}` }],
        dispose: async () => {
          if (failDispose) throw new Error(`cannot release ${token}`)
          disposed.push(token)
        },
      }
    },
    dataSources: [echoSource, probe],
  }
  return { provider, settingsSeen, configs }
}

describe("the generic server's configurations", () => {
  it("hands the provider the known, non-blank settings, and checks completeness only when nothing is unknown", async () => {
    const { provider, settingsSeen } = mirror()
    const log = recorder()
    const server = new ProviderServer({ provider, log: log.log })
    const checked = await server.configureProvider({ config: value({ token: "s3cret" }), terraform_version: "1.11.0" })
    expect(details(checked)).toEqual(["complete: true"])
    expect(details(await server.configureProvider({ config: value({ token: "  " }) }))).toEqual(["complete: true"])
    expect(details(await server.configureProvider({ config: { msgpack: withUnknown("token") } }))).toEqual([
      "complete: false",
    ])
    expect(details(await server.configureProvider({ config: { msgpack: unknown } }))).toEqual(["complete: false"])
    expect(settingsSeen).toEqual([{ token: "s3cret" }, {}, {}, {}])
    expect(log.lines.filter(([, message]) => message.includes("configur"))).toEqual([
      ["debug", "configuring the provider", { terraform_version: "1.11.0", configured: ["token"], unknown: [] }],
      ["debug", "configuring the provider", { terraform_version: "", configured: [], unknown: [] }],
      ["debug", "configuring the provider", { terraform_version: "", configured: [], unknown: ["token"] }],
      ["info", "provider configuration partly unknown; using the environment for it", { unknown: ["token"] }],
      ["debug", "configuring the provider", { terraform_version: "", configured: [], unknown: ["token"] }],
      ["info", "provider configuration partly unknown; using the environment for it", { unknown: ["token"] }],
    ])
  })

  it("hands a read only the known string inputs, and answers only the schema's attributes", async () => {
    const { provider, configs } = mirror()
    const log = recorder()
    const server = new ProviderServer({ provider, log: log.log })
    const before = uptimeMillis()
    const answer = await server.readDataSource({ type_name: "toy_echo", config: value({ id: "a", note: null }) })
    const took = uptimeMillis() - before
    expect(configs).toEqual([{ id: "a" }])
    expect(Object.keys(configs[0]!)).toEqual(["id"])
    // `extra` is not in the schema, so not in the answer.
    expect(decodeMsgpack(answer.state!.msgpack!)).toEqual({ id: "a", note: null })
    const [read] = log.lines.filter(([, message]) => message === "read the data source")
    expect(read).toEqual([
      "debug",
      "read the data source",
      { type_name: "toy_echo", outcome: "State", millis: expect.any(Number) },
    ])
    const millis = read![2]!["millis"] as number
    // In ms, to the microsecond, and no more than the call took.
    expect(Math.abs(millis * 1000 - Math.round(millis * 1000))).toBeLessThan(1e-6)
    expect(millis).toBeGreaterThan(0)
    expect(millis).toBeLessThanOrEqual(took)
    server.stopProvider()
    expect(log.lines.at(-1)).toEqual(["info", "stop requested", { inflight: 0 }])
  })

  it("masks the configuration's secrets through scrub, and leaves text alone before any configuration", async () => {
    const server = new ProviderServer({ provider: toyProvider() })
    expect(server.scrub("token s3cret")).toBe("token s3cret")
    await server.configureProvider({ config: value({ token: "s3cret" }) })
    expect(server.scrub("token s3cret")).toBe("token <redacted>")
  })

  it("releases a replaced configuration once its reads in flight have answered, and the last one at close", async () => {
    const disposed: Array<string> = []
    const server = new ProviderServer({ provider: toyProvider(disposed) })
    await expect(server.close()).resolves.toBeUndefined()
    await server.configureProvider({ config: value({ token: "one" }) })
    const read = server.readDataSource({ type_name: "toy_probe", config: value({ id: "a", note: null }) })
    await server.configureProvider({ config: value({ token: "two" }) })
    await new Promise((r) => setTimeout(r, 20))
    expect(disposed).toEqual([])
    server.stopProvider()
    expect(details(await read)).toEqual(["probe a cancelled"])
    while (disposed.length === 0) await new Promise((r) => setImmediate(r))
    expect(disposed).toEqual(["one"])
    await server.close()
    expect(disposed).toEqual(["one", "two"])
    await server.close()
    expect(disposed).toEqual(["one", "two"])
  })

  it("logs a release that failed, with the secret masked", async () => {
    const { provider } = mirror([], true)
    const log = recorder()
    const server = new ProviderServer({ provider, log: log.log })
    await server.configureProvider({ config: value({ token: "s3cret" }) })
    await server.close()
    expect(log.lines.at(-1)).toEqual([
      "warn",
      "releasing a configuration failed",
      { error: "Error: cannot release <redacted>" },
    ])
  })
})

describe("the generic server's edges", () => {
  it("answers null for an attribute the read gave as anything but a string", async () => {
    const numeric: DataSource<ToySession> = {
      ...shout,
      read: async (_session, config) => ({ _tag: "State", state: { text: config["text"]!, loud: 5 as never } }),
    }
    const server = new ProviderServer({ provider: { ...toyProvider(), dataSources: [numeric] } })
    const answer = await server.readDataSource({ type_name: "toy_shout", config: value({ text: "hi", loud: null }) })
    expect(decodeMsgpack(answer.state!.msgpack!)).toStrictEqual({ loud: null, text: "hi" })
  })

  it("names every input a read changed", async () => {
    const rewriting: DataSource<ToySession> = {
      ...probe,
      read: async () => ({ _tag: "State", state: { id: "other", note: "changed" } }),
    }
    const server = new ProviderServer({ provider: { ...toyProvider(), dataSources: [rewriting] } })
    const answer = await server.readDataSource({ type_name: "toy_probe", config: value({ id: "a", note: null }) })
    expect(details(answer)).toEqual(["The read changed the input attributes id, note."])
  })

  it("serves a provider that lists no ephemeral resources", () => {
    const { ephemeralResources: _, ...provider } = toyProvider()
    const server = new ProviderServer({ provider })
    expect(server.getMetadata().ephemeral_resources).toEqual([])
    expect(server.getProviderSchema().ephemeral_resource_schemas).toEqual({})
  })

  it("gives up waiting for a release that never ends after the timeout given to close", async () => {
    const provider: Provider<ToySession> = {
      ...toyProvider(),
      configure: async (settings) => ({
        ...(await toyProvider().configure(settings)),
        dispose: () => new Promise<void>(() => {}),
      }),
    }
    const server = new ProviderServer({ provider })
    await server.configureProvider({ config: value({ token: "t" }) })
    // A close that waited for the release would never end, and fail the test.
    await server.close(10)
  })
})
