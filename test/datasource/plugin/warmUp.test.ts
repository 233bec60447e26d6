import { once } from "node:events"
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, Server, ServerResponse } from "node:http"
import { afterEach, describe, expect, it, vi } from "vitest"
import { warmUp } from "../../../src/datasource/plugin/Session.js"

/** What the warm-up's throwaway server saw and answered. */
interface Seen {
  readonly server: Server
  readonly requests: Array<{ method?: string; url?: string; authorization?: string; address: unknown }>
  readonly answers: Array<{ status: number; headers: OutgoingHttpHeaders | undefined; body: string }>
}

const seen: Array<Seen> = []
/** Answers instead of the warm-up's own handler, when set. */
let instead: RequestListener | undefined

// The real node:http, but each server `warmUp` creates is recorded (its requests and answers), so
// the test sees the warm-up's exchange on 127.0.0.1 without changing it.
vi.mock("node:http", async (importOriginal) => {
  const http = await importOriginal<typeof import("node:http")>()
  const createServer = (handler: RequestListener) => {
    const record: Seen = { server: undefined as unknown as Server, requests: [], answers: [] }
    const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
      record.requests.push({
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.url === undefined ? {} : { url: request.url }),
        ...(request.headers.authorization === undefined ? {} : { authorization: request.headers.authorization }),
        address: server.address(),
      })
      let headers: OutgoingHttpHeaders | undefined
      const writeHead = response.writeHead.bind(response) as (status: number, headers?: OutgoingHttpHeaders) => void
      response.writeHead = ((status: number, h?: OutgoingHttpHeaders) => {
        headers = h
        writeHead(status, h)
        return response
      }) as typeof response.writeHead
      const end = response.end.bind(response) as (body?: string) => void
      response.end = ((body?: string) => {
        record.answers.push({ status: response.statusCode, headers, body: String(body) })
        end(body)
        return response
      }) as typeof response.end
      ;(instead ?? handler)(request, response)
    })
    ;(record as { server: Server }).server = server
    seen.push(record)
    return server
  }
  return { ...http, createServer, default: { ...http, createServer } }
})

afterEach(() => {
  seen.length = 0
  instead = undefined
})

const id = "0123456789abcdef01234567"

describe("warmUp", () => {
  it("reads one completed job, as Atlas answers it, from a server on 127.0.0.1 that it closes", async () => {
    await warmUp()
    expect(seen.length).toBe(1)
    const [{ server, requests, answers }] = seen as [Seen]
    expect(requests).toEqual([
      {
        method: "GET",
        url: `/api/atlas/v2/groups/${id}/flexClusters/warm/backup/restoreJobs/${id}`,
        authorization: "Bearer warm-up",
        address: expect.objectContaining({ address: "127.0.0.1", family: "IPv4" }),
      },
    ])
    // The versioned media type and a whole job: the read runs the real decoding, not an error path.
    expect(answers).toEqual([
      {
        status: 200,
        headers: { "content-type": "application/vnd.atlas.2024-11-13+json;charset=utf-8" },
        body: expect.any(String),
      },
    ])
    expect(JSON.parse(answers[0]!.body)).toEqual({
      id,
      instanceName: "warm",
      status: "COMPLETED",
      deliveryType: "RESTORE",
    })
    // Closed, every connection with it: its close event comes.
    expect(server.listening).toBe(false)
    await once(server, "close")
  })

  it("fails loudly when the read fails, and still closes its server", async () => {
    instead = (_request, response) => {
      response.writeHead(404, { "content-type": "application/json" })
      response.end(JSON.stringify({ error: 404, errorCode: "RESOURCE_NOT_FOUND", detail: "gone" }))
    }
    await expect(warmUp()).rejects.toThrow(new Error("warm-up read failed: Failure"))
    const [{ server, requests }] = seen as [Seen]
    expect(requests.length).toBe(1)
    expect(server.listening).toBe(false)
    await once(server, "close")
  })
})
