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
 * A value form-encoded as `application/x-www-form-urlencoded` writes it with
 * `encodeURIComponent` (a space as `+`): what OAuth's `client_secret_basic`
 * applies to the client id and secret before base64 (RFC 6749 §2.3.1).
 *
 * @since 0.1.0
 * @category secrets
 */
export const formEncode = (value: string): string => encodeURIComponent(value).replace(/%20/g, "+")

/**
 * The credential of a `Basic` Authorization header for a client id and
 * secret, as `client_secret_basic` sends it: base64 of the form-encoded
 * `id:secret`. A secret itself: it decodes to the client secret.
 *
 * @since 0.1.0
 * @category secrets
 */
export const basicCredential = (user: string, secret: string): string =>
  Buffer.from(`${formEncode(user)}:${formEncode(secret)}`).toString("base64")

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1)
const lowerHex = (value: string) => value.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
const html: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }
const htmlEscape = (value: string) => value.replace(/[&<>"']/g, (c) => html[c]!)
const base64 = (value: string) => Buffer.from(value).toString("base64").replace(/=+$/, "")

/**
 * The base64 characters that the secret's bytes alone decide, for each of the
 * three offsets (mod 3) at which it can start inside longer base64 text (a
 * JSON body base64-encoded whole): with `k` bytes before it, its bits start
 * at bit 8k, and character i (bits 6i to 6i+5) is the secret's alone when it
 * lies within bits 8k to 8(k+n)-1. In base64 and base64url.
 */
const base64Cores = (value: string): ReadonlyArray<string> => {
  const bytes = Buffer.from(value)
  return [0, 1, 2].flatMap((k) => {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString("base64")
    const core = encoded.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6))
    return [core, core.replace(/\+/g, "-").replace(/\//g, "_")]
  })
}

const jsonEscapes = (value: string): ReadonlyArray<string> => {
  const json = jsonInner(value)
  const ascii = json.replace(/[\u007f-\uffff]/g, hex4)
  return [json, ascii, json.replace(/\//g, "\\/"), ascii.replace(/\//g, "\\/")]
}

/**
 * Every form a secret takes on the wire or in text that echoes it: raw;
 * URL-encoded (`encodeURIComponent`, the form encoding with `+`, the
 * `URLSearchParams` encoding, each also with lower-case hex); HTML-escaped;
 * base64 (unpadded) and base64url, alone or inside longer base64 text at any
 * offset (the characters only the secret decides); and each of those JSON-escaped once and
 * twice (a JSON body quoted inside a JSON log line), as `JSON.stringify`
 * writes it, with non-ASCII as `\uXXXX`, with `/` as `\/`. The `Basic`
 * credential is the base64 of a pair, not of the secret alone:
 * `basicCredential` adds it to a list, and its own forms follow from this one.
 *
 * @since 0.1.0
 * @category secrets
 */
export const secretForms = (secret: string): ReadonlyArray<string> => {
  const url = [encodeURIComponent(secret), formEncode(secret), new URLSearchParams({ s: secret }).toString().slice(2)]
  const plain = [
    secret,
    ...url,
    ...url.map(lowerHex),
    htmlEscape(secret),
    base64(secret),
    Buffer.from(secret).toString("base64url"),
    ...base64Cores(secret),
  ]
  const once = plain.flatMap(jsonEscapes)
  return [...new Set([...plain, ...once, ...once.flatMap(jsonEscapes)])]
}

/**
 * Replaces every occurrence of each secret, in each of its `secretForms`,
 * with `<redacted>`: the last line of defence for text that leaves the
 * process (CLI errors, plugin diagnostics, error messages echoing an answer). Every occurrence of every secret is
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
  for (const secret of secrets.filter((s) => s.length >= MinSecretLength).flatMap(secretForms)) {
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
