/**
 * The generic server with providers that are not this one: a toy provider
 * with no Atlas in it, served through the real go-plugin host over gRPC; and
 * this provider with a second data source added by one line.
 */
import * as http2 from "node:http2"
import { encode, ExtData } from "@msgpack/msgpack"
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

  it("refuses a malformed message with INTERNAL and a one-line message, never as a decoded empty request", async () => {
    /** One ReadDataSource call over raw HTTP/2, its body given as protobuf bytes (hex). */
    const rawRead = (hex: string) =>
      new Promise<{ status: string | undefined; message?: string; body: Buffer }>((resolve, reject) => {
        const payload = Buffer.from(hex, "hex")
        const prefix = Buffer.alloc(5)
        prefix.writeUInt32BE(payload.length, 1)
        const session = http2.connect(`http://127.0.0.1:${host.port}`)
        session.on("error", reject)
        const request = session.request({
          ":method": "POST",
          ":path": "/tfplugin6.Provider/ReadDataSource",
          "content-type": "application/grpc",
          te: "trailers",
        })
        let headers: http2.IncomingHttpHeaders = {}
        const chunks: Array<Buffer> = []
        request.on("response", (h) => (headers = h))
        request.on("trailers", (t) => (headers = { ...headers, ...t }))
        request.on("data", (d: Buffer) => chunks.push(d))
        request.on("close", () => {
          session.close()
          const message = headers["grpc-message"] as string | undefined
          resolve({
            status: headers["grpc-status"] as string | undefined,
            ...(message === undefined ? {} : { message: decodeURIComponent(message) }),
            body: Buffer.concat(chunks),
          })
        })
        request.end(Buffer.concat([prefix, payload]))
      })
    const refused = {
      "type_name's length (2^32-1) far past the end": "0affffffff0f",
      "type_name's length 5 with 1 byte left": "0a0561",
      "type_name not UTF-8": "0a02c328",
      "a varint cut short": "1a0212ff",
      "an unknown wire type": "0f",
    }
    for (const [name, hex] of Object.entries(refused)) {
      const answer = await rawRead(hex)
      expect([name, answer.status]).toEqual([name, "13"])
      expect(answer.message, name).toMatch(/^the request message could not be decoded: [^\n]+$/)
      expect(answer.body, name).toHaveLength(0)
    }
    // The same path answers a well-formed message ("toy_shout" and an empty config): the refusals are the decoder's.
    const good = await rawRead(`0a09${Buffer.from("toy_shout").toString("hex")}`)
    expect(good.status).toBe("0")
    expect(good.body.length).toBeGreaterThan(5)
  })

  it("serves an ephemeral resource as a data source's sibling: listed, validated, opened with the same read, closed", async () => {
    expect((await call("GetMetadata", {})).ephemeral_resources).toEqual([{ type_name: "toy_shout" }])
    const schema = await call("GetProviderSchema", {})
    expect(schema.ephemeral_resource_schemas.toy_shout).toEqual(schema.data_source_schemas.toy_shout)
    const bad = await call("ValidateEphemeralResourceConfig", { type_name: "toy_shout", config: value({ text: "" }) })
    expect(bad.diagnostics).toEqual([expect.objectContaining({ summary: "Nothing to shout" })])
    await call("ConfigureProvider", { config: value({ token: "eph" }) })
    const opened = await call("OpenEphemeralResource", {
      type_name: "toy_shout",
      config: value({ text: "hi", loud: null }),
    })
    expect(opened.diagnostics ?? []).toEqual([])
    expect(decodeMsgpack(opened.result.msgpack)).toEqual({ loud: "hey eph HI!", text: "hi" })
    // No renew_at: Terraform never calls RenewEphemeralResource.
    expect(opened.renew_at).toBeUndefined()
    expect((await call("CloseEphemeralResource", { type_name: "toy_shout" })).diagnostics ?? []).toEqual([])
    // Only the ephemeral resources of the list: toy_probe is a data source only.
    const probe = await call("OpenEphemeralResource", {
      type_name: "toy_probe",
      config: value({ id: "x", note: null }),
    })
    expect(probe.result).toBeFalsy()
    expect(probe.diagnostics[0].detail).toBe(
      'This provider has no ephemeral resource "toy_probe"; its only ephemeral resource is toy_shout.',
    )
    const unknown = await call("OpenEphemeralResource", {
      type_name: "toy_shout",
      config: { msgpack: encode({ text: new ExtData(0, new Uint8Array()), loud: null }) },
    })
    expect(unknown.diagnostics[0]).toMatchObject({
      summary: ProtocolSummaries.UnknownValue,
      detail: "text is not known yet; the ephemeral resource cannot be read.",
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
      `only the data sources ${DATA_SOURCE_TYPE}, toy_shout and the ephemeral resource ${DATA_SOURCE_TYPE};`,
    )
  })
})
