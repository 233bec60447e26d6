/**
 * A local Atlas for one endpoint: a real HTTP server that answers
 * `GET /api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/restoreJobs/{restoreJobId}`
 * and the OAuth token and revoke endpoints the way Atlas does (digest and
 * bearer auth, versioned media types, envelope, pretty, Atlas's error bodies,
 * a token-bucket rate limit), with fault injection and connection counting
 * for tests and benchmarks. It keeps its own idea of the API and shares no
 * code with the client.
 *
 * @since 0.1.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { AccessTokens } from "./AccessTokens.js"
import { DigestAuth, DigestRealm } from "./DigestAuth.js"
import { FaultRules, type FaultRule } from "./FaultRule.js"
import {
  ApiVersion,
  bodyLength,
  defaultErrorCode,
  errorReply,
  htmlReply,
  resourceReply,
  VersionedContentType,
  type ErrorDetails,
  type PaddedBody,
  type Reply,
  type Shape,
} from "./Reply.js"
import { SeededJobs } from "./SeededJobs.js"
import { TokenBucket, type RateLimitOptions } from "./TokenBucket.js"

/**
 * The credentials the emulator accepts, one set per auth mode. The defaults
 * are fixed demo values, not secrets.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorCredentials {
  /** API key (digest username). */
  readonly publicKey: string
  /** API key secret (digest password). */
  readonly privateKey: string
  /** Service account client id (token endpoint, Basic username). */
  readonly clientId: string
  /** Service account secret (token endpoint, Basic password). */
  readonly clientSecret: string
  /** A bearer token that never expires. */
  readonly accessToken: string
}

/**
 * The demo credentials used unless `credentials` overrides them.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultCredentials: EmulatorCredentials = {
  publicKey: "emulator",
  privateKey: "e0000000-0000-4000-8000-00000000demo",
  clientId: "mdb_sa_id_6650f1a2b3c4d5e6f7a8b9c0",
  clientSecret: "mdb_sa_sk_emulator-demo-secret",
  accessToken: "emulator-static-access-token",
}

/**
 * How to start an emulator. Every field is optional.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorOptions {
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host?: string
  /** Port to listen on. @default 0 - an ephemeral port */
  readonly port?: number
  /**
   * Time the progressing job spends in each of PENDING, QUEUED and RUNNING.
   * A run starts at a read and ends once COMPLETED has been answered; the next
   * read starts a new one. @default 2000
   */
  readonly progressStepMillis?: number
  /**
   * The token bucket in front of the restore-job endpoint, or `false` for none.
   * @default { capacity: 1200, refillPerSecond: 20 } - 1,200 a minute, the limit Atlas shows for this endpoint
   */
  readonly rateLimit?: RateLimitOptions | false
  /**
   * A token bucket in front of `POST /api/oauth/token` (Atlas limits it per IP and client), or `false` for none.
   * @default false
   */
  readonly tokenRateLimit?: RateLimitOptions | false
  /** Lifetime of tokens from the token endpoint; fractions are allowed for tests. @default 3600 */
  readonly tokenTtlSeconds?: number
  /** Lifetime of a digest nonce; after it, requests with it get 401 `stale=true`. @default 300000 */
  readonly nonceTtlMillis?: number
  /** Overrides of the accepted credentials. @default defaultCredentials */
  readonly credentials?: Partial<EmulatorCredentials>
  /** Fault rules in force from the start. @default [] */
  readonly faults?: ReadonlyArray<FaultRule>
  /** Receives one line per request (method, path, status, time); never credentials. */
  readonly log?: (line: string) => void
  /** Let a request carry its own fault as JSON in an `X-Emulator-Fault` header. @default false */
  readonly allowFaultHeader?: boolean
  /** The clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number
}

/**
 * Counters since the start (or the last `resetStats`).
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorStats {
  /** Every HTTP request received. */
  readonly requests: number
  /** Requests under `/api/atlas/`, digest challenges included. */
  readonly apiRequests: number
  /** 401 answers that carried a digest challenge. */
  readonly digestChallenges: number
  /** Requests to `POST /api/oauth/token`, whatever their outcome. */
  readonly tokenRequests: number
  /** Tokens the token endpoint issued. */
  readonly tokensIssued: number
  /** Authenticated requests to `POST /api/oauth/revoke`. */
  readonly revocations: number
  /** Requests a fault rule applied to. */
  readonly faultsApplied: number
  readonly activeConnections: number
  readonly maxConcurrentConnections: number
  /** Connections opened. */
  readonly connections: number
  readonly activeRequests: number
  readonly maxConcurrentRequests: number
  /** Answers by HTTP status (as sent, so an enveloped error counts as 200). */
  readonly byStatus: Readonly<Record<string, number>>
}

/**
 * A started emulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunningEmulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly credentials: EmulatorCredentials
  stats(): EmulatorStats
  /** Zeroes the counters (the connection maxima restart from the current counts) and refills the rate-limit buckets. */
  resetStats(): void
  /** Replaces the fault rules. */
  setFaults(rules: ReadonlyArray<FaultRule>): void
  clearFaults(): void
  /** Stops listening and destroys every open connection. Idempotent. */
  stop(): Promise<void>
}

const restoreJobPath = /^\/api\/atlas\/v2\/groups\/([^/]*)\/flexClusters\/([^/]*)\/backup\/restoreJobs\/([^/]*)$/

const patterns = {
  groupId: /^([a-f0-9]{24})$/,
  name: /^[a-zA-Z0-9][a-zA-Z0-9-]*$/,
  restoreJobId: /^([a-f0-9]{24})$/,
} as const

const maxFormBytes = 64 * 1024

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Starts an emulator and resolves once it listens.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startEmulator = async (options: EmulatorOptions = {}): Promise<RunningEmulator> => {
  const now = options.now ?? Date.now
  const host = options.host ?? "127.0.0.1"
  const credentials: EmulatorCredentials = { ...defaultCredentials, ...options.credentials }
  const rateLimit =
    options.rateLimit === false ? undefined : (options.rateLimit ?? { capacity: 1200, refillPerSecond: 20 })
  const tokenTtlMillis = (options.tokenTtlSeconds ?? 3600) * 1000
  const digest = new DigestAuth(credentials.publicKey, credentials.privateKey, options.nonceTtlMillis ?? 300_000)
  const tokens = new AccessTokens(credentials.accessToken, tokenTtlMillis)
  const bucket = rateLimit === undefined ? undefined : new TokenBucket(rateLimit, now())
  const tokenBucket = options.tokenRateLimit ? new TokenBucket(options.tokenRateLimit, now()) : undefined
  const faults = new FaultRules(options.faults ?? [])

  const zero = (): Mutable<EmulatorStats> & { byStatus: Record<string, number> } => ({
    requests: 0,
    apiRequests: 0,
    digestChallenges: 0,
    tokenRequests: 0,
    tokensIssued: 0,
    revocations: 0,
    faultsApplied: 0,
    activeConnections: 0,
    maxConcurrentConnections: 0,
    connections: 0,
    activeRequests: 0,
    maxConcurrentRequests: 0,
    byStatus: {},
  })
  const stats = zero()
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let jobs: SeededJobs | undefined

  const sleep = (millis: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, millis)
      timers.add(timer)
    })

  // ---- auth -------------------------------------------------------------------------------------------------------

  const unauthorized = (detail: string, challenge: string, isDigest: boolean): Reply => {
    if (isDigest) stats.digestChallenges++
    // Atlas pretty-prints its 401 bodies whatever the query says.
    return errorReply(
      401,
      "USER_UNAUTHORIZED",
      { detail, headers: { "www-authenticate": challenge } },
      {
        pretty: true,
        envelope: false,
      },
    )
  }

  const digestChallenge = (stale: boolean) =>
    unauthorized("You are not authorized for this resource.", digest.challenge(now(), stale), true)

  const authenticate = (req: IncomingMessage, method: string, target: string): Reply | undefined => {
    const header = req.headers.authorization
    // Node strips the whitespace around a header value: a blank one arrives empty and, like any other
    // scheme than Bearer or Digest, gets a fresh digest challenge.
    if (header === undefined) return digestChallenge(false)
    const space = header.indexOf(" ")
    const word = space < 0 ? header : header.slice(0, space)
    const scheme = word.toLowerCase()
    const rest = header.slice(word.length).trim()
    if (scheme === "bearer") {
      const verdict = tokens.verify(rest, now())
      if (verdict === "valid") return undefined
      const detail =
        verdict === "expired"
          ? "The access token has expired."
          : verdict === "revoked"
            ? "The access token has been revoked."
            : "The access token is not valid."
      return unauthorized(detail, `Bearer realm="${DigestRealm}", error="invalid_token"`, false)
    }
    if (scheme === "digest") {
      const verdict = digest.verify(method, target, rest, now())
      return verdict.ok ? undefined : digestChallenge(verdict.stale)
    }
    return digestChallenge(false)
  }

  // ---- the restore-job endpoint -----------------------------------------------------------------------------------

  const flag = (url: URL, name: string): boolean | "invalid" => {
    const value = url.searchParams.get(name)
    if (value === null || value === "" || value.toLowerCase() === "false") return false
    return value.toLowerCase() === "true" ? true : "invalid"
  }

  const acceptable = (accept: string | undefined): boolean =>
    (accept ?? "").split(",").some((range) => {
      const [type, ...params] = range.split(";").map((s) => s.trim())
      const m = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/i.exec(type!)
      const q = params.find((p) => /^q=/i.test(p))
      // Atlas serves the latest version on or before the date asked for; this operation has one.
      return m !== null && m[1]! >= ApiVersion && (q === undefined || Number(q.slice(2)) > 0)
    })

  const api = (req: IncomingMessage, method: string, url: URL, target: string): Reply => {
    const refused = authenticate(req, method, target)
    if (refused !== undefined) return refused

    const taken = bucket?.take(now())
    const limitHeaders: Record<string, string> =
      taken === undefined
        ? {}
        : { "ratelimit-limit": String(taken.limit), "ratelimit-remaining": String(taken.remaining) }
    const pretty = flag(url, "pretty")
    const envelope = flag(url, "envelope")
    const shape: Shape = { pretty: pretty === true, envelope: envelope === true }
    const fail = (status: number, code: string, detail: string, extra: Omit<ErrorDetails, "detail"> = {}) =>
      errorReply(status, code, { ...extra, detail, headers: { ...limitHeaders, ...extra.headers } }, shape)

    if (taken !== undefined && !taken.allowed) {
      return fail(
        429,
        "RATE_LIMITED",
        `Rate limit exceeded for the restore-job endpoint. Please retry after ${taken.retryAfterSeconds} seconds. Request capacity: ${taken.limit}. Refill rate: ${rateLimit!.refillPerSecond} per 1 seconds.`,
        { parameters: [taken.retryAfterSeconds], headers: { "retry-after": String(taken.retryAfterSeconds) } },
      )
    }
    const route = restoreJobPath.exec(url.pathname)
    if (route === null)
      return fail(404, "RESOURCE_NOT_FOUND", `Cannot find resource ${url.pathname}.`, { parameters: [url.pathname] })
    if (method !== "GET" && method !== "HEAD")
      return fail(405, "METHOD_NOT_ALLOWED", `Method ${method} is not allowed on ${url.pathname}.`, {
        parameters: [method],
        headers: { allow: "GET, HEAD" },
      })
    if (!acceptable(req.headers.accept))
      return fail(406, "INVALID_VERSION_DATE", "Invalid accept header or version date.", {
        parameters: [req.headers.accept ?? ""],
      })

    const fields: Array<{ field: string; description: string }> = []
    const values: Array<string> = []
    const decoded: Record<keyof typeof patterns, string> = { groupId: "", name: "", restoreJobId: "" }
    ;(["groupId", "name", "restoreJobId"] as const).forEach((field, i) => {
      const raw = route[i + 1]!
      let value: string
      try {
        value = decodeURIComponent(raw)
      } catch {
        fields.push({ field, description: "is not valid percent-encoding" })
        values.push(raw)
        return
      }
      decoded[field] = value
      if (!patterns[field].test(value)) {
        fields.push({ field, description: `must match "${patterns[field].source}"` })
        values.push(value)
      }
    })
    for (const name of ["envelope", "pretty"] as const) {
      if ((name === "envelope" ? envelope : pretty) === "invalid") {
        fields.push({ field: name, description: "must be a boolean" })
        values.push(url.searchParams.get(name)!)
      }
    }
    if (fields.length > 0)
      return fail(
        400,
        "VALIDATION_ERROR",
        `Invalid request: ${fields.map((f) => `${f.field} ${f.description}`).join("; ")}.`,
        {
          parameters: values,
          badRequestDetail: { fields },
        },
      )

    const { groupId, name, restoreJobId } = decoded
    const found = jobs!.lookup(groupId, name, restoreJobId, now())
    switch (found._tag) {
      case "Found":
        return resourceReply(found.job, shape, limitHeaders)
      case "GroupForbidden": {
        const ip = req.socket.remoteAddress ?? "unknown"
        return fail(403, "IP_ADDRESS_NOT_ON_ACCESS_LIST", `IP address ${ip} is not allowed to access this resource.`, {
          parameters: [ip],
        })
      }
      case "GroupNotFound":
        return fail(404, "GROUP_NOT_FOUND", `No group with ID ${groupId} exists.`, { parameters: [groupId] })
      case "NotFlex":
        return fail(
          400,
          "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
          `Cluster ${name} is not a flex cluster. Use the dedicated cluster API for it.`,
          { parameters: [name] },
        )
      case "ClusterNotFound":
        return fail(404, "CLUSTER_NOT_FOUND", `No cluster named ${name} exists in group ${groupId}.`, {
          parameters: [name, groupId],
        })
      case "JobNotFound":
        return fail(404, "RESOURCE_NOT_FOUND", `Cannot find resource restore job ${restoreJobId}.`, {
          parameters: [restoreJobId],
        })
    }
  }

  // ---- OAuth ------------------------------------------------------------------------------------------------------

  const readForm = (req: IncomingMessage) =>
    new Promise<URLSearchParams | undefined>((resolve) => {
      const chunks: Array<Buffer> = []
      let size = 0
      req.on("data", (chunk: Buffer) => {
        size += chunk.length
        if (size <= maxFormBytes) chunks.push(chunk)
      })
      req.on("end", () =>
        resolve(size > maxFormBytes ? undefined : new URLSearchParams(Buffer.concat(chunks).toString())),
      )
      req.on("error", () => resolve(undefined))
    })

  const clientOf = (req: IncomingMessage, form: URLSearchParams) => {
    const header = req.headers.authorization ?? ""
    const m = /^basic\s+(\S+)$/i.exec(header)
    if (m !== null) {
      const decoded = Buffer.from(m[1]!, "base64").toString()
      const colon = decoded.indexOf(":")
      if (colon < 0) return undefined
      return { id: safeDecode(decoded.slice(0, colon)), secret: safeDecode(decoded.slice(colon + 1)) }
    }
    const id = form.get("client_id")
    const secret = form.get("client_secret")
    return id !== null && secret !== null ? { id, secret } : undefined
  }

  const oauthClientError = (detail: string): Reply =>
    errorReply(
      401,
      "INVALID_SERVICE_ACCOUNT_CREDENTIALS",
      {
        detail,
        headers: { "www-authenticate": `Basic realm="${DigestRealm}"`, "cache-control": "no-store" },
      },
      { pretty: true, envelope: false },
    )

  const oauth = async (req: IncomingMessage, url: URL): Promise<Reply> => {
    const isToken = url.pathname === "/api/oauth/token"
    if (isToken) {
      stats.tokenRequests++
      const taken = tokenBucket?.take(now())
      if (taken !== undefined && !taken.allowed)
        return errorReply(429, "RATE_LIMITED", {
          detail: `Too many token requests. Please retry after ${taken.retryAfterSeconds} seconds.`,
          parameters: [taken.retryAfterSeconds],
          headers: { "retry-after": String(taken.retryAfterSeconds) },
        })
    }
    if (req.method !== "POST")
      return errorReply(405, "METHOD_NOT_ALLOWED", {
        detail: `Use POST on ${url.pathname}.`,
        headers: { allow: "POST" },
      })
    const form = await readForm(req)
    if (form === undefined) return errorReply(413, "REQUEST_TOO_LARGE", { detail: "The form body is too large." })
    const client = clientOf(req, form)
    if (client === undefined) return oauthClientError("Service account credentials are required (HTTP Basic).")
    if (client.id !== credentials.clientId || client.secret !== credentials.clientSecret)
      return oauthClientError("Invalid service account client id or secret.")
    if (isToken) {
      const grant = form.get("grant_type")
      if (grant !== "client_credentials")
        return errorReply(400, "UNSUPPORTED_GRANT_TYPE", {
          detail: "grant_type must be client_credentials.",
          parameters: [grant ?? ""],
        })
      const token = tokens.issue(now())
      stats.tokensIssued++
      return {
        status: 200,
        headers: { "content-type": "application/json", "cache-control": "no-store", pragma: "no-cache" },
        body: JSON.stringify({
          access_token: token,
          expires_in: Math.round(tokenTtlMillis / 1000),
          token_type: "Bearer",
        }),
      }
    }
    const token = form.get("token")
    if (token === null || token === "")
      return errorReply(400, "INVALID_PARAMETER", { detail: "token is required.", parameters: ["token"] })
    stats.revocations++
    // RFC 7009: revoking an unknown or already revoked token still answers 200.
    tokens.revoke(token)
    return { status: 200, headers: { "cache-control": "no-store" }, body: "" }
  }

  // ---- faults and the writer --------------------------------------------------------------------------------------

  const replaces = (f: FaultRule) =>
    f.status !== undefined || f.body !== undefined || f.html === true || f.bodyBytes !== undefined

  const faultReply = (f: FaultRule): Reply => {
    if (f.html === true) return htmlReply(f.status ?? 502)
    if (f.bodyBytes !== undefined) {
      const body: PaddedBody = { bytes: Math.max(2, Math.floor(f.bodyBytes)) }
      return { status: f.status ?? 200, headers: { "content-type": VersionedContentType }, body }
    }
    const status = f.status ?? 200
    if (f.body !== undefined) {
      const text = typeof f.body === "string" ? f.body : JSON.stringify(f.body)
      const contentType = status < 400 ? VersionedContentType : "application/json"
      return { status, headers: { "content-type": contentType }, body: text }
    }
    if (status >= 400) {
      const code = defaultErrorCode(status)
      return errorReply(status, code, { detail: `Injected fault: HTTP ${status}.`, parameters: [] })
    }
    return { status, headers: {}, body: "" }
  }

  const paddedChunk = (limit: number, total: number): Buffer => {
    // `{"padding":"xxxx…"}` of exactly `total` bytes; below 16 bytes, `{}` and spaces.
    const text = total < 16 ? "{}" + " ".repeat(total - 2) : `{"padding":"${"x".repeat(total - 14)}"}`
    return Buffer.from(text.slice(0, limit))
  }

  const writePadded = (res: ServerResponse, total: number, limit: number, done: () => void) => {
    if (total < 1 << 16) {
      res.write(paddedChunk(limit, total), done)
      return
    }
    const head = Buffer.from(`{"padding":"`)
    const tail = Buffer.from(`"}`)
    const fill = Buffer.alloc(1 << 16, "x")
    let sent = 0
    const pump = () => {
      while (sent < limit && !res.destroyed) {
        let chunk: Buffer
        if (sent === 0) chunk = head
        // The fill stops exactly `tail.length` bytes before the end.
        else if (total - sent <= tail.length) chunk = tail
        else chunk = fill.subarray(0, Math.min(fill.length, total - sent - tail.length))
        chunk = chunk.subarray(0, limit - sent)
        sent += chunk.length
        // `done` runs once the last chunk is flushed: a truncation that destroys the response must not drop
        // the part of its half still buffered.
        if (sent === limit) {
          res.write(chunk, () => done())
          return
        }
        if (!res.write(chunk)) {
          res.once("drain", pump)
          return
        }
      }
    }
    pump()
  }

  const send = (res: ServerResponse, reply: Reply, truncate: boolean, method: string) => {
    stats.byStatus[reply.status] = (stats.byStatus[reply.status] ?? 0) + 1
    const length = bodyLength(reply.body)
    if (truncate) {
      // Promise more than is sent, then close: the client must see a broken body, not a short valid one.
      res.writeHead(reply.status, { ...reply.headers, "content-length": String(length + Math.max(16, length)) })
      const cut = Math.floor(length / 2)
      const close = () => res.destroy()
      if (typeof reply.body === "string") res.write(Buffer.from(reply.body).subarray(0, cut), close)
      else writePadded(res, reply.body.bytes, cut, close)
      return
    }
    res.writeHead(reply.status, { ...reply.headers, "content-length": String(length) })
    if (method === "HEAD") res.end()
    else if (typeof reply.body === "string") res.end(reply.body)
    else writePadded(res, reply.body.bytes, reply.body.bytes, () => res.end())
  }

  // ---- the server -------------------------------------------------------------------------------------------------

  const headerFault = (req: IncomingMessage): FaultRule | undefined => {
    if (options.allowFaultHeader !== true) return undefined
    const raw = req.headers["x-emulator-fault"]
    if (typeof raw !== "string") return undefined
    try {
      const parsed: unknown = JSON.parse(raw)
      return parsed !== null && typeof parsed === "object" ? (parsed as FaultRule) : undefined
    } catch {
      return undefined
    }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = now()
    const method = req.method ?? "GET"
    const target = req.url ?? "/"
    stats.requests++
    stats.activeRequests++
    stats.maxConcurrentRequests = Math.max(stats.maxConcurrentRequests, stats.activeRequests)
    let outcome = "-"
    res.on("close", () => {
      stats.activeRequests--
      options.log?.(`${method} ${pathOnly(target)} ${outcome} ${now() - started}ms`)
    })
    let url: URL
    try {
      url = new URL(target, "http://emulator.invalid")
    } catch {
      outcome = "400"
      send(res, errorReply(400, "INVALID_PARAMETER", { detail: "Malformed request target." }), false, method)
      return
    }
    if (url.pathname.startsWith("/api/atlas/")) stats.apiRequests++
    const fault = faults.take(method, url.pathname, url.pathname + url.search) ?? headerFault(req)
    if (fault !== undefined) {
      stats.faultsApplied++
      const delay = fault.delayMillis ?? 0
      if (delay > 0) await sleep(delay)
      if (res.destroyed) return
      if (fault.reset === true) {
        outcome = "reset"
        req.socket.destroy()
        return
      }
      if (fault.hang === true) {
        outcome = "hang"
        return
      }
    }
    let reply: Reply
    if (fault !== undefined && replaces(fault)) reply = faultReply(fault)
    else if (url.pathname === "/api/oauth/token" || url.pathname === "/api/oauth/revoke") reply = await oauth(req, url)
    else if (url.pathname.startsWith("/api/atlas/")) reply = api(req, method, url, target)
    else
      reply = errorReply(404, "RESOURCE_NOT_FOUND", {
        detail: `Cannot find resource ${url.pathname}.`,
        parameters: [url.pathname],
      })
    if (fault?.headers !== undefined || fault?.contentType !== undefined) {
      reply = {
        ...reply,
        headers: {
          ...reply.headers,
          ...lowerKeys(fault.headers ?? {}),
          ...(fault.contentType !== undefined ? { "content-type": fault.contentType } : {}),
        },
      }
    }
    if (res.destroyed) return
    outcome = fault?.truncate === true ? `${reply.status} truncated` : String(reply.status)
    send(res, reply, fault?.truncate === true, method)
  }

  // What can throw in `handle` (building a body, validating the headers in writeHead) throws before any header is
  // sent: the 500 can always be written.
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      res.writeHead(500, { "content-type": "application/json" })
      res.end(JSON.stringify({ error: 500, errorCode: "UNEXPECTED_ERROR", detail: "Emulator failure." }))
    })
  })
  server.on("connection", (socket: Socket) => {
    sockets.add(socket)
    stats.connections++
    stats.activeConnections++
    stats.maxConcurrentConnections = Math.max(stats.maxConcurrentConnections, stats.activeConnections)
    socket.on("close", () => {
      sockets.delete(socket)
      stats.activeConnections--
    })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e)
    server.once("error", onError)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", onError)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
  jobs = new SeededJobs(url, options.progressStepMillis ?? 2000)

  let stopping: Promise<void> | undefined
  return {
    url,
    host,
    port,
    credentials,
    stats: () => ({ ...stats, byStatus: { ...stats.byStatus } }),
    resetStats: () => {
      const fresh = zero()
      const { activeConnections, activeRequests } = stats
      Object.assign(stats, fresh, {
        activeConnections,
        activeRequests,
        maxConcurrentConnections: activeConnections,
        maxConcurrentRequests: activeRequests,
      })
      bucket?.refill(now())
      tokenBucket?.refill(now())
    },
    setFaults: (rules) => faults.set(rules),
    clearFaults: () => faults.clear(),
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })),
  }
}

const pathOnly = (target: string) => {
  const q = target.indexOf("?")
  return q < 0 ? target : target.slice(0, q)
}

const lowerKeys = (headers: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))

const safeDecode = (s: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
