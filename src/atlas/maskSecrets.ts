/**
 * Secret masking for text that leaves the process. Free of Effect, so the
 * plugin's start-up bundle can use it without loading Effect.
 *
 * @since 0.1.0
 */

/**
 * The shortest value masked: shorter ones would shred ordinary words, and no
 * Atlas secret is that short.
 *
 * @since 0.1.0
 * @category secrets
 */
export const MinSecretLength = 4

/**
 * Replaces every occurrence of each secret with `<redacted>`: the last line of
 * defence for text that leaves the process (CLI errors, plugin diagnostics,
 * error messages echoing an answer). Every occurrence of every secret is
 * found in the original text first, overlapping ones included, and each run
 * of covered characters becomes one `<redacted>`: no part of a secret
 * survives, whatever the order of the list or how secrets overlap (one that
 * begins with another, one that ends where another begins). Values under
 * `MinSecretLength` characters are left alone.
 *
 * @since 0.1.0
 * @category secrets
 */
export const maskSecrets = (text: string, secrets: ReadonlyArray<string>): string => {
  const covered: Array<readonly [number, number]> = []
  for (const secret of secrets) {
    if (secret.length < MinSecretLength) continue
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      covered.push([at, at + secret.length])
    }
  }
  if (covered.length === 0) return text
  covered.sort((a, b) => a[0] - b[0])
  let out = ""
  let copied = 0
  let [start, end] = covered[0]!
  for (const [s, e] of covered) {
    if (s > end) {
      out += text.slice(copied, start) + "<redacted>"
      copied = end
      start = s
    }
    if (e > end) end = e
  }
  return out + text.slice(copied, start) + "<redacted>" + text.slice(end)
}
