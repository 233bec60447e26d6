/**
 * `npm start`: the whole product in one run, offline. It starts the embedded
 * Atlas emulator, reads a restore job through the Effect service, waits for
 * another with the CLI, synthesizes the example CDKTF stack, and runs
 * `terraform init`, `plan` and `apply` through this package's provider plugin
 * against the emulator, then prints the stack's outputs and stops everything.
 *
 * With `ATLAS_FLEX_GROUP_ID`, `ATLAS_FLEX_CLUSTER_NAME` and
 * `ATLAS_FLEX_RESTORE_JOB_ID` (plus the usual MONGODB_ATLAS_* credentials) it
 * does the same against MongoDB Atlas. Steps whose tools are missing
 * (terraform, the plugin, cdktf) are skipped with the reason. `--keep` keeps
 * the work directory (synthesized stack, state) and prints where it is.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../src/atlas/FlexRestoreJobs.js"
import { FlexRestoreJobsLive } from "../src/atlas/layer.js"
import { errorLine } from "../src/cli/errorLine.js"
import { renderTable } from "../src/cli/renderJob.js"
import { DATA_SOURCE_TYPE, PROVIDER_SOURCE } from "../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../src/emulator/index.js"
import type { RunningEmulator } from "../src/emulator/index.js"

type Env = Record<string, string | undefined>

const projectRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, "package.json")
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "atlas-flex-restore") {
      return dir
    }
    const up = dirname(dir)
    if (up === dir) throw new Error("cannot find the atlas-flex-restore package root above " + import.meta.url)
    dir = up
  }
}

const root = projectRoot()
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version
const keep = process.argv.includes("--keep")
const started = Date.now()

// ---------------------------------------------------------------- printing

const out = (line = "") => process.stdout.write(line + "\n")
const indent = (text: string, by = "    ") =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => by + l)
    .join("\n")
const seconds = (millis: number) => `${(millis / 1000).toFixed(1)}s`

let stepNumber = 0
const outcomes: Array<{ step: string; outcome: "ok" | "skipped" | "failed"; note?: string }> = []

const step = (title: string, proves: string) => {
  stepNumber += 1
  out()
  out(`==> ${stepNumber}. ${title}`)
  out(`    (${proves})`)
  return Date.now()
}
const ok = (title: string, since: number, note?: string) => {
  outcomes.push({ step: title, outcome: "ok" })
  out(`    ok in ${seconds(Date.now() - since)}${note ? `: ${note}` : ""}`)
}
const skipped = (title: string, why: string) => {
  outcomes.push({ step: title, outcome: "skipped", note: why })
  out(`    SKIPPED: ${why}`)
}
const failed = (title: string, why: string) => {
  outcomes.push({ step: title, outcome: "failed", note: why })
  out(`    FAILED: ${why}`)
}

// ---------------------------------------------------------------- processes

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly error?: Error
}

const run = (command: string, args: ReadonlyArray<string>, options: { cwd: string; env: Env; timeoutMs?: number }) =>
  new Promise<Ran>((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 180_000)
    child.on("error", (error) => {
      clearTimeout(timer)
      resolve({ code: null, stdout, stderr, error })
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })

// ---------------------------------------------------------------- target

interface Target {
  readonly where: string
  readonly ref: FlexRestoreJobRef
  /** A job for the CLI to wait on: the emulator's progressing one, or the target itself. */
  readonly waitFor: string
  readonly baseUrl: string | undefined
  /** The environment every child process gets: credentials and base URL. */
  readonly env: Env
  readonly emulator: RunningEmulator | undefined
}

const atlasVariables = ["ATLAS_FLEX_GROUP_ID", "ATLAS_FLEX_CLUSTER_NAME", "ATLAS_FLEX_RESTORE_JOB_ID"] as const

/** The environment without any Atlas credentials or base URL, so nothing real reaches the emulator. */
const withoutAtlas = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !/^(MONGODB_ATLAS_|MCLI_)/.test(name)))

const chooseTarget = async (): Promise<Target | string> => {
  const set = atlasVariables.filter((name) => process.env[name])
  if (set.length === atlasVariables.length) {
    const ref = {
      groupId: process.env["ATLAS_FLEX_GROUP_ID"]!,
      name: process.env["ATLAS_FLEX_CLUSTER_NAME"]!,
      restoreJobId: process.env["ATLAS_FLEX_RESTORE_JOB_ID"]!,
    }
    const baseUrl = process.env["MONGODB_ATLAS_BASE_URL"] || undefined
    return {
      where: `MongoDB Atlas (${baseUrl ?? "https://cloud.mongodb.com"})`,
      ref,
      waitFor: ref.restoreJobId,
      baseUrl,
      env: { ...process.env },
      emulator: undefined,
    }
  }
  if (set.length > 0) {
    const missing = atlasVariables.filter((name) => !process.env[name])
    return `to run against Atlas, set all of ${atlasVariables.join(", ")} (missing: ${missing.join(", ")}); unset them all to use the emulator`
  }
  const emulator = await startEmulator({ progressStepMillis: 700 })
  const c = emulator.credentials
  return {
    where: `the local Atlas emulator at ${emulator.url}`,
    ref: { groupId: EmulatorSeed.groupId, name: EmulatorSeed.clusterName, restoreJobId: EmulatorSeed.jobs.completed },
    waitFor: EmulatorSeed.jobs.progressing,
    baseUrl: emulator.url,
    // API keys (HTTP Digest), the mode most Atlas users have; the emulator accepts all three.
    env: {
      ...withoutAtlas(process.env),
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_PUBLIC_API_KEY: c.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: c.privateKey,
    },
    emulator,
  }
}

// ---------------------------------------------------------------- steps

const lookUp = async (target: Target): Promise<FlexRestoreJob | undefined> => {
  const title = "lookup"
  const since = step(
    "Read the restore job through the Effect service (FlexRestoreJobs.get)",
    "auth, the versioned Accept header, retries and decoding against the real endpoint shape",
  )
  const program = Effect.gen(function* () {
    const jobs = yield* FlexRestoreJobs
    return yield* jobs.get(target.ref)
  }).pipe(
    Effect.provide(
      FlexRestoreJobsLive.layerNode({ env: target.env, ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}) }),
    ),
  )
  const exit = await Effect.runPromiseExit(program)
  if (Exit.isSuccess(exit)) {
    out(indent(renderTable([exit.value])))
    ok(title, since)
    return exit.value
  }
  const error = Cause.findErrorOption(exit.cause)
  failed(title, Option.isSome(error) ? errorLine(error.value) : String(Cause.squash(exit.cause)))
  return undefined
}

const cliWait = async (target: Target) => {
  const title = "cli"
  const args = [
    join(root, "bin", "atlas-flex-restore.js"),
    "wait",
    "--group-id",
    target.ref.groupId,
    "--name",
    target.ref.name,
    "--restore-job-id",
    target.waitFor,
    "--interval",
    "500ms",
    "--timeout",
    "2m",
    "--progress",
    "-o",
    "table",
  ]
  const since = step(
    "Wait for a restore job from the shell (atlas-flex-restore wait)",
    "the CLI polls until COMPLETED or FAILED, status changes on stderr, the job on stdout",
  )
  out(`    $ atlas-flex-restore ${args.slice(1).join(" ")}`)
  const ran = await run(process.execPath, args, { cwd: root, env: target.env, timeoutMs: 150_000 })
  if (ran.stderr.trim()) out(indent(ran.stderr))
  if (ran.stdout.trim()) out(indent(ran.stdout))
  if (ran.code === 0) ok(title, since)
  else failed(title, `exit code ${ran.code}${ran.error ? ` (${ran.error.message})` : ""}`)
}

const synthesize = async (
  target: Target,
  workDir: string,
  tfVersion: string | undefined,
): Promise<string | undefined> => {
  const title = "synth"
  const since = step(
    "Synthesize the example CDKTF stack (examples/cdktf)",
    "the generated construct writes the data source block terraform reads",
  )
  let cdktf: typeof import("cdktf")
  let example: typeof import("../examples/cdktf/RestoreJobStack.js")
  try {
    cdktf = await import("cdktf")
    example = await import("../examples/cdktf/RestoreJobStack.js")
  } catch (error) {
    skipped(title, `the example or cdktf is not installed here (${(error as Error).message.split("\n")[0]})`)
    return undefined
  }
  try {
    // cdktf validates terraform_data by running `terraform version`: pointless without terraform.
    const app = new cdktf.App({ outdir: join(workDir, "cdktf.out"), skipValidation: tfVersion === undefined })
    new example.RestoreJobStack(app, "flex-restore", {
      projectId: target.ref.groupId,
      clusterName: target.ref.name,
      restoreJobId: target.ref.restoreJobId,
      ...(target.baseUrl ? { baseUrl: target.baseUrl } : {}),
    })
    app.synth()
  } catch (error) {
    failed(title, (error as Error).message)
    return undefined
  }
  const stackDir = join(workDir, "cdktf.out", "stacks", "flex-restore")
  const json = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8")) as {
    data?: Record<string, Record<string, unknown>>
    output?: Record<string, unknown>
  }
  // The data block as HCL would show it, without cdktf's metadata.
  for (const [name, config] of Object.entries(json.data?.[DATA_SOURCE_TYPE] ?? {})) {
    const attributes = Object.entries(config as Record<string, unknown>).filter(([key]) => key !== "//")
    const width = Math.max(...attributes.map(([key]) => key.length))
    out(`    data "${DATA_SOURCE_TYPE}" "${name}" {`)
    for (const [key, value] of attributes) out(`      ${key.padEnd(width)} = ${JSON.stringify(value)}`)
    out("    }")
  }
  ok(title, since, `${Object.keys(json.output ?? {}).length} outputs`)
  return stackDir
}

const terraformPlatform = (): string | undefined => {
  const os = { linux: "linux", darwin: "darwin", freebsd: "freebsd" }[process.platform as string]
  const arch = { x64: "amd64", arm64: "arm64", ia32: "386", arm: "arm" }[process.arch as string]
  return os && arch ? `${os}_${arch}` : undefined
}

/**
 * A CLI configuration that installs our plugin from a filesystem mirror built
 * in the work directory. cdktf always writes a `backend` block, so `plan`
 * demands `terraform init`; with only `dev_overrides`, `init` still asks the
 * registry and fails offline. A mirror lets `init` succeed without a network,
 * and terraform then runs the plugin like any installed provider.
 */
const pluginMirror = (workDir: string, plugin: string, platform: string): string => {
  const [host, namespace, type] = PROVIDER_SOURCE.split("/") as [string, string, string]
  const dir = join(workDir, "mirror", host, namespace, type, version, platform)
  const wrapper = join(dir, `terraform-provider-${type}_v${version}`)
  const shellQuoted = `'${plugin.replace(/'/g, `'\\''`)}'`
  mkdirSync(dir, { recursive: true })
  writeFileSync(wrapper, `#!/bin/sh\nexec ${shellQuoted} "$@"\n`, { mode: 0o755 })
  const rc = join(workDir, "terraform.rc")
  writeFileSync(
    rc,
    [
      "provider_installation {",
      `  filesystem_mirror {`,
      `    path    = ${JSON.stringify(join(workDir, "mirror"))}`,
      `    include = [${JSON.stringify(PROVIDER_SOURCE)}]`,
      "  }",
      `  direct { exclude = [${JSON.stringify(PROVIDER_SOURCE)}] }`,
      "}",
      "",
    ].join("\n"),
  )
  return rc
}

const terraformVersion = async (): Promise<string | undefined> => {
  const ran = await run("terraform", ["version", "-json"], {
    cwd: root,
    env: { ...process.env, CHECKPOINT_DISABLE: "1" },
  })
  if (ran.code !== 0) return undefined
  try {
    return (JSON.parse(ran.stdout) as { terraform_version?: string }).terraform_version ?? "unknown"
  } catch {
    return "unknown"
  }
}

const terraform = async (
  target: Target,
  workDir: string,
  stackDir: string | undefined,
  tfVersion: string | undefined,
) => {
  const titles = ["terraform init", "terraform plan", "terraform apply", "outputs"] as const
  const skipAll = (why: string) => {
    step("terraform init, plan and apply through our provider plugin", "Terraform reading the job at plan time")
    for (const t of titles) outcomes.push({ step: t, outcome: "skipped", note: why })
    out(`    SKIPPED: ${why}`)
  }
  if (tfVersion === undefined) {
    return skipAll("terraform is not on PATH; install Terraform (1.5 or later) to see plan and apply")
  }
  if (stackDir === undefined) return skipAll("there is no synthesized stack to plan")
  const plugin = join(root, "bin", "terraform-provider-mongodbatlas")
  if (!existsSync(plugin) || (statSync(plugin).mode & 0o111) === 0) {
    return skipAll("the provider plugin bin/terraform-provider-mongodbatlas is not built yet")
  }
  const platform = terraformPlatform()
  if (platform === undefined) return skipAll(`no Terraform platform name for ${process.platform}/${process.arch}`)
  const env: Env = {
    ...target.env,
    TF_CLI_CONFIG_FILE: pluginMirror(workDir, plugin, platform),
    CHECKPOINT_DISABLE: "1",
    TF_IN_AUTOMATION: "1",
  }
  const tf = (args: ReadonlyArray<string>) => run("terraform", args, { cwd: stackDir, env })
  const show = (text: string, keepLine: RegExp) => {
    const lines = text.split("\n").filter((l) => keepLine.test(l))
    if (lines.length > 0) out(indent(lines.join("\n")))
  }
  const check = (title: string, since: number, ran: Ran): boolean => {
    if (ran.code === 0) {
      ok(title, since)
      return true
    }
    out(indent(ran.stderr || ran.stdout))
    failed(title, `terraform exited with ${ran.code}`)
    for (const t of titles.slice(titles.indexOf(title as (typeof titles)[number]) + 1)) {
      outcomes.push({ step: t, outcome: "skipped", note: `${title} failed` })
    }
    return false
  }

  let since = step(
    `terraform init (Terraform ${tfVersion}, offline)`,
    "our plugin installs from a local filesystem mirror, like any provider",
  )
  let ran = await tf(["init", "-input=false", "-no-color"])
  show(ran.stdout, /Installing|Installed|successfully initialized/)
  if (!check("terraform init", since, ran)) return

  since = step(
    "terraform plan",
    `terraform starts our plugin over gRPC, which reads ${DATA_SOURCE_TYPE} through the same service`,
  )
  ran = await tf(["plan", "-input=false", "-no-color", "-out=tfplan"])
  show(ran.stdout, /Read complete|Reading\.\.\.|^Plan:|^No changes/)
  if (!check("terraform plan", since, ran)) return

  since = step("terraform apply -auto-approve", "the values reach outputs, a local and a terraform_data resource")
  ran = await tf(["apply", "-auto-approve", "-input=false", "-no-color"])
  show(ran.stdout, /Read complete|^Apply complete/)
  if (!check("terraform apply", since, ran)) return

  since = step("terraform output -json", "what a pipeline would consume")
  ran = await tf(["output", "-json"])
  if (ran.code === 0) {
    const outputs = JSON.parse(ran.stdout) as Record<string, { value: unknown }>
    const width = Math.max(...Object.keys(outputs).map((k) => k.length))
    out(
      indent(
        Object.entries(outputs)
          .map(([k, v]) => `${k.padEnd(width)} = ${JSON.stringify(v.value)}`)
          .join("\n"),
      ),
    )
  }
  check("outputs", since, ran)
}

// ---------------------------------------------------------------- main

const main = async (): Promise<number> => {
  out(
    `atlas-flex-restore ${version}: MongoDB Atlas flex-cluster restore jobs from TypeScript, Terraform, CDKTF and a shell`,
  )
  const target = await chooseTarget()
  if (typeof target === "string") {
    process.stderr.write(`npm start: ${target}\n`)
    return 2
  }
  out(`Everything below runs against ${target.where}.`)
  if (target.emulator) {
    out(`The emulator is a real HTTP server on loopback that answers like Atlas (seeded jobs, digest, OAuth, errors).`)
  }
  const workDir = mkdtempSync(join(tmpdir(), "atlas-flex-restore-start-"))
  try {
    await lookUp(target)
    await cliWait(target)
    const tfVersion = await terraformVersion()
    const stackDir = await synthesize(target, workDir, tfVersion)
    await terraform(target, workDir, stackDir, tfVersion)
  } finally {
    if (target.emulator) {
      const stats = target.emulator.stats()
      await target.emulator.stop()
      out()
      out(`==> Stopped the emulator (${stats.requests} requests served, ${stats.digestChallenges} digest challenges).`)
    }
    if (keep) out(`    Work directory kept: ${workDir}`)
    else rmSync(workDir, { recursive: true, force: true })
  }

  const bad = outcomes.filter((o) => o.outcome === "failed")
  const skips = outcomes.filter((o) => o.outcome === "skipped")
  out()
  out(
    `Done in ${seconds(Date.now() - started)}: ${outcomes.filter((o) => o.outcome === "ok").length} steps ok` +
      (skips.length ? `, ${skips.length} skipped` : "") +
      (bad.length ? `, ${bad.length} FAILED` : "") +
      ".",
  )
  // One line per reason: a missing terraform skips four steps at once.
  const reasons = new Map<string, Array<string>>()
  for (const s of [...bad, ...skips]) {
    const key = `${s.outcome === "failed" ? "FAILED" : "skipped"}|${s.note}`
    reasons.set(key, [...(reasons.get(key) ?? []), s.step])
  }
  for (const [key, steps] of reasons) {
    const [outcome, note] = key.split("|", 2)
    out(`  ${outcome}: ${steps.join(", ")}: ${note}`)
  }
  out("Next: `npm test`, `npx atlas-flex-restore --help`, `npx atlas-flex-restore emulator`.")
  return bad.length > 0 ? 1 : 0
}

process.exitCode = await main()
