import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { HeaderField } from "../../../src/provider/host/Hpack.js"
import {
  encodeHeaderBlock,
  HpackDecoder,
  HpackError,
  huffmanCode,
  huffmanDecode,
} from "../../../src/provider/host/Hpack.js"

// Hex dumps below are RFC 7541 Appendix C, byte for byte (spaces as in the RFC, ignored).
const hex = (dump: string): Buffer => Buffer.from(dump.replace(/\s+/g, ""), "hex")
const bytes = (...octets: Array<number>): Uint8Array => Uint8Array.from(octets)

// An indexed header field (§6.1) does not change the dynamic table, so it reads the table without disturbing it.
const lookup = (decoder: HpackDecoder, index: number): HeaderField => {
  const fields = decoder.decode(integer(index, 7, 0x80))
  expect(fields).toHaveLength(1)
  return fields[0]!
}
// The dynamic table, newest first, read through indices 62.. until the first missing one (which must throw).
const expectTable = (decoder: HpackDecoder, entries: ReadonlyArray<HeaderField>): void => {
  entries.forEach((entry, i) => expect(lookup(decoder, 62 + i)).toEqual(entry))
  expect(() => lookup(decoder, 62 + entries.length)).toThrow(HpackError)
}

// RFC 7541 §5.1 integer representation, written here from the RFC's pseudocode, to build test blocks.
const integer = (value: number, prefixBits: number, flags: number): Uint8Array => {
  const max = 2 ** prefixBits - 1
  if (value < max) return bytes(flags | value)
  const out = [flags | max]
  let rest = value - max
  while (rest >= 128) {
    out.push((rest % 128) + 128)
    rest = Math.floor(rest / 128)
  }
  out.push(rest)
  return Uint8Array.from(out)
}
// A raw (not Huffman) string literal, §5.2.
const literal = (text: string): Buffer => Buffer.concat([integer(text.length, 7, 0), Buffer.from(text, "latin1")])
const block = (...parts: Array<Uint8Array>): Buffer => Buffer.concat(parts)

// A Huffman encoder built only on `huffmanCode`: codes MSB first, padded with the high bits of EOS (ones).
const huffmanEncode = (input: Uint8Array): Buffer => {
  const bits: Array<number> = []
  for (const symbol of input) {
    const { code, bits: length } = huffmanCode(symbol)
    for (let bit = length - 1; bit >= 0; bit--) bits.push(Math.floor(code / 2 ** bit) % 2)
  }
  while (bits.length % 8 !== 0) bits.push(1)
  const out = Buffer.alloc(bits.length / 8)
  bits.forEach((bit, i) => {
    out[i >> 3] |= bit << (7 - (i & 7))
  })
  return out
}

const field = (name: string, value: string): HeaderField => [name, value]

describe("RFC 7541 C.2: header field representations", () => {
  it("C.2.1 literal with indexing adds the field to the dynamic table", () => {
    const decoder = new HpackDecoder()
    expect(decoder.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572"))).toEqual([
      field("custom-key", "custom-header"),
    ])
    expectTable(decoder, [field("custom-key", "custom-header")])
  })

  it("C.2.2 literal without indexing leaves the dynamic table empty", () => {
    const decoder = new HpackDecoder()
    expect(decoder.decode(hex("040c 2f73 616d 706c 652f 7061 7468"))).toEqual([field(":path", "/sample/path")])
    expectTable(decoder, [])
  })

  it("C.2.3 literal never indexed leaves the dynamic table empty", () => {
    const decoder = new HpackDecoder()
    expect(decoder.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74"))).toEqual([field("password", "secret")])
    expectTable(decoder, [])
  })

  it("C.2.4 indexed field from the static table", () => {
    const decoder = new HpackDecoder()
    expect(decoder.decode(hex("82"))).toEqual([field(":method", "GET")])
    expectTable(decoder, [])
  })
})

const request1 = [
  field(":method", "GET"),
  field(":scheme", "http"),
  field(":path", "/"),
  field(":authority", "www.example.com"),
]
const request2 = [...request1, field("cache-control", "no-cache")]
const request3 = [
  field(":method", "GET"),
  field(":scheme", "https"),
  field(":path", "/index.html"),
  field(":authority", "www.example.com"),
  field("custom-key", "custom-value"),
]

const requestSequence = (blocks: readonly [string, string, string]) => {
  const decoder = new HpackDecoder()
  expect(decoder.decode(hex(blocks[0]))).toEqual(request1)
  expectTable(decoder, [field(":authority", "www.example.com")])
  // Index 62 (0xbe) in the second block is the entry the first block added.
  expect(decoder.decode(hex(blocks[1]))).toEqual(request2)
  expectTable(decoder, [field("cache-control", "no-cache"), field(":authority", "www.example.com")])
  // Index 63 (0xbf) in the third block: the same entry, pushed down by one.
  expect(decoder.decode(hex(blocks[2]))).toEqual(request3)
  expectTable(decoder, [
    field("custom-key", "custom-value"),
    field("cache-control", "no-cache"),
    field(":authority", "www.example.com"),
  ])
}

describe("RFC 7541 C.3 and C.4: requests on one connection", () => {
  it("C.3.1 to C.3.3 without Huffman coding", () => {
    requestSequence([
      "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      "8286 84be 5808 6e6f 2d63 6163 6865",
      "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
    ])
  })

  it("C.4.1 to C.4.3 with Huffman coding", () => {
    requestSequence([
      "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
      "8286 84be 5886 a8eb 1064 9cbf",
      "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
    ])
  })

  it("a fresh decoder has no entry 62 for the second request", () => {
    expect(() => new HpackDecoder().decode(hex("8286 84be 5808 6e6f 2d63 6163 6865"))).toThrow(HpackError)
  })
})

const date21 = field("date", "Mon, 21 Oct 2013 20:13:21 GMT")
const date22 = field("date", "Mon, 21 Oct 2013 20:13:22 GMT")
const location = field("location", "https://www.example.com")
const privateCache = field("cache-control", "private")
const cookie = field("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")

const responseSequence = (blocks: readonly [string, string, string]) => {
  // SETTINGS_HEADER_TABLE_SIZE 256, as in the RFC: the table sizes below are the RFC's, entry size = 32 + octets.
  const decoder = new HpackDecoder(256)
  expect(decoder.decode(hex(blocks[0]))).toEqual([field(":status", "302"), privateCache, date21, location])
  expectTable(decoder, [location, date21, privateCache, field(":status", "302")]) // 222 octets
  // Adding :status 307 (42) would make 264: :status 302 is evicted.
  expect(decoder.decode(hex(blocks[1]))).toEqual([field(":status", "307"), privateCache, date21, location])
  expectTable(decoder, [field(":status", "307"), location, date21, privateCache])
  // The date evicts cache-control, content-encoding evicts the old date, set-cookie (98) evicts location and :status.
  expect(decoder.decode(hex(blocks[2]))).toEqual([
    field(":status", "200"),
    privateCache,
    date22,
    location,
    field("content-encoding", "gzip"),
    cookie,
  ])
  expectTable(decoder, [cookie, field("content-encoding", "gzip"), date22]) // 215 octets
}

describe("RFC 7541 C.5 and C.6: responses with a 256-octet table (eviction)", () => {
  it("C.5.1 to C.5.3 without Huffman coding", () => {
    responseSequence([
      `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
       2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
       6c65 2e63 6f6d`,
      "4803 3330 37c1 c0bf",
      `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
       54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
       5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
       3d31`,
    ])
  })

  it("C.6.1 to C.6.3 with Huffman coding (eviction counts decoded octets)", () => {
    responseSequence([
      `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
       2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      "4883 640e ffc1 c0bf",
      `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
       77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
       9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
    ])
  })

  it("with the default 4096-octet table nothing is evicted by the same blocks", () => {
    const decoder = new HpackDecoder()
    decoder.decode(hex("4803 3330 3258 0770 7269 7661 7465"))
    decoder.decode(hex("4803 3330 37"))
    expectTable(decoder, [field(":status", "307"), privateCache, field(":status", "302")])
  })
})

describe("huffmanCode", () => {
  // RFC 7541 Appendix B: symbol, code as hex aligned to LSB, length in bits.
  const appendixB: ReadonlyArray<readonly [number, number, number]> = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [13, 0x3ffffffd, 30],
    [22, 0x3ffffffe, 30],
    [31, 0xffffffb, 28],
    [32, 0x14, 6],
    [33, 0x3f8, 10],
    [38, 0xf8, 8],
    [47, 0x18, 6],
    [48, 0x0, 5],
    [58, 0x5c, 7],
    [60, 0x7ffc, 15],
    [92, 0x7fff0, 19],
    [97, 0x3, 5],
    [101, 0x5, 5],
    [116, 0x9, 5],
    [123, 0x7ffe, 15],
    [126, 0x1ffd, 13],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [153, 0x1fffdc, 21],
    [195, 0x7fff1, 19],
    [199, 0x1ffffec, 25],
    [200, 0x3ffffe2, 26],
    [203, 0x7ffffde, 27],
    [220, 0xffffffd, 28],
    [234, 0x1ffffee, 25],
    [249, 0xffffffe, 28],
    [254, 0x7fffff0, 27],
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30],
  ]

  it.each(appendixB)("symbol %i: code %i over %i bits, as in Appendix B", (symbol, code, bits) => {
    expect(huffmanCode(symbol)).toEqual({ code, bits })
  })

  const all = Array.from({ length: 257 }, (_, symbol) => huffmanCode(symbol))

  it("is a complete code: Kraft's sum over the 257 symbols is exactly 1", () => {
    // In units of 2^-30 (the longest code), so the sum is an exact integer.
    const sum = all.reduce((acc, { bits }) => acc + 2 ** (30 - bits), 0)
    expect(sum).toBe(2 ** 30)
    for (const { bits } of all) expect(bits).toBeGreaterThanOrEqual(5)
  })

  it("is prefix-free: no code collides with or is a prefix of another", () => {
    for (const { code, bits } of all) expect(code).toBeLessThan(2 ** bits)
    const clashes: Array<string> = []
    all.forEach((x, a) =>
      all.forEach((y, b) => {
        // x is a prefix of y (or equal to it) when y's top x.bits bits are x.
        if (a !== b && x.bits <= y.bits && Math.floor(y.code / 2 ** (y.bits - x.bits)) === x.code) {
          clashes.push(`${a} is a prefix of ${b}`)
        }
      }),
    )
    expect(clashes).toEqual([])
  })

  it("EOS is thirty ones, so any shorter run of ones is a valid padding", () => {
    expect(huffmanCode(256)).toEqual({ code: 2 ** 30 - 1, bits: 30 })
  })
})

describe("huffmanDecode", () => {
  const rfcStrings: ReadonlyArray<readonly [string, string]> = [
    ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
    ["no-cache", "a8eb 1064 9cbf"],
    ["custom-key", "25a8 49e9 5ba9 7d7f"],
    ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
    ["302", "6402"],
    ["307", "640e ff"],
    ["private", "aec3 771a 4b"],
    ["gzip", "9bd9 ab"],
    ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
    ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
    [
      "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1",
      "94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07",
    ],
  ]

  it.each(rfcStrings)("decodes %j from the RFC's octets", (text, dump) => {
    expect(huffmanDecode(hex(dump))).toBe(text)
  })

  it.each(rfcStrings)("the test's encoder over huffmanCode reproduces the RFC's octets for %j", (text, dump) => {
    expect(huffmanEncode(Buffer.from(text, "latin1")).toString("hex")).toBe(hex(dump).toString("hex"))
  })

  it("decodes the empty string", () => {
    expect(huffmanDecode(bytes())).toBe("")
  })

  it("round-trips any byte string (latin1)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        expect(huffmanDecode(huffmanEncode(input))).toBe(Buffer.from(input).toString("latin1"))
      }),
      { numRuns: 500 },
    )
  })

  it("rejects padding of eight bits or more", () => {
    // 'a' is 00011: 00011111 is 'a' with 3 bits of padding, valid; a following 0xff makes 11 bits.
    expect(huffmanDecode(bytes(0x1f))).toBe("a")
    expect(() => huffmanDecode(bytes(0x1f, 0xff))).toThrow(HpackError)
    expect(() => huffmanDecode(bytes(0xff))).toThrow(HpackError)
    expect(() => huffmanDecode(bytes(0xff, 0xff, 0xff))).toThrow(HpackError)
  })

  it("rejects padding that is not all ones", () => {
    // 'a' then 000, 'a' then 110, 'a' then 011.
    expect(() => huffmanDecode(bytes(0x18))).toThrow(HpackError)
    expect(() => huffmanDecode(bytes(0x1e))).toThrow(HpackError)
    expect(() => huffmanDecode(bytes(0x1b))).toThrow(HpackError)
  })

  it("rejects an encoded EOS, alone or after a symbol", () => {
    // EOS (30 ones) and two bits of padding.
    expect(() => huffmanDecode(bytes(0xff, 0xff, 0xff, 0xff))).toThrow(HpackError)
    // 'a' (00011), EOS, padding: 00011111 11111111 11111111 11111111 11111111.
    expect(() => huffmanDecode(bytes(0x1f, 0xff, 0xff, 0xff, 0xff))).toThrow(HpackError)
  })

  it("a bad Huffman string inside a header block is an HpackError", () => {
    // Literal with indexing, new name "a" (Huffman 0x1f), value Huffman with bad padding 0x18.
    expect(new HpackDecoder().decode(bytes(0x40, 0x81, 0x1f, 0x81, 0x1f))).toEqual([field("a", "a")])
    expect(() => new HpackDecoder().decode(bytes(0x40, 0x81, 0x1f, 0x81, 0x18))).toThrow(HpackError)
  })
})

describe("HpackDecoder errors", () => {
  const rejects = (input: Uint8Array, decoder = new HpackDecoder()) =>
    expect(() => decoder.decode(input)).toThrow(HpackError)

  it("index 0", () => {
    rejects(bytes(0x80))
  })

  it("an index past the static and dynamic tables", () => {
    rejects(bytes(0xbe)) // 62 with an empty dynamic table
    rejects(integer(1000, 7, 0x80))
    rejects(block(integer(62, 6, 0x40), literal("v"))) // literal with indexing, name from entry 62
    rejects(block(integer(62, 4, 0x00), literal("v"))) // literal without indexing, name from entry 62
    // The last static entry and the first dynamic one resolve.
    expect(lookup(new HpackDecoder(), 61)).toEqual(field("www-authenticate", ""))
    const decoder = new HpackDecoder()
    decoder.decode(block(bytes(0x40), literal("x-a"), literal("1")))
    expect(lookup(decoder, 62)).toEqual(field("x-a", "1"))
    rejects(bytes(0x80 | 63), decoder)
  })

  it("an integer that overflows", () => {
    rejects(bytes(0xff, ...new Array<number>(10).fill(0xff), 0x00))
    rejects(bytes(0x3f, ...new Array<number>(10).fill(0x80), 0x01)) // size update, zero-valued continuation bytes
    rejects(bytes(0x40, 0x7f, ...new Array<number>(10).fill(0xff), 0x00)) // as a string length
  })

  it("a block that ends inside an integer", () => {
    rejects(bytes(0xff)) // index prefix full, no continuation
    rejects(bytes(0xff, 0x80)) // continuation bit set on the last byte
    rejects(bytes(0x40, 0x7f)) // string length prefix full
    rejects(bytes(0x3f, 0x9a)) // size update 1337 (C.1.2: 1f 9a 0a), cut short
  })

  it("a block that ends before or inside a string", () => {
    rejects(bytes(0x40)) // no name
    rejects(bytes(0x40, 0x01, 0x61)) // no value
    rejects(bytes(0x04)) // indexed name, no value
    rejects(block(bytes(0x40), literal("custom-key")).subarray(0, 6)) // name cut short
  })

  it("a string length past the block", () => {
    rejects(bytes(0x04, 0x0c, 0x2f, 0x73)) // 12 octets announced, 2 present
    rejects(block(bytes(0x04), integer(200, 7, 0), Buffer.alloc(199, 0x61))) // multi-octet length, one short
    rejects(block(bytes(0x04), integer(200, 7, 0x80), Buffer.alloc(10, 0xff))) // Huffman-coded, short
    // The same with every octet present is fine.
    expect(new HpackDecoder().decode(block(bytes(0x04), integer(200, 7, 0), Buffer.alloc(200, 0x61)))).toEqual([
      field(":path", "a".repeat(200)),
    ])
  })

  it("a table size update larger than the announced maximum", () => {
    rejects(block(integer(257, 5, 0x20)), new HpackDecoder(256))
    rejects(block(integer(4097, 5, 0x20)))
    expect(new HpackDecoder(256).decode(integer(256, 5, 0x20))).toEqual([])
    expect(new HpackDecoder().decode(integer(4096, 5, 0x20))).toEqual([])
  })

  it("a table size update after a header field of the same block", () => {
    rejects(bytes(0x82, 0x20))
    rejects(block(bytes(0x04), literal("/a"), integer(100, 5, 0x20)))
    // At the start of a block, even after earlier blocks, and twice in a row, it is allowed (§4.2).
    const decoder = new HpackDecoder()
    expect(decoder.decode(bytes(0x82))).toEqual([field(":method", "GET")])
    expect(decoder.decode(bytes(0x20, 0x3f, 0xe1, 0x1f, 0x82))).toEqual([field(":method", "GET")])
  })

  it("a header list larger than maxHeaderListSize", () => {
    // :method GET counts 7 + 3 + 32 = 42 octets.
    expect(new HpackDecoder(4096, 84).decode(bytes(0x82, 0x82))).toHaveLength(2)
    rejects(bytes(0x82, 0x82), new HpackDecoder(4096, 83))
    rejects(bytes(0x82, 0x82, 0x82), new HpackDecoder(4096, 100))
    const big = block(bytes(0x00), literal("x-big"), literal("v".repeat(70_000)))
    rejects(big)
    expect(new HpackDecoder(4096, 80_000).decode(big)).toEqual([field("x-big", "v".repeat(70_000))])
  })

  it("the header list limit is per block, not per connection", () => {
    const decoder = new HpackDecoder(4096, 84)
    for (let i = 0; i < 5; i++) expect(decoder.decode(bytes(0x82, 0x82))).toHaveLength(2)
  })
})

describe("HpackDecoder dynamic table rules", () => {
  const insert = (name: string, value: string) => block(bytes(0x40), literal(name), literal(value))

  it("an entry larger than the whole table empties it and is not added (§4.4)", () => {
    const decoder = new HpackDecoder(100)
    decoder.decode(insert("custom-key", "custom-header")) // 55 octets
    expectTable(decoder, [field("custom-key", "custom-header")])
    // 1 + 68 + 32 = 101 > 100: still emitted, but the table ends empty.
    expect(decoder.decode(insert("a", "b".repeat(68)))).toEqual([field("a", "b".repeat(68))])
    expectTable(decoder, [])
  })

  it("an entry exactly the table's size is added, evicting the others", () => {
    const decoder = new HpackDecoder(100)
    decoder.decode(insert("custom-key", "custom-header"))
    decoder.decode(insert("a", "b".repeat(67))) // 100 octets
    expectTable(decoder, [field("a", "b".repeat(67))])
  })

  it("evicts oldest first, only as much as needed", () => {
    const decoder = new HpackDecoder(100)
    decoder.decode(insert("a", "1")) // 34
    decoder.decode(insert("b", "2")) // 34, total 68
    decoder.decode(insert("c", "3")) // 34 -> 102 > 100: evict a only
    expectTable(decoder, [field("c", "3"), field("b", "2")])
  })

  it("a size update to 0 evicts everything and nothing is added until it grows again", () => {
    const decoder = new HpackDecoder()
    decoder.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"))
    expectTable(decoder, [field(":authority", "www.example.com")])
    expect(() => decoder.decode(bytes(0x20, 0xbe))).toThrow(HpackError)
    expectTable(decoder, [])
    decoder.decode(insert("x-a", "1"))
    expectTable(decoder, [])
    decoder.decode(block(integer(4096, 5, 0x20), insert("x-a", "1")))
    expectTable(decoder, [field("x-a", "1")])
  })

  it("a size update below the current size evicts down to it (C.1.2's 1337 as the new size)", () => {
    const decoder = new HpackDecoder()
    decoder.decode(insert("a", "x".repeat(700))) // 733
    decoder.decode(insert("b", "y".repeat(700))) // 733, total 1466
    decoder.decode(hex("3f 9a0a")) // size update to 1337 (RFC 7541 C.1.2): the older entry goes
    expectTable(decoder, [field("b", "y".repeat(700))])
    decoder.decode(insert("c", "z".repeat(571))) // 604, 733 + 604 = 1337 fits exactly
    expectTable(decoder, [field("c", "z".repeat(571)), field("b", "y".repeat(700))])
  })
})

describe("encodeHeaderBlock", () => {
  it("indexes a field the static table holds whole", () => {
    expect(encodeHeaderBlock([field(":status", "200")])).toEqual(Buffer.from([0x88]))
    expect(encodeHeaderBlock([field(":status", "404")])).toEqual(Buffer.from([0x8d]))
    expect(encodeHeaderBlock([field(":method", "POST")])).toEqual(Buffer.from([0x83]))
    expect(encodeHeaderBlock([field("accept-encoding", "gzip, deflate")])).toEqual(Buffer.from([0x90]))
    expect(encodeHeaderBlock([field("www-authenticate", "")])).toEqual(Buffer.from([0xbd]))
  })

  it("writes a static name with a new value as a literal without indexing", () => {
    // content-type is static entry 31; 31 >= 2^4 - 1, so the 4-bit prefix is full (0x0f) and 31 - 15 = 16 follows.
    expect(encodeHeaderBlock([field("content-type", "application/grpc")])).toEqual(
      Buffer.concat([Buffer.from([0x0f, 0x10, 16]), Buffer.from("application/grpc")]),
    )
    // :status is entry 8, below 15: one octet.
    expect(encodeHeaderBlock([field(":status", "201")])).toEqual(Buffer.from([0x08, 0x03, 0x32, 0x30, 0x31]))
  })

  it("writes a new name as a literal without indexing, with a literal name", () => {
    expect(encodeHeaderBlock([field("grpc-status", "0")])).toEqual(
      Buffer.concat([Buffer.from([0x00, 11]), Buffer.from("grpc-status"), Buffer.from([1]), Buffer.from("0")]),
    )
  })

  it("writes an index or a length equal to the prefix maximum with a zero continuation octet (§5.1)", () => {
    // accept-charset is static entry 15 = 2^4 - 1: 0x0f then 0x00; a 127-octet value: 0x7f then 0x00.
    expect(encodeHeaderBlock([field("accept-charset", "utf-8")])).toEqual(
      Buffer.concat([Buffer.from([0x0f, 0x00, 5]), Buffer.from("utf-8")]),
    )
    const value = "w".repeat(127)
    const encoded = encodeHeaderBlock([field(":path", value)])
    expect(encoded).toEqual(Buffer.concat([Buffer.from([0x04, 0x7f, 0x00]), Buffer.from(value)]))
    expect(new HpackDecoder().decode(encoded)).toEqual([field(":path", value)])
  })

  it("writes a long value with a multi-octet length (§5.1)", () => {
    const value = "v".repeat(300) // 300 - 127 = 173 = 0xad: 7f ad 01
    const encoded = encodeHeaderBlock([field("x-long", value)])
    expect(encoded.subarray(0, 8)).toEqual(Buffer.concat([Buffer.from([0x00, 6]), Buffer.from("x-long")]))
    expect(encoded.subarray(8, 11)).toEqual(Buffer.from([0x7f, 0xad, 0x01]))
    expect(encoded.length).toBe(11 + 300)
  })

  it("encodes the RFC's requests and responses so that a fresh decoder reads them back", () => {
    for (const fields of [request1, request2, request3, [field(":status", "302"), privateCache, date21, location]]) {
      const decoder = new HpackDecoder()
      expect(decoder.decode(encodeHeaderBlock(fields))).toEqual(fields)
      expectTable(decoder, [])
    }
  })

  it("encodes the empty list as the empty block", () => {
    expect(encodeHeaderBlock([])).toEqual(Buffer.alloc(0))
    expect(new HpackDecoder().decode(encodeHeaderBlock([]))).toEqual([])
  })

  const staticNames = [
    ":authority",
    ":method",
    ":path",
    ":scheme",
    ":status",
    "accept-charset",
    "accept-encoding",
    "age",
    "content-type",
    "www-authenticate",
  ]
  const staticFields: ReadonlyArray<HeaderField> = [
    field(":method", "GET"),
    field(":path", "/index.html"),
    field(":status", "500"),
    field("accept-encoding", "gzip, deflate"),
    field("cookie", ""),
  ]
  const latin1 = (maxLength: number) =>
    fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength })
  const name = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_"), minLength: 1, maxLength: 40 }),
    fc.constantFrom(...staticNames),
  )
  const headerField: fc.Arbitrary<HeaderField> = fc.oneof(
    fc.tuple(name, latin1(20)),
    fc.tuple(name, latin1(400)),
    fc.constantFrom(...staticFields),
  )

  it("round-trips any list of lowercase names and latin1 values through a fresh decoder, never indexing", () => {
    fc.assert(
      fc.property(fc.array(headerField, { maxLength: 12 }), (fields) => {
        const decoder = new HpackDecoder()
        expect(decoder.decode(encodeHeaderBlock(fields))).toEqual(fields)
        // Nothing reached the decoder's dynamic table: the encoder never asks the peer to index.
        expectTable(decoder, [])
      }),
      { numRuns: 300 },
    )
  })

  it("round-trips blocks one after another on one decoder (no state carried over)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(headerField, { maxLength: 5 }), { maxLength: 5 }), (lists) => {
        const decoder = new HpackDecoder()
        for (const fields of lists) expect(decoder.decode(encodeHeaderBlock(fields))).toEqual(fields)
      }),
      { numRuns: 100 },
    )
  })
})
