/**
 * An Effect program over the service: read one restore job, then wait for a
 * progressing one while logging each status change. It runs against the
 * embedded emulator unless `MONGODB_ATLAS_BASE_URL` and credentials are set,
 * with `FLEX_PROJECT_ID`, `FLEX_CLUSTER_NAME` and `FLEX_RESTORE_JOB_ID`.
 *
 * `npm run build && node dist/examples/effect/main.js`
 *
 * @since 0.1.0
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
// In an application: from "atlas-flex-restore" and "atlas-flex-restore/emulator"
import { FlexRestoreJobs, FlexRestoreJobsLive } from "../../src/index.js"
import type { AtlasClientOptions, FlexRestoreJobRef } from "../../src/index.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"

/**
 * Reads `ref`, then waits for `progressing`, logging each status change.
 *
 * @since 0.1.0
 * @category programs
 */
export const program = (ref: FlexRestoreJobRef, progressing: FlexRestoreJobRef) =>
  Effect.gen(function* () {
    const jobs = yield* FlexRestoreJobs
    const job = yield* jobs.get(ref)
    yield* Console.log(`${job.id}: ${job.status} (${job.deliveryType}), snapshot ${job.snapshotId}`)
    const done = yield* jobs.wait(progressing, {
      interval: "200 millis",
      timeout: "1 minute",
      onStatusChange: (job, elapsedMillis) => Console.log(`  ${elapsedMillis} ms: ${job.status}`),
    })
    return [job, done] as const
  }).pipe(
    Effect.catchTag("NotFound", (e) => Effect.fail(new Error(`no such restore job (${e.errorCode ?? e.status})`))),
  )

/**
 * Runs `program` against Atlas if the environment names a target, else
 * against a fresh emulator that it stops afterwards.
 *
 * @since 0.1.0
 * @category programs
 */
export const main = async (env: Readonly<Record<string, string | undefined>> = process.env) => {
  const target = env["FLEX_RESTORE_JOB_ID"]
  if (target !== undefined) {
    const ref = { groupId: env["FLEX_PROJECT_ID"] ?? "", name: env["FLEX_CLUSTER_NAME"] ?? "", restoreJobId: target }
    return Effect.runPromise(program(ref, ref).pipe(Effect.provide(FlexRestoreJobsLive.layerNode({ env }))))
  }
  const emulator = await startEmulator({ progressStepMillis: 300 })
  try {
    const options: AtlasClientOptions = {
      baseUrl: emulator.url,
      auth: { publicKey: emulator.credentials.publicKey, privateKey: emulator.credentials.privateKey },
      env: {},
    }
    const ref = (restoreJobId: string) => ({
      groupId: EmulatorSeed.groupId,
      name: EmulatorSeed.clusterName,
      restoreJobId,
    })
    return await Effect.runPromise(
      program(ref(EmulatorSeed.jobs.completed), ref(EmulatorSeed.jobs.progressing)).pipe(
        Effect.provide(FlexRestoreJobsLive.layerNode(options)),
      ),
    )
  } finally {
    await emulator.stop()
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(String(error))
      process.exit(1)
    },
  )
}
