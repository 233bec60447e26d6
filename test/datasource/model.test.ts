import { describe, expect, it } from "vitest"
import type { FlexRestoreJob } from "../../src/atlas/FlexRestoreJob.js"
import {
  DATA_SOURCE_TYPE,
  EPHEMERAL_RESOURCE_TYPE,
  flexRestoreJobDataSource,
  PROVIDER_SOURCE,
  providerSchemaJson,
} from "../../src/datasource/schema.js"
import { toRef, toState } from "../../src/datasource/model.js"
import type { FlexRestoreJobConfig, FlexRestoreJobState } from "../../src/datasource/model.js"

const config: FlexRestoreJobConfig = {
  project_id: "6650f1a2b3c4d5e6f7a8b9c0",
  name: "flex-demo",
  restore_job_id: "66a0000000000000000000d1",
}

/** Every field of `FlexBackupRestoreJob20241113`, with values that differ from one another. */
const complete: FlexRestoreJob = {
  deliveryType: "DOWNLOAD",
  expirationDate: "2026-08-11T03:04:32Z",
  // The API echoes its own id and cluster name; the state keeps the configured ones.
  id: "66a0000000000000000000ff",
  instanceName: "echoed-name",
  links: [{ href: "https://cloud.mongodb.com/api/atlas/v2/groups/x", rel: "self" }],
  projectId: "6650f1a2b3c4d5e6f7a8b9ff",
  restoreFinishedDate: "2026-08-10T03:06:01Z",
  restoreScheduledDate: "2026-08-10T03:04:40Z",
  snapshotFinishedDate: "2026-08-10T02:00:00Z",
  snapshotId: "66b000000000000000000001",
  snapshotUrl: "https://restore.example/snapshot.tar.gz",
  status: "COMPLETED",
  targetDeploymentItemName: "flex-target",
  targetProjectId: "6650f1a2b3c4d5e6f7a8b9c1",
}

const cases: ReadonlyArray<{ name: string; job: FlexRestoreJob; state: FlexRestoreJobState }> = [
  {
    name: "a complete job",
    job: complete,
    state: {
      project_id: "6650f1a2b3c4d5e6f7a8b9c0",
      name: "flex-demo",
      restore_job_id: "66a0000000000000000000d1",
      delivery_type: "DOWNLOAD",
      expiration_date: "2026-08-11T03:04:32Z",
      restore_finished_date: "2026-08-10T03:06:01Z",
      restore_scheduled_date: "2026-08-10T03:04:40Z",
      snapshot_finished_date: "2026-08-10T02:00:00Z",
      snapshot_id: "66b000000000000000000001",
      snapshot_url: "https://restore.example/snapshot.tar.gz",
      status: "COMPLETED",
      target_deployment_item_name: "flex-target",
      target_project_id: "6650f1a2b3c4d5e6f7a8b9c1",
    },
  },
  {
    name: "an empty job",
    job: {},
    state: {
      project_id: "6650f1a2b3c4d5e6f7a8b9c0",
      name: "flex-demo",
      restore_job_id: "66a0000000000000000000d1",
      delivery_type: null,
      expiration_date: null,
      restore_finished_date: null,
      restore_scheduled_date: null,
      snapshot_finished_date: null,
      snapshot_id: null,
      snapshot_url: null,
      status: null,
      target_deployment_item_name: null,
      target_project_id: null,
    },
  },
  {
    name: "a running job (no finish date, no URL, no links) with an undocumented status kept as is",
    job: {
      deliveryType: "RESTORE",
      id: "66a0000000000000000000d1",
      restoreScheduledDate: "2026-08-10T03:04:40Z",
      snapshotFinishedDate: "2026-08-10T02:00:00Z",
      snapshotId: "66b000000000000000000001",
      status: "RESTORING_SOMEHOW",
      targetDeploymentItemName: "flex-target",
      targetProjectId: "6650f1a2b3c4d5e6f7a8b9c0",
    },
    state: {
      project_id: "6650f1a2b3c4d5e6f7a8b9c0",
      name: "flex-demo",
      restore_job_id: "66a0000000000000000000d1",
      delivery_type: "RESTORE",
      expiration_date: null,
      restore_finished_date: null,
      restore_scheduled_date: "2026-08-10T03:04:40Z",
      snapshot_finished_date: "2026-08-10T02:00:00Z",
      snapshot_id: "66b000000000000000000001",
      snapshot_url: null,
      status: "RESTORING_SOMEHOW",
      target_deployment_item_name: "flex-target",
      target_project_id: "6650f1a2b3c4d5e6f7a8b9c0",
    },
  },
]

describe("toState", () => {
  it.each(cases)("maps $name", ({ job, state }) => {
    expect(toState(config, job)).toStrictEqual(state)
  })

  it("yields exactly the attributes of the schema, no more, no fewer", () => {
    for (const { job } of cases) {
      expect(Object.keys(toState(config, job)).sort()).toStrictEqual(
        Object.keys(flexRestoreJobDataSource.block.attributes).sort(),
      )
    }
  })
})

describe("toRef", () => {
  it("renames Terraform's inputs to the API's path parameters", () => {
    expect(toRef(config)).toStrictEqual({
      groupId: "6650f1a2b3c4d5e6f7a8b9c0",
      name: "flex-demo",
      restoreJobId: "66a0000000000000000000d1",
    })
  })
})

describe("providerSchemaJson", () => {
  it("has the shape `terraform providers schema -json` prints: format 1.0, the data source and the ephemeral resource", () => {
    const json = providerSchemaJson()
    expect(json.format_version).toBe("1.0")
    expect(Object.keys(json.provider_schemas)).toEqual([PROVIDER_SOURCE])
    const schemas = json.provider_schemas[PROVIDER_SOURCE]
    expect(schemas.data_source_schemas).toEqual({ [DATA_SOURCE_TYPE]: flexRestoreJobDataSource })
    expect(schemas.ephemeral_resource_schemas).toEqual({ [EPHEMERAL_RESOURCE_TYPE]: flexRestoreJobDataSource })
  })
})
