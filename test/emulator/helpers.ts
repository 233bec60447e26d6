/**
 * Test helpers for the emulator: a manual clock, the restore-job path for a
 * seeded id, one answer read whole over fetch, and a digest `Authorization` computed by hand (node:crypto MD5),
 * independent of both the emulator's and the client's digest code.
 */
import { createHash, randomBytes } from "node:crypto"
import { EmulatorSeed, type RunningEmulator } from "../../src/emulator/index.js"

export const accept = "application/vnd.atlas.2024-11-13+json"

/** One answer as a client reads it: status, headers (lower-case names) and the body as text. */
export interface Answer {
  readonly status: number
  readonly headers: Record<string, string>
  readonly text: string
}

export const call = async (emulator: RunningEmulator, path: string, init: RequestInit = {}): Promise<Answer> => {
  const response = await fetch(emulator.url + path, init)
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() }
}

/** A clock the test moves by hand. */
export const manualClock = (start = Date.UTC(2026, 7, 12, 10, 0, 0)) => {
  let t = start
  return {
    now: () => t,
    advance: (millis: number) => {
      t += millis
    },
  }
}

export const jobPath = (
  restoreJobId: string,
  groupId: string = EmulatorSeed.groupId,
  name: string = EmulatorSeed.clusterName,
) => `/api/atlas/v2/groups/${groupId}/flexClusters/${name}/backup/restoreJobs/${restoreJobId}`

const md5 = (s: string) => createHash("md5").update(s).digest("hex")

/** Reads the parameters of a `WWW-Authenticate: Digest ...` challenge. */
export const parseChallenge = (header: string | null): Record<string, string> => {
  if (header === null || !header.startsWith("Digest ")) throw new Error(`not a digest challenge: ${header}`)
  const out: Record<string, string> = {}
  for (const m of header.slice(7).matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) out[m[1]!] = m[2] ?? m[3] ?? ""
  return out
}

/** RFC 7616 MD5 / qop=auth, written out step by step. */
export const digestAuthorization = (input: {
  username: string
  password: string
  method: string
  uri: string
  nonce: string
  /** A count, written as 8 hex digits, or the text to send as is. */
  nc: number | string
  cnonce?: string
  realm?: string
}) => {
  const realm = input.realm ?? "MMS Public API"
  const nc = typeof input.nc === "string" ? input.nc : input.nc.toString(16).padStart(8, "0")
  const cnonce = input.cnonce ?? randomBytes(8).toString("hex")
  const ha1 = md5(`${input.username}:${realm}:${input.password}`)
  const ha2 = md5(`${input.method}:${input.uri}`)
  const response = md5(`${ha1}:${input.nonce}:${nc}:${cnonce}:auth:${ha2}`)
  return `Digest username="${input.username}", realm="${realm}", nonce="${input.nonce}", uri="${input.uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`
}
