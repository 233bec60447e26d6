/**
 * The fixed identifiers of the emulator's seeded data, so that examples, tests
 * and the CLI's help can name them. The emulator keeps its own copy of the
 * jobs' contents; only the ids are shared.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 * @category seed
 */
export const EmulatorSeed = {
  groupId: "6650f1a2b3c4d5e6f7a8b9c0",
  /** A second project, with no clusters; the `completed` job restored into it. */
  otherGroupId: "6650f1a2b3c4d5e6f7a8b9ff",
  /** A project the emulator's keys may not read: every lookup in it answers 403. */
  forbiddenGroupId: "6650f1a2b3c4d5e6f7a8b903",
  clusterName: "flex-demo",
  dedicatedClusterName: "dedicated-demo",
  jobs: {
    /** RESTORE, COMPLETED, every field but `snapshotUrl` (Atlas returns it for DOWNLOAD jobs only). */
    completed: "66a0000000000000000000c1",
    /** DOWNLOAD, COMPLETED, every field present, `snapshotUrl` and `expirationDate` included. */
    download: "66a0000000000000000000d1",
    pending: "66a0000000000000000000a1",
    queued: "66a0000000000000000000a2",
    /** RUNNING: `restoreFinishedDate`, `links` and `snapshotUrl` absent, as on real Atlas. */
    running: "66a0000000000000000000a3",
    failed: "66a0000000000000000000f1",
    /** Moves PENDING → QUEUED → RUNNING → COMPLETED as time passes from the emulator's start. */
    progressing: "66a0000000000000000000b1",
    /** Stays RUNNING forever, for `wait` timeouts. */
    stuck: "66a0000000000000000000e1",
  },
} as const
