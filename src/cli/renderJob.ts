/**
 * How a job is printed on stdout: JSON with the API's field names (what
 * scripts and `jq` read), or a table for people with the columns the Atlas
 * CLI uses for restore jobs (ID, SNAPSHOT, CLUSTER, TYPE, EXPIRES AT, URLs)
 * plus the status and the dates.
 *
 * @since 0.1.0
 */
import type { FlexRestoreJob } from "../atlas/FlexRestoreJob.js"

/**
 * @since 0.1.0
 * @category models
 */
export type OutputFormat = "json" | "table"

/**
 * @since 0.1.0
 * @category models
 */
export interface RenderOptions {
  readonly format: OutputFormat
  /** Indent the JSON (what `--pretty` or a terminal on stdout asks for). */
  readonly indent: boolean
  /** Print the JSON as Atlas's `{ status, content }` envelope (`--envelope`). */
  readonly envelope: boolean
}

/**
 * The table's columns: a header and the job field it shows. CLUSTER is the
 * restore's target, as in the Atlas CLI; URLs is the download link.
 *
 * @since 0.1.0
 * @category models
 */
export const tableColumns: ReadonlyArray<readonly [header: string, field: keyof FlexRestoreJob]> = [
  ["ID", "id"],
  ["SNAPSHOT", "snapshotId"],
  ["CLUSTER", "targetDeploymentItemName"],
  ["TYPE", "deliveryType"],
  ["STATUS", "status"],
  ["SCHEDULED", "restoreScheduledDate"],
  ["FINISHED", "restoreFinishedDate"],
  ["EXPIRES AT", "expirationDate"],
  ["URLs", "snapshotUrl"],
]

/**
 * Columns padded to their widest cell and separated by three spaces, like
 * the Atlas CLI's tabwriter output. An absent value is `-`, so every row
 * keeps its column count for `awk` and `cut`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const renderTable = (jobs: ReadonlyArray<FlexRestoreJob>): string => {
  const rows = [
    tableColumns.map(([header]) => header),
    ...jobs.map((job) => tableColumns.map(([, field]) => cell(job[field]))),
  ]
  const widths = tableColumns.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join("   ")
        .trimEnd(),
    )
    .join("\n")
}

const cell = (value: unknown): string =>
  typeof value === "string" && value.length > 0 ? value.replace(/\s+/g, " ") : "-"

/**
 * The text printed on stdout for one job, ending with a newline.
 *
 * @since 0.1.0
 * @category formatting
 */
export const renderJob = (job: FlexRestoreJob, options: RenderOptions): string => {
  if (options.format === "table") return renderTable([job]) + "\n"
  const body = options.envelope ? { status: 200, content: job } : job
  return JSON.stringify(body, null, options.indent ? 2 : undefined) + "\n"
}
