import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Testing } from "cdktf"
import { describe, expect, it } from "vitest"
import { propsFromEnv, RestoreJobStack } from "../../examples/cdktf/RestoreJobStack.js"
import { FlexRestoreJobConfigError } from "../../src/cdktf/index.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import { defaultVersion } from "./version.js"

const synth = (env: Record<string, string> = {}) => {
  const stack = new RestoreJobStack(Testing.app(), "flex-restore", propsFromEnv(env))
  return { stack, text: Testing.synth(stack), json: JSON.parse(Testing.synth(stack)) as Record<string, any> }
}

const ref = (attribute: string) => `\${data.mongodbatlas_flex_restore_job.restore_job.${attribute}}`

describe("examples/cdktf", () => {
  it("reads the job through our provider, with the cluster's attributes as tokens", () => {
    const { text, json } = synth()
    expect(
      Testing.toHaveDataSourceWithProperties(text, "mongodbatlas_flex_restore_job", {
        project_id: "${var.flex_cluster_project_id}",
        name: "${var.flex_cluster_name}",
        restore_job_id: EmulatorSeed.jobs.completed,
      }),
    ).toBe(true)
    expect(json["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    expect(json["provider"]).toStrictEqual({ atlasflex: [{}] })
    expect(json["data"]["mongodbatlas_flex_restore_job"]["restore_job"]["provider"]).toBe("atlasflex")
    expect(json["variable"]).toMatchInlineSnapshot(`
      {
        "flex_cluster_name": {
          "default": "flex-demo",
          "description": "Name of the flex cluster.",
          "type": "string",
        },
        "flex_cluster_project_id": {
          "default": "6650f1a2b3c4d5e6f7a8b9c0",
          "description": "Project (group) of the flex cluster: 24 hexadecimal digits.",
          "type": "string",
        },
      }
    `)
  })

  it("consumes the job's attributes in outputs, a local and a terraform_data resource", () => {
    const { json } = synth()
    const outputs = Object.fromEntries(
      Object.entries(json["output"] as Record<string, { value: string }>).map(([k, v]) => [k, v.value]),
    )
    expect(outputs).toMatchInlineSnapshot(`
      {
        "completed": "\${local.restore_completed}",
        "delivery_type": "\${data.mongodbatlas_flex_restore_job.restore_job.delivery_type}",
        "expiration_date": "\${data.mongodbatlas_flex_restore_job.restore_job.expiration_date}",
        "restore_finished_date": "\${data.mongodbatlas_flex_restore_job.restore_job.restore_finished_date}",
        "restore_scheduled_date": "\${data.mongodbatlas_flex_restore_job.restore_job.restore_scheduled_date}",
        "snapshot_finished_date": "\${data.mongodbatlas_flex_restore_job.restore_job.snapshot_finished_date}",
        "snapshot_id": "\${data.mongodbatlas_flex_restore_job.restore_job.snapshot_id}",
        "snapshot_url": "\${data.mongodbatlas_flex_restore_job.restore_job.snapshot_url}",
        "status": "\${data.mongodbatlas_flex_restore_job.restore_job.status}",
        "target_deployment_item_name": "\${data.mongodbatlas_flex_restore_job.restore_job.target_deployment_item_name}",
        "target_project_id": "\${data.mongodbatlas_flex_restore_job.restore_job.target_project_id}",
      }
    `)
    expect(json["locals"]).toStrictEqual({ restore_completed: `\${(${ref("status").slice(2, -1)} == "COMPLETED")}` })
    expect(json["resource"]["terraform_data"]["restored_snapshot"]["input"]["snapshot_id"]).toBe(ref("snapshot_id"))
    // Only our provider and Terraform's built-ins.
    expect(Object.keys(json["resource"])).toStrictEqual(["terraform_data"])
    expect(Object.keys(json["provider"])).toStrictEqual(["atlasflex"])
  })

  it("passes cdktf's validations", () => {
    const { stack } = synth()
    expect(() => Testing.synth(stack, true)).not.toThrow()
  })

  it("takes its inputs and base URL from the environment", () => {
    const { json } = synth({
      FLEX_PROJECT_ID: EmulatorSeed.otherGroupId,
      FLEX_CLUSTER_NAME: "other-flex",
      FLEX_RESTORE_JOB_ID: EmulatorSeed.jobs.running,
      MONGODB_ATLAS_BASE_URL: "http://127.0.0.1:4010",
    })
    expect(json["variable"]["flex_cluster_project_id"]["default"]).toBe(EmulatorSeed.otherGroupId)
    expect(json["variable"]["flex_cluster_name"]["default"]).toBe("other-flex")
    expect(json["data"]["mongodbatlas_flex_restore_job"]["restore_job"]["restore_job_id"]).toBe(
      EmulatorSeed.jobs.running,
    )
    expect(json["provider"]).toStrictEqual({ atlasflex: [{ base_url: "http://127.0.0.1:4010" }] })
  })

  it("fails at synth time on a malformed literal restore job id", () => {
    expect(() => synth({ FLEX_RESTORE_JOB_ID: "66A0" })).toThrow(FlexRestoreJobConfigError)
  })

  it("main.ts synthesizes the app into CDKTF_OUTDIR", async () => {
    const outdir = await mkdtemp(join(tmpdir(), "atlas-flex-synth-"))
    const previous = process.env["CDKTF_OUTDIR"]
    try {
      process.env["CDKTF_OUTDIR"] = outdir
      await import("../../examples/cdktf/main.js")
      const manifest = JSON.parse(await readFile(join(outdir, "manifest.json"), "utf8"))
      expect(Object.keys(manifest.stacks)).toStrictEqual(["flex-restore"])
      const stack = JSON.parse(await readFile(join(outdir, "stacks/flex-restore/cdk.tf.json"), "utf8"))
      expect(stack["terraform"]["backend"]).toStrictEqual({ local: { path: "terraform.tfstate" } })
      expect(stack["output"]["status"]["value"]).toBe(ref("status"))
    } finally {
      if (previous === undefined) delete process.env["CDKTF_OUTDIR"]
      else process.env["CDKTF_OUTDIR"] = previous
      await rm(outdir, { recursive: true, force: true })
    }
  })
})
