/**
 * Fault injection: rules that make the emulator misbehave on chosen requests
 * (a status, a delay, a reset or hung connection, a truncated, HTML or huge
 * body), so clients can be tested and benchmarked against the failures real
 * networks and real Atlas produce.
 *
 * @since 0.1.0
 */

/**
 * One fault. Without `match` it applies to every request; with `times` it
 * applies that many times and is then dropped. Modifiers combine: a rule with
 * only `delayMillis` (or only `headers`, or only `truncate`) delays (adds
 * headers to, truncates) the normal answer; `status`, `body`, `html` or
 * `bodyBytes` replace it.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultRule {
  readonly match?: {
    /** A string matches when the request's path contains it; a RegExp is tested against path and query. */
    readonly path?: string | RegExp
    /** HTTP method, any case. */
    readonly method?: string
    /** Apply this many times, then stop. */
    readonly times?: number
  }
  /** Answer with this status; without `body`, the body is an Atlas-style error for it. */
  readonly status?: number
  /** Extra response headers (they override the emulator's own). */
  readonly headers?: Readonly<Record<string, string>>
  /** A replacement body: a string is sent as is, anything else as JSON. */
  readonly body?: unknown
  /** Wait this long before answering (or before resetting). */
  readonly delayMillis?: number
  /** Destroy the connection instead of answering. */
  readonly reset?: true
  /** Declare a longer `Content-Length` than is sent, then close the connection. */
  readonly truncate?: true
  /** An HTML error page, as a proxy in front of Atlas would send (status 502 unless given). */
  readonly html?: true
  /** Accept the request and never answer (until the emulator stops). */
  readonly hang?: true
  /** Override the content type of the answer. */
  readonly contentType?: string
  /** A JSON body of exactly this many bytes (status 200 unless given). */
  readonly bodyBytes?: number
}

interface ActiveRule {
  readonly rule: FaultRule
  remaining: number
}

/**
 * The emulator's current fault rules, first match wins.
 *
 * @since 0.1.0
 * @category constructors
 */
export class FaultRules {
  private rules: Array<ActiveRule>

  constructor(rules: ReadonlyArray<FaultRule>) {
    this.rules = activate(rules)
  }

  set(rules: ReadonlyArray<FaultRule>): void {
    this.rules = activate(rules)
  }

  clear(): void {
    this.rules = []
  }

  /** The rule for this request, if any, counting one use of it. */
  take(method: string, pathname: string, pathAndQuery: string): FaultRule | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0 || !matches(active.rule, method, pathname, pathAndQuery)) continue
      // A rule used up stays in the list, skipped, until the rules are set or cleared again.
      active.remaining -= 1
      return active.rule
    }
    return undefined
  }
}

const activate = (rules: ReadonlyArray<FaultRule>): Array<ActiveRule> =>
  rules.map((rule) => ({ rule, remaining: rule.match?.times ?? Infinity }))

const matches = (rule: FaultRule, method: string, pathname: string, pathAndQuery: string): boolean => {
  const m = rule.match
  if (m === undefined) return true
  if (m.method !== undefined && m.method.toUpperCase() !== method.toUpperCase()) return false
  if (typeof m.path === "string" && !pathname.includes(m.path)) return false
  if (m.path instanceof RegExp) {
    m.path.lastIndex = 0
    if (!m.path.test(pathAndQuery)) return false
  }
  return true
}
