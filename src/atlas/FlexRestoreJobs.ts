/**
 * The service for the one endpoint: read a flex-cluster restore job, or poll
 * it until it finishes. Everything else in the project (the provider plugin,
 * the CDKTF lookup, the CLI) reaches Atlas through this service.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { Duration, Effect } from "effect"
import type { AtlasError, WaitTimeout } from "./AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "./FlexRestoreJob.js"

/**
 * Per-call options of `get`.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetOptions {
  /** Ask Atlas to wrap the answer in `{ status, content }`; the result is the same either way. */
  readonly envelope?: boolean
  /** Ask Atlas for pretty-printed JSON. */
  readonly pretty?: boolean
}

/**
 * Options of `wait`.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions extends GetOptions {
  /** Time between polls. @default 5 seconds */
  readonly interval?: Duration.Input
  /** Overall time limit; past it `wait` fails with `WaitTimeout`. @default 30 minutes */
  readonly timeout?: Duration.Input
  /** Called with each job whose status differs from the previous poll's. */
  readonly onStatusChange?: (job: FlexRestoreJob, elapsedMillis: number) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface FlexRestoreJobsShape {
  readonly get: (ref: FlexRestoreJobRef, options?: GetOptions) => Effect.Effect<FlexRestoreJob, AtlasError>
  readonly wait: (
    ref: FlexRestoreJobRef,
    options?: WaitOptions,
  ) => Effect.Effect<FlexRestoreJob, AtlasError | WaitTimeout>
}

/**
 * @since 0.1.0
 * @category services
 */
export class FlexRestoreJobs extends Context.Service<FlexRestoreJobs, FlexRestoreJobsShape>()(
  "atlas-flex-restore/FlexRestoreJobs",
) {}
