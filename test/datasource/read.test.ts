import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Tracer } from "effect"
import { NotFound } from "../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../src/atlas/AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import { read } from "../../src/datasource/read.js"
import { recordingTracer } from "../spans.js"
import { loadFresh } from "../fresh.js"

const config = {
  project_id: "6650f1a2b3c4d5e6f7a8b9c0",
  name: "flex-demo",
  restore_job_id: "66a0000000000000000000c1",
} as const

/** A fake service that records the references it is asked for. */
const fake = (answer: (ref: FlexRestoreJobRef) => Effect.Effect<FlexRestoreJob, AtlasError>) => {
  const calls: Array<FlexRestoreJobRef> = []
  const layer = Layer.succeed(FlexRestoreJobs, {
    get: (ref) => {
      calls.push(ref)
      return answer(ref)
    },
    wait: () => Effect.die("read must not wait"),
  })
  return { calls, layer }
}

describe("read", () => {
  it.effect("asks the service for the configured job once and maps its answer", () => {
    const { calls, layer } = fake(() =>
      Effect.succeed({ status: "RUNNING", deliveryType: "RESTORE", snapshotId: "66b000000000000000000001" }),
    )
    return Effect.gen(function* () {
      const state = yield* read(config)
      assert.deepStrictEqual(calls, [
        { groupId: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restoreJobId: "66a0000000000000000000c1" },
      ])
      assert.strictEqual(state.status, "RUNNING")
      assert.strictEqual(state.delivery_type, "RESTORE")
      assert.strictEqual(state.snapshot_id, "66b000000000000000000001")
      assert.strictEqual(state.restore_finished_date, null)
      assert.strictEqual(state.restore_job_id, config.restore_job_id)
    }).pipe(Effect.provide(layer))
  })

  it.effect("fails with the service's typed error, unchanged", () => {
    const notFound = new NotFound({ status: 404, errorCode: "RESOURCE_NOT_FOUND", detail: "No such job." })
    const { layer } = fake(() => Effect.fail(notFound))
    return Effect.gen(function* () {
      const error = yield* Effect.flip(read(config))
      assert.strictEqual(error, notFound)
      assert.strictEqual(error._tag, "NotFound")
    }).pipe(Effect.provide(layer))
  })

  // The span's name is fixed when the module loads: judged on a copy loaded afresh inside the test.
  it.effect("runs as the span datasource.read, the name a user's traces show", () => {
    const { tracer, spans } = recordingTracer()
    const { layer } = fake(() => Effect.succeed({ status: "COMPLETED" }))
    return Effect.gen(function* () {
      const { read: fresh } = yield* Effect.promise(() =>
        loadFresh<typeof import("../../src/datasource/read.js")>(
          new URL("../../src/datasource/read.ts", import.meta.url),
        ),
      )
      yield* fresh(config)
      assert.deepStrictEqual(
        spans.map((s) => s.name),
        ["datasource.read"],
      )
    }).pipe(Effect.provide(layer), Effect.provideService(Tracer.Tracer, tracer))
  })
})
