/**
 * Test helpers for running the real `terraform` against the plugin: a CLI
 * configuration with `dev_overrides` (no `terraform init`), a working
 * directory per case, and an asynchronous runner (the emulator answers from
 * the test process, so its event loop must stay free).
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { FlexRestoreJobConfig } from "../../src/datasource/model.js"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"

/** The installed terraform's version, or undefined when there is none. */
export const terraformVersion = (): string | undefined => {
  try {
    return (
      JSON.parse(
        execFileSync("terraform", ["version", "-json"], {
          encoding: "utf8",
          env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
        }),
      ) as { terraform_version: string }
    ).terraform_version
  } catch {
    return undefined
  }
}

/**
 * A title for a suite that needs terraform: as given when it is installed;
 * otherwise one that says the suite is SKIPPED and why, also printed on
 * stderr, so a run without terraform never passes quietly.
 */
export const terraformSuiteTitle = (version: string | undefined, title: (version: string) => string): string => {
  if (version !== undefined) return title(version)
  const skipped = `SKIPPED (terraform is not on PATH; install terraform >= 1.11 to run it): ${title(">= 1.11")}`
  console.warn(`\n!!! ${skipped} !!!\n`)
  return skipped
}

/** Writes a CLI configuration that serves our provider from `binDir`; returns its path. */
export const cliConfig = (dir: string, binDir: string): string => {
  const file = join(dir, "cli.tfrc")
  writeFileSync(
    file,
    `provider_installation {\n  dev_overrides {\n    "${PROVIDER_SOURCE}" = "${binDir}"\n  }\n  direct {}\n}\n`,
  )
  return file
}

/**
 * Lays our plugin out in a filesystem mirror under `root` (a launcher script
 * that runs `pluginBin`, as version 0.1.0 for this platform) and writes a CLI
 * configuration that installs it from there and anything else from the
 * registry; returns the configuration's path. `terraform init` then installs
 * our provider offline, as for a stack with a `backend` block.
 */
export const mirrorConfig = (root: string, pluginBin: string): string => {
  const platform = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`
  const [host, namespace, type] = PROVIDER_SOURCE.split("/") as [string, string, string]
  const mirror = join(root, "mirror")
  const packageDir = join(mirror, host, namespace, type, "0.1.0", platform)
  mkdirSync(packageDir, { recursive: true })
  writeFileSync(join(packageDir, `terraform-provider-${type}_v0.1.0`), `#!/bin/sh\nexec '${pluginBin}' "$@"\n`, {
    mode: 0o755,
  })
  const rc = join(root, "mirror.tfrc")
  writeFileSync(
    rc,
    `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n    include = ["${PROVIDER_SOURCE}"]\n  }\n` +
      `  direct {\n    exclude = ["${PROVIDER_SOURCE}"]\n  }\n}\n`,
  )
  return rc
}

/** A fresh working directory holding `main.tf`. */
export const workdir = (root: string, mainTf: string): string => {
  const dir = mkdtempSync(join(root, "case-"))
  writeFileSync(join(dir, "main.tf"), mainTf)
  return dir
}

export interface TerraformResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const runTerraform = (
  cwd: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
): Promise<TerraformResult> =>
  new Promise((resolve, reject) => {
    const child = spawn("terraform", [...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d))
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** The base environment of a terraform run: nothing inherited but PATH and HOME. */
export const baseEnv = (cliConfigFile: string, dataDir: string): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  HOME: process.env["HOME"] ?? tmpdir(),
  TF_CLI_CONFIG_FILE: cliConfigFile,
  TF_DATA_DIR: join(dataDir, ".terraform"),
  CHECKPOINT_DISABLE: "1",
  TF_IN_AUTOMATION: "1",
})

/** The emulator's completed job, as the data source's inputs. */
export const seededRef: FlexRestoreJobConfig = {
  project_id: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restore_job_id: EmulatorSeed.jobs.completed,
}

/**
 * A `main.tf` with our provider (its block's body given), the data source, one output holding all of it (sensitive,
 * as `snapshot_url` is) and one of its status.
 */
export const mainTf = (providerBlock: string, data: Partial<FlexRestoreJobConfig> = {}): string => {
  const r = { ...seededRef, ...data }
  return `terraform {
  required_providers {
    mongodbatlas = { source = "${PROVIDER_SOURCE}" }
  }
}

provider "mongodbatlas" {
${providerBlock}
}

data "mongodbatlas_flex_restore_job" "this" {
  project_id     = "${r.project_id}"
  name           = "${r.name}"
  restore_job_id = "${r.restore_job_id}"
}

output "job" {
  value     = data.mongodbatlas_flex_restore_job.this
  sensitive = true
}

output "status" {
  value = data.mongodbatlas_flex_restore_job.this.status
}
`
}
