/**
 * maskSecrets: no part of a secret survives, whatever the order of the list
 * and however secrets overlap (issue 11); and which environment variables
 * count as secrets.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { EnvVars, secretsInEnv, secretsOfAuth } from "../../src/atlas/AtlasConfig.js"
import { MinSecretLength, basicCredential, maskSecrets, secretForms } from "../../src/atlas/maskSecrets.js"
import { Redacted } from "effect"

describe("maskSecrets", () => {
  it("a secret that begins with another is masked whole, in either order (the issue's example)", () => {
    expect(maskSecrets("abcdefgh", ["abcd", "abcdefgh"])).toBe("<redacted>")
    expect(maskSecrets("abcdefgh", ["abcdefgh", "abcd"])).toBe("<redacted>")
    expect(maskSecrets("x abcd y abcdefgh z", ["abcd", "abcdefgh"])).toBe("x <redacted> y <redacted> z")
  })

  it("secrets that overlap or touch become one marker, no tail left", () => {
    // "ABCDEFGHIJ" and "EFGHIJKLMN" overlap on EFGHIJ: masking one first would leave KLMN.
    expect(maskSecrets("[ABCDEFGHIJKLMN]", ["ABCDEFGHIJ", "EFGHIJKLMN"])).toBe("[<redacted>]")
    expect(maskSecrets("[ABCDWXYZ]", ["ABCD", "WXYZ"])).toBe("[<redacted>]")
    expect(maskSecrets("AAAAAA", ["AAAA"])).toBe("<redacted>")
  })

  it(`masks a secret of exactly ${MinSecretLength} characters, not a shorter one`, () => {
    expect(MinSecretLength).toBe(4)
    expect(maskSecrets("key wxyz and abc", ["wxyz", "abc"])).toBe("key <redacted> and abc")
    expect(maskSecrets("unchanged", [])).toBe("unchanged")
  })

  it("property: every character that belonged to a secret's occurrence is gone, everything else is kept", () => {
    // Secrets are windows of an upper-case string U that together cover it (overlapping or touching);
    // the filler is lower-case, like the marker, so any upper-case character left in the output is a leak.
    const upper = fc.string({
      unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
      minLength: 4,
      maxLength: 40,
    })
    const filler = fc.string({ unit: fc.constantFrom(..."abcxyz .:,-"), maxLength: 8 })
    const scenario = upper.chain((u) =>
      fc
        .tuple(
          // Window starts, each window at least 4 long; a window from each start to a random end past the next start.
          fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, u.length - 4) }), { maxLength: 6 }),
          fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 8, maxLength: 8 }),
          fc.array(filler, { minLength: 1, maxLength: 5 }),
          fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
        )
        .map(([starts, extra, fillers, order]) => {
          const s = [0, ...starts.filter((x) => x + 4 <= u.length)].sort((a, b) => a - b)
          const windows = s.map((start, i) => {
            const next = i + 1 < s.length ? s[i + 1]! : u.length
            const end = Math.min(u.length, Math.max(start + 4, next + (extra[i] ?? 0)))
            return u.slice(start, end)
          })
          const shuffled = windows
            .map((w, i) => [order[i] ?? 0, w] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, w]) => w)
          const text = fillers.join(u) + (shuffled[0] ?? "")
          return { text, secrets: shuffled, fillers }
        }),
    )
    fc.assert(
      fc.property(scenario, ({ text, secrets }) => {
        const out = maskSecrets(text, secrets)
        expect(out).not.toMatch(/[A-Z0-9]/)
        expect(out.replaceAll("<redacted>", "")).toBe(text.replace(/[A-Z0-9]+/g, ""))
        for (const s of secrets) expect(out).not.toContain(s)
      }),
      { numRuns: 300 },
    )
  })

  it("property: text without any secret in it is returned as is", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string({ minLength: 4 })), (text, secrets) => {
        fc.pre(secrets.every((s) => !text.includes(s)))
        expect(maskSecrets(text, secrets)).toBe(text)
      }),
    )
  })
})

describe("which values are secrets", () => {
  it("every private key, client secret and access token variable, and nothing else", () => {
    const secretNames = [...EnvVars.privateKey, ...EnvVars.clientSecret, ...EnvVars.accessToken]
    expect(secretNames).toContain("MONGODB_ATLAS_ACCESS_TOKEN")
    expect(secretNames).toContain("MONGODB_ATLAS_CLIENT_SECRET")
    expect(secretNames).toContain("MONGODB_ATLAS_PRIVATE_API_KEY")
    const all = Object.values(EnvVars).flat()
    const env = Object.fromEntries(all.map((name) => [name, ` value-of-${name} `]))
    // With a client id beside the secret, the Basic credential the pair makes is one too.
    const pair = basicCredential("value-of-MONGODB_ATLAS_CLIENT_ID", "value-of-MONGODB_ATLAS_CLIENT_SECRET")
    expect(secretsInEnv(env).sort()).toEqual([...secretNames.map((name) => `value-of-${name}`), pair].sort())
    // One at a time, so dropping any one of them is seen.
    for (const name of secretNames) expect(secretsInEnv({ [name]: "s3cret-value" })).toEqual(["s3cret-value"])
    expect(secretsInEnv({ MONGODB_ATLAS_ACCESS_TOKEN: "   " })).toEqual([])
  })

  it("the secret of each resolved auth mode", () => {
    expect(secretsOfAuth({ _tag: "AccessToken", accessToken: Redacted.make("tok-1234") })).toEqual(["tok-1234"])
    expect(secretsOfAuth({ _tag: "ServiceAccount", clientId: "id", clientSecret: Redacted.make("sec-1234") })).toEqual([
      "sec-1234",
      Buffer.from("id:sec-1234").toString("base64"),
    ])
    expect(secretsOfAuth({ _tag: "ApiKey", publicKey: "pub", privateKey: Redacted.make("priv-1234") })).toEqual([
      "priv-1234",
    ])
  })
})

describe("every form of a secret is masked (issue 21)", () => {
  // Characters that each encoding changes: form/URL (space + / = % & ? ! ' ( ) ~ *), JSON (" \\ control
  // characters, non-ASCII when ASCII-escaped, / when slash-escaped), HTML (& < > " '), base64 (any).
  const special = [..." +/=%&?!'()~*\"\\<>\u0001\n\t\u007f", "é", "€", "😀", "ß"]
  const plain = [..."abcXYZ019-_."]
  const secret = fc
    .array(fc.constantFrom(...special, ...plain), { minLength: MinSecretLength, maxLength: 24 })
    .map((units) => units.join(""))
    .filter((s) => s.length >= MinSecretLength && /[^\w.-]/.test(s))
  const clientId = fc
    .array(fc.constantFrom(...special, ...plain), { minLength: 1, maxLength: 12 })
    .map((u) => u.join(""))

  /** Each form a secret can take in an echo, built the way a server or our own code builds it. */
  const encodings = (s: string): Record<string, string> => ({
    raw: s,
    encodeURIComponent: encodeURIComponent(s),
    "form (+ for space)": encodeURIComponent(s).replace(/%20/g, "+"),
    URLSearchParams: new URLSearchParams({ k: s }).toString().slice(2),
    "lower-case hex": encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    "JSON.stringify": JSON.stringify(s).slice(1, -1),
    "JSON, ASCII only": JSON.stringify(s)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
    "JSON, slash escaped": JSON.stringify(s).slice(1, -1).replace(/\//g, "\\/"),
    "JSON, ASCII only, slash escaped": JSON.stringify(s)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
      .replace(/\//g, "\\/"),
    "HTML-escaped": s
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;"),
    base64: Buffer.from(s).toString("base64"),
    base64url: Buffer.from(s).toString("base64url"),
    "JSON of the JSON body": JSON.stringify(JSON.stringify({ secret: s })),
  })

  it("property: no encoding of a drawn secret survives masking, each embedded in prose", () => {
    fc.assert(
      fc.property(secret, (s) => {
        for (const [name, form] of Object.entries(encodings(s))) {
          const out = maskSecrets(`the server said: you sent WW[${form}]WW, refused`, [s])
          expect(out, name).not.toContain(form)
          expect(out, name).toMatch(/^the server said: you sent WW\[.*<redacted>.*\]WW, refused$/s)
        }
      }),
      { numRuns: 200 },
    )
  })

  it("property: the Basic credential of client_secret_basic (form-encoded id and secret, then base64) is masked, as sent and URL- or JSON-encoded", () => {
    fc.assert(
      fc.property(clientId, secret, (id, s) => {
        const credential = basicCredential(id, s)
        // What AtlasAuth sends: RFC 6749 §2.3.1, each part form-encoded, then base64; decoding gives back the secret.
        const [sentId, sentSecret] = Buffer.from(credential, "base64").toString().split(":")
        expect(decodeURIComponent(sentId!.replace(/\+/g, " "))).toBe(id)
        expect(decodeURIComponent(sentSecret!.replace(/\+/g, " "))).toBe(s)
        for (const form of [credential, encodeURIComponent(credential), JSON.stringify(credential).slice(1, -1)]) {
          const out = maskSecrets(`you sent Basic ${form}`, [s, credential])
          expect(out).toBe("you sent Basic <redacted>")
        }
      }),
      { numRuns: 200 },
    )
  })

  it("property: inside longer base64 text (a body encoded whole), the characters only the secret decides are masked, at any offset", () => {
    const bytes = fc.uint8Array({ maxLength: 7 })
    fc.assert(
      fc.property(
        secret,
        bytes,
        bytes,
        fc.constantFrom("base64", "base64url") as fc.Arbitrary<BufferEncoding>,
        (s, before, after, alphabet) => {
          const encode = (head: Uint8Array, tail: Uint8Array) =>
            Buffer.concat([head, Buffer.from(s), tail]).toString(alphabet)
          const blob = encode(before, after)
          // Independently of the code under test: with every bit around the secret flipped, a character keeps its
          // value exactly when the secret's bits alone decide it. Those are what must not survive.
          const flip = (b: Uint8Array) => b.map((x) => 255 - x)
          const other = encode(flip(before), flip(after))
          const decided = [...blob].map((c, i) => c === other[i] && !"=".includes(c))
          const first = decided.indexOf(true)
          const last = decided.lastIndexOf(true)
          expect(first).toBeGreaterThanOrEqual(0)
          const core = blob.slice(first, last + 1)
          const out = maskSecrets(`body ${blob} end`, [s])
          expect(out).not.toContain(core)
          // No four characters of it are left, unless they also occur where the secret does not decide them.
          const elsewhere = blob.slice(0, first) + "." + blob.slice(last + 1)
          for (let i = 0; i + 4 <= core.length; i++) {
            const piece = core.slice(i, i + 4)
            if (!elsewhere.includes(piece)) expect(out).not.toContain(piece)
          }
          expect(out).toMatch(/^body .*<redacted>.* end$/s)
        },
      ),
      { numRuns: 300 },
    )
  })

  it("a base64 body holding the secret at each offset loses the secret's part and keeps the rest", () => {
    const s = "sk-0123456789abcdef"
    for (const pad of ["", "x", "xy"]) {
      const blob = Buffer.from(`{"a":"${pad}","secret":"${s}","b":1}`).toString("base64")
      const out = maskSecrets(blob, [s])
      expect(out, pad).toContain("<redacted>")
      // What is left before it decodes to the JSON up to the secret, none of it; what is left after is the blob's
      // own end; and no more than the secret's share of characters (plus the two it shares) is hidden.
      const [head, tail] = out.split("<redacted>")
      const decodedHead = Buffer.from(head!.slice(0, head!.length - (head!.length % 4)), "base64").toString()
      expect(decodedHead, pad).toMatch(new RegExp(`^\\{"a":"${pad}","secret"`))
      expect(decodedHead, pad).not.toContain("sk-")
      expect(blob.endsWith(tail!), pad).toBe(true)
      expect(blob.length - head!.length - tail!.length, pad).toBeLessThanOrEqual(Math.ceil((s.length * 4) / 3) + 2)
    }
  })

  it("the forms differ from the raw secret for the characters drawn (so the property tests more than raw)", () => {
    const s = 'a b+c/d=e%f"g\\h\u0001é😀'
    const forms = secretForms(s)
    for (const [name, form] of Object.entries(encodings(s)).filter(([n]) => n !== "JSON of the JSON body")) {
      expect(form === s, name).toBe(name === "raw")
      expect(forms, name).toContain(form.replace(/=+$/, ""))
    }
  })
})
