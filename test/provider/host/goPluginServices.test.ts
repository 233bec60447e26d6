import { join } from "node:path"
import fc from "fast-check"
import protobuf from "protobufjs"
import { describe, expect, it } from "vitest"
import {
  controllerDefinition,
  GoPluginServiceNames,
  healthDefinition,
  ServingStatus,
} from "../../../src/provider/host/GoPluginServices.js"

const protoDir = join(import.meta.dirname, "../../../src/provider/host/proto")
const reflection = () => {
  const root = new protobuf.Root()
  root.loadSync(
    ["plugin.proto", "health.proto"].map((f) => join(protoDir, f)),
    { keepCase: true },
  )
  return root
}
const conversion = { longs: String, enums: String, oneofs: true }

describe("go-plugin's controller and health services, coded by hand", () => {
  it("define the methods of plugin.proto and health.proto, unary, under their full paths", () => {
    const root = reflection()
    expect(Object.keys(controllerDefinition)).toEqual(
      Object.keys(root.lookupService(GoPluginServiceNames.controller).methods),
    )
    expect(Object.keys(healthDefinition)).toEqual(Object.keys(root.lookupService(GoPluginServiceNames.health).methods))
    expect(controllerDefinition["Shutdown"]!.path).toBe("/plugin.GRPCController/Shutdown")
    expect(healthDefinition["Check"]!.path).toBe("/grpc.health.v1.Health/Check")
    expect(healthDefinition["Check"]!.responseStream).toBe(false)
    expect(root.lookupType("grpc.health.v1.HealthCheckResponse").fields["status"]!.id).toBe(1)
    expect(root.lookupEnum("grpc.health.v1.HealthCheckResponse.ServingStatus").values).toEqual(
      Object.fromEntries(ServingStatus.map((name, i) => [name, i])),
    )
  })

  it("encode byte for byte as protobufjs reflection over the .proto files does", () => {
    const root = reflection()
    const type = (name: string) => root.lookupType(name)
    const bytes = (name: string, value: object) =>
      Buffer.from(type(name).encode(type(name).fromObject(value)).finish()).toString("hex")
    for (const status of ServingStatus) {
      expect(healthDefinition["Check"]!.responseSerialize({ status }).toString("hex")).toBe(
        bytes("grpc.health.v1.HealthCheckResponse", { status }),
      )
    }
    expect(healthDefinition["Check"]!.responseSerialize({ status: "SERVING" }).toString("hex")).toBe(
      bytes("grpc.health.v1.HealthCheckResponse", { status: 1 }),
    )
    for (const service of ["", "plugin", "é".repeat(100)]) {
      expect(healthDefinition["Check"]!.requestSerialize({ service }).toString("hex")).toBe(
        bytes("grpc.health.v1.HealthCheckRequest", { service }),
      )
    }
    expect(controllerDefinition["Shutdown"]!.responseSerialize({}).toString("hex")).toBe(bytes("plugin.Empty", {}))
  })

  it("decode what protobufjs encodes, unknown fields included, as its objects read", () => {
    const root = reflection()
    const request = root.lookupType("grpc.health.v1.HealthCheckRequest")
    const response = root.lookupType("grpc.health.v1.HealthCheckResponse")
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 8 }),
        (service, status, junk) => {
          // An unknown length-delimited field 9 after the known ones.
          const extra = Buffer.concat([Buffer.from([0x4a, junk.length]), junk])
          const req = Buffer.concat([request.encode(request.fromObject({ service })).finish(), extra])
          expect(healthDefinition["Check"]!.requestDeserialize(req)).toEqual(
            request.toObject(request.decode(req), conversion),
          )
          const res = Buffer.concat([response.encode(response.fromObject({ status })).finish(), extra])
          expect(healthDefinition["Check"]!.responseDeserialize(res)).toEqual(
            response.toObject(response.decode(res), conversion),
          )
          expect(controllerDefinition["Shutdown"]!.requestDeserialize(extra)).toEqual({})
        },
      ),
    )
  })

  it("refuse truncated input", () => {
    for (const bytes of [[0x0a, 0x05, 0x61], [0x08], [0x0a]]) {
      expect(() => healthDefinition["Check"]!.requestDeserialize(Buffer.from(bytes))).toThrow(/truncated/)
    }
  })
})
