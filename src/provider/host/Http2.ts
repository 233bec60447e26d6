/**
 * The server side of HTTP/2 (RFC 9113) over one connection, as much as a
 * server of unary gRPC calls needs: the connection preface and SETTINGS,
 * request streams (HEADERS, CONTINUATION, DATA), flow control both ways,
 * PING, RST_STREAM, GOAWAY; responses as HEADERS, DATA and trailers. No
 * server push, no priorities (PRIORITY is read and ignored, as RFC 9113
 * allows).
 *
 * Why not `node:http2`: Terraform starts the plugin three times per plan.
 * `node:http2` loads `http`, `assert` and `fs/promises` with it, and runs its
 * sessions through cold JavaScript in every start that no code cache of ours
 * can hold; this module is in the plugin's bundle and its code cache. A
 * `terraform plan` with one data source took 29–50 ms less with it than with
 * the same gRPC layer over `node:http2` (the provider README has the figures).
 *
 * @since 0.1.0
 */
import type { Duplex } from "node:stream"
import { encodeHeaderBlock, HpackDecoder, HpackError } from "./Hpack.js"
import type { HeaderField } from "./Hpack.js"

/**
 * HTTP/2 error codes (RFC 9113 §7).
 *
 * @since 0.1.0
 * @category constants
 */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const

const FrameType = {
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

const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1")
const FRAME_HEADER_BYTES = 9
const DEFAULT_WINDOW = 65_535
const MAX_WINDOW = 2 ** 31 - 1
const DEFAULT_MAX_FRAME_SIZE = 16_384
const MAX_FRAME_SIZE_LIMIT = 2 ** 24 - 1
const MAX_CONCURRENT_STREAMS = 100
const MAX_HEADER_LIST_SIZE = 64 * 1024
// Headers that make a request malformed in HTTP/2 (RFC 9113 §8.2.2).
const connectionSpecific = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"])

/**
 * A protocol error of the whole connection: GOAWAY with its code, then close.
 *
 * @since 0.1.0
 * @category errors
 */
export class Http2ConnectionError extends Error {
  override readonly name = "Http2ConnectionError"
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * How a stream ended for the application: the peer reset it or the
 * connection went away before it completed.
 *
 * @since 0.1.0
 * @category errors
 */
export class Http2StreamClosed extends Error {
  override readonly name = "Http2StreamClosed"
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
  }
}

/**
 * One request stream, as the application sees it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerStream {
  readonly id: number
  /** The request's header fields; repeated names joined with ", ". */
  readonly headers: Readonly<Record<string, string>>
  /** Request data, in order. Set in the connection's `onStream`. */
  onData: (chunk: Buffer) => void
  /** The request is complete (END_STREAM). */
  onEnd: () => void
  /**
   * The stream is closed: after the response's last frame has been written
   * to the socket, or with the reason it ended early (reset, connection gone).
   */
  onClose: (reason?: Http2StreamClosed) => void
  /** Whether the response can no longer be written. */
  readonly closed: boolean
  /** Sends the response's header fields; `endStream` makes them the whole response. */
  respond(fields: ReadonlyArray<HeaderField>, endStream: boolean): void
  /** Queues response data; it goes out as the peer's flow-control windows allow. */
  write(data: Buffer): void
  /** Ends the response after the data queued: with trailers, or an empty DATA frame. */
  end(trailers?: ReadonlyArray<HeaderField>): void
  /** Resets the stream (RST_STREAM); after a complete response, NO_ERROR tells the peer to stop sending. */
  reset(code: number): void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ServerConnectionOptions {
  readonly onStream: (stream: ServerStream) => void
  /** Hears what no stream sees: a protocol error of the connection or a stream, a socket error. */
  readonly onError?: (error: Error, where: "session" | "stream") => void
}

const frameHeader = (length: number, type: number, flags: number, streamId: number): Buffer => {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES)
  header.writeUIntBE(length, 0, 3)
  header[3] = type
  header[4] = flags
  header.writeUInt32BE(streamId, 5)
  return header
}

const uint32 = (value: number): Buffer => {
  const buffer = Buffer.allocUnsafe(4)
  buffer.writeUInt32BE(value)
  return buffer
}

type StreamState = "open" | "halfClosedRemote" | "halfClosedLocal" | "closed"

class Stream implements ServerStream {
  onData: (chunk: Buffer) => void = () => {}
  onEnd: () => void = () => {}
  onClose: (reason?: Http2StreamClosed) => void = () => {}
  state: StreamState
  sendWindow: number
  readonly queue: Array<Buffer> = []
  ending: ReadonlyArray<HeaderField> | null | undefined = undefined
  responded = false

  constructor(
    readonly connection: ServerConnection,
    readonly id: number,
    readonly headers: Readonly<Record<string, string>>,
    endStream: boolean,
    sendWindow: number,
  ) {
    this.state = endStream ? "halfClosedRemote" : "open"
    this.sendWindow = sendWindow
  }

  get closed(): boolean {
    return this.state === "closed" || this.state === "halfClosedLocal" || this.ending !== undefined
  }

  respond(fields: ReadonlyArray<HeaderField>, endStream: boolean): void {
    if (this.closed || this.responded) throw new Error(`stream ${this.id}: the response has already begun or ended`)
    this.responded = true
    this.connection.sendHeaders(this.id, fields, endStream)
    if (endStream) this.connection.localEnd(this)
  }

  write(data: Buffer): void {
    if (this.closed || !this.responded) throw new Error(`stream ${this.id}: no response to write to`)
    if (data.length > 0) this.queue.push(data)
    this.connection.pump(this)
  }

  end(trailers?: ReadonlyArray<HeaderField>): void {
    if (this.closed || !this.responded) throw new Error(`stream ${this.id}: no response to end`)
    this.ending = trailers ?? null
    this.connection.pump(this)
  }

  reset(code: number): void {
    this.connection.resetStream(this, code)
  }
}

/**
 * Serves HTTP/2 on one connected socket (TLS with ALPN `h2`, or plaintext
 * with prior knowledge): reads the client's preface, sends SETTINGS, and
 * hands each request stream to `onStream`.
 *
 * @since 0.1.0
 * @category servers
 */
export class ServerConnection {
  readonly #socket: Duplex
  readonly #options: ServerConnectionOptions
  readonly #decoder = new HpackDecoder(4096, MAX_HEADER_LIST_SIZE)
  readonly #streams = new Map<number, Stream>()
  /** Streams with data waiting for the connection's window. */
  readonly #blocked = new Set<Stream>()
  #input: Buffer = Buffer.alloc(0)
  #prefaceSeen = false
  #settingsSeen = false
  #lastStreamId = 0
  #headerBlock: { streamId: number; endStream: boolean; chunks: Array<Buffer>; size: number } | undefined
  #peerInitialWindow = DEFAULT_WINDOW
  #peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE
  #sendWindow = DEFAULT_WINDOW
  #out: Array<Buffer> = []
  #afterWrite: Array<() => void> = []
  #flushQueued = false
  #goingAway = false
  /** A connection error was sent: the rest of the input is not read. */
  #failed = false
  #closed = false
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>

  constructor(socket: Duplex, options: ServerConnectionOptions) {
    this.#socket = socket
    this.#options = options
    ;(socket as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true)
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()))
    socket.on("data", (chunk: Buffer) => this.#receive(chunk))
    socket.on("error", (error: Error) => this.#options.onError?.(error, "session"))
    socket.on("end", () => this.#socket.end())
    socket.once("close", () => this.#teardown("the connection closed"))
    // The server's connection preface.
    const settings = Buffer.allocUnsafe(12)
    settings.writeUInt16BE(Setting.MAX_CONCURRENT_STREAMS, 0)
    settings.writeUInt32BE(MAX_CONCURRENT_STREAMS, 2)
    settings.writeUInt16BE(Setting.MAX_HEADER_LIST_SIZE, 6)
    settings.writeUInt32BE(MAX_HEADER_LIST_SIZE, 8)
    this.#frame(FrameType.SETTINGS, 0, 0, settings)
  }

  /** Open streams (answered or not). */
  get streams(): number {
    return this.#streams.size
  }

  /** Refuses new streams (GOAWAY NO_ERROR) and closes once the open ones are done. */
  close(): void {
    if (this.#closed) return
    if (!this.#goingAway) {
      this.#goingAway = true
      this.#goaway(ErrorCode.NO_ERROR, "")
    }
    this.#closeIfIdle()
  }

  /** Closes the connection now; open streams end with an error, at once. */
  destroy(): void {
    this.#teardown("the server closed the connection")
    this.#socket.destroy()
  }

  // --- reading ---

  #receive(chunk: Buffer): void {
    if (this.#closed || this.#failed) return
    this.#input = this.#input.length === 0 ? chunk : Buffer.concat([this.#input, chunk])
    try {
      if (!this.#prefaceSeen) {
        const seen = this.#input.subarray(0, PREFACE.length)
        if (!PREFACE.subarray(0, seen.length).equals(seen)) {
          throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "not an HTTP/2 connection preface")
        }
        if (this.#input.length < PREFACE.length) return
        this.#input = this.#input.subarray(PREFACE.length)
        this.#prefaceSeen = true
      }
      while (this.#input.length >= FRAME_HEADER_BYTES && !this.#closed && !this.#failed) {
        const length = this.#input.readUIntBE(0, 3)
        if (length > DEFAULT_MAX_FRAME_SIZE) {
          throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, `a frame of ${length} bytes`)
        }
        if (this.#input.length < FRAME_HEADER_BYTES + length) return
        const type = this.#input[3]!
        const flags = this.#input[4]!
        const streamId = this.#input.readUInt32BE(5) & 0x7fffffff
        const payload = this.#input.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length)
        this.#input = this.#input.subarray(FRAME_HEADER_BYTES + length)
        this.#onFrame(type, flags, streamId, payload)
      }
    } catch (error) {
      this.#fail(error)
    }
  }

  #fail(error: unknown): void {
    const connectionError =
      error instanceof Http2ConnectionError
        ? error
        : error instanceof HpackError
          ? new Http2ConnectionError(ErrorCode.COMPRESSION_ERROR, error.message)
          : new Http2ConnectionError(ErrorCode.INTERNAL_ERROR, error instanceof Error ? error.message : String(error))
    this.#options.onError?.(connectionError, "session")
    this.#failed = true
    this.#goingAway = true
    this.#goaway(connectionError.code, connectionError.message)
    this.#flush(() => this.#socket.destroy())
  }

  #onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.#settingsSeen) {
      // The client's preface ends with a SETTINGS frame (RFC 9113 §3.4).
      if (type !== FrameType.SETTINGS || flags & ACK) {
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "the preface is not followed by SETTINGS")
      }
      this.#settingsSeen = true
    }
    if (this.#headerBlock !== undefined && type !== FrameType.CONTINUATION) {
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "a frame inside a header block")
    }
    switch (type) {
      case FrameType.DATA:
        return this.#onData(flags, streamId, payload)
      case FrameType.HEADERS:
        return this.#onHeaders(flags, streamId, payload)
      case FrameType.CONTINUATION:
        return this.#onContinuation(flags, streamId, payload)
      case FrameType.PRIORITY:
        if (streamId === 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0")
        if (payload.length !== 5) {
          const stream = this.#streams.get(streamId)
          if (stream !== undefined) return this.resetStream(stream, ErrorCode.FRAME_SIZE_ERROR)
          return this.#frame(FrameType.RST_STREAM, 0, streamId, uint32(ErrorCode.FRAME_SIZE_ERROR))
        }
        return
      case FrameType.RST_STREAM:
        return this.#onReset(streamId, payload)
      case FrameType.SETTINGS:
        return this.#onSettings(flags, streamId, payload)
      case FrameType.PUSH_PROMISE:
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client")
      case FrameType.PING:
        if (streamId !== 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream")
        if (payload.length !== 8) throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING of the wrong size")
        if ((flags & ACK) === 0) this.#frame(FrameType.PING, ACK, 0, payload)
        return
      case FrameType.GOAWAY:
        if (streamId !== 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream")
        this.#goingAway = true
        return this.#closeIfIdle()
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(streamId, payload)
      default:
        // Unknown frame types are ignored (RFC 9113 §4.1).
        return
    }
  }

  /** The stream a frame is for; `undefined` for one already closed (its late frames are ignored). */
  #streamFor(streamId: number, what: string): Stream | undefined {
    if (streamId === 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on stream 0`)
    const stream = this.#streams.get(streamId)
    if (stream === undefined && streamId > this.#lastStreamId) {
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `${what} on idle stream ${streamId}`)
    }
    return stream
  }

  #unpad(flags: number, payload: Buffer): Buffer {
    if ((flags & PADDED) === 0) return payload
    if (payload.length === 0) throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "no pad length")
    const padding = payload[0]!
    if (padding >= payload.length) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding too long")
    return payload.subarray(1, payload.length - padding)
  }

  #onData(flags: number, streamId: number, payload: Buffer): void {
    const stream = this.#streamFor(streamId, "DATA")
    // Every byte received is granted back at once, the whole frame (padding
    // included, even for a closed stream): with frames of at most 16,384 bytes
    // the peer can never overrun the 65,535-byte windows, so none is tracked.
    // The gRPC layer bounds what a request may hold.
    const data = this.#unpad(flags, payload)
    if (payload.length > 0) this.#frame(FrameType.WINDOW_UPDATE, 0, 0, uint32(payload.length))
    if (stream === undefined) return
    if (stream.state !== "open" && stream.state !== "halfClosedLocal") {
      return this.resetStream(stream, ErrorCode.STREAM_CLOSED)
    }
    const endStream = (flags & END_STREAM) !== 0
    if (payload.length > 0 && !endStream) this.#frame(FrameType.WINDOW_UPDATE, 0, streamId, uint32(payload.length))
    if (data.length > 0) stream.onData(data)
    if (endStream) this.#remoteEnd(stream)
  }

  #onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0")
    let fragment = this.#unpad(flags, payload)
    if (flags & PRIORITY) {
      if (fragment.length < 5) throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS priority cut short")
      fragment = fragment.subarray(5)
    }
    this.#headerBlock = { streamId, endStream: (flags & END_STREAM) !== 0, chunks: [fragment], size: fragment.length }
    if (flags & END_HEADERS) this.#endHeaderBlock()
  }

  #onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const block = this.#headerBlock
    if (block === undefined || block.streamId !== streamId) {
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION outside a header block")
    }
    block.chunks.push(payload)
    block.size += payload.length
    if (block.size > MAX_HEADER_LIST_SIZE)
      throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "header block too large")
    if (flags & END_HEADERS) this.#endHeaderBlock()
  }

  #endHeaderBlock(): void {
    const { streamId, endStream, chunks } = this.#headerBlock!
    this.#headerBlock = undefined
    // Decoded in every case: the dynamic table must follow the peer's.
    const fields = this.#decoder.decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))
    const existing = this.#streams.get(streamId)
    if (existing !== undefined) {
      // Trailers from the client: gRPC sends none; they end the request, and hold no pseudo-header.
      const malformed = fields.some(([name]) => name.startsWith(":"))
      if (!endStream || malformed || existing.state === "halfClosedRemote" || existing.state === "closed") {
        return this.resetStream(existing, ErrorCode.PROTOCOL_ERROR)
      }
      return this.#remoteEnd(existing)
    }
    if (streamId % 2 === 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `even stream id ${streamId}`)
    if (streamId <= this.#lastStreamId) return // a stream closed already
    this.#lastStreamId = streamId
    if (this.#goingAway) return
    if (this.#streams.size >= MAX_CONCURRENT_STREAMS) {
      return this.#frame(FrameType.RST_STREAM, 0, streamId, uint32(ErrorCode.REFUSED_STREAM))
    }
    const headers = requestHeaders(fields)
    if (headers === undefined) {
      this.#options.onError?.(new Error(`stream ${streamId}: a malformed request`), "stream")
      return this.#frame(FrameType.RST_STREAM, 0, streamId, uint32(ErrorCode.PROTOCOL_ERROR))
    }
    const stream = new Stream(this, streamId, headers, endStream, this.#peerInitialWindow)
    this.#streams.set(streamId, stream)
    this.#options.onStream(stream)
    if (endStream) stream.onEnd()
  }

  #onReset(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM of the wrong size")
    const stream = this.#streamFor(streamId, "RST_STREAM")
    if (stream === undefined) return
    const code = payload.readUInt32BE(0)
    this.#close(stream, new Http2StreamClosed(code, `the client reset stream ${streamId} (code ${code})`))
  }

  #onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream")
    if (flags & ACK) {
      if (payload.length !== 0)
        throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
      return
    }
    if (payload.length % 6 !== 0)
      throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS of the wrong size")
    for (let at = 0; at < payload.length; at += 6) {
      const id = payload.readUInt16BE(at)
      const value = payload.readUInt32BE(at + 2)
      if (id === Setting.ENABLE_PUSH && value > 1) {
        throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "ENABLE_PUSH neither 0 nor 1")
      } else if (id === Setting.INITIAL_WINDOW_SIZE) {
        if (value > MAX_WINDOW)
          throw new Http2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE too large")
        const delta = value - this.#peerInitialWindow
        this.#peerInitialWindow = value
        for (const stream of this.#streams.values()) {
          stream.sendWindow += delta
          if (stream.sendWindow > MAX_WINDOW)
            throw new Http2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "window overflow")
        }
      } else if (id === Setting.MAX_FRAME_SIZE) {
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_FRAME_SIZE_LIMIT) {
          throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value}`)
        }
        this.#peerMaxFrameSize = value
      }
      // HEADER_TABLE_SIZE: the encoder never indexes; the others are advisory for a server.
    }
    this.#frame(FrameType.SETTINGS, ACK, 0, Buffer.alloc(0))
    for (const stream of this.#streams.values()) this.pump(stream)
  }

  #onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4)
      throw new Http2ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE of the wrong size")
    const increment = payload.readUInt32BE(0) & 0x7fffffff
    if (streamId === 0) {
      if (increment === 0) throw new Http2ConnectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0")
      this.#sendWindow += increment
      if (this.#sendWindow > MAX_WINDOW) throw new Http2ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "window overflow")
      const blocked = [...this.#blocked]
      this.#blocked.clear()
      for (const stream of blocked) this.pump(stream)
      return
    }
    const stream = this.#streamFor(streamId, "WINDOW_UPDATE")
    if (stream === undefined) return
    if (increment === 0) return this.resetStream(stream, ErrorCode.PROTOCOL_ERROR)
    stream.sendWindow += increment
    if (stream.sendWindow > MAX_WINDOW) return this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR)
    this.pump(stream)
  }

  // --- writing (for Stream) ---

  /** @internal */
  sendHeaders(streamId: number, fields: ReadonlyArray<HeaderField>, endStream: boolean): void {
    const block = encodeHeaderBlock(fields)
    const max = this.#peerMaxFrameSize
    let at = 0
    let type: number = FrameType.HEADERS
    do {
      const piece = block.subarray(at, at + max)
      at += piece.length
      const last = at >= block.length
      const flags = (last ? END_HEADERS : 0) | (type === FrameType.HEADERS && endStream ? END_STREAM : 0)
      this.#frame(type, flags, streamId, piece)
      type = FrameType.CONTINUATION
    } while (at < block.length)
  }

  /** Sends what flow control allows of a stream's queued data, then its end. @internal */
  pump(stream: Stream): void {
    if (stream.state === "closed" || stream.state === "halfClosedLocal") return
    while (stream.queue.length > 0) {
      const room = Math.min(stream.sendWindow, this.#sendWindow, this.#peerMaxFrameSize)
      if (room <= 0) {
        if (this.#sendWindow <= 0) this.#blocked.add(stream)
        return
      }
      const head = stream.queue[0]!
      const piece = head.length <= room ? head : head.subarray(0, room)
      if (piece === head) stream.queue.shift()
      else stream.queue[0] = head.subarray(room)
      stream.sendWindow -= piece.length
      this.#sendWindow -= piece.length
      this.#frame(FrameType.DATA, 0, stream.id, piece)
    }
    if (stream.ending === undefined) return
    if (stream.ending === null) this.#frame(FrameType.DATA, END_STREAM, stream.id, Buffer.alloc(0))
    else this.sendHeaders(stream.id, stream.ending, true)
    this.localEnd(stream)
  }

  /** @internal */
  localEnd(stream: Stream): void {
    if (stream.state === "halfClosedRemote") this.#close(stream)
    else if (stream.state === "open") stream.state = "halfClosedLocal"
  }

  /** @internal */
  resetStream(stream: Stream, code: number): void {
    if (stream.state === "closed") return
    this.#frame(FrameType.RST_STREAM, 0, stream.id, uint32(code))
    this.#close(
      stream,
      code === ErrorCode.NO_ERROR ? undefined : new Http2StreamClosed(code, `stream reset (code ${code})`),
    )
  }

  #remoteEnd(stream: Stream): void {
    if (stream.state === "halfClosedLocal") {
      stream.onEnd()
      return this.#close(stream)
    }
    if (stream.state !== "open") return
    stream.state = "halfClosedRemote"
    stream.onEnd()
  }

  /** Closes a stream; without a reason, `onClose` waits until its last frame has been written. */
  #close(stream: Stream, reason?: Http2StreamClosed): void {
    if (stream.state === "closed") return
    stream.state = "closed"
    stream.queue.length = 0
    this.#streams.delete(stream.id)
    this.#blocked.delete(stream)
    if (reason !== undefined) stream.onClose(reason)
    else this.#afterWrite.push(() => stream.onClose())
    this.#scheduleFlush()
    this.#closeIfIdle()
  }

  #closeIfIdle(): void {
    if (this.#goingAway && this.#streams.size === 0 && !this.#closed) this.#flush(() => this.#socket.end())
  }

  #goaway(code: number, message: string): void {
    const payload = Buffer.concat([
      uint32(this.#lastStreamId),
      uint32(code),
      Buffer.from(message.slice(0, 256), "utf8"),
    ])
    this.#frame(FrameType.GOAWAY, 0, 0, payload)
  }

  #frame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (this.#closed) return
    this.#out.push(frameHeader(payload.length, type, flags, streamId), payload)
    this.#scheduleFlush()
  }

  #scheduleFlush(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    // Frames made in one turn (a response's HEADERS, DATA and trailers) go out in one write.
    queueMicrotask(() => this.#flush())
  }

  #flush(then?: () => void): void {
    this.#flushQueued = false
    const callbacks = this.#afterWrite
    this.#afterWrite = []
    if (then !== undefined) callbacks.push(then)
    if (this.#out.length === 0 || this.#closed) {
      for (const callback of callbacks) callback()
      return
    }
    const data = Buffer.concat(this.#out)
    this.#out = []
    this.#socket.write(data, () => {
      for (const callback of callbacks) callback()
    })
  }

  #teardown(why: string): void {
    if (this.#closed) return
    this.#closed = true
    const callbacks = this.#afterWrite
    this.#afterWrite = []
    for (const callback of callbacks) callback()
    for (const stream of [...this.#streams.values()]) {
      this.#close(stream, new Http2StreamClosed(ErrorCode.CANCEL, why))
    }
  }
}

/**
 * A request's header fields as a record, or `undefined` when the request is
 * malformed (RFC 9113 §8.3.1): pseudo-headers after regular ones, unknown or
 * repeated pseudo-headers, a missing `:method`, `:scheme` or `:path`,
 * uppercase names, connection-specific headers, `te` other than "trailers".
 *
 * @since 0.1.0
 * @category models
 */
export const requestHeaders = (fields: ReadonlyArray<HeaderField>): Record<string, string> | undefined => {
  const headers: Record<string, string> = {}
  let regularSeen = false
  for (const [name, value] of fields) {
    if (name !== name.toLowerCase() || name === "") return undefined
    if (name.startsWith(":")) {
      if (regularSeen || headers[name] !== undefined) return undefined
      if (name !== ":method" && name !== ":scheme" && name !== ":path" && name !== ":authority") return undefined
      headers[name] = value
      continue
    }
    regularSeen = true
    if (connectionSpecific.has(name) || (name === "te" && value !== "trailers")) return undefined
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
  }
  if (headers[":method"] === undefined || headers[":scheme"] === undefined || !headers[":path"]) return undefined
  return headers
}
