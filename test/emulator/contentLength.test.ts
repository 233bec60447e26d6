/**
 * The emulator's `Content-Length` counts bytes, not characters: an answer
 * that echoes a non-ASCII path value (`café`, 4 characters, 5 bytes in
 * UTF-8) must declare exactly the bytes it sends, or the client reads a
 * truncated JSON body. Read over `node:http`, which holds the body to the
 * declared length.
 */
import { get } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath } from "./helpers.js"

const fetchRaw = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; declared: string | undefined; body: Buffer }>((resolve, reject) => {
    get(url, { headers, agent: false }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, declared: res.headers["content-length"], body: Buffer.concat(chunks) }),
      )
      res.on("error", reject)
    }).on("error", reject)
  })

describe("emulator: Content-Length of a non-ASCII body", () => {
  let emulator: RunningEmulator
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(() => emulator.stop())

  for (const query of ["", "?pretty=true"])
    it(`declares the body's length in bytes${query === "" ? "" : " (pretty)"}`, async () => {
      const path = jobPath(EmulatorSeed.jobs.completed, EmulatorSeed.groupId, encodeURIComponent("café!"))
      const { status, declared, body } = await fetchRaw(emulator.url + path + query, {
        accept,
        authorization: `Bearer ${emulator.credentials.accessToken}`,
      })
      expect(status).toBe(400)
      const text = body.toString("utf8")
      expect(declared).toBe(String(body.length))
      expect(body.length).toBeGreaterThan(text.length)
      expect(JSON.parse(text)).toMatchObject({ errorCode: "VALIDATION_ERROR", parameters: ["café!"] })
    })
})
