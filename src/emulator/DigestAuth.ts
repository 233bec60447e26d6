/**
 * The server side of HTTP Digest (RFC 7616, MD5, qop=auth) as Atlas speaks
 * it for API keys: challenges shaped like Atlas's, nonces that may be reused
 * with a fresh `nc`, and `stale=true` for an expired nonce when the
 * credentials themselves were right, so a correct client re-challenges once.
 *
 * @since 0.1.0
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * The realm Atlas names in its challenges.
 *
 * @since 0.1.0
 * @category constants
 */
export const DigestRealm = "MMS Public API"

/**
 * Whether a digest `Authorization` header was accepted; when refused,
 * `stale` tells the client its credentials were right but the nonce is no
 * longer usable. (Only these two facts reach the client.)
 *
 * @since 0.1.0
 * @category models
 */
export type DigestVerdict = { readonly ok: true } | { readonly ok: false; readonly stale: boolean }

interface NonceState {
  readonly issuedAt: number
  readonly seen: Set<number>
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex")

// Bytes whose base64 is "++//": every nonce then carries the characters a
// naive challenge parser trips over, as Atlas's nonces often do.
const awkward = Buffer.from([0xfb, 0xef, 0xff])

/** A cap on the `nc` values remembered per nonce, so a long-lived nonce cannot grow without bound. */
const maxSeenPerNonceDefault = 1_000_000

/**
 * Parses the parameters of a `Digest` credentials or challenge header:
 * quoted values with backslash escapes, bare tokens, any order.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDigestParams = (input: string): Map<string, string> => {
  const params = new Map<string, string>()
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/gy
  let m: RegExpExecArray | null
  // Every match is at least `x=`, so the sticky regex always moves on; a value is quoted (group 2) or bare
  // (group 3, possibly empty).
  while ((m = re.exec(input)) !== null)
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!)
  return params
}

/**
 * Issues nonces and verifies digest responses for one key pair.
 *
 * @since 0.1.0
 * @category constructors
 */
export class DigestAuth {
  private readonly nonces = new Map<string, NonceState>()

  constructor(
    private readonly publicKey: string,
    private readonly privateKey: string,
    private readonly nonceTtlMillis: number,
    /** How many `nc` values one nonce may carry before it is called stale. */
    private readonly maxSeenPerNonce: number = maxSeenPerNonceDefault,
  ) {}

  /** A fresh `WWW-Authenticate` value, shaped like the one Atlas sends. */
  challenge(now: number, stale: boolean): string {
    this.sweep(now)
    const nonce = Buffer.concat([randomBytes(9), awkward, randomBytes(4)]).toString("base64")
    this.nonces.set(nonce, { issuedAt: now, seen: new Set() })
    return `Digest realm="${DigestRealm}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`
  }

  /**
   * Checks the parameters of a `Digest` authorization against the request's
   * method and request-target.
   */
  verify(method: string, requestTarget: string, credentials: string, now: number): DigestVerdict {
    const p = parseDigestParams(credentials)
    const need = ["username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce"] as const
    if (need.some((k) => !p.get(k))) return { ok: false, stale: false }
    const username = p.get("username")!
    const nonce = p.get("nonce")!
    const nc = p.get("nc")!
    const algorithm = p.get("algorithm") ?? "MD5"
    if (p.get("realm") !== DigestRealm) return { ok: false, stale: false }
    if (algorithm.toUpperCase() !== "MD5") return { ok: false, stale: false }
    if (p.get("qop") !== "auth") return { ok: false, stale: false }
    if (!/^[0-9a-fA-F]{8}$/.test(nc)) return { ok: false, stale: false }
    if (p.get("uri") !== requestTarget) return { ok: false, stale: false }
    if (username !== this.publicKey) return { ok: false, stale: false }
    const ha1 = md5(`${username}:${DigestRealm}:${this.privateKey}`)
    const ha2 = md5(`${method}:${requestTarget}`)
    const expected = md5(`${ha1}:${nonce}:${nc}:${p.get("cnonce")}:auth:${ha2}`)
    const given = p.get("response")!.toLowerCase()
    if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected)))
      return { ok: false, stale: false }
    // The credentials are right from here on: any nonce problem is "stale".
    const state = this.nonces.get(nonce)
    if (state === undefined) return { ok: false, stale: true }
    // An expired nonce stays until the next sweep frees it; until then it answers stale, as an unknown one does.
    if (now - state.issuedAt > this.nonceTtlMillis) return { ok: false, stale: true }
    const count = parseInt(nc, 16)
    // Concurrent requests on one nonce may arrive out of order, so replay is
    // judged per value rather than by a strictly rising counter.
    if (count === 0 || state.seen.has(count) || state.seen.size >= this.maxSeenPerNonce)
      return { ok: false, stale: true }
    state.seen.add(count)
    return { ok: true }
  }

  private sweep(now: number): void {
    if (this.nonces.size < 256) return
    for (const [nonce, state] of this.nonces) if (now - state.issuedAt > this.nonceTtlMillis) this.nonces.delete(nonce)
  }
}
