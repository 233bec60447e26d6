/**
 * The one failure the CLI adds to the service's: `get` or `wait` found the
 * job FAILED. Atlas answered fine; the restore itself did not work.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category errors
 */
export class JobFailed extends Schema.TaggedError<JobFailed>()("JobFailed", {
  restoreJobId: Schema.String,
  elapsedMillis: Schema.Number,
}) {
  override get message(): string {
    return `Restore job ${this.restoreJobId} finished with status FAILED`
  }
}
