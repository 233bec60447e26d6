/**
 * The generic server with providers that are not this one: a toy provider
 * with no Atlas in it, served through the real go-plugin host over gRPC; and
 * this provider with a second data source added by one line.
 */
import { encode } from "@msgpack/msgpack"
import * as grpc from "@grpc/grpc-js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { dataSources, makeAtlasProvider } from "../../../src/datasource/plugin/AtlasProvider.js"
import { DATA_SOURCE_TYPE } from "../../../src/datasource/schema.js"
import { silentLogger } from "../../../src/provider/host/Log.js"
import { startPluginHost } from "../../../src/provider/host/PluginHost.js"
import type { RunningPluginHost } from "../../../src/provider/host/PluginHost.js"
import { decodeMsgpack } from "../../../src/provider/tfplugin6/CtyMsgpack.js"
import { ProtocolSummaries } from "../../../src/provider/tfplugin6/Diagnostic.js"
import { serviceDefinition } from "../../../src/provider/tfplugin6/Protocol.js"
import { ProviderServer } from "../../../src/provider/tfplugin6/ProviderServer.js"
import { providerService } from "../../../src/provider/tfplugin6/ProviderService.js"
import { shout } from "./toy/ShoutDataSource.js"
import { toyProvider } from "./toy/ToyProvider.js"

const value = (values: Record<string, unknown>) => ({ msgpack: encode(values) })

describe("a toy provider through the go-plugin host and gRPC", () => {
  let host: RunningPluginHost
  let client: grpc.Client & Record<string, Function>
  const disposed: Array<string> = []
  const call = (rpc: string, request: object): Promise<any> =>
    new Promise((resolve, reject) =>
      client[rpc]!(request, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))),
    )

  beforeAll(async () => {
    const server = new ProviderServer({ provider: toyProvider(disposed) })
    host = await startPluginHost({
      services: [providerService(server, silentLogger)],
      appProtocolVersion: 6,
      log: silentLogger,
      clientCertPem: "plaintext",
      onShutdown: () => {},
    })
    const Provider = grpc.makeGenericClientConstructor(serviceDefinition(), "Provider")
    client = new Provider(`127.0.0.1:${host.port}`, grpc.credentials.createInsecure()) as never
  })
  afterAll(async () => {
    client?.close()
    await host?.stop()
  })

  it("announces protocol 6 in plaintext, with no certificate", () => {
    expect(host.handshake).toBe(`1|6|tcp|127.0.0.1:${host.port}|grpc\n`)
  })

  it("lists and describes each data source of the provider's list", async () => {
    expect((await call("GetMetadata", {})).data_sources).toEqual([
      { type_name: "toy_shout" },
      { type_name: "toy_probe" },
    ])
    const schema = await call("GetProviderSchema", {})
    expect(Object.keys(schema.data_source_schemas)).toEqual(["toy_shout", "toy_probe"])
    expect(schema.data_source_schemas.toy_shout.block.attributes.map((a: { name: string }) => a.name)).toEqual([
      "loud",
      "text",
    ])
    expect(schema.provider.block.attributes[0]).toMatchObject({ name: "token", optional: true, sensitive: true })
  })

  it("validates with the data source's own rule, on its attribute", async () => {
    const bad = await call("ValidateDataResourceConfig", { type_name: "toy_shout", config: value({ text: "" }) })
    expect(bad.diagnostics).toEqual([
      expect.objectContaining({
        summary: "Nothing to shout",
        attribute: { steps: [expect.objectContaining({ attribute_name: "text" })] },
      }),
    ])
    const good = await call("ValidateDataResourceConfig", { type_name: "toy_shout", config: value({ text: "hi" }) })
    expect(good.diagnostics ?? []).toEqual([])
  })

  it("configures, reads with the session, and masks the configuration's secret", async () => {
    const configured = await call("ConfigureProvider", { config: value({ token: "bad" }) })
    expect(configured.diagnostics).toEqual([
      expect.objectContaining({ summary: "Bad token", detail: "token <redacted>" }),
    ])
    const read = await call("ReadDataSource", { type_name: "toy_shout", config: value({ text: "hi", loud: null }) })
    expect(decodeMsgpack(read.state.msgpack)).toEqual({ loud: "hey bad HI!", text: "hi" })
    // A new configuration replaces the old one, which is disposed of.
    await call("ConfigureProvider", { config: value({ token: "fine" }) })
    expect(disposed).toEqual(["bad"])
  })

  it("refuses what the data source's schema does not allow, before reading", async () => {
    const unknownType = await call("ReadDataSource", { type_name: "toy_nope", config: value({}) })
    expect(unknownType.diagnostics[0].detail).toBe(
      'This provider has no data source "toy_nope"; its data sources are toy_shout, toy_probe.',
    )
    const nullInput = await call("ReadDataSource", {
      type_name: "toy_shout",
      config: value({ text: null, loud: null }),
    })
    expect(nullInput.diagnostics[0]).toMatchObject({
      summary: ProtocolSummaries.InvalidValue,
      detail: "text is required but was null.",
    })
    const changed = await call("ReadDataSource", { type_name: "toy_probe", config: value({ id: "now", note: null }) })
    expect(changed.diagnostics[0]).toMatchObject({
      summary: ProtocolSummaries.Internal,
      detail: "The read changed the input attributes note.",
    })
  })

  it("cancels reads on StopProvider", async () => {
    const reads = ["a", "b"].map((id) =>
      call("ReadDataSource", { type_name: "toy_probe", config: value({ id, note: null }) }),
    )
    // StopProvider cancels the reads in flight; one whose call has not reached
    // the server yet is not, so stop until both have answered.
    let answers: Array<any> | undefined
    void Promise.all(reads).then((a) => (answers = a))
    while (answers === undefined) {
      await call("StopProvider", {})
      await new Promise((r) => setImmediate(r))
    }
    expect(answers.map((a) => a.diagnostics[0].detail).sort()).toEqual(["probe a cancelled", "probe b cancelled"])
  })
})

describe("the generic server, in process", () => {
  it("does not read a call that was cancelled before it arrived", async () => {
    const server = new ProviderServer({ provider: toyProvider() })
    const answer = await server.readDataSource(
      { type_name: "toy_probe", config: value({ id: "now", note: null }) },
      AbortSignal.abort(),
    )
    expect(answer.diagnostics).toEqual([expect.objectContaining({ detail: "probe now cancelled" })])
  })
})

describe("this provider with a second data source", () => {
  it("serves it beside the restore job from one more entry in the list, without touching the server", async () => {
    const atlas = makeAtlasProvider({ env: {} })
    const server = new ProviderServer({ provider: { ...atlas, dataSources: [...dataSources, shout as never] } })
    expect(server.getMetadata().data_sources).toEqual([{ type_name: DATA_SOURCE_TYPE }, { type_name: "toy_shout" }])
    expect(Object.keys(server.getProviderSchema().data_source_schemas!)).toEqual([DATA_SOURCE_TYPE, "toy_shout"])
    expect(
      server.validateDataResourceConfig({ type_name: "toy_shout", config: value({ text: "", loud: null }) })
        .diagnostics,
    ).toHaveLength(1)
    expect(server.unsupported("ReadResource").diagnostics[0]!.detail).toContain(
      `only the data sources ${DATA_SOURCE_TYPE}, toy_shout;`,
    )
  })
})
