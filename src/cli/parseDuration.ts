/**
 * Durations as people type them on a command line: `30m`, `5s`, `1h30m`,
 * `250ms`, `1.5h`, or a bare number of seconds (as `timeout(1)` and
 * `sleep(1)` read it).
 *
 * @since 0.1.0
 */

const unitMillis: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
}

const whole = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/
const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g
const bareSeconds = /^\d+(?:\.\d+)?$/

/**
 * Milliseconds for a duration text, or `undefined` when it is not one.
 * Zero is a duration; callers that need a positive one check for it.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseDuration = (text: string): number | undefined => {
  const input = text.trim()
  if (bareSeconds.test(input)) return Math.round(Number(input) * 1_000)
  if (!whole.test(input)) return undefined
  let total = 0
  for (const [, amount, unit] of input.matchAll(part)) total += Number(amount) * unitMillis[unit!]!
  return Math.round(total)
}

/**
 * A duration in the shortest exact form `parseDuration` reads back:
 * `1h30m`, `5s`, `250ms`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatDuration = (millis: number): string => {
  if (millis === 0) return "0s"
  let rest = Math.round(millis)
  let out = ""
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = unitMillis[unit]!
    const n = Math.floor(rest / size)
    if (n > 0) {
      out += `${n}${unit}`
      rest -= n * size
    }
  }
  return out
}
