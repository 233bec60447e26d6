/**
 * Just enough ASN.1 DER to write one X.509 certificate: definite lengths,
 * the universal types a certificate uses, and context-specific tags. Writing
 * it by hand costs microseconds where an X.509 library costs a module load
 * that the plugin would pay on each of its three starts per plan.
 *
 * @since 0.1.0
 */

const tlv = (tag: number, content: Uint8Array): Buffer => {
  const n = content.length
  let header: Array<number>
  if (n < 0x80) header = [tag, n]
  else {
    const bytes: Array<number> = []
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff)
    header = [tag, 0x80 | bytes.length, ...bytes]
  }
  return Buffer.concat([Buffer.from(header), content])
}

/**
 * The DER writers a certificate needs.
 *
 * @since 0.1.0
 * @category encoding
 */
export const Der = {
  sequence: (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x30, Buffer.concat(items)),
  set: (...items: ReadonlyArray<Uint8Array>): Buffer => tlv(0x31, Buffer.concat(items)),
  boolean: (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00])),
  /** A non-negative integer from its big-endian magnitude, minimally encoded. */
  unsignedInteger: (magnitude: Uint8Array): Buffer => {
    let start = 0
    while (start < magnitude.length - 1 && magnitude[start] === 0) start++
    const trimmed = magnitude.subarray(start)
    const content = trimmed.length === 0 ? Buffer.from([0]) : trimmed
    // A leading bit set would read as negative: prefix a zero byte.
    return tlv(0x02, content[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), content]) : content)
  },
  smallInteger: (value: number): Buffer => {
    const bytes: Array<number> = []
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff)
    return Der.unsignedInteger(Buffer.from(bytes))
  },
  /** An object identifier from its dotted form. */
  oid: (dotted: string): Buffer => {
    const arcs = dotted.split(".").map(Number)
    const out: Array<number> = [40 * arcs[0]! + arcs[1]!]
    for (const arc of arcs.slice(2)) {
      const base128: Array<number> = [arc & 0x7f]
      for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128))
        base128.unshift(0x80 | (rest & 0x7f))
      out.push(...base128)
    }
    return tlv(0x06, Buffer.from(out))
  },
  utf8String: (value: string): Buffer => tlv(0x0c, Buffer.from(value, "utf8")),
  octetString: (content: Uint8Array): Buffer => tlv(0x04, content),
  /** A bit string with no unused bits. */
  bitString: (content: Uint8Array): Buffer => tlv(0x03, Buffer.concat([Buffer.from([0]), content])),
  /** A bit string of named bits (bit 0 is the most significant bit of the first byte). */
  namedBits: (bits: ReadonlyArray<number>): Buffer => {
    const top = Math.max(...bits)
    const bytes = Buffer.alloc(Math.floor(top / 8) + 1)
    for (const bit of bits) bytes[bit >> 3] |= 0x80 >> (bit & 7)
    const unused = 7 - (top & 7)
    return tlv(0x03, Buffer.concat([Buffer.from([unused]), bytes]))
  },
  /** RFC 5280: UTCTime through 2049, GeneralizedTime from 2050. */
  time: (date: Date): Buffer => {
    const iso = date.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
    const digits = iso.slice(0, 19).replace(/[-:T]/g, "")
    return date.getUTCFullYear() < 2050
      ? tlv(0x17, Buffer.from(digits.slice(2) + "Z", "ascii"))
      : tlv(0x18, Buffer.from(digits + "Z", "ascii"))
  },
  /** `[n] EXPLICIT`: a constructed context-specific tag around one value. */
  explicit: (n: number, content: Uint8Array): Buffer => tlv(0xa0 | n, content),
  /** `[n] IMPLICIT` over a primitive value's content bytes. */
  implicitPrimitive: (n: number, content: Uint8Array): Buffer => tlv(0x80 | n, content),
} as const
