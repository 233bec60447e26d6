/**
 * The plugin's HTTP/2 server connection (`Http2.ts`) at the frame level,
 * against RFC 9113, over plaintext TCP: a raw client written here builds each
 * frame byte by byte and parses the server's, so the tests check what goes
 * over the wire (order, flags, sizes, windows, error codes). The last tests
 * talk to it with Node's own HTTP/2 client, a real peer.
 */
import * as http2 from "node:http2"
import * as net from "node:net"
import { Duplex } from "node:stream"
import fc from "fast-check"
import type { AddressInfo } from "node:net"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { encodeHeaderBlock, HpackDecoder } from "../../../src/provider/host/Hpack.js"
import type { HeaderField } from "../../../src/provider/host/Hpack.js"
import {
  ErrorCode,
  Http2ConnectionError,
  Http2StreamClosed,
  requestHeaders,
  ServerConnection,
} from "../../../src/provider/host/Http2.js"
import type { ServerStream } from "../../../src/provider/host/Http2.js"

// --- frames, as a client writes and reads them ---

const T = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const
const END_STREAM = 0x1
const ACK = 0x1
const END_HEADERS = 0x4
const PADDED = 0x8
const PRIORITY = 0x20
const S = { ENABLE_PUSH: 0x2, MAX_CONCURRENT_STREAMS: 0x3, INITIAL_WINDOW_SIZE: 0x4, MAX_FRAME_SIZE: 0x5 } as const
const MAX_HEADER_LIST_SIZE = 0x6
const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1")

interface Frame {
  readonly type: number
  readonly flags: number
  readonly streamId: number
  readonly payload: Buffer
}

const frame = (type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer => {
  const header = Buffer.alloc(9)
  header.writeUIntBE(payload.length, 0, 3)
  header[3] = type
  header[4] = flags
  header.writeUInt32BE(streamId, 5)
  return Buffer.concat([header, payload])
}
const u32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}
const settingsPayload = (values: ReadonlyArray<readonly [number, number]>): Buffer =>
  Buffer.concat(
    values.map(([id, value]) => {
      const entry = Buffer.alloc(6)
      entry.writeUInt16BE(id, 0)
      entry.writeUInt32BE(value, 2)
      return entry
    }),
  )
const settingsFrame = (values: ReadonlyArray<readonly [number, number]> = []) =>
  frame(T.SETTINGS, 0, 0, settingsPayload(values))
const parseSettings = (payload: Buffer): Array<[number, number]> => {
  const values: Array<[number, number]> = []
  for (let at = 0; at < payload.length; at += 6) values.push([payload.readUInt16BE(at), payload.readUInt32BE(at + 2)])
  return values
}
const pingFrame = (data: Buffer, flags = 0, streamId = 0) => frame(T.PING, flags, streamId, data)
const windowUpdate = (streamId: number, increment: number) => frame(T.WINDOW_UPDATE, 0, streamId, u32(increment))
const rstStream = (streamId: number, code: number) => frame(T.RST_STREAM, 0, streamId, u32(code))
const headersFrame = (streamId: number, fields: ReadonlyArray<HeaderField>, flags = END_HEADERS | END_STREAM) =>
  frame(T.HEADERS, flags, streamId, encodeHeaderBlock(fields))
const dataFrame = (streamId: number, data: Buffer | string, flags = END_STREAM) =>
  frame(T.DATA, flags, streamId, Buffer.from(data))
const request = (path: string, extra: ReadonlyArray<HeaderField> = []): Array<HeaderField> => [
  [":method", "POST"],
  [":scheme", "http"],
  [":path", path],
  [":authority", "127.0.0.1"],
  ["content-type", "application/grpc"],
  ...extra,
]
/** Bytes whose order shows: a frame dropped, repeated or swapped changes them. */
const pattern = (length: number): Buffer => {
  const bytes = Buffer.alloc(length)
  for (let i = 0; i < length; i++) bytes[i] = (i * 7 + (i >> 8)) % 251
  return bytes
}
const goawayOf = (f: Frame) => ({
  lastStreamId: f.payload.readUInt32BE(0) & 0x7fffffff,
  code: f.payload.readUInt32BE(4),
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (condition: () => boolean, what: string, ms = 2000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

/**
 * A client on a raw socket: parses the server's frames as bytes arrive (a
 * frame may span reads), keeps them all in `received`, and hands out "the
 * next frame of type X" in arrival order.
 */
class RawClient {
  readonly received: Array<Frame> = []
  readonly closed: Promise<void>
  isClosed = false
  readonly #unread: Array<Frame> = []
  readonly #waiters: Array<{ type: number; resolve: (f: Frame) => void; reject: (e: Error) => void }> = []
  readonly #decoder = new HpackDecoder()
  #buffer = Buffer.alloc(0)
  #pings = 0

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => this.#read(chunk))
    socket.on("error", () => {})
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true
        for (const waiter of this.#waiters.splice(0)) {
          waiter.reject(new Error(`the connection closed before a frame of type ${waiter.type}; got ${this.summary()}`))
        }
        resolve()
      }),
    )
  }

  send(...frames: Array<Buffer>): void {
    this.socket.write(Buffer.concat(frames))
  }

  /** The oldest frame of `type` not yet taken, waiting for it if need be. */
  next(type: number, ms = 2000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.#waiters.indexOf(waiter)
        if (at >= 0) this.#waiters.splice(at, 1)
        reject(new Error(`no frame of type ${type} within ${ms} ms; got ${this.summary()}`))
      }, ms)
      const waiter = {
        type,
        resolve: (f: Frame) => {
          clearTimeout(timer)
          resolve(f)
        },
        reject: (e: Error) => {
          clearTimeout(timer)
          reject(e)
        },
      }
      this.#waiters.push(waiter)
      this.#serve()
      if (this.isClosed && this.#waiters.includes(waiter)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        waiter.reject(new Error(`the connection is closed; got ${this.summary()}`))
      }
    })
  }

  /**
   * A PING round trip: the server handles frames in order, so once its ACK is
   * here every frame it sent in answer to what came before has arrived too.
   */
  async sync(): Promise<void> {
    const data = Buffer.alloc(8)
    data.writeUInt32BE(0x5e7c0000 + ++this.#pings, 4)
    this.send(pingFrame(data))
    for (;;) {
      const ack = await this.next(T.PING)
      if (ack.payload.equals(data)) return
    }
  }

  /** A response header block: HEADERS, then any CONTINUATION frames, the last with END_HEADERS. */
  fields(first: Frame, ...continuations: Array<Frame>): Array<HeaderField> {
    expect(first.type).toBe(T.HEADERS)
    for (const f of continuations) expect(f.type).toBe(T.CONTINUATION)
    expect((continuations.at(-1) ?? first).flags & END_HEADERS).toBe(END_HEADERS)
    return this.#decoder.decode(Buffer.concat([first, ...continuations].map((f) => f.payload)))
  }

  on(streamId: number, type?: number): Array<Frame> {
    return this.received.filter((f) => f.streamId === streamId && (type === undefined || f.type === type))
  }

  dataOn(streamId: number): Buffer {
    return Buffer.concat(this.on(streamId, T.DATA).map((f) => f.payload))
  }

  /** The increments of the WINDOW_UPDATEs received for a stream (0: the connection). */
  updatesOn(streamId: number): Array<number> {
    return this.on(streamId, T.WINDOW_UPDATE).map((f) => f.payload.readUInt32BE(0))
  }

  summary(): string {
    return JSON.stringify(this.received.map((f) => [f.type, f.flags, f.streamId, f.payload.length]))
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk])
    while (this.#buffer.length >= 9) {
      const length = this.#buffer.readUIntBE(0, 3)
      if (this.#buffer.length < 9 + length) break
      const f: Frame = {
        type: this.#buffer[3]!,
        flags: this.#buffer[4]!,
        streamId: this.#buffer.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.#buffer.subarray(9, 9 + length)),
      }
      this.#buffer = this.#buffer.subarray(9 + length)
      this.received.push(f)
      this.#unread.push(f)
    }
    this.#serve()
  }

  #serve(): void {
    for (let i = 0; i < this.#waiters.length;) {
      const waiter = this.#waiters[i]!
      const at = this.#unread.findIndex((f) => f.type === waiter.type)
      if (at < 0) {
        i++
        continue
      }
      const [f] = this.#unread.splice(at, 1)
      this.#waiters.splice(i, 1)
      waiter.resolve(f!)
    }
  }
}

// --- the server: an app that answers by path, and records what each stream saw ---

interface Seen {
  readonly stream: ServerStream
  readonly chunks: Array<Buffer>
  ended: boolean
  readonly closes: Array<Http2StreamClosed | undefined>
  /** The bytes the server's socket had written when each `onClose` came. */
  readonly writtenAtClose: Array<number>
}

const seen: Array<Seen> = []
const errors: Array<{ error: Error; where: "session" | "stream" }> = []
const connections: Array<ServerConnection> = []
const clients: Array<RawClient> = []
let connectionWaiter: ((connection: ServerConnection) => void) | undefined

/**
 * `/hold`: the test answers; `/size/N`: N bytes of `pattern`; `/count`: the
 * number of request bytes; anything else: the request body echoed. Each
 * answer is HEADERS, DATA, and `grpc-status: 0` trailers.
 */
const answer = (record: Seen): void => {
  const path = record.stream.headers[":path"]!
  if (path === "/hold") return
  const body = path.startsWith("/size/")
    ? pattern(Number(path.slice(6)))
    : path === "/count"
      ? Buffer.from(String(Buffer.concat(record.chunks).length))
      : Buffer.concat(record.chunks)
  record.stream.respond([[":status", "200"]], false)
  record.stream.write(body)
  record.stream.end([["grpc-status", "0"]])
}

const onStream = (stream: ServerStream, socket: net.Socket): void => {
  const record: Seen = { stream, chunks: [], ended: false, closes: [], writtenAtClose: [] }
  seen.push(record)
  stream.onData = (chunk) => record.chunks.push(Buffer.from(chunk))
  stream.onEnd = () => {
    record.ended = true
    answer(record)
  }
  stream.onClose = (reason) => {
    record.closes.push(reason)
    record.writtenAtClose.push(socket.bytesWritten)
  }
}

const server = net.createServer((socket) => {
  const connection = new ServerConnection(socket, {
    onStream: (stream) => onStream(stream, socket),
    onError: (error, where) => errors.push({ error, where }),
  })
  connections.push(connection)
  connectionWaiter?.(connection)
})
let port = 0

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  port = (server.address() as AddressInfo).port
})
afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy()
  for (const connection of connections.splice(0)) connection.destroy()
  seen.length = 0
  errors.length = 0
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

/** Connects; unless `preface` is false, sends the preface and SETTINGS and takes the server's SETTINGS and ACK. */
const connect = async (
  options: { readonly settings?: ReadonlyArray<readonly [number, number]>; readonly preface?: boolean } = {},
): Promise<{ client: RawClient; connection: ServerConnection }> => {
  const accepted = new Promise<ServerConnection>((resolve) => (connectionWaiter = resolve))
  const socket = net.connect(port, "127.0.0.1")
  const client = new RawClient(socket)
  clients.push(client)
  const connection = await accepted
  if (options.preface !== false) {
    client.send(PREFACE, settingsFrame(options.settings ?? []))
    expect((await client.next(T.SETTINGS)).flags).toBe(0)
    expect((await client.next(T.SETTINGS)).flags).toBe(ACK)
  }
  return { client, connection }
}

/** The frames of a stream as [type, flags, payload length], to check their order. */
const shape = (client: RawClient, streamId: number) =>
  client.on(streamId).map((f) => [f.type, f.flags, f.payload.length] as const)

/** Expects the connection to fail with GOAWAY `code`: the socket closes and the error reaches `onError`. */
const expectGoaway = async (client: RawClient, code: number, lastStreamId = 0, ms = 2000) => {
  const goaway = goawayOf(await client.next(T.GOAWAY, ms))
  expect(goaway).toEqual({ lastStreamId, code })
  await client.closed
  const sessionErrors = errors.filter((e) => e.where === "session")
  expect(sessionErrors.map((e) => (e.error as Http2ConnectionError).code)).toEqual([code])
  expect(sessionErrors[0]!.error).toBeInstanceOf(Http2ConnectionError)
}

// --- the tests ---

describe("ServerConnection: connection start (RFC 9113 §3.4)", () => {
  it("sends SETTINGS first, unprompted, then ACKs the client's SETTINGS", async () => {
    const { client } = await connect({ preface: false })
    const first = await client.next(T.SETTINGS)
    expect(client.received[0]).toBe(first)
    expect(first.flags).toBe(0)
    expect(first.streamId).toBe(0)
    expect(parseSettings(first.payload)).toEqual([
      [S.MAX_CONCURRENT_STREAMS, 100],
      [MAX_HEADER_LIST_SIZE, 65536],
    ])
    client.send(PREFACE, settingsFrame([[S.INITIAL_WINDOW_SIZE, 1000]]))
    const ack = await client.next(T.SETTINGS)
    expect([ack.flags, ack.streamId, ack.payload.length]).toEqual([ACK, 0, 0])
    // The client's ACK of the server's SETTINGS is not answered.
    client.send(frame(T.SETTINGS, ACK, 0))
    await client.sync()
    expect(client.received.map((f) => [f.type, f.flags])).toEqual([
      [T.SETTINGS, 0],
      [T.SETTINGS, ACK],
      [T.PING, ACK],
    ])
  })

  it.each([
    ["an HTTP/1.1 request", "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"],
    ["a preface with the wrong tail", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"],
  ])("answers %s with GOAWAY PROTOCOL_ERROR and serves nothing", async (_, preface) => {
    const { client } = await connect({ preface: false })
    client.send(Buffer.from(preface, "latin1"), settingsFrame(), headersFrame(1, request("/echo")))
    await expectGoaway(client, ErrorCode.PROTOCOL_ERROR)
    expect(client.on(1)).toEqual([])
    expect(seen).toEqual([])
  })

  it("reads a preface and frames that arrive one byte at a time", async () => {
    const { client } = await connect({ preface: false })
    const bytes = Buffer.concat([
      PREFACE,
      settingsFrame(),
      headersFrame(1, request("/echo"), END_HEADERS),
      dataFrame(1, "hi"),
    ])
    for (let i = 0; i < bytes.length; i++) {
      client.send(bytes.subarray(i, i + 1))
      if (i % 8 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    expect(client.dataOn(1).toString()).toBe("hi")
    expect(seen).toHaveLength(1)
  })
})

describe("ServerConnection: PING (RFC 9113 §6.7)", () => {
  it("answers a PING with an ACK carrying the same 8 bytes, and does not answer an ACK", async () => {
    const { client } = await connect()
    const data = Buffer.from("01234567")
    client.send(pingFrame(Buffer.from("ignored!"), ACK), pingFrame(data))
    const pong = await client.next(T.PING)
    expect([pong.flags, pong.streamId]).toEqual([ACK, 0])
    expect(pong.payload).toEqual(data)
    await client.sync()
    expect(client.on(0, T.PING)).toHaveLength(2)
  })
})

describe("ServerConnection: a request and its response (RFC 9113 §8.1)", () => {
  it("hands the app headers, data and end; sends HEADERS, DATA, then trailers with END_STREAM", async () => {
    const { client } = await connect()
    client.send(
      headersFrame(1, request("/echo", [["x-tag", "a"]]), END_HEADERS),
      dataFrame(1, "hel", 0),
      dataFrame(1, "lo", END_STREAM),
    )
    const trailers = await client.next(T.HEADERS).then(() => client.next(T.HEADERS))
    expect(shape(client, 1).filter(([type]) => type !== T.WINDOW_UPDATE)).toEqual([
      [T.HEADERS, END_HEADERS, expect.any(Number)],
      [T.DATA, 0, 5],
      [T.HEADERS, END_HEADERS | END_STREAM, expect.any(Number)],
    ])
    const [responseHeaders] = client.on(1, T.HEADERS)
    expect(client.fields(responseHeaders!)).toEqual([[":status", "200"]])
    expect(client.fields(trailers)).toEqual([["grpc-status", "0"]])
    expect(client.dataOn(1).toString()).toBe("hello")

    expect(seen).toHaveLength(1)
    const record = seen[0]!
    expect(record.stream.id).toBe(1)
    expect(record.stream.headers).toEqual({
      ":method": "POST",
      ":scheme": "http",
      ":path": "/echo",
      ":authority": "127.0.0.1",
      "content-type": "application/grpc",
      "x-tag": "a",
    })
    expect(record.chunks.map(String)).toEqual(["hel", "lo"])
    expect(record.ended).toBe(true)
    await until(() => record.closes.length > 0, "onClose")
    expect(record.closes).toEqual([undefined])
    // onClose waits until the response's last frame has been written: every byte the client got, trailers included.
    expect(record.writtenAtClose).toEqual([client.received.reduce((sum, f) => sum + 9 + f.payload.length, 0)])
    expect(record.stream.closed).toBe(true)
    expect(() => record.stream.write(Buffer.from("late"))).toThrow()
    // Received data is given back: the connection for every frame, the stream for those that do not end it.
    await client.sync()
    expect(client.updatesOn(0)).toEqual([3, 2])
    expect(client.updatesOn(1)).toEqual([3])
    expect(errors).toEqual([])
  })

  it("answers a request without a body, and a response with no trailers ends with an empty DATA frame", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/hold")))
    await until(() => seen.length === 1, "the stream")
    const { stream } = seen[0]!
    expect(seen[0]!.ended).toBe(true)
    stream.respond([[":status", "200"]], false)
    stream.write(Buffer.from("abc"))
    stream.end()
    await until(() => client.on(1).length === 3, "the response")
    expect(shape(client, 1)).toEqual([
      [T.HEADERS, END_HEADERS, expect.any(Number)],
      [T.DATA, 0, 3],
      [T.DATA, END_STREAM, 0],
    ])
    await until(() => seen[0]!.closes.length > 0, "onClose")
    expect(seen[0]!.closes).toEqual([undefined])
  })

  it("splits a response header block larger than MAX_FRAME_SIZE over CONTINUATION frames", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/hold")))
    await until(() => seen.length === 1, "the stream")
    const big = "b".repeat(40_000)
    seen[0]!.stream.respond(
      [
        [":status", "200"],
        ["x-big", big],
      ],
      true,
    )
    await until(() => client.on(1).some((f) => f.flags & END_HEADERS), "the header block")
    const frames = client.on(1)
    // END_STREAM rides on the HEADERS frame, END_HEADERS on the last CONTINUATION (§6.2, §6.10).
    expect(frames.map((f) => [f.type, f.flags, f.payload.length])).toEqual([
      [T.HEADERS, END_STREAM, 16_384],
      [T.CONTINUATION, 0, 16_384],
      [T.CONTINUATION, END_HEADERS, expect.any(Number)],
    ])
    expect(client.fields(frames[0]!, ...frames.slice(1))).toEqual([
      [":status", "200"],
      ["x-big", big],
    ])
    await until(() => seen[0]!.closes.length === 1, "onClose")
  })

  it("reads a header block split over CONTINUATION frames", async () => {
    const { client } = await connect()
    const block = encodeHeaderBlock(request("/echo", [["x-long", "v".repeat(300)]]))
    const cut1 = 10
    const cut2 = 200
    client.send(
      frame(T.HEADERS, END_STREAM, 1, block.subarray(0, cut1)),
      frame(T.CONTINUATION, 0, 1, block.subarray(cut1, cut2)),
      frame(T.CONTINUATION, END_HEADERS, 1, block.subarray(cut2)),
    )
    await client.next(T.HEADERS)
    const trailers = await client.next(T.HEADERS)
    expect(trailers.flags).toBe(END_HEADERS | END_STREAM)
    expect(seen).toHaveLength(1)
    expect(seen[0]!.stream.headers["x-long"]).toBe("v".repeat(300))
    expect(seen[0]!.stream.headers[":path"]).toBe("/echo")
    expect(seen[0]!.ended).toBe(true)
  })

  it("reads PADDED+PRIORITY HEADERS and PADDED DATA, counting padding in flow control", async () => {
    const { client } = await connect()
    const block = encodeHeaderBlock(request("/echo"))
    // Pad length 3, exclusive dependency on stream 0, weight 16, the block, 3 bytes of padding.
    const headersPayload = Buffer.concat([Buffer.from([3]), u32(0x80000000), Buffer.from([15]), block, Buffer.alloc(3)])
    const padded = (data: string, padding: number) =>
      Buffer.concat([Buffer.from([padding]), Buffer.from(data), Buffer.alloc(padding, 0xee)])
    client.send(
      frame(T.HEADERS, PADDED | PRIORITY | END_HEADERS, 1, headersPayload),
      frame(T.DATA, PADDED, 1, padded("abc", 4)),
      frame(T.DATA, PADDED | END_STREAM, 1, padded("def", 0)),
    )
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    expect(seen[0]!.stream.headers[":path"]).toBe("/echo")
    expect(seen[0]!.stream.headers["content-type"]).toBe("application/grpc")
    expect(seen[0]!.chunks.map(String)).toEqual(["abc", "def"])
    expect(client.dataOn(1).toString()).toBe("abcdef")
    await client.sync()
    expect(client.updatesOn(0)).toEqual([8, 4])
    expect(client.updatesOn(1)).toEqual([8])
  })

  it("ignores frames of unknown types, on the connection or a stream, and PRIORITY frames", async () => {
    const { client } = await connect()
    client.send(
      frame(0xfa, 0xff, 0, Buffer.from("whatever")),
      frame(0x42, 0, 7, Buffer.from("on an idle stream")),
      frame(T.PRIORITY, 0, 1, Buffer.concat([u32(0), Buffer.from([200])])),
      headersFrame(1, request("/echo"), END_HEADERS),
      frame(0xfb, 0, 1, Buffer.from("mid-stream")),
      dataFrame(1, "ok"),
    )
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    expect(client.dataOn(1).toString()).toBe("ok")
    expect(client.on(0, T.GOAWAY)).toEqual([])
    expect(errors).toEqual([])
  })
})

describe("ServerConnection: flow control of the response (RFC 9113 §5.2, §6.9)", () => {
  it("sends no more than the stream window, and resumes on WINDOW_UPDATE and on a larger INITIAL_WINDOW_SIZE", async () => {
    const { client } = await connect({ settings: [[S.INITIAL_WINDOW_SIZE, 10]] })
    client.send(headersFrame(1, request("/size/100")))
    await client.next(T.HEADERS)
    await client.sync()
    expect(client.dataOn(1).length).toBe(10)
    expect(client.on(1, T.HEADERS)).toHaveLength(1)

    client.send(windowUpdate(1, 50))
    await client.sync()
    expect(client.dataOn(1).length).toBe(60)
    expect(client.on(1, T.HEADERS)).toHaveLength(1)

    // A new INITIAL_WINDOW_SIZE moves the open stream's window by the difference (§6.9.2).
    client.send(settingsFrame([[S.INITIAL_WINDOW_SIZE, 30]]))
    expect((await client.next(T.SETTINGS)).flags).toBe(ACK)
    await client.sync()
    expect(client.dataOn(1).length).toBe(80)
    expect(client.on(1, T.HEADERS)).toHaveLength(1)

    client.send(windowUpdate(1, 20))
    const trailers = await client.next(T.HEADERS)
    expect(trailers.flags).toBe(END_HEADERS | END_STREAM)
    expect(client.dataOn(1)).toEqual(pattern(100))
    // Trailers last; DATA frames never carry END_STREAM when trailers follow.
    expect(client.on(1).at(-1)).toBe(trailers)
    expect(client.on(1, T.DATA).every((f) => f.flags === 0)).toBe(true)
  })

  it("lets a smaller INITIAL_WINDOW_SIZE drive a stream's window below zero: data waits until updates lift it", async () => {
    const { client } = await connect({ settings: [[S.INITIAL_WINDOW_SIZE, 10]] })
    client.send(headersFrame(1, request("/size/100")))
    await client.next(T.HEADERS)
    client.send(settingsFrame([[S.INITIAL_WINDOW_SIZE, 0]]))
    await client.sync()
    expect(client.dataOn(1).length).toBe(10)
    // The window is now -10: an update of 5 leaves it at -5, one of 15 more opens 10 bytes.
    client.send(windowUpdate(1, 5))
    await client.sync()
    expect(client.dataOn(1).length).toBe(10)
    client.send(windowUpdate(1, 15))
    await client.sync()
    expect(client.dataOn(1).length).toBe(20)
    expect(client.dataOn(1)).toEqual(pattern(100).subarray(0, 20))
  })

  it("stops at the connection window (65,535) whatever the stream window, until a connection WINDOW_UPDATE", async () => {
    const { client } = await connect({ settings: [[S.INITIAL_WINDOW_SIZE, 1_000_000]] })
    client.send(headersFrame(1, request("/size/70000")))
    await client.next(T.HEADERS)
    await client.sync()
    expect(client.on(1, T.DATA).map((f) => f.payload.length)).toEqual([16384, 16384, 16384, 16383])
    expect(client.on(1, T.HEADERS)).toHaveLength(1)

    // A stream WINDOW_UPDATE does not help: the connection's window is the limit.
    client.send(windowUpdate(1, 100_000))
    await client.sync()
    expect(client.dataOn(1).length).toBe(65_535)

    client.send(windowUpdate(0, 1000))
    await client.sync()
    expect(client.dataOn(1).length).toBe(66_535)
    expect(client.on(1, T.HEADERS)).toHaveLength(1)

    client.send(windowUpdate(0, 10_000))
    const trailers = await client.next(T.HEADERS)
    expect(trailers.flags).toBe(END_HEADERS | END_STREAM)
    expect(client.dataOn(1)).toEqual(pattern(70_000))
    expect(client.on(1).at(-1)).toBe(trailers)
  })

  it("resumes every stream blocked on the connection window when it opens", async () => {
    const { client } = await connect({ settings: [[S.INITIAL_WINDOW_SIZE, 1_000_000]] })
    client.send(headersFrame(1, request("/size/70000")), headersFrame(3, request("/size/10000")))
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    await client.sync()
    expect(client.dataOn(1).length).toBe(65_535)
    expect(client.dataOn(3).length).toBe(0)
    client.send(windowUpdate(0, 20_000))
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    expect(client.dataOn(1)).toEqual(pattern(70_000))
    expect(client.dataOn(3)).toEqual(pattern(10_000))
    for (const id of [1, 3]) expect(client.on(id).at(-1)!.flags).toBe(END_HEADERS | END_STREAM)
  })

  it("splits DATA at the peer's MAX_FRAME_SIZE: 16,384 by default, or what the client sets", async () => {
    const first = await connect()
    first.client.send(headersFrame(1, request("/size/40000")))
    await first.client.next(T.HEADERS).then(() => first.client.next(T.HEADERS))
    expect(first.client.on(1, T.DATA).map((f) => f.payload.length)).toEqual([16384, 16384, 7232])
    expect(first.client.dataOn(1)).toEqual(pattern(40_000))

    const second = await connect({ settings: [[S.MAX_FRAME_SIZE, 20_000]] })
    second.client.send(headersFrame(1, request("/size/40000")))
    await second.client.next(T.HEADERS).then(() => second.client.next(T.HEADERS))
    expect(second.client.on(1, T.DATA).map((f) => f.payload.length)).toEqual([20000, 20000])
    expect(second.client.dataOn(1)).toEqual(pattern(40_000))
  })
})

describe("ServerConnection: flow control of the request", () => {
  it("gives back the windows of the data it reads, so a client may send 200,000 bytes in 65,535-byte windows", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/count"), END_HEADERS))
    const body = pattern(200_000)
    let connectionWindow = 65_535
    let streamWindow = 65_535
    let sent = 0
    let waits = 0
    let lastSize = 0
    while (sent < body.length) {
      const size = Math.min(16_384, body.length - sent, connectionWindow, streamWindow)
      if (size <= 0) {
        waits++
        const update = await client.next(T.WINDOW_UPDATE)
        const increment = update.payload.readUInt32BE(0)
        if (update.streamId === 0) connectionWindow += increment
        else streamWindow += increment
        continue
      }
      const last = sent + size === body.length
      client.send(dataFrame(1, body.subarray(sent, sent + size), last ? END_STREAM : 0))
      sent += size
      lastSize = size
      connectionWindow -= size
      streamWindow -= size
    }
    expect(waits).toBeGreaterThan(0)
    await client.next(T.HEADERS)
    await client.next(T.HEADERS)
    expect(client.dataOn(1).toString()).toBe("200000")
    expect(Buffer.concat(seen[0]!.chunks)).toEqual(body)
    await client.sync()
    const sum = (values: Array<number>) => values.reduce((a, b) => a + b, 0)
    expect(sum(client.updatesOn(0))).toBe(200_000)
    // The last frame (END_STREAM) gets no stream update: the stream is done receiving.
    expect(sum(client.updatesOn(1))).toBe(200_000 - lastSize)
  })
})

describe("ServerConnection: connection errors (RFC 9113 §5.4.1)", () => {
  const cases: Array<{ name: string; frames: () => Array<Buffer>; code: number; lastStreamId?: number }> = [
    {
      name: "a frame longer than 16,384 bytes",
      frames: () => [frame(T.DATA, 0, 1, Buffer.alloc(16_385))],
      code: ErrorCode.FRAME_SIZE_ERROR,
    },
    {
      name: "HEADERS on an even stream id",
      frames: () => [headersFrame(2, request("/echo"))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    { name: "HEADERS on stream 0", frames: () => [headersFrame(0, request("/echo"))], code: ErrorCode.PROTOCOL_ERROR },
    { name: "DATA on an idle stream", frames: () => [dataFrame(1, "x")], code: ErrorCode.PROTOCOL_ERROR },
    { name: "DATA on stream 0", frames: () => [dataFrame(0, "x")], code: ErrorCode.PROTOCOL_ERROR },
    {
      name: "a PING inside a header block",
      frames: () => [headersFrame(1, request("/echo"), END_STREAM), pingFrame(Buffer.alloc(8))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "a CONTINUATION of another stream inside a header block",
      frames: () => [
        headersFrame(1, request("/echo"), END_STREAM),
        frame(T.CONTINUATION, END_HEADERS, 3, encodeHeaderBlock([["x-a", "b"]])),
      ],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "a CONTINUATION outside a header block",
      frames: () => [frame(T.CONTINUATION, END_HEADERS, 1, encodeHeaderBlock(request("/echo")))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "an HPACK index past both tables",
      frames: () => [frame(T.HEADERS, END_HEADERS | END_STREAM, 1, Buffer.from([0xbf]))],
      code: ErrorCode.COMPRESSION_ERROR,
    },
    {
      name: "an HPACK string longer than its block",
      frames: () => [frame(T.HEADERS, END_HEADERS | END_STREAM, 1, Buffer.from([0x00, 0x05, 0x61]))],
      code: ErrorCode.COMPRESSION_ERROR,
    },
    {
      name: "PUSH_PROMISE from the client",
      frames: () => [frame(T.PUSH_PROMISE, END_HEADERS, 1, Buffer.concat([u32(2), encodeHeaderBlock(request("/x"))]))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    { name: "a connection WINDOW_UPDATE of 0", frames: () => [windowUpdate(0, 0)], code: ErrorCode.PROTOCOL_ERROR },
    {
      name: "a connection window past 2^31-1",
      frames: () => [windowUpdate(0, 2 ** 31 - 1)],
      code: ErrorCode.FLOW_CONTROL_ERROR,
    },
    {
      name: "a WINDOW_UPDATE of 3 bytes",
      frames: () => [frame(T.WINDOW_UPDATE, 0, 0, Buffer.from([0, 0, 1]))],
      code: ErrorCode.FRAME_SIZE_ERROR,
    },
    { name: "a PING on a stream", frames: () => [pingFrame(Buffer.alloc(8), 0, 1)], code: ErrorCode.PROTOCOL_ERROR },
    { name: "a PING of 7 bytes", frames: () => [pingFrame(Buffer.alloc(7))], code: ErrorCode.FRAME_SIZE_ERROR },
    {
      name: "SETTINGS on a stream",
      frames: () => [frame(T.SETTINGS, 0, 1, settingsPayload([]))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "SETTINGS of 5 bytes",
      frames: () => [frame(T.SETTINGS, 0, 0, Buffer.alloc(5))],
      code: ErrorCode.FRAME_SIZE_ERROR,
    },
    {
      name: "a SETTINGS ACK with a payload",
      frames: () => [frame(T.SETTINGS, ACK, 0, settingsPayload([[S.ENABLE_PUSH, 0]]))],
      code: ErrorCode.FRAME_SIZE_ERROR,
    },
    {
      name: "INITIAL_WINDOW_SIZE over 2^31-1",
      frames: () => [settingsFrame([[S.INITIAL_WINDOW_SIZE, 2 ** 31]])],
      code: ErrorCode.FLOW_CONTROL_ERROR,
    },
    {
      name: "MAX_FRAME_SIZE under 16,384",
      frames: () => [settingsFrame([[S.MAX_FRAME_SIZE, 100]])],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    { name: "ENABLE_PUSH of 2", frames: () => [settingsFrame([[S.ENABLE_PUSH, 2]])], code: ErrorCode.PROTOCOL_ERROR },
    { name: "RST_STREAM on an idle stream", frames: () => [rstStream(5, 8)], code: ErrorCode.PROTOCOL_ERROR },
    {
      name: "RST_STREAM of 3 bytes",
      frames: () => [headersFrame(1, request("/hold"), END_HEADERS), frame(T.RST_STREAM, 0, 1, Buffer.from([0, 0, 8]))],
      code: ErrorCode.FRAME_SIZE_ERROR,
      lastStreamId: 1,
    },
    {
      name: "PRIORITY on stream 0",
      frames: () => [frame(T.PRIORITY, 0, 0, Buffer.alloc(5))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "GOAWAY on a stream",
      frames: () => [frame(T.GOAWAY, 0, 1, Buffer.alloc(8))],
      code: ErrorCode.PROTOCOL_ERROR,
    },
    {
      name: "DATA padding as long as the frame",
      frames: () => [headersFrame(1, request("/hold"), END_HEADERS), frame(T.DATA, PADDED, 1, Buffer.from([3, 0, 0]))],
      code: ErrorCode.PROTOCOL_ERROR,
      lastStreamId: 1,
    },
  ]

  it.each(cases)("$name: GOAWAY, then the socket closes and no later frame is read", async (c) => {
    const { client } = await connect()
    // A PING behind the bad frame: a server that stopped reading never answers it.
    client.send(...c.frames(), pingFrame(Buffer.from("after!!!")))
    await expectGoaway(client, c.code, c.lastStreamId ?? 0)
    expect(client.on(0, T.PING)).toEqual([])
    expect(client.received.filter((f) => f.streamId !== 0)).toEqual([])
    // Streams the client opened before the error end with it.
    for (const record of seen) expect(record.closes).toEqual([expect.any(Http2StreamClosed)])
  })
})

describe("ServerConnection: stream errors (RFC 9113 §5.4.2, §8.1.1)", () => {
  const serveAfter = async (client: RawClient, streamId: number) => {
    client.send(headersFrame(streamId, request("/echo"), END_HEADERS), dataFrame(streamId, `then ${streamId}`))
    await until(() => client.on(streamId, T.HEADERS).length === 2, `the response on stream ${streamId}`)
    expect(client.dataOn(streamId).toString()).toBe(`then ${streamId}`)
    expect(client.on(0, T.GOAWAY)).toEqual([])
  }

  it.each<[string, ReadonlyArray<HeaderField>]>([
    ["an uppercase header name", request("/echo", [["X-Upper", "1"]])],
    ["no :path", request("/echo").filter(([name]) => name !== ":path")],
    ["an empty :path", request("")],
    ["no :method", request("/echo").filter(([name]) => name !== ":method")],
    ["no :scheme", request("/echo").filter(([name]) => name !== ":scheme")],
    ["a connection header", request("/echo", [["connection", "keep-alive"]])],
    ["a transfer-encoding header", request("/echo", [["transfer-encoding", "chunked"]])],
    ["te: gzip", request("/echo", [["te", "gzip"]])],
    ["a pseudo-header after a regular one", [...request("/echo"), [":authority", "x"]]],
    ["a response pseudo-header", [[":status", "200"], ...request("/echo")]],
  ])("resets a request with %s (PROTOCOL_ERROR), and serves the next stream", async (_, fields) => {
    const { client } = await connect()
    client.send(headersFrame(1, fields, END_HEADERS), dataFrame(1, "ignored"))
    const reset = await client.next(T.RST_STREAM)
    expect([reset.streamId, reset.payload.readUInt32BE(0)]).toEqual([1, ErrorCode.PROTOCOL_ERROR])
    expect(errors.map((e) => e.where)).toEqual(["stream"])
    await serveAfter(client, 3)
    expect(seen.map((r) => r.stream.id)).toEqual([3])
    expect(client.on(1).map((f) => f.type)).toEqual([T.RST_STREAM])
  })

  it("accepts te: trailers, and joins repeated regular headers with a comma", async () => {
    const { client } = await connect()
    client.send(
      headersFrame(
        1,
        request("/echo", [
          ["te", "trailers"],
          ["x-many", "a"],
          ["x-many", "b"],
        ]),
      ),
    )
    await client.next(T.HEADERS)
    expect(seen[0]!.stream.headers["te"]).toBe("trailers")
    expect(seen[0]!.stream.headers["x-many"]).toBe("a, b")
  })

  it.each<[string, (client: RawClient) => void, number]>([
    ["a stream WINDOW_UPDATE of 0", (c) => c.send(windowUpdate(1, 0)), ErrorCode.PROTOCOL_ERROR],
    ["a stream window past 2^31-1", (c) => c.send(windowUpdate(1, 2 ** 31 - 1)), ErrorCode.FLOW_CONTROL_ERROR],
    ["DATA after the request's END_STREAM", (c) => c.send(dataFrame(1, "more")), ErrorCode.STREAM_CLOSED],
    [
      "trailers without END_STREAM",
      (c) => c.send(headersFrame(1, [["x-trailer", "1"]], END_HEADERS)),
      ErrorCode.PROTOCOL_ERROR,
    ],
  ])("resets the stream on %s, and the connection goes on", async (_, misstep, code) => {
    const { client } = await connect()
    // Stream 1 stays open for the server (the test holds its answer); the request's END_STREAM only when DATA follows.
    const ended = code === ErrorCode.STREAM_CLOSED
    client.send(headersFrame(1, request("/hold"), END_HEADERS | (ended ? END_STREAM : 0)))
    await until(() => seen.length === 1, "the stream")
    misstep(client)
    const reset = await client.next(T.RST_STREAM)
    expect([reset.streamId, reset.payload.readUInt32BE(0)]).toEqual([1, code])
    await until(() => seen[0]!.closes.length === 1, "onClose")
    expect(seen[0]!.closes[0]).toBeInstanceOf(Http2StreamClosed)
    expect(seen[0]!.closes[0]!.code).toBe(code)
    expect(seen[0]!.stream.closed).toBe(true)
    await serveAfter(client, 3)
  })
})

describe("ServerConnection: RST_STREAM (RFC 9113 §6.4)", () => {
  it("closes a stream the client resets mid-request with the code as reason; other streams go on", async () => {
    const { client } = await connect()
    client.send(
      headersFrame(1, request("/hold"), END_HEADERS),
      dataFrame(1, "part", 0),
      headersFrame(3, request("/hold")),
    )
    await until(() => seen.length === 2, "both streams")
    client.send(rstStream(1, ErrorCode.CANCEL))
    await until(() => seen[0]!.closes.length === 1, "onClose of stream 1")
    const reason = seen[0]!.closes[0]!
    expect(reason).toBeInstanceOf(Http2StreamClosed)
    expect(reason.code).toBe(ErrorCode.CANCEL)
    expect(seen[0]!.ended).toBe(false)
    expect(seen[0]!.stream.closed).toBe(true)
    expect(() => seen[0]!.stream.respond([[":status", "200"]], true)).toThrow()
    // Late frames of the reset stream are ignored, though its DATA still counts on the connection.
    client.send(dataFrame(1, "late", 0), windowUpdate(1, 10))
    await client.sync()
    expect(client.updatesOn(0)).toEqual([4, 4])
    expect(client.on(1, T.RST_STREAM)).toEqual([])

    const other = seen[1]!.stream
    other.respond([[":status", "200"]], false)
    other.write(Buffer.from("still here"))
    other.end([["grpc-status", "0"]])
    await until(() => client.on(3, T.HEADERS).length === 2, "stream 3's response")
    expect(client.dataOn(3).toString()).toBe("still here")
    await until(() => seen[1]!.closes.length === 1, "onClose of stream 3")
    expect(seen[1]!.closes).toEqual([undefined])
    expect(seen[0]!.closes).toHaveLength(1)
  })

  it("sends RST_STREAM NO_ERROR when the app resets after a complete response, closing without a reason", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/hold"), END_HEADERS), dataFrame(1, "more to come", 0))
    await until(() => seen.length === 1 && seen[0]!.chunks.length === 1, "the stream and its data")
    const { stream } = seen[0]!
    stream.respond([[":status", "400"]], true)
    stream.reset(ErrorCode.NO_ERROR)
    await until(() => client.on(1, T.RST_STREAM).length === 1, "RST_STREAM")
    expect(client.on(1).map((f) => [f.type, f.flags])).toEqual([
      [T.WINDOW_UPDATE, 0],
      [T.HEADERS, END_HEADERS | END_STREAM],
      [T.RST_STREAM, 0],
    ])
    expect(client.on(1, T.RST_STREAM)[0]!.payload.readUInt32BE(0)).toBe(ErrorCode.NO_ERROR)
    expect(client.fields(client.on(1, T.HEADERS)[0]!)).toEqual([[":status", "400"]])
    await until(() => seen[0]!.closes.length === 1, "onClose")
    expect(seen[0]!.closes).toEqual([undefined])
    // The rest of the request is dropped without a fuss.
    client.send(dataFrame(1, "rest"))
    await client.sync()
    expect(client.on(0, T.GOAWAY)).toEqual([])
    expect(seen[0]!.chunks.map(String)).toEqual(["more to come"])
  })
})

describe("ServerConnection: close, destroy, GOAWAY (RFC 9113 §6.8)", () => {
  it("close(): GOAWAY NO_ERROR with the last stream id, no new stream, the socket ends once open streams finish", async () => {
    const { client, connection } = await connect()
    client.send(headersFrame(1, request("/hold")))
    await until(() => seen.length === 1, "the stream")
    connection.close()
    expect(goawayOf(await client.next(T.GOAWAY))).toEqual({ lastStreamId: 1, code: ErrorCode.NO_ERROR })
    client.send(headersFrame(3, request("/echo")), pingFrame(Buffer.from("still on")))
    await client.sync()
    expect(seen).toHaveLength(1)
    expect(client.on(3)).toEqual([])
    expect(client.isClosed).toBe(false)
    expect(connection.streams).toBe(1)

    const { stream } = seen[0]!
    stream.respond([[":status", "200"]], false)
    stream.write(Buffer.from("last words"))
    stream.end([["grpc-status", "0"]])
    await client.closed
    await connection.closed
    expect(client.dataOn(1).toString()).toBe("last words")
    expect(client.on(1, T.HEADERS).at(-1)!.flags).toBe(END_HEADERS | END_STREAM)
    expect(seen[0]!.closes).toEqual([undefined])
    expect(errors).toEqual([])
  })

  it("close() with no open stream ends the socket at once, after GOAWAY", async () => {
    const { client, connection } = await connect()
    connection.close()
    await client.closed
    expect(client.received.map((f) => f.type)).toEqual([T.SETTINGS, T.SETTINGS, T.GOAWAY])
    expect(goawayOf(client.received[2]!)).toEqual({ lastStreamId: 0, code: ErrorCode.NO_ERROR })
  })

  it("destroy(): open streams close at once with a reason, and the socket closes", async () => {
    const { client, connection } = await connect()
    client.send(headersFrame(1, request("/hold")), headersFrame(3, request("/hold"), END_HEADERS))
    await until(() => seen.length === 2, "the streams")
    connection.destroy()
    for (const record of seen) {
      expect(record.closes).toHaveLength(1)
      expect(record.closes[0]).toBeInstanceOf(Http2StreamClosed)
      expect(record.closes[0]!.code).toBe(ErrorCode.CANCEL)
      expect(record.stream.closed).toBe(true)
    }
    await client.closed
    await connection.closed
    expect(client.on(1)).toEqual([])
  })

  it("a GOAWAY from the client: the open stream is answered, then the socket ends", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/hold")), frame(T.GOAWAY, 0, 0, Buffer.concat([u32(0), u32(0)])))
    await until(() => seen.length === 1, "the stream")
    await client.sync()
    expect(client.isClosed).toBe(false)
    seen[0]!.stream.respond([[":status", "204"]], true)
    await client.closed
    expect(client.fields(client.on(1, T.HEADERS)[0]!)).toEqual([[":status", "204"]])
  })

  it("the client closing its side tears the streams down", async () => {
    const { client } = await connect()
    client.send(headersFrame(1, request("/hold")))
    await until(() => seen.length === 1, "the stream")
    client.socket.end()
    await client.closed
    await until(() => seen[0]!.closes.length === 1, "onClose")
    expect(seen[0]!.closes[0]!.code).toBe(ErrorCode.CANCEL)
  })
})

describe("ServerConnection: concurrency (RFC 9113 §5.1.2)", () => {
  it("refuses the 101st concurrent stream with REFUSED_STREAM, and accepts one again once a stream closes", async () => {
    const { client } = await connect()
    const ids = Array.from({ length: 101 }, (_, i) => 2 * i + 1)
    client.send(...ids.map((id) => headersFrame(id, request("/hold"))))
    const refused = await client.next(T.RST_STREAM)
    expect([refused.streamId, refused.payload.readUInt32BE(0)]).toEqual([201, ErrorCode.REFUSED_STREAM])
    await client.sync()
    expect(seen.map((r) => r.stream.id)).toEqual(ids.slice(0, 100))
    expect(client.received.filter((f) => f.type === T.RST_STREAM)).toHaveLength(1)

    seen[0]!.stream.respond([[":status", "200"]], true)
    client.send(headersFrame(203, request("/echo")))
    await until(() => client.on(203, T.HEADERS).length === 2, "stream 203's response")
    expect(seen.at(-1)!.stream.id).toBe(203)
  })
})

/** Rules a first version of the server missed (found by this suite). */
describe("ServerConnection: RFC 9113 rules at the edges", () => {
  it("§5.1.1: HEADERS on an even stream id below the last one is a connection error", async () => {
    const { client } = await connect()
    client.send(headersFrame(3, request("/echo")))
    await until(() => client.on(3, T.HEADERS).length === 2, "stream 3's response")
    client.send(headersFrame(2, request("/echo")))
    await expectGoaway(client, ErrorCode.PROTOCOL_ERROR, 3, 300)
  })

  it("§3.4: a connection preface not followed by SETTINGS is a PROTOCOL_ERROR", async () => {
    const { client } = await connect({ preface: false })
    client.send(PREFACE, pingFrame(Buffer.alloc(8)), headersFrame(1, request("/echo")))
    await expectGoaway(client, ErrorCode.PROTOCOL_ERROR, 0, 300)
  })

  it("§8.1: request trailers with a pseudo-header make the request malformed (RST_STREAM)", async () => {
    const { client } = await connect()
    client.send(
      headersFrame(1, request("/echo"), END_HEADERS),
      dataFrame(1, "x", 0),
      headersFrame(1, [[":path", "/other"]], END_HEADERS | END_STREAM),
    )
    const reset = await client.next(T.RST_STREAM, 300)
    expect(reset.payload.readUInt32BE(0)).toBe(ErrorCode.PROTOCOL_ERROR)
  })

  it("§6.3: a PRIORITY frame of other than 5 bytes is a FRAME_SIZE_ERROR on its stream", async () => {
    const { client } = await connect()
    client.send(frame(T.PRIORITY, 0, 1, Buffer.alloc(4)))
    const reset = await client.next(T.RST_STREAM, 300)
    expect([reset.streamId, reset.payload.readUInt32BE(0)]).toEqual([1, ErrorCode.FRAME_SIZE_ERROR])
  })
})

describe("requestHeaders (RFC 9113 §8.3.1)", () => {
  const good: Array<HeaderField> = [
    [":method", "POST"],
    [":scheme", "https"],
    [":path", "/a"],
    ["content-type", "application/grpc"],
  ]

  it("makes a record, joining repeated regular headers with ', '", () => {
    expect(requestHeaders([...good, ["x-a", "1"], ["x-a", "2"], ["x-a", "3"]])).toEqual({
      ":method": "POST",
      ":scheme": "https",
      ":path": "/a",
      "content-type": "application/grpc",
      "x-a": "1, 2, 3",
    })
  })

  it.each<[string, Array<HeaderField>]>([
    ["a pseudo-header after a regular header", [good[0]!, good[3]!, good[1]!, good[2]!]],
    ["a repeated pseudo-header", [...good.slice(0, 3), [":path", "/b"]]],
    ["an unknown pseudo-header", [[":protocol", "websocket"], ...good]],
    ["a response pseudo-header", [[":status", "200"], ...good]],
    ["an uppercase name", [...good, ["Content-Length", "1"]]],
    ["an empty name", [...good, ["", "x"]]],
    ["no :method", good.slice(1)],
    ["keep-alive", [...good, ["keep-alive", "timeout=5"]]],
    ["upgrade", [...good, ["upgrade", "h2c"]]],
    ["te other than trailers", [...good, ["te", "trailers, deflate"]]],
  ])("refuses %s", (_, fields) => {
    expect(requestHeaders(fields)).toBeUndefined()
  })
})

describe("ServerConnection with Node's HTTP/2 client", () => {
  const session = async (settings: http2.Settings = {}) => {
    const client = http2.connect(`http://127.0.0.1:${port}`, { settings })
    client.on("error", () => {})
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve())
      client.once("error", reject)
    })
    return client
  }
  const call = (client: http2.ClientHttp2Session, path: string, body?: string) =>
    new Promise<{ status: number; body: Buffer; trailers: http2.IncomingHttpHeaders | undefined }>(
      (resolve, reject) => {
        const stream = client.request({ ":method": "POST", ":path": path, "content-type": "application/grpc" })
        let status = 0
        let trailers: http2.IncomingHttpHeaders | undefined
        const chunks: Array<Buffer> = []
        stream.on("response", (headers) => (status = Number(headers[":status"])))
        stream.on("trailers", (t) => (trailers = t))
        stream.on("data", (chunk: Buffer) => chunks.push(chunk))
        stream.on("error", reject)
        stream.on("end", () => resolve({ status, body: Buffer.concat(chunks), trailers }))
        stream.end(body)
      },
    )

  it("sends a 200,000-byte response intact through a 100-byte stream window", async () => {
    const client = await session({ initialWindowSize: 100 })
    try {
      const answer = await call(client, "/size/200000")
      expect(answer.status).toBe(200)
      expect(answer.body.length).toBe(200_000)
      expect(answer.body.equals(pattern(200_000))).toBe(true)
      expect(answer.trailers?.["grpc-status"]).toBe("0")
    } finally {
      client.close()
    }
    expect(errors).toEqual([])
  })

  it("answers 20 concurrent requests, each with its own body", async () => {
    const client = await session({ initialWindowSize: 100 })
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => call(client, "/echo", `request ${i} `.repeat(30))),
      )
      answers.forEach((answer, i) => {
        expect(answer.status).toBe(200)
        expect(answer.body.toString()).toBe(`request ${i} `.repeat(30))
        expect(answer.trailers?.["grpc-status"]).toBe("0")
      })
      expect(new Set(seen.map((r) => r.stream.id)).size).toBe(20)
    } finally {
      client.close()
    }
    expect(errors).toEqual([])
  })
})

describe("the plugin's HTTP/2 server: any frames a peer sends end in answers or a GOAWAY, never a throw", () => {
  /** The frames a server wrote: each header's length must fit what follows. */
  const framesOf = (bytes: Buffer) => {
    const frames: Array<{ type: number; payload: Buffer }> = []
    for (let at = 0; at < bytes.length;) {
      expect(bytes.length - at).toBeGreaterThanOrEqual(9)
      const length = bytes.readUIntBE(at, 3)
      expect(bytes.length - at - 9).toBeGreaterThanOrEqual(length)
      frames.push({ type: bytes[at + 3]!, payload: bytes.subarray(at + 9, at + 9 + length) })
      at += 9 + length
    }
    return frames
  }
  const request = encodeHeaderBlock([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", "/p"],
    ["content-type", "application/grpc"],
  ])
  const anyFrame = fc.oneof(
    // Arbitrary type, flags, stream and payload (frame types 0-9 and unknown ones).
    fc.tuple(
      fc.integer({ min: 0, max: 12 }),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0, 1, 2, 3, 5, 2 ** 31 - 1),
      fc.uint8Array({ maxLength: 40 }),
    ),
    // A well-formed request on an odd stream, to mix valid traffic in.
    fc.tuple(fc.constant(1), fc.constantFrom(4, 5), fc.constantFrom(1, 3, 5, 7), fc.constant(new Uint8Array(request))),
  )

  it("random frame sequences after the preface", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyFrame, { maxLength: 12 }), fc.boolean(), async (frames, split) => {
        const written: Array<Buffer> = []
        const socket = new Duplex({
          read() {},
          write(chunk: Buffer, _encoding, callback) {
            written.push(chunk)
            callback()
          },
        })
        const errors: Array<unknown> = []
        new ServerConnection(socket, {
          onStream: (stream) => {
            stream.onEnd = () => {
              if (!stream.closed) stream.respond([[":status", "200"]], true)
            }
          },
          onError: (error) => errors.push(error),
        })
        const bytes = Buffer.concat([
          PREFACE,
          frame(4, 0, 0),
          ...frames.map(([type, flags, id, payload]) => frame(type, flags, id, Buffer.from(payload))),
        ])
        // Whole, or cut at every 7th byte: frame boundaries must not matter.
        const chunks = split
          ? Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7))
          : [bytes]
        for (const chunk of chunks) expect(() => socket.emit("data", chunk)).not.toThrow()
        await new Promise((resolve) => setImmediate(resolve))
        const out = framesOf(Buffer.concat(written))
        expect(out[0]!.type).toBe(4) // SETTINGS first
        const goaways = out.filter((f) => f.type === 7)
        expect(goaways.length).toBeLessThanOrEqual(1)
        // A connection error is reported and is the last thing the server says.
        if (goaways.length === 1 && goaways[0]!.payload.readUInt32BE(4) !== 0) {
          expect(errors.length).toBeGreaterThan(0)
          expect(out.at(-1)!.type).toBe(7)
        }
        socket.destroy()
      }),
      { numRuns: 400 },
    )
  })
})
