import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { TestClock } from "effect/testing"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import type { WaitOptions } from "../../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { fake, json, JOB_BODY, REF } from "./fake.js"

const options: AtlasClientOptions = { baseUrl: "https://atlas.test", auth: { accessToken: "t" }, env: {} }

/** A job whose status follows `statuses`, one per poll, then stays on the last. */
const scripted = (statuses: ReadonlyArray<string>) =>
  fake((_, i) => json(200, { ...JOB_BODY, status: statuses[Math.min(i, statuses.length - 1)] }))

const waitFor = (f: ReturnType<typeof fake>, wait: WaitOptions) =>
  FlexRestoreJobs.use((jobs) => jobs.wait(REF, wait)).pipe(
    Effect.provide(FlexRestoreJobsLive.layer(options).pipe(Layer.provide(f.layer))),
  )

/**
 * One turn of the event loop, no real time: the fake answers through promises,
 * which settle before the next turn, so the poll reaches its next sleep on the
 * TestClock before the clock is moved.
 */
const settle = Effect.promise(() => new Promise<void>((r) => setImmediate(r)))
const advance = (millis: number, steps: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < steps; i++) {
      yield* settle
      yield* TestClock.adjust(millis / steps)
      yield* settle
    }
  })

describe("wait", () => {
  it.effect("polls at the interval until COMPLETED and reports each status change", () => {
    const f = scripted(["PENDING", "PENDING", "QUEUED", "RUNNING", "RUNNING", "COMPLETED"])
    const changes: Array<[string | undefined, number]> = []
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        waitFor(f, {
          interval: "2 seconds",
          onStatusChange: (job, ms) => Effect.sync(() => changes.push([job.status, ms])),
        }),
      )
      yield* advance(12_000, 24)
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.status, "COMPLETED")
      assert.strictEqual(f.requests.length, 6)
      assert.deepStrictEqual(changes, [
        ["PENDING", 0],
        ["QUEUED", 4000],
        ["RUNNING", 6000],
        ["COMPLETED", 10_000],
      ])
    })
  })

  it.effect("returns a FAILED job rather than failing", () => {
    const f = scripted(["RUNNING", "FAILED"])
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(waitFor(f, { interval: 1000 }))
      yield* advance(2000, 4)
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.status, "FAILED")
    })
  })

  it.effect("fails with WaitTimeout and the last status past the overall timeout", () => {
    const f = scripted(["PENDING", "RUNNING"])
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(waitFor(f, { interval: 1000, timeout: "10 seconds" })))
      yield* advance(11_000, 22)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "WaitTimeout")
      if (error._tag === "WaitTimeout") {
        assert.strictEqual(error.lastStatus, "RUNNING")
        assert.strictEqual(error.afterMillis, 10_000)
      }
      assert.include(error.message, "RUNNING")
      assert.isAtMost(f.requests.length, 11)
    })
  })

  it.effect("stops at the first error that is not transient", () => {
    const f = fake((_, i) => (i < 2 ? json(200, { status: "RUNNING" }) : json(404, { error: 404, errorCode: "X" })))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(waitFor(f, { interval: 1000 })))
      yield* advance(3000, 6)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "NotFound")
    })
  })

  it.effect("passes envelope to each poll", () => {
    const f = fake(() => json(200, { status: 200, content: { ...JOB_BODY, status: "COMPLETED" } }))
    return Effect.gen(function* () {
      const job = yield* waitFor(f, { envelope: true })
      assert.strictEqual(job.status, "COMPLETED")
      assert.strictEqual(f.requests[0]!.url.searchParams.get("envelope"), "true")
    })
  })
})

describe("wait: options and status reports", () => {
  const waitWith = (f: ReturnType<typeof fake>, wait?: WaitOptions) =>
    FlexRestoreJobs.use((jobs) => (wait === undefined ? jobs.wait(REF) : jobs.wait(REF, wait))).pipe(
      Effect.provide(FlexRestoreJobsLive.layer(options).pipe(Layer.provide(f.layer))),
    )

  it.effect("without options polls every 5 seconds (the default)", () => {
    const f = scripted(["RUNNING", "COMPLETED"])
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(waitWith(f))
      yield* advance(4_999, 1)
      assert.strictEqual(f.requests.length, 1)
      yield* advance(1, 1)
      const job = yield* Fiber.join(fiber)
      assert.strictEqual(job.status, "COMPLETED")
      assert.strictEqual(f.requests.length, 2)
      assert.strictEqual(f.requests[1]!.url.search, "")
    })
  })

  it.effect("passes pretty to each poll, and neither flag when both are false", () => {
    const f = scripted(["RUNNING", "COMPLETED"])
    const g = scripted(["COMPLETED"])
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(waitWith(f, { interval: 1000, pretty: true }))
      yield* advance(1000, 2)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(
        f.requests.map((r) => r.url.search),
        ["?pretty=true", "?pretty=true"],
      )
      yield* waitWith(g, { envelope: false, pretty: false })
      assert.deepStrictEqual(
        g.requests.map((r) => r.url.search),
        [""],
      )
    })
  })

  it.effect("reports the first poll even when the job has no status yet", () => {
    const { status: _status, ...noStatus } = JOB_BODY
    const f = fake((_, i) => json(200, i === 0 ? noStatus : JOB_BODY))
    const changes: Array<[string | undefined, number]> = []
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(
        waitWith(f, { interval: 1000, onStatusChange: (job, ms) => Effect.sync(() => changes.push([job.status, ms])) }),
      )
      yield* advance(1000, 2)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(changes, [
        [undefined, 0],
        ["COMPLETED", 1000],
      ])
    })
  })

  it.effect("measures the elapsed time from the start of the wait, not from the epoch", () => {
    const f = scripted(["QUEUED", "COMPLETED"])
    const changes: Array<[string | undefined, number]> = []
    return Effect.gen(function* () {
      yield* TestClock.adjust(60_000)
      const fiber = yield* Effect.forkChild(
        waitWith(f, { interval: 3000, onStatusChange: (job, ms) => Effect.sync(() => changes.push([job.status, ms])) }),
      )
      yield* advance(3000, 3)
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(changes, [
        ["QUEUED", 0],
        ["COMPLETED", 3000],
      ])
    })
  })

  it.effect("times out with no last status when no poll answered", () => {
    const f = fake(() => new Promise<Response>(() => {}))
    return Effect.gen(function* () {
      const fiber = yield* Effect.forkChild(Effect.flip(waitWith(f, { timeout: "2 seconds" })))
      yield* advance(2000, 4)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "WaitTimeout")
      if (error._tag === "WaitTimeout") {
        assert.strictEqual(error.afterMillis, 2000)
        assert.isFalse("lastStatus" in error)
      }
      assert.strictEqual(error.message, "The restore job did not finish within 2000 ms (last status unknown)")
      assert.strictEqual(f.requests.length, 1)
    })
  })
})
