/**
 * A fake Atlas behind a fake `HttpClient`: each request is handed to a
 * handler that returns a Web `Response`, and every request is recorded.
 */
import { Effect, Layer } from "effect"
import { HttpClient, HttpClientError, HttpClientResponse } from "effect/http"

export interface SeenRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export type Handler = (request: SeenRequest, index: number) => Response | Promise<Response>

export interface Fake {
  readonly layer: Layer.Layer<HttpClient.HttpClient>
  readonly requests: Array<SeenRequest>
  /** Requests aborted before their response arrived. */
  readonly aborted: Array<SeenRequest>
}

const bodyText = (body: { readonly _tag: string; readonly body?: unknown }): string =>
  body._tag === "Uint8Array" ? new TextDecoder().decode(body.body as Uint8Array) : ""

/** Like fetch: aborting the request after the headers errors the body and cancels its source. */
const linkBody = (response: Response, signal: AbortSignal): Response => {
  if (response.body === null) return response
  const source = response.body.getReader()
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c
    },
    pull: async (c) => {
      const { done, value } = await source.read()
      if (done) c.close()
      else c.enqueue(value)
    },
    cancel: (reason) => source.cancel(reason),
  })
  signal.addEventListener(
    "abort",
    () => {
      try {
        controller?.error(new DOMException("This operation was aborted", "AbortError"))
      } catch {
        // already closed
      }
      source.cancel().catch(() => {})
    },
    { once: true },
  )
  return new Response(body, { status: response.status, headers: response.headers })
}

export const fake = (handler: Handler): Fake => {
  const requests: Array<SeenRequest> = []
  const aborted: Array<SeenRequest> = []
  const client = HttpClient.make((request, url, signal) =>
    Effect.tryPromise({
      try: async () => {
        const seen: SeenRequest = {
          method: request.method,
          url,
          headers: { ...request.headers },
          body: bodyText(request.body as never),
        }
        const index = requests.length
        requests.push(seen)
        let settled = false
        signal.addEventListener("abort", () => settled || aborted.push(seen), { once: true })
        const response = await handler(seen, index)
        settled = true
        return HttpClientResponse.fromWeb(request, linkBody(response, signal))
      },
      catch: (cause) =>
        new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) }),
    }),
  )
  return { layer: Layer.succeed(HttpClient.HttpClient, client), requests, aborted }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/vnd.atlas.2024-11-13+json;charset=utf-8", ...headers },
  })

export const GROUP = "6650f1a2b3c4d5e6f7a8b9c0"
export const JOB = "66a0000000000000000000c1"
export const REF = { groupId: GROUP, name: "flex-demo", restoreJobId: JOB } as const

export const JOB_BODY = {
  deliveryType: "RESTORE",
  expirationDate: "2026-08-11T03:04:32Z",
  id: JOB,
  instanceName: "flex-demo",
  links: [{ href: "https://cloud.mongodb.com/api/atlas/v2/x", rel: "self" }],
  projectId: GROUP,
  restoreFinishedDate: "2026-08-10T03:06:32Z",
  restoreScheduledDate: "2026-08-10T03:04:32Z",
  snapshotFinishedDate: "2026-08-10T03:00:00Z",
  snapshotId: "66b000000000000000000001",
  snapshotUrl: "https://example.com/snap.tgz",
  status: "COMPLETED",
  targetDeploymentItemName: "target-flex",
  targetProjectId: GROUP,
}
