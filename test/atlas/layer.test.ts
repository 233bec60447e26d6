import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"

const tokenOptions = { baseUrl: "https://atlas.test", auth: { accessToken: "tok-secret" }, env: {} }

describe("FlexRestoreJobsLive (access token)", () => {
  it.effect("reads a job with the versioned Accept, User-Agent and bearer token", () => {
    const f = fake(() => json(200, JOB_BODY))
    return Effect.gen(function* () {
      const jobs = yield* FlexRestoreJobs
      const job = yield* jobs.get(REF)
      assert.deepStrictEqual(job, JOB_BODY)
      assert.strictEqual(f.requests.length, 1)
      const r = f.requests[0]!
      assert.strictEqual(
        r.url.href,
        `https://atlas.test/api/atlas/v2/groups/${REF.groupId}/flexClusters/flex-demo/backup/restoreJobs/${REF.restoreJobId}`,
      )
      assert.strictEqual(r.headers["accept"], "application/vnd.atlas.2024-11-13+json")
      assert.match(r.headers["user-agent"]!, /^atlas-flex-restore\/\d+\.\d+\.\d+ \(Node \d+\.\d+\.\d+; \w+ \w+\)$/)
      assert.strictEqual(r.headers["authorization"], "Bearer tok-secret")
    }).pipe(Effect.provide(FlexRestoreJobsLive.layer(tokenOptions).pipe(Layer.provide(f.layer))))
  })
})
