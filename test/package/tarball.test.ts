/**
 * The tarball `npm pack` makes, as a user gets it: what it holds, what it
 * depends on, and that each face works from a plain `npm install <tarball>`
 * in a temporary project: the Promise API against the emulator, the
 * `atlas-flex-restore/cdktf` entry with cdktf, the CLI bin, and terraform
 * through the installed plugin. Prints the tarball's packed and unpacked size.
 */
import { builtinModules } from "node:module"
import { readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath } from "../emulator/helpers.js"
import { terraformSuiteTitle, terraformVersion } from "../provider/terraform.js"
import { npmEnv, pack, repoRoot, run, userProject, type Packed } from "./packed.js"

const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  name: string
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
  peerDependencies: Record<string, string>
}
const tfVersion = terraformVersion()
const { groupId, clusterName, jobs } = EmulatorSeed

let packed: Packed
let project: { readonly dir: string; readonly home: string }
let env: Record<string, string>
let emulator: RunningEmulator
let install: { code: number | null; stdout: string; stderr: string }

beforeAll(async () => {
  packed = pack()
  project = userProject("tarball")
  env = npmEnv(project.home)
  emulator = await startEmulator()
  install = await run(
    "npm",
    [
      "install",
      packed.tarball,
      `cdktf@${manifest.devDependencies["cdktf"]}`,
      `constructs@${manifest.devDependencies["constructs"]}`,
    ],
    { cwd: project.dir, env, timeoutMillis: 240_000 },
  )
}, 300_000)

afterAll(async () => {
  await emulator?.stop()
  if (project) rmSync(join(project.dir, ".."), { recursive: true, force: true })
  if (packed) rmSync(join(packed.tarball, ".."), { recursive: true, force: true })
})

/** The job as the emulator serves it, read without the package. */
const served = async (restoreJobId: string) =>
  (await (
    await fetch(emulator.url + jobPath(restoreJobId), {
      headers: { accept, authorization: `Bearer ${emulator.credentials.accessToken}` },
    })
  ).json()) as Record<string, string>

/** Runs an ES module in the project with node. */
const runModule = async (name: string, source: string, extra: Record<string, string> = {}) => {
  writeFileSync(join(project.dir, name), source)
  const ran = await run(process.execPath, [name], { cwd: project.dir, env: { ...env, ...extra } })
  expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0)
  return ran.stdout
}

describe("the packed tarball", () => {
  it("holds what users run and read, and nothing else", () => {
    const paths = packed.files.map((f) => f.path)
    console.log(
      `\natlas-flex-restore tarball: ${paths.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} bytes unpacked\n`,
    )
    for (const needed of [
      "LICENSE",
      "README.md",
      "package.json",
      "bin/atlas-flex-restore.js",
      "bin/terraform-provider-mongodbatlas",
      "dist/cli/atlas-flex-restore.mjs",
      "dist/provider/launch.cjs",
      "dist/provider/plugin.cjs",
      "dist/provider/reader.cjs",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/cdktf/index.js",
      "dist/src/emulator/index.js",
    ])
      expect(paths).toContain(needed)
    const unwanted = paths.filter((p) =>
      /^dist\/(bench|scripts|examples|generate)\/|\.tsbuildinfo$|\.map$|\.cache$|^test\/|\.ts$(?<!\.d\.ts)/.test(p),
    )
    expect(unwanted).toEqual([])
    expect(readFileSync(join(repoRoot, "LICENSE"), "utf8")).toMatch(/^MIT License\n\nCopyright \(c\) 2026 /)
  })

  it("names in README only files that it holds", () => {
    const readme = readFileSync(join(repoRoot, "README.md"), "utf8")
    const named = [...readme.matchAll(/`([\w./-]+\.md)`/g)].map((m) => m[1]!)
    const links = [...readme.matchAll(/\]\((?!https?:|#)([^)]+)\)/g)].map((m) => m[1]!)
    const paths = packed.files.map((f) => f.path)
    for (const file of [...named, ...links]) expect(paths, `README names ${file}`).toContain(file)
  })

  it("depends at run time on exactly what its shipped code imports", () => {
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]))
    const imported = new Set<string>()
    for (const f of packed.files.filter((f) => /\.(m|c)?js$/.test(f.path))) {
      const source = readFileSync(join(repoRoot, f.path), "utf8")
      for (const m of source.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'./\s,][^"'\s,]*)["']/g,
      )) {
        const spec = m[1]!
        if (spec.startsWith("node:") || builtins.has(spec) || builtins.has(spec.split("/")[0]!)) continue
        imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!)
      }
    }
    imported.delete(manifest.name)
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)])
    expect([...imported].filter((name) => !declared.has(name))).toEqual([])
    expect(Object.keys(manifest.dependencies).filter((name) => !imported.has(name))).toEqual([])
  })
})

describe("installed with npm install <tarball>", () => {
  it("installs without install scripts of its dependencies to approve", () => {
    expect(install.code, install.stdout + install.stderr).toBe(0)
    // npm 11 lists every package with lifecycle scripts ("npm warn install-scripts   name@version (script)");
    // ours is its own `prepare` (the build of a checkout, never run from a tarball), no dependency's.
    const listed = [...install.stderr.matchAll(/install-scripts\s+(@?[^@\s]+)@\S+ \(/g)].map((m) => m[1])
    expect(listed.filter((name) => name !== manifest.name)).toEqual([])
    expect(existsSync(join(project.dir, "node_modules", "protobufjs"))).toBe(false)
    expect(existsSync(join(project.dir, "node_modules", "@msgpack"))).toBe(false)
  })

  it("the Promise API reads a job from the emulator", async () => {
    const out = await runModule(
      "promise.mjs",
      `import { getFlexRestoreJob } from "atlas-flex-restore"
const job = await getFlexRestoreJob({ groupId: ${JSON.stringify(groupId)}, name: ${JSON.stringify(clusterName)}, restoreJobId: ${JSON.stringify(jobs.download)} })
console.log(JSON.stringify(job))
`,
      { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken },
    )
    const expected = await served(jobs.download)
    const job = JSON.parse(out) as Record<string, unknown>
    expect(job["id"]).toBe(expected["id"])
    expect(job["status"]).toBe(expected["status"])
    expect(job["snapshotUrl"]).toBe(expected["snapshotUrl"])
  })

  it("atlas-flex-restore/cdktf synthesizes with cdktf and looks a job up", async () => {
    const out = await runModule(
      "cdktf.mjs",
      `import { App, TerraformOutput, TerraformStack } from "cdktf"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider, lookupFlexRestoreJob } from "atlas-flex-restore/cdktf"
const app = new App({ outdir: "cdktf.out" })
const stack = new TerraformStack(app, "s")
new MongodbatlasProvider(stack, "atlas", {})
const job = new DataMongodbatlasFlexRestoreJob(stack, "restore", { projectId: ${JSON.stringify(groupId)}, name: ${JSON.stringify(clusterName)}, restoreJobId: ${JSON.stringify(jobs.completed)} })
new TerraformOutput(stack, "status", { value: job.status })
app.synth()
const now = await lookupFlexRestoreJob({ projectId: ${JSON.stringify(groupId)}, name: ${JSON.stringify(clusterName)}, restoreJobId: ${JSON.stringify(jobs.completed)} })
console.log(now.status)
`,
      { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken },
    )
    expect(out.trim()).toBe((await served(jobs.completed))["status"])
    const synthesized = JSON.parse(
      readFileSync(join(project.dir, "cdktf.out", "stacks", "s", "cdk.tf.json"), "utf8"),
    ) as Record<string, any>
    expect(synthesized["data"]["mongodbatlas_flex_restore_job"]["restore"]).toMatchObject({
      project_id: groupId,
      name: clusterName,
      restore_job_id: jobs.completed,
    })
    expect(synthesized["output"]["status"]["value"]).toBe("${data.mongodbatlas_flex_restore_job.restore.status}")
  })

  it("the CLI bin gets a job", async () => {
    const ran = await run(
      join(project.dir, "node_modules", ".bin", "atlas-flex-restore"),
      ["get", "--group-id", groupId, "--name", clusterName, "--restore-job-id", jobs.completed, "-o", "json"],
      {
        cwd: project.dir,
        env: {
          ...env,
          MONGODB_ATLAS_BASE_URL: emulator.url,
          MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
        },
      },
    )
    expect(ran.code, ran.stderr).toBe(0)
    expect(JSON.parse(ran.stdout)).toEqual(await served(jobs.completed))
  })

  describe.skipIf(tfVersion === undefined)(
    terraformSuiteTitle(tfVersion, (v) => `terraform ${v} plans through the installed plugin`),
    () => {
      it("reads the data source", async () => {
        const dir = join(project.dir, "tf")
        mkdirSync(dir)
        const cliConfig = join(project.dir, "dev.tfrc")
        writeFileSync(
          cliConfig,
          `provider_installation {\n  dev_overrides {\n    "registry.terraform.io/atlas-flex/mongodbatlas" = "${join(project.dir, "node_modules", "atlas-flex-restore", "bin")}"\n  }\n  direct {}\n}\n`,
        )
        writeFileSync(
          join(dir, "main.tf"),
          `terraform {\n  required_providers {\n    mongodbatlas = { source = "registry.terraform.io/atlas-flex/mongodbatlas" }\n  }\n}\n` +
            `data "mongodbatlas_flex_restore_job" "this" {\n  project_id = "${groupId}"\n  name = "${clusterName}"\n  restore_job_id = "${jobs.download}"\n}\n` +
            `output "snapshot_url" {\n  value     = data.mongodbatlas_flex_restore_job.this.snapshot_url\n  sensitive = true\n}\n`,
        )
        const plan = await run("terraform", ["plan", "-input=false", "-no-color"], {
          cwd: dir,
          env: {
            ...env,
            TF_CLI_CONFIG_FILE: cliConfig,
            MONGODB_ATLAS_BASE_URL: emulator.url,
            MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
          },
        })
        expect(plan.code, plan.stdout + plan.stderr).toBe(0)
        // Sensitive: the plan shows it hidden, `terraform output -raw` (after apply) would print it.
        expect(plan.stdout).toContain("snapshot_url = (sensitive value)")
        expect(plan.stdout).not.toContain(String((await served(jobs.download))["snapshotUrl"]))
      })
    },
  )
})
