/**
 * The data source's read: configuration → service call → attribute values.
 * The provider plugin serves it; nothing else computes attribute values
 * another way.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { FlexRestoreJobs } from "../atlas/FlexRestoreJobs.js"
import { toRef, toState } from "./model.js"
import type { FlexRestoreJobConfig } from "./model.js"

/**
 * @since 0.1.0
 * @category read
 */
export const read = Effect.fn("datasource.read")(function* (config: FlexRestoreJobConfig) {
  const jobs = yield* FlexRestoreJobs
  const job = yield* jobs.get(toRef(config))
  return toState(config, job)
})
