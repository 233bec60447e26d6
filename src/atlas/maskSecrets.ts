/**
 * Secret masking for text that leaves the process. Free of Effect, so the
 * plugin's start-up bundle can use it without loading Effect.
 *
 * @since 0.1.0
 */

/**
 * Replaces every occurrence of each secret with `<redacted>`: the last line of
 * defence for text that leaves the process (CLI errors, plugin diagnostics).
 * Values under four characters are left alone: masking them would shred
 * ordinary words, and no Atlas secret is that short.
 *
 * @since 0.1.0
 * @category secrets
 */
export const maskSecrets = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("<redacted>")
  return out
}
