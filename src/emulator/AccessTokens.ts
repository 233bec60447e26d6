/**
 * Bearer tokens as the emulator's OAuth endpoints hand them out: one static
 * token that never expires, and issued tokens that expire after a TTL or
 * when revoked.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"

/**
 * Why a bearer token was refused, or that it was accepted.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenVerdict = "valid" | "expired" | "revoked" | "unknown"

/**
 * The set of bearer tokens the emulator accepts.
 *
 * @since 0.1.0
 * @category constructors
 */
export class AccessTokens {
  private readonly issued = new Map<string, number>()
  private readonly revoked = new Set<string>()

  constructor(
    private readonly staticToken: string,
    private readonly ttlMillis: number,
  ) {}

  /** Issues a token valid for the TTL from `now`. */
  issue(now: number): string {
    const token = `emu_${randomBytes(24).toString("base64url")}`
    this.issued.set(token, now + this.ttlMillis)
    return token
  }

  verify(token: string, now: number): TokenVerdict {
    if (token === this.staticToken) return "valid"
    const expiresAt = this.issued.get(token)
    if (expiresAt === undefined) return this.revoked.has(token) ? "revoked" : "unknown"
    if (now >= expiresAt) return "expired"
    return "valid"
  }

  /** Revokes an issued token; the static token cannot be revoked. Returns whether it was live. */
  revoke(token: string): boolean {
    const known = this.issued.delete(token)
    if (known) this.revoked.add(token)
    return known
  }
}
