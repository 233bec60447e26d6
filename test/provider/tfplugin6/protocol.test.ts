import { readFileSync } from "node:fs"
import { join } from "node:path"
import protobuf from "protobufjs"
import { describe, expect, it } from "vitest"
import { codecModule, PROTO_FILES } from "../../../scripts/generate-provider-codec.js"
import {
  messageCodec,
  serviceDefinition,
  ServiceName,
  UnsupportedRpcs,
} from "../../../src/provider/tfplugin6/Protocol.js"

const protoDir = join(import.meta.dirname, "../../../src/provider/tfplugin6/proto")
const reflection = () => {
  const root = new protobuf.Root()
  root.loadSync(
    PROTO_FILES.map((f) => join(protoDir, f)),
    { keepCase: true },
  )
  return root
}

describe("the protocol codec", () => {
  it("is up to date with the .proto files (regenerate: node dist/scripts/generate-provider-codec.js)", async () => {
    expect(readFileSync(join(protoDir, "codec.ts"), "utf8")).toBe(await codecModule(protoDir))
  }, 30_000)

  it("encodes byte for byte as protobufjs reflection over the .proto files does", () => {
    const root = reflection()
    const samples: Record<string, object> = {
      "tfplugin6.GetProviderSchema.Response": {
        provider: {
          version: 1,
          block: {
            version: 1,
            attributes: [{ name: "a", type: Buffer.from('"string"'), optional: true, sensitive: true }],
            description: "d",
          },
        },
        data_source_schemas: { x: { version: 0, block: { attributes: [{ name: "b", computed: true }] } } },
        diagnostics: [{ severity: 2, summary: "s", detail: "d", attribute: { steps: [{ attribute_name: "b" }] } }],
        server_capabilities: { get_provider_schema_optional: true },
      },
      "tfplugin6.ReadDataSource.Request": {
        type_name: "t",
        config: { msgpack: Buffer.from([0x80]) },
        client_capabilities: { deferral_allowed: true },
      },
      "tfplugin6.ReadDataSource.Response": { state: { msgpack: Buffer.from([0x81, 0xa1, 0x61, 0xc0]) } },
      "tfplugin6.ConfigureProvider.Request": { terraform_version: "1.11.4", config: { json: Buffer.from("{}") } },
    }
    for (const [name, sample] of Object.entries(samples)) {
      const type = root.lookupType(name)
      const expected = Buffer.from(type.encode(type.fromObject(sample)).finish())
      expect([name, messageCodec(name).encode(sample).toString("hex")]).toEqual([name, expected.toString("hex")])
    }
  })

  it("keeps the field numbers of tfplugin6.8 (transcribed from docs/plugin-protocol/tfplugin6.8.proto)", () => {
    const root = reflection()
    const id = (path: string) => {
      const dot = path.lastIndexOf(".")
      return root.lookupType(path.slice(0, dot)).fields[path.slice(dot + 1)]!.id
    }
    const expected: Record<string, number> = {
      "tfplugin6.DynamicValue.msgpack": 1,
      "tfplugin6.DynamicValue.json": 2,
      "tfplugin6.Diagnostic.severity": 1,
      "tfplugin6.Diagnostic.summary": 2,
      "tfplugin6.Diagnostic.detail": 3,
      "tfplugin6.Diagnostic.attribute": 4,
      "tfplugin6.AttributePath.Step.attribute_name": 1,
      "tfplugin6.Schema.version": 1,
      "tfplugin6.Schema.block": 2,
      "tfplugin6.Schema.Block.attributes": 2,
      "tfplugin6.Schema.Block.description": 4,
      "tfplugin6.Schema.Block.description_kind": 5,
      "tfplugin6.Schema.Attribute.type": 2,
      "tfplugin6.Schema.Attribute.description": 3,
      "tfplugin6.Schema.Attribute.required": 4,
      "tfplugin6.Schema.Attribute.optional": 5,
      "tfplugin6.Schema.Attribute.computed": 6,
      "tfplugin6.Schema.Attribute.sensitive": 7,
      "tfplugin6.Schema.Attribute.description_kind": 8,
      "tfplugin6.ServerCapabilities.get_provider_schema_optional": 2,
      "tfplugin6.GetMetadata.Response.diagnostics": 2,
      "tfplugin6.GetMetadata.Response.data_sources": 3,
      "tfplugin6.GetProviderSchema.Response.provider": 1,
      "tfplugin6.GetProviderSchema.Response.data_source_schemas": 3,
      "tfplugin6.GetProviderSchema.Response.diagnostics": 4,
      "tfplugin6.GetProviderSchema.Response.server_capabilities": 6,
      "tfplugin6.ValidateProviderConfig.Request.config": 1,
      "tfplugin6.ValidateProviderConfig.Response.diagnostics": 2,
      "tfplugin6.ValidateDataResourceConfig.Request.config": 2,
      "tfplugin6.ConfigureProvider.Request.terraform_version": 1,
      "tfplugin6.ConfigureProvider.Request.config": 2,
      "tfplugin6.ReadDataSource.Request.config": 2,
      "tfplugin6.ReadDataSource.Response.state": 1,
      "tfplugin6.ReadDataSource.Response.diagnostics": 2,
      "tfplugin6.StopProvider.Response.Error": 1,
      "tfplugin6.UpgradeResourceState.Response.diagnostics": 2,
      "tfplugin6.ReadResource.Response.diagnostics": 2,
      "tfplugin6.PlanResourceChange.Response.diagnostics": 4,
      "tfplugin6.ApplyResourceChange.Response.diagnostics": 3,
      "tfplugin6.ImportResourceState.Response.diagnostics": 2,
      "tfplugin6.MoveResourceState.Request.target_type_name": 5,
      "tfplugin6.MoveResourceState.Response.diagnostics": 2,
      "tfplugin6.CallFunction.Response.error": 2,
      "tfplugin6.GetFunctions.Response.diagnostics": 2,
    }
    for (const [path, number] of Object.entries(expected)) expect([path, id(path)]).toEqual([path, number])
  })

  it("round-trips messages as plain objects: int64 as strings, enums by name, bytes as Buffer", () => {
    const codec = messageCodec("tfplugin6.GetProviderSchema.Response")
    const decoded = codec.decode(
      codec.encode({
        provider: {
          version: 3,
          block: { attributes: [{ name: "a", type: Buffer.from('"string"'), description_kind: "PLAIN" }] },
        },
        diagnostics: [{ severity: "ERROR", summary: "s", attribute: { steps: [{ attribute_name: "x" }] } }],
      }),
    )
    expect(decoded.provider.version).toBe("3")
    expect(Buffer.isBuffer(decoded.provider.block.attributes[0].type)).toBe(true)
    expect(decoded.provider.block.attributes[0].type.toString()).toBe('"string"')
    expect(decoded.diagnostics[0]).toEqual({
      severity: "ERROR",
      summary: "s",
      attribute: { steps: [{ attribute_name: "x", selector: "attribute_name" }] },
    })
  })

  it("defines every provider RPC of the subset as unary, under its full path", () => {
    const provider = serviceDefinition()
    expect(Object.keys(provider)).toEqual(Object.keys(reflection().lookupService(ServiceName).methods))
    expect(Object.keys(provider)).toHaveLength(20)
    for (const rpc of UnsupportedRpcs) expect(provider[rpc]).toBeDefined()
    expect(provider["ReadDataSource"]!.path).toBe("/tfplugin6.Provider/ReadDataSource")
    expect(provider["ReadDataSource"]!.responseStream).toBe(false)
  })
})

describe("the codec's lookups", () => {
  it("refuse a message type or service the codec does not have, by name", () => {
    expect(() => messageCodec("tfplugin6.NoSuchMessage")).toThrow("no message type tfplugin6.NoSuchMessage")
    expect(() => messageCodec("nowhere.Message")).toThrow("no message type nowhere.Message")
    // A namespace is not a message type.
    expect(() => messageCodec("tfplugin6")).toThrow("no message type tfplugin6")
    expect(() => serviceDefinition("tfplugin6.NoSuchService")).toThrow("no service tfplugin6.NoSuchService")
  })
})
