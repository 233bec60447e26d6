/**
 * HPACK (RFC 7541), the header compression of HTTP/2, as far as the plugin's
 * HTTP/2 server (`Http2.ts`) needs it: a full decoder (static and dynamic
 * tables, Huffman-coded strings, table size updates), and an encoder that
 * never touches the peer's dynamic table (indexed static entries or literals
 * without indexing, strings as they are), which is always valid.
 *
 * @since 0.1.0
 */

/**
 * A header block that cannot be decoded: a COMPRESSION_ERROR of the connection.
 *
 * @since 0.1.0
 * @category errors
 */
export class HpackError extends Error {
  override readonly name = "HpackError"
}

/**
 * A header field: name and value as octets (latin1 strings).
 *
 * @since 0.1.0
 * @category models
 */
export type HeaderField = readonly [name: string, value: string]

/** RFC 7541 Appendix A. */
const staticTable: ReadonlyArray<HeaderField> = [
  [":authority", ""],
  [":method", "GET"],
  [":method", "POST"],
  [":path", "/"],
  [":path", "/index.html"],
  [":scheme", "http"],
  [":scheme", "https"],
  [":status", "200"],
  [":status", "204"],
  [":status", "206"],
  [":status", "304"],
  [":status", "400"],
  [":status", "404"],
  [":status", "500"],
  ...[
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "accept",
    "access-control-allow-origin",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-range",
    "content-type",
    "cookie",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "link",
    "location",
    "max-forwards",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "refresh",
    "retry-after",
    "server",
    "set-cookie",
    "strict-transport-security",
    "transfer-encoding",
    "user-agent",
    "vary",
    "via",
    "www-authenticate",
  ].map((name): HeaderField => [name, name === "accept-encoding" ? "gzip, deflate" : ""]),
]

/**
 * The bit length of each symbol's code in HPACK's Huffman code (RFC 7541
 * Appendix B, column "len"), symbols 0 to 255 and EOS (256), sixteen a row.
 * The code is canonical (codes ordered by length, then symbol), so the
 * lengths alone define it.
 */
// prettier-ignore
const huffmanLengths: ReadonlyArray<number> = [
  /*   0 */ 13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
  /*  16 */ 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  /*  32 */ 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,
  /*  48 */ 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  /*  64 */ 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
  /*  80 */ 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  /*  96 */ 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,
  /* 112 */ 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  /* 128 */ 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
  /* 144 */ 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  /* 160 */ 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
  /* 176 */ 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  /* 192 */ 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
  /* 208 */ 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  /* 224 */ 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
  /* 240 */ 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  /* 256 */ 30,
]

const EOS = 256
const MAX_CODE_BITS = 30

/**
 * The canonical code's tables: for each length, its first code, how many
 * codes it has, and where its symbols start in `symbols` (ordered by length,
 * then symbol).
 */
const canonical = (() => {
  const count = new Array<number>(MAX_CODE_BITS + 1).fill(0)
  for (const length of huffmanLengths) count[length]!++
  const first = new Array<number>(MAX_CODE_BITS + 1).fill(0)
  const offset = new Array<number>(MAX_CODE_BITS + 1).fill(0)
  let code = 0
  let index = 0
  for (let length = 1; length <= MAX_CODE_BITS; length++) {
    first[length] = code
    offset[length] = index
    code = (code + count[length]!) * 2
    index += count[length]!
  }
  const symbols = huffmanLengths
    .map((length, symbol) => ({ length, symbol }))
    .sort((a, b) => a.length - b.length || a.symbol - b.symbol)
    .map(({ symbol }) => symbol)
  return { count, first, offset, symbols }
})()

/**
 * The code of each symbol, for tests against RFC 7541 Appendix B.
 *
 * @since 0.1.0
 * @category huffman
 */
export const huffmanCode = (symbol: number): { readonly code: number; readonly bits: number } => {
  const bits = huffmanLengths[symbol]!
  const rank = canonical.symbols.indexOf(symbol) - canonical.offset[bits]!
  return { code: canonical.first[bits]! + rank, bits }
}

/**
 * Decodes a Huffman-coded string (RFC 7541 §5.2): padding must be fewer than
 * eight bits, all ones, and EOS must not appear.
 *
 * @since 0.1.0
 * @category huffman
 */
export const huffmanDecode = (bytes: Uint8Array): string => {
  const { count, first, offset, symbols } = canonical
  const out: Array<number> = []
  let code = 0
  let bits = 0
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1)
      bits++
      const rank = code - first[bits]!
      if (rank >= 0 && rank < count[bits]!) {
        const symbol = symbols[offset[bits]! + rank]!
        if (symbol === EOS) throw new HpackError("EOS in a Huffman-coded string")
        out.push(symbol)
        code = 0
        bits = 0
      } else if (bits === MAX_CODE_BITS) {
        throw new HpackError("invalid Huffman code")
      }
    }
  }
  if (bits > 7) throw new HpackError("Huffman padding longer than 7 bits")
  if (code !== 2 ** bits - 1) throw new HpackError("Huffman padding is not a prefix of EOS")
  return Buffer.from(out).toString("latin1")
}

/** An entry's size in a table (RFC 7541 §4.1). */
const entrySize = ([name, value]: HeaderField): number => name.length + value.length + 32

/**
 * Decodes header blocks of one connection (one decoder per direction: the
 * dynamic table carries over from block to block).
 *
 * @since 0.1.0
 * @category decoding
 */
export class HpackDecoder {
  readonly #maxTableSize: number
  readonly #maxHeaderListSize: number
  #tableLimit: number
  #dynamic: Array<HeaderField> = []
  #tableSize = 0

  /**
   * @param maxTableSize the SETTINGS_HEADER_TABLE_SIZE this side announced (4096 by default)
   * @param maxHeaderListSize the largest header list accepted, by RFC 7541's size
   */
  constructor(maxTableSize = 4096, maxHeaderListSize = 64 * 1024) {
    this.#maxTableSize = maxTableSize
    this.#tableLimit = maxTableSize
    this.#maxHeaderListSize = maxHeaderListSize
  }

  decode(block: Uint8Array): Array<HeaderField> {
    const fields: Array<HeaderField> = []
    let listSize = 0
    let position = 0
    let fieldSeen = false

    const integer = (prefixBits: number): number => {
      if (position >= block.length) throw new HpackError("header block ends inside an integer")
      const mask = 2 ** prefixBits - 1
      let value = block[position++]! & mask
      if (value < mask) return value
      for (let shift = 0; ; shift += 7) {
        if (shift > 28) throw new HpackError("integer too large")
        if (position >= block.length) throw new HpackError("header block ends inside an integer")
        const byte = block[position++]!
        value += (byte & 0x7f) * 2 ** shift
        if ((byte & 0x80) === 0) return value
      }
    }
    const string = (): string => {
      if (position >= block.length) throw new HpackError("header block ends before a string")
      const huffman = (block[position]! & 0x80) !== 0
      const length = integer(7)
      if (position + length > block.length) throw new HpackError("string longer than the header block")
      const bytes = block.subarray(position, position + length)
      position += length
      return huffman ? huffmanDecode(bytes) : Buffer.from(bytes).toString("latin1")
    }
    const entry = (index: number): HeaderField => {
      const field =
        index === 0
          ? undefined
          : index <= staticTable.length
            ? staticTable[index - 1]
            : this.#dynamic[index - staticTable.length - 1]
      if (field === undefined) throw new HpackError(`no table entry ${index}`)
      return field
    }
    const emit = (field: HeaderField) => {
      listSize += entrySize(field)
      if (listSize > this.#maxHeaderListSize) throw new HpackError("header list too large")
      fields.push(field)
      fieldSeen = true
    }

    while (position < block.length) {
      const first = block[position]!
      if (first & 0x80) {
        // Indexed header field (§6.1).
        emit(entry(integer(7)))
      } else if (first & 0x40) {
        // Literal with incremental indexing (§6.2.1).
        const index = integer(6)
        const field: HeaderField = [index === 0 ? string() : entry(index)[0], string()]
        emit(field)
        this.#insert(field)
      } else if (first & 0x20) {
        // Dynamic table size update (§6.3): only at the start of a block.
        if (fieldSeen) throw new HpackError("table size update after a header field")
        const size = integer(5)
        if (size > this.#maxTableSize)
          throw new HpackError(`table size ${size} over the announced ${this.#maxTableSize}`)
        this.#tableLimit = size
        this.#evict(0)
      } else {
        // Literal without indexing (§6.2.2) or never indexed (§6.2.3).
        const index = integer(4)
        emit([index === 0 ? string() : entry(index)[0], string()])
      }
    }
    return fields
  }

  #insert(field: HeaderField): void {
    const size = entrySize(field)
    this.#evict(size)
    // An entry larger than the table empties it and is not added (§4.4).
    if (size <= this.#tableLimit) {
      this.#dynamic.unshift(field)
      this.#tableSize += size
    }
  }

  #evict(room: number): void {
    while (this.#dynamic.length > 0 && this.#tableSize + room > this.#tableLimit) {
      this.#tableSize -= entrySize(this.#dynamic.pop()!)
    }
  }
}

const writeInteger = (out: Array<number>, value: number, prefixBits: number, flags: number): void => {
  const mask = 2 ** prefixBits - 1
  if (value < mask) {
    out.push(flags | value)
    return
  }
  out.push(flags | mask)
  let rest = value - mask
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80)
    rest = Math.floor(rest / 0x80)
  }
  out.push(rest)
}

const writeString = (out: Array<number>, text: string): void => {
  const bytes = Buffer.from(text, "latin1")
  writeInteger(out, bytes.length, 7, 0)
  for (const byte of bytes) out.push(byte)
}

/**
 * Encodes a header block without using the peer's dynamic table: a field
 * the static table holds whole is indexed, any other is a literal without
 * indexing (its name indexed when the static table has it). Names must be
 * lowercase, as HTTP/2 requires.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeHeaderBlock = (fields: ReadonlyArray<HeaderField>): Buffer => {
  const out: Array<number> = []
  for (const [name, value] of fields) {
    let nameIndex = 0
    let fullIndex = 0
    for (let i = 0; i < staticTable.length && fullIndex === 0; i++) {
      const [staticName, staticValue] = staticTable[i]!
      if (staticName !== name) continue
      if (nameIndex === 0) nameIndex = i + 1
      if (staticValue === value) fullIndex = i + 1
    }
    if (fullIndex !== 0) {
      writeInteger(out, fullIndex, 7, 0x80)
      continue
    }
    writeInteger(out, nameIndex, 4, 0x00)
    if (nameIndex === 0) writeString(out, name)
    writeString(out, value)
  }
  return Buffer.from(out)
}
