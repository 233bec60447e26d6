import { encode, ExtData } from "@msgpack/msgpack"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  decodeMsgpack,
  decodeObject,
  encodeObject,
  isUnknown,
  UnknownValue,
} from "../../../src/provider/tfplugin6/CtyMsgpack.js"

const attributes = ["name", "project_id", "restore_job_id"] as const
const unknown = Buffer.from([0xd4, 0x00, 0x00]) // fixext1, type 0: what Terraform sends
const msgpack = (value: unknown) => ({ msgpack: encode(value) })

describe("decodeMsgpack", () => {
  it("reads Terraform's unknown (extension 0) and a refined unknown (extension 12 with a map)", () => {
    expect(decodeMsgpack(unknown)).toEqual(new UnknownValue(0))
    const refined = encode(new ExtData(12, encode({ 1: true, 2: "flex-" })))
    expect(isUnknown(decodeMsgpack(refined))).toBe(true)
  })

  it("reads every extension type as unknown, the negative (reserved) ones included", () => {
    fc.assert(
      fc.property(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 20 }), (type, data) => {
        const value = decodeMsgpack(encode({ a: new ExtData(type, data) })) as { a: unknown }
        expect(value.a).toBeInstanceOf(UnknownValue)
        expect((value.a as UnknownValue).extensionType).toBe(type)
      }),
    )
  })
})

describe("decodeObject", () => {
  it("reads an object with known, null and unknown attributes", () => {
    const bytes = Buffer.concat([
      Buffer.from([0x83]),
      encode("name"),
      encode("flex-demo"),
      encode("project_id"),
      unknown,
      encode("restore_job_id"),
      encode(null),
    ])
    const decoded = decodeObject({ msgpack: bytes }, attributes)
    expect(decoded).toEqual({
      _tag: "Object",
      value: { name: "flex-demo", project_id: new UnknownValue(0), restore_job_id: null },
    })
  })

  it("tells a wholly unknown, a null and an absent value apart", () => {
    expect(decodeObject({ msgpack: unknown }, attributes)._tag).toBe("Unknown")
    expect(decodeObject(msgpack(null), attributes)._tag).toBe("Null")
    expect(decodeObject(undefined, attributes)._tag).toBe("Null")
    expect(decodeObject({ msgpack: Buffer.alloc(0) }, attributes)._tag).toBe("Null")
    expect(decodeObject({ json: Buffer.alloc(0) }, attributes)._tag).toBe("Null")
    expect(decodeMsgpack(unknown)).toMatchObject({ _tag: "UnknownValue" })
  })

  it("reads the JSON encoding too", () => {
    const decoded = decodeObject({ json: Buffer.from('{"name":"a","project_id":"b"}') }, attributes)
    expect(decoded).toEqual({ _tag: "Object", value: { name: "a", project_id: "b", restore_job_id: null } })
  })

  it("never throws: malformed bytes, non-objects and wrong types are problems", () => {
    const invalid = (value: { msgpack: Uint8Array }) => {
      const decoded = decodeObject(value, attributes)
      expect(decoded._tag).toBe("Invalid")
      return decoded._tag === "Invalid" ? decoded.problems : []
    }
    expect(invalid({ msgpack: Buffer.from([0xc1]) })[0]!.reason).toMatch(/not valid msgpack/)
    expect(invalid({ msgpack: Buffer.from([0x83, 0xa1]) })[0]!.reason).toMatch(/not valid msgpack/)
    expect(invalid({ msgpack: Buffer.concat([encode({}), Buffer.from([1])]) })[0]!.reason).toMatch(/not valid/)
    expect(invalid(msgpack("a string"))[0]!.reason).toBe("expected an object, got string")
    expect(invalid(msgpack([1, 2]))[0]!.reason).toBe("expected an object, got a list")
    expect(invalid(msgpack({ name: 42 }))).toEqual([{ attribute: "name", reason: "expected a string, got number" }])
    expect(invalid(msgpack(Buffer.from("x")))[0]!.reason).toBe("expected an object, got bytes")
    expect(invalid(msgpack(7))[0]!.reason).toBe("expected an object, got number")
    expect(invalid(msgpack({ name: { a: "b" } }))[0]!.reason).toBe("expected a string, got an object")
    expect(invalid(msgpack({ name: ["b"] }))[0]!.reason).toBe("expected a string, got a list")
    // A 64-bit integer is a number, as cty's numbers are, not a bigint.
    expect(invalid(msgpack({ name: 2 ** 40 }))[0]!.reason).toBe("expected a string, got number")
    expect(decodeMsgpack(encode(2 ** 40))).toBe(2 ** 40)
    expect(invalid(msgpack({ name: "x", extra: "y" }))).toEqual([
      { attribute: "extra", reason: "the schema has no such attribute" },
    ])
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(() => decodeObject({ msgpack: bytes }, attributes)).not.toThrow()
      }),
    )
  })
})

describe("encodeObject", () => {
  it("writes a map with sorted keys that reads back the same", () => {
    const bytes = encodeObject({ b: "2", a: null, c: "3" })
    expect(Buffer.from(bytes).subarray(0, 3)).toEqual(Buffer.from([0x83, 0xa1, 0x61])) // map of 3, "a" first
    expect(decodeMsgpack(bytes)).toEqual({ a: null, b: "2", c: "3" })
  })
})
