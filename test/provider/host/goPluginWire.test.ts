/**
 * The go-plugin services' hand-written protobuf wire code at its edges: what
 * a host may send that the tests against protobufjs do not (fields of every
 * wire type to skip, a long service name, a status number beyond 32 bits or
 * unknown), and each malformed message refused with its own error.
 */
import { describe, expect, it } from "vitest"
import { controllerDefinition, healthDefinition } from "../../../src/provider/host/GoPluginServices.js"

const check = healthDefinition["Check"]!
const shutdown = controllerDefinition["Shutdown"]!
const bytes = (...values: Array<number>) => Buffer.from(values)

describe("go-plugin wire code", () => {
  it("skips fields of every wire type around the one it reads", () => {
    const message = Buffer.concat([
      bytes(0x10, 0x96, 0x01), // field 2, varint 150
      bytes(0x19, 1, 2, 3, 4, 5, 6, 7, 8), // field 3, fixed64
      bytes(0x25, 1, 2, 3, 4), // field 4, fixed32
      bytes(0x2a, 0x01, 0x78), // field 5, bytes "x"
      bytes(0x0a, 0x03, 0x61, 0x62, 0x63), // field 1, "abc"
    ])
    expect(check.requestDeserialize(message)).toStrictEqual({ service: "abc" })
    expect(check.requestDeserialize(bytes(0x08, 0x01))).toStrictEqual({})
    expect(shutdown.requestDeserialize(message)).toStrictEqual({})
  })

  it("writes a service name longer than 127 bytes with a two-byte length", () => {
    const service = "s".repeat(200)
    const encoded = check.requestSerialize({ service })
    expect([...encoded.subarray(0, 3)]).toStrictEqual([0x0a, 0xc8, 0x01])
    expect(encoded.length).toBe(203)
    expect(check.requestDeserialize(encoded)).toStrictEqual({ service })
    expect([...check.requestSerialize({ service: "s".repeat(127) }).subarray(0, 2)]).toStrictEqual([0x0a, 0x7f])
  })

  it("reads statuses as protobufjs does: the low 32 bits, an unknown number as UNKNOWN, a bytes field ignored", () => {
    expect(check.responseDeserialize(bytes(0x08, 0x01))).toStrictEqual({ status: "SERVING" })
    expect(check.responseDeserialize(bytes(0x08, 0x81, 0x80, 0x80, 0x80, 0x10))).toStrictEqual({ status: "SERVING" })
    expect(check.responseDeserialize(bytes(0x08, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01))).toStrictEqual({
      status: "SERVING",
    })
    expect(check.responseDeserialize(bytes(0x08, 0x63))).toStrictEqual({ status: "UNKNOWN" })
    expect(check.responseDeserialize(bytes(0x0a, 0x01, 0x01))).toStrictEqual({})
    expect(check.responseSerialize({ status: "NOT_SERVING" })).toStrictEqual(bytes(0x08, 0x02))
    expect(() => check.responseSerialize({ status: "BUSY" as never })).toThrow("no serving status BUSY")
  })

  it("reads only field 1 as the status, and the low 32 bits of a ten-byte varint exactly", () => {
    expect(check.responseDeserialize(bytes(0x10, 0x01))).toStrictEqual({})
    // 1 + 2^63: in a double the 1 would be lost, were the high bits added in.
    expect(check.responseDeserialize(bytes(0x08, 0x81, ...Array(8).fill(0x80), 0x01))).toStrictEqual({
      status: "SERVING",
    })
  })

  it("writes nothing for a field that is not set (undefined, or null as protobufjs objects have it)", () => {
    for (const unset of [{}, { service: undefined }, { service: null as never }])
      expect(check.requestSerialize(unset)).toStrictEqual(Buffer.alloc(0))
    for (const unset of [{}, { status: undefined }, { status: null as never }])
      expect(check.responseSerialize(unset)).toStrictEqual(Buffer.alloc(0))
    // The default value, when set, is written.
    expect(check.requestSerialize({ service: "" })).toStrictEqual(bytes(0x0a, 0x00))
    expect(check.responseSerialize({ status: "UNKNOWN" })).toStrictEqual(bytes(0x08, 0x00))
  })

  it.each([
    ["a varint cut short", bytes(0x08, 0x81), "truncated protobuf varint"],
    ["a varint of eleven bytes", bytes(0x08, ...Array(10).fill(0x81), 0x01), "malformed protobuf varint"],
    ["bytes longer than the message", bytes(0x0a, 0x05, 0x61), "truncated protobuf field"],
    ["a fixed64 cut short", bytes(0x19, 1, 2, 3), "truncated protobuf field"],
    ["a fixed32 cut short", bytes(0x25, 1), "truncated protobuf field"],
    ["a group (wire type 3)", bytes(0x0b), "unsupported protobuf wire type 3"],
  ])("refuses %s", (_, message, error) => {
    expect(() => check.requestDeserialize(message)).toThrow(error)
    expect(() => shutdown.requestDeserialize(message)).toThrow(error)
  })

  it("takes a message that ends exactly at a field's end", () => {
    expect(check.requestDeserialize(bytes(0x19, 1, 2, 3, 4, 5, 6, 7, 8))).toStrictEqual({})
    expect(check.requestDeserialize(bytes(0x0a, 0x00))).toStrictEqual({ service: "" })
  })
})
