import { describe, expect, it } from "vitest"
import { NotFound } from "../../../src/atlas/AtlasError.js"
import { Summaries } from "../../../src/datasource/plugin/AtlasDiagnostics.js"
import type { AtlasSession } from "../../../src/datasource/plugin/AtlasProvider.js"
import { flexRestoreJob } from "../../../src/datasource/plugin/FlexRestoreJobDataSource.js"
import type { ReadOutcome } from "../../../src/datasource/plugin/Session.js"
import { DATA_SOURCE_TYPE, flexRestoreJobDataSource } from "../../../src/datasource/schema.js"

const config = { project_id: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restore_job_id: "66a0000000000000000000c1" }
const hex = "24 lower-case hexadecimal digits (^([a-f0-9]{24})$)"

/** A session that answers every run with `outcome` and records the calls. */
const fakeSession = (outcome: ReadOutcome<unknown>) => {
  const calls: Array<ReadonlyArray<unknown>> = []
  const session: AtlasSession = {
    scrub: (text) => text,
    check: async () => [],
    dispose: async () => {},
    run: (async (...args: ReadonlyArray<unknown>) => (calls.push(args), outcome)) as AtlasSession["run"],
  }
  return { session, calls }
}

describe("flexRestoreJob", () => {
  it("is the data source mongodbatlas_flex_restore_job", () => {
    expect(flexRestoreJob.typeName).toBe(DATA_SOURCE_TYPE)
    expect(flexRestoreJob.schema).toBe(flexRestoreJobDataSource)
  })

  it("validate: nothing to say about valid or absent inputs", () => {
    expect(flexRestoreJob.validate(config)).toEqual([])
    expect(flexRestoreJob.validate({})).toEqual([])
    // Attributes that are not inputs are not checked.
    expect(flexRestoreJob.validate({ ...config, status: "-", snapshot_id: "x" })).toEqual([])
  })

  it("validate: each malformed input on its attribute, in the schema's order, naming the value and the rule", () => {
    expect(flexRestoreJob.validate({ restore_job_id: "ABC", name: "-x", project_id: "p" })).toEqual([
      {
        severity: "ERROR",
        summary: Summaries.InvalidRequest,
        detail: `project_id "p" must be ${hex}.`,
        attribute: { steps: [{ attribute_name: "project_id" }] },
      },
      {
        severity: "ERROR",
        summary: Summaries.InvalidRequest,
        detail: 'name "-x" must be a letter or digit, then letters, digits or hyphens (^[a-zA-Z0-9][a-zA-Z0-9-]*$).',
        attribute: { steps: [{ attribute_name: "name" }] },
      },
      {
        severity: "ERROR",
        summary: Summaries.InvalidRequest,
        detail: `restore_job_id "ABC" must be ${hex}.`,
        attribute: { steps: [{ attribute_name: "restore_job_id" }] },
      },
    ])
    expect(flexRestoreJob.validate({ name: "" }).map((d) => d.detail)).toEqual([
      'name "" must be a letter or digit, then letters, digits or hyphens (^[a-zA-Z0-9][a-zA-Z0-9-]*$).',
    ])
  })

  it("read: runs the flexRestoreJob program on exactly the inputs, with the call's signal, and answers the state", async () => {
    const state = { ...config, status: "COMPLETED", snapshot_id: null }
    const { session, calls } = fakeSession({ _tag: "Success", state })
    const signal = new AbortController().signal
    expect(await flexRestoreJob.read(session, { ...config, status: "ignored" }, signal)).toEqual({
      _tag: "State",
      state,
    })
    expect(calls).toEqual([["flexRestoreJob", config, signal]])
    expect(calls[0]![2]).toBe(signal)
  })

  it("read: a typed error's diagnostics, naming the inputs", async () => {
    const { session } = fakeSession({
      _tag: "Failure",
      error: new NotFound({ status: 404, errorCode: "CLUSTER_NOT_FOUND" }),
    })
    expect(await flexRestoreJob.read(session, config, new AbortController().signal)).toEqual({
      _tag: "Diagnostics",
      diagnostics: [
        {
          severity: "ERROR",
          summary: Summaries.NotFound,
          detail:
            'Not found (HTTP 404 CLUSTER_NOT_FOUND) (project_id "6650f1a2b3c4d5e6f7a8b9c0", name "flex-demo", restore_job_id "66a0000000000000000000c1")\n' +
            "Atlas error code: CLUSTER_NOT_FOUND\nHint: check name.",
          attribute: { steps: [{ attribute_name: "name" }] },
        },
      ],
    })
  })

  it("read: an interrupted read is cancelled, a defect is an internal error with its message", async () => {
    const signal = AbortSignal.abort()
    expect(await flexRestoreJob.read(fakeSession({ _tag: "Interrupted" }).session, config, signal)).toEqual({
      _tag: "Diagnostics",
      diagnostics: [
        {
          severity: "ERROR",
          summary: Summaries.Cancelled,
          detail: "Terraform stopped the provider while the restore job was being read.",
        },
      ],
    })
    expect(await flexRestoreJob.read(fakeSession({ _tag: "Defect", message: "boom" }).session, config, signal)).toEqual(
      {
        _tag: "Diagnostics",
        diagnostics: [{ severity: "ERROR", summary: Summaries.Internal, detail: "boom" }],
      },
    )
  })
})
