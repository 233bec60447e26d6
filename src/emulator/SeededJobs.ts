/**
 * The emulator's data: one project with a flex cluster holding a restore job
 * in every state and of both delivery types, a second project with no
 * clusters, a project the keys may not read, and a dedicated cluster the flex
 * API refuses. Job contents live here, apart from the client's model, so the
 * emulator cannot share the client's mistakes; only the ids come from
 * `seed.ts`.
 *
 * @since 0.1.0
 */
import { EmulatorSeed } from "./seed.js"

/**
 * A restore job as the emulator serves it: API field names, absent fields left out.
 *
 * @since 0.1.0
 * @category models
 */
export type EmulatedJob = Readonly<Record<string, unknown>>

/**
 * The outcome of looking a job up.
 *
 * @since 0.1.0
 * @category models
 */
export type JobLookup =
  | { readonly _tag: "Found"; readonly job: EmulatedJob }
  | { readonly _tag: "GroupNotFound" }
  | { readonly _tag: "GroupForbidden" }
  | { readonly _tag: "NotFlex" }
  | { readonly _tag: "ClusterNotFound" }
  | { readonly _tag: "JobNotFound" }

const { groupId, otherGroupId, clusterName, dedicatedClusterName, jobs } = EmulatorSeed

/** Formats a time the way Atlas does: ISO 8601 UTC without milliseconds. */
export const atlasDate = (millis: number): string => `${new Date(millis).toISOString().slice(0, -5)}Z`

const snapshot = (suffix: string) => `66a00000000000000000${suffix}`

const base = (id: string, snapshotSuffix: string) => ({
  id,
  instanceName: clusterName,
  projectId: groupId,
  snapshotId: snapshot(snapshotSuffix),
})

/**
 * The phases the progressing job goes through, one per `progressStepMillis`.
 * A run starts at a read (not at the emulator's start) and ends once
 * COMPLETED has been answered; the next read starts a new run. So every
 * `wait` on it shows every phase, however long after the start and however
 * many waits before it: a demo job, unlike a real one, restarts.
 */
const progression = ["PENDING", "QUEUED", "RUNNING", "COMPLETED"] as const

/**
 * Builds the seeded jobs for one emulator.
 *
 * @since 0.1.0
 * @category constructors
 */
export class SeededJobs {
  constructor(
    private readonly baseUrl: string,
    private readonly progressStepMillis: number,
  ) {}

  /** When the progressing job's current run started; undefined between runs. */
  private startedAt: number | undefined

  lookup(group: string, name: string, restoreJobId: string, now: number): JobLookup {
    if (group === EmulatorSeed.forbiddenGroupId) return { _tag: "GroupForbidden" }
    if (group !== groupId && group !== otherGroupId) return { _tag: "GroupNotFound" }
    if (group === groupId && name === dedicatedClusterName) return { _tag: "NotFlex" }
    if (group !== groupId || name !== clusterName) return { _tag: "ClusterNotFound" }
    const job = this.job(restoreJobId, now)
    if (job === undefined) return { _tag: "JobNotFound" }
    // Atlas prints fields in alphabetical order.
    return { _tag: "Found", job: Object.fromEntries(Object.entries(job).sort(([a], [b]) => (a < b ? -1 : 1))) }
  }

  /** The phase of the progressing job at `now`; a call between runs starts one. */
  progressStatus(now: number): (typeof progression)[number] {
    this.startedAt ??= now
    const step = Math.floor(Math.max(0, now - this.startedAt) / this.progressStepMillis)
    return progression[Math.min(step, progression.length - 1)]!
  }

  private links(id: string) {
    return [
      {
        href: `${this.baseUrl}/api/atlas/v2/groups/${groupId}/flexClusters/${clusterName}/backup/restoreJobs/${id}`,
        rel: "self",
      },
    ]
  }

  private job(id: string, now: number): EmulatedJob | undefined {
    switch (id) {
      case jobs.completed:
        return {
          ...base(id, "05c1"),
          deliveryType: "RESTORE",
          expirationDate: "2026-08-17T03:04:32Z",
          links: this.links(id),
          restoreFinishedDate: "2026-08-10T03:06:12Z",
          restoreScheduledDate: "2026-08-10T03:04:32Z",
          snapshotFinishedDate: "2026-08-09T23:00:41Z",
          // No snapshotUrl: Atlas returns it for DOWNLOAD jobs only.
          status: "COMPLETED",
          targetDeploymentItemName: "flex-restored",
          targetProjectId: otherGroupId,
        }
      case jobs.download:
        return {
          ...base(id, "05d1"),
          deliveryType: "DOWNLOAD",
          expirationDate: "2026-08-12T09:15:00Z",
          links: this.links(id),
          restoreFinishedDate: "2026-08-11T09:16:27Z",
          restoreScheduledDate: "2026-08-11T09:15:00Z",
          snapshotFinishedDate: "2026-08-11T00:00:39Z",
          snapshotUrl: `https://restore.flex.emulator.invalid/${groupId}/${id}/flex-demo-snapshot.tar.gz`,
          status: "COMPLETED",
          targetDeploymentItemName: clusterName,
          targetProjectId: groupId,
        }
      case jobs.pending:
      case jobs.queued:
        return {
          ...base(id, id === jobs.pending ? "05a1" : "05a2"),
          deliveryType: "RESTORE",
          links: this.links(id),
          restoreScheduledDate: "2026-08-12T10:00:00Z",
          snapshotFinishedDate: "2026-08-12T00:00:37Z",
          status: id === jobs.pending ? "PENDING" : "QUEUED",
          targetDeploymentItemName: "flex-staging",
          targetProjectId: groupId,
        }
      case jobs.running:
      case jobs.stuck:
        // As on real Atlas: while RUNNING there is no restoreFinishedDate, links or snapshotUrl.
        return {
          ...base(id, id === jobs.running ? "05a3" : "05e1"),
          deliveryType: "RESTORE",
          restoreScheduledDate: "2026-08-12T10:05:00Z",
          snapshotFinishedDate: "2026-08-12T00:00:37Z",
          status: "RUNNING",
          targetDeploymentItemName: "flex-staging",
          targetProjectId: groupId,
        }
      case jobs.failed:
        return {
          ...base(id, "05f1"),
          deliveryType: "RESTORE",
          links: this.links(id),
          restoreScheduledDate: "2026-08-09T18:20:00Z",
          snapshotFinishedDate: "2026-08-09T00:00:52Z",
          status: "FAILED",
          targetDeploymentItemName: "flex-broken",
          targetProjectId: groupId,
        }
      case jobs.progressing: {
        const status = this.progressStatus(now)
        const scheduled = this.startedAt!
        // Answering COMPLETED ends this run.
        if (status === "COMPLETED") this.startedAt = undefined
        return {
          ...base(id, "05b1"),
          deliveryType: "RESTORE",
          ...(status === "COMPLETED"
            ? {
                links: this.links(id),
                restoreFinishedDate: atlasDate(scheduled + 3 * this.progressStepMillis),
              }
            : {}),
          restoreScheduledDate: atlasDate(scheduled),
          snapshotFinishedDate: atlasDate(scheduled - 3_600_000),
          status,
          targetDeploymentItemName: "flex-progress",
          targetProjectId: groupId,
        }
      }
      default:
        return undefined
    }
  }
}
