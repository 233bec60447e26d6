/**
 * HTTP Digest (RFC 7616) as Atlas speaks it for API keys: parsing a
 * `WWW-Authenticate` challenge and computing the `Authorization` answer.
 *
 * The parser is written for what servers really send rather than for the
 * grammar: quoted and unquoted values, nonces holding `+ / =`, several
 * challenges in one header, unknown parameters and odd spacing. Whatever the
 * input, it returns a challenge or an `AuthError`; it never throws.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes } from "node:crypto"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { AuthError } from "./AtlasError.js"

/**
 * A parsed Digest challenge. Unknown parameters are dropped.
 *
 * @since 0.1.0
 * @category models
 */
export interface DigestChallenge {
  readonly realm: string
  readonly nonce: string
  readonly opaque?: string
  /** Upper-cased; `MD5` when the server names none. */
  readonly algorithm: string
  /** The qop values offered, lower-cased; empty for the legacy RFC 2069 form. */
  readonly qop: ReadonlyArray<string>
  readonly stale: boolean
}

/** One scheme of a header with its parameters (keys lower-cased). */
interface ParsedScheme {
  readonly scheme: string
  readonly params: Map<string, string>
}

const isSpace = (c: string) => c === " " || c === "\t" || c === "\r" || c === "\n"

/**
 * Splits a `WWW-Authenticate` value into schemes and their parameters. A new
 * scheme starts where a bare token is followed by a space and not by `=`.
 */
const tokenize = (header: string): Array<ParsedScheme> => {
  const schemes: Array<ParsedScheme> = []
  let current: ParsedScheme | undefined
  let i = 0
  const n = header.length
  const skipSpaceAndCommas = () => {
    while (i < n && (isSpace(header[i]!) || header[i] === ",")) i++
  }
  while (i < n) {
    skipSpaceAndCommas()
    if (i >= n) break
    const start = i
    while (i < n && !isSpace(header[i]!) && header[i] !== "=" && header[i] !== ",") i++
    const token = header.slice(start, i)
    let j = i
    while (j < n && isSpace(header[j]!)) j++
    if (header[j] === "=" && token !== "") {
      // A parameter: read its value, quoted or not.
      i = j + 1
      while (i < n && isSpace(header[i]!)) i++
      let value = ""
      if (header[i] === '"') {
        i++
        while (i < n && header[i] !== '"') {
          if (header[i] === "\\" && i + 1 < n) i++
          value += header[i]
          i++
        }
        i++ // the closing quote, if any
      } else {
        // Unquoted: up to the next comma or space, so `+ / =` stay in the value.
        const vs = i
        while (i < n && header[i] !== "," && !isSpace(header[i]!)) i++
        value = header.slice(vs, i)
      }
      if (current === undefined) current = { scheme: "", params: new Map() }
      const key = token.toLowerCase()
      if (!current.params.has(key)) current.params.set(key, value)
    } else if (token !== "") {
      // A bare token followed by a comma or the end is a flag without value
      // inside a challenge; followed by anything else it starts a new scheme.
      if (current !== undefined && (j >= n || header[j] === ",")) continue
      current = { scheme: token.toLowerCase(), params: new Map() }
      schemes.push(current)
    } else {
      i++ // a stray `=` or similar
    }
  }
  return schemes
}

/**
 * Parses a `WWW-Authenticate` header value and returns its Digest challenge.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDigestChallenge = (header: string | undefined | null): Result.Result<DigestChallenge, AuthError> => {
  if (typeof header !== "string" || header.trim() === "") {
    return Result.fail(new AuthError({ reason: "the server sent no Digest challenge (no WWW-Authenticate header)" }))
  }
  // tokenize is total over strings (it indexes and slices, never throws): no try needed.
  const schemes = tokenize(header)
  const digest = schemes.find((s) => s.scheme === "digest")
  if (digest === undefined) {
    // Scheme names only (a short token each): parameters may carry anything.
    const offered = [...new Set(schemes.map((s) => s.scheme).filter((s) => /^[a-z0-9_-]{1,20}$/.test(s)))].slice(0, 3)
    const names = offered.map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    return Result.fail(
      new AuthError({
        reason: `the server's WWW-Authenticate header holds no Digest challenge${names.length > 0 ? ` (it offers ${names.join(", ")})` : ""}`,
      }),
    )
  }
  const p = digest.params
  const nonce = p.get("nonce")
  if (!nonce) return Result.fail(new AuthError({ reason: "the server's Digest challenge has no nonce" }))
  const algorithm = (p.get("algorithm") || "MD5").toUpperCase()
  if (!(algorithm in hashes)) {
    return Result.fail(
      new AuthError({ reason: `the server's Digest challenge asks for an unsupported algorithm (${algorithm})` }),
    )
  }
  const qopRaw = p.get("qop")
  const qop =
    qopRaw === undefined
      ? []
      : qopRaw
          .split(/[\s,]+/)
          .filter(Boolean)
          .map((q) => q.toLowerCase())
  if (qop.length > 0 && !qop.includes("auth")) {
    return Result.fail(new AuthError({ reason: `the server's Digest challenge offers no supported qop (${qopRaw})` }))
  }
  const opaque = p.get("opaque")
  return Result.succeed({
    realm: p.get("realm") ?? "",
    nonce,
    ...(opaque !== undefined ? { opaque } : {}),
    algorithm,
    qop,
    stale: (p.get("stale") ?? "").toLowerCase() === "true",
  })
}

const hashes: Record<string, string> = {
  MD5: "md5",
  "MD5-SESS": "md5",
  "SHA-256": "sha256",
  "SHA-256-SESS": "sha256",
  "SHA-512-256": "sha512-256",
  "SHA-512-256-SESS": "sha512-256",
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`

/**
 * The `Authorization` header answering a challenge for one request.
 * `nc` counts the uses of this nonce, from 1.
 *
 * @since 0.1.0
 * @category constructors
 */
export const digestAuthorization = (options: {
  readonly challenge: DigestChallenge
  readonly username: string
  readonly password: Redacted.Redacted<string>
  readonly method: string
  /** Path and query, exactly as sent. */
  readonly uri: string
  readonly nc: number
  /** For tests; random by default. */
  readonly cnonce?: string
}): string => {
  const { challenge: ch, username, method, uri } = options
  const h = (s: string) =>
    createHash(hashes[ch.algorithm] ?? "md5")
      .update(s, "utf8")
      .digest("hex")
  const cnonce = options.cnonce ?? randomBytes(12).toString("hex")
  const nc = options.nc.toString(16).padStart(8, "0")
  let ha1 = h(`${username}:${ch.realm}:${Redacted.value(options.password)}`)
  if (ch.algorithm.endsWith("-SESS")) ha1 = h(`${ha1}:${ch.nonce}:${cnonce}`)
  const ha2 = h(`${method}:${uri}`)
  const withQop = ch.qop.length > 0
  const response = withQop ? h(`${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`) : h(`${ha1}:${ch.nonce}:${ha2}`)
  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(ch.realm)}`,
    `nonce=${quote(ch.nonce)}`,
    `uri=${quote(uri)}`,
    `algorithm=${ch.algorithm}`,
    `response=${quote(response)}`,
  ]
  if (withQop) parts.push(`qop=auth`, `nc=${nc}`, `cnonce=${quote(cnonce)}`)
  if (ch.opaque !== undefined) parts.push(`opaque=${quote(ch.opaque)}`)
  return `Digest ${parts.join(", ")}`
}
