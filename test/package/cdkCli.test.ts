/**
 * The CDKTF and cdktn command-line tools, for real, as a new user runs them:
 * the README's walkthroughs (its `cli-flow` blocks, see test/readme.test.ts)
 * run as written in an empty folder, with the package installed from its
 * tarball, the provider installed by `provider install` into a throwaway HOME
 * (Terraform's implied local mirror there: no CLI configuration), and the
 * emulator's URL and token in the environment:
 *
 * - cdktf-cli 0.21.0 under this Node: `cdktf init` (a CommonJS project,
 *   ts-node type-checking main.ts), `deploy --skip-provider-lock`, `output`
 *   (the status COMPLETED), then `synth`, `diff`, `destroy`; the README's
 *   synth-time lookup run by ts-node there; every entry type-checked and
 *   run from that CommonJS project, and from ES module projects with
 *   `nodenext` and `bundler` resolution; the lock step shown to fail without
 *   the flag; and `cdktf get` with our provider in `terraformProviders`, its
 *   binding synthesized and deployed.
 * - cdktn-cli 0.24.0 under the pinned Node 24 (it needs Node 22.19): the same
 *   walkthrough, with `atlas-flex-restore/cdktn`, then `cdktn get`; and
 *   `cdktn synth` of that project under the pinned Node 22.
 *
 * Slow (npm installs of the CLIs and the templates' dependencies, through the
 * repository's npm cache; `provider install` builds the provider twice; each
 * synth type-checks main.ts with ts-node): the two flows run concurrently,
 * and print how long each step took. It runs once per CI run: in the pass under Node 20 (`.ci/run`'s first);
 * under another Node it says loudly that it is skipped and why (test/oncePerCi.ts).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PROVIDER_SOURCE } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { nodeBinary } from "../../src/release/NodeBinary.js"
import { defaultVersion } from "../cdktf/version.js"
import { terraformVersion } from "../provider/terraform.js"
import { readme, withTarball } from "../readmeBlocks.js"
import type { Block } from "../readmeBlocks.js"
import { oncePerCi } from "../oncePerCi.js"
import { npmEnv, pack, run } from "./packed.js"
import type { Packed, Ran } from "./packed.js"

const tf = terraformVersion()
if (tf === undefined)
  console.warn(
    "\n!!! SKIPPED: the cdktf and cdktn CLI flows: terraform is not on PATH (install terraform >= 1.11) !!!\n",
  )
const skipped =
  tf === undefined ? "terraform is not on PATH (install terraform >= 1.11)" : oncePerCi("the cdktf and cdktn CLI flows")

/** The README's blocks of one flow, in order. */
const flowBlocks = (flow: "cdktf" | "cdktn"): Array<Block> =>
  readme().filter((b) => b.mode === "cli-flow" && b.reason?.startsWith(`${flow}: `))

/** The README's synth-time lookup: the ts block that calls lookupFlexRestoreJob in an async main. */
const lookupBlock = (): Block => readme().find((b) => b.lang === "ts" && b.code.includes("async function main"))!

const ref = {
  projectId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.completed,
}

/** A program that uses the flavour's entries (the root, `/cdktf` or `/cdktn`, `/emulator`): synthesizes nothing, reads a job. */
const entriesProgram = (flavour: "cdktf" | "cdktn", esm: boolean) => `
import { getFlexRestoreJob } from "atlas-flex-restore"
import { DataMongodbatlasFlexRestoreJob, MongodbatlasProvider } from "atlas-flex-restore/${flavour}"
import { EmulatorSeed } from "atlas-flex-restore/emulator"
import { App, TerraformStack } from "${flavour}"

${esm ? "" : "async function main(): Promise<void> {"}
const stack = new TerraformStack(new App(), "entries")
new MongodbatlasProvider(stack, "atlasflex")
new DataMongodbatlasFlexRestoreJob(stack, "job", ${JSON.stringify(ref)})
const job = await getFlexRestoreJob({
  groupId: EmulatorSeed.groupId,
  name: EmulatorSeed.clusterName,
  restoreJobId: EmulatorSeed.jobs.completed,
})
console.log(JSON.stringify({ status: job.status, provider: stack.node.findChild("atlasflex").node.id }))
${esm ? "" : "}\nmain().catch((error: unknown) => { console.error(error); process.exitCode = 1 })"}
`

describe.skipIf(skipped !== undefined)("the CDK CLIs, end to end, as the README walks them", () => {
  let packed: Packed
  let emulator: RunningEmulator
  let root: string
  let node24: string
  let node22: string
  const started = Date.now()
  const timings: Array<string> = []

  beforeAll(async () => {
    // Fetched (once, into .cache/node) before the emulator starts: the fetch blocks this process.
    node24 = nodeBinary("linux-x64-24")
    node22 = nodeBinary("linux-x64-22")
    packed = pack()
    emulator = await startEmulator({ host: "127.0.0.1", port: 0 })
    root = mkdtempSync(join(tmpdir(), "atlas-flex-cdk-cli-"))
  }, 180_000)

  // Two projects' node_modules (some 80,000 files) to remove: not on the event loop, and with time for a loaded machine.
  afterAll(async () => {
    console.warn(`the CDK CLI flows took ${Math.round((Date.now() - started) / 1000)} s: ${timings.join(", ")}`)
    await emulator?.stop()
    if (root) await rm(root, { recursive: true, force: true })
    if (packed) await rm(dirname(packed.tarball), { recursive: true, force: true })
  }, 300_000)

  /** One flow's project folder, HOME and environment (`node` is the Node whose directory leads PATH). */
  const setup = (flow: "cdktf" | "cdktn", node: string) => {
    const home = join(root, `${flow}-home`)
    const app = join(root, flow, "flex-app")
    mkdirSync(home, { recursive: true })
    mkdirSync(app, { recursive: true })
    const base = npmEnv(home)
    const env: Record<string, string> = {
      ...base,
      PATH: `${dirname(node)}:${base["PATH"] ?? ""}`,
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
    }
    return { home, app, env }
  }

  /** Runs a shell script in `cwd`; fails the test with its output unless it exits 0 (or `expectFailure`). */
  const sh = async (
    label: string,
    script: string,
    cwd: string,
    env: Record<string, string>,
    expectFailure = false,
  ): Promise<Ran> => {
    const t0 = Date.now()
    const ran = await run("bash", ["-c", `set -euo pipefail\n${script}`], { cwd, env, timeoutMillis: 600_000 })
    timings.push(`${label} ${Math.round((Date.now() - t0) / 1000)} s`)
    const shown = `${script}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`
    if (expectFailure) expect(ran.code, shown).not.toBe(0)
    else expect(ran.code, shown).toBe(0)
    return ran
  }

  /** The stack's synthesized JSON. */
  const stackJson = (app: string, stack: string) =>
    JSON.parse(readFileSync(join(app, "cdktf.out", "stacks", stack, "cdk.tf.json"), "utf8")) as Record<string, any>

  /** Runs the README's blocks of `flow` in `app`: sh blocks as written, ts blocks as main.ts. */
  const walk = async (flow: "cdktf" | "cdktn", app: string, env: Record<string, string>) => {
    const blocks = flowBlocks(flow)
    expect(blocks.map((b) => b.lang)).toStrictEqual(["sh", "ts", "sh"])
    const outputs: Array<string> = []
    for (const b of blocks) {
      if (b.lang === "ts") writeFileSync(join(app, "main.ts"), b.code)
      else {
        const ran = await sh(`${flow} README:${b.line}`, withTarball(b.code, packed.tarball), app, env)
        outputs.push(ran.stdout + ran.stderr)
      }
    }
    return outputs
  }

  /** What both flows check after the walkthrough: the template's shape, the stack, the output. */
  const checkWalk = (app: string, home: string, deployOutput: string) => {
    const tsconfig = JSON.parse(readFileSync(join(app, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>
    }
    expect(tsconfig.compilerOptions["module"]).toBe("CommonJS")
    expect(tsconfig.compilerOptions["moduleResolution"]).toBeUndefined()
    expect((JSON.parse(readFileSync(join(app, "cdktf.json"), "utf8")) as { app: string }).app).toBe(
      "npx ts-node main.ts",
    )
    expect(JSON.parse(readFileSync(join(app, "package.json"), "utf8"))).not.toHaveProperty("type")
    const installed = JSON.parse(readFileSync(join(app, "node_modules", "typescript", "package.json"), "utf8")) as {
      version: string
    }
    expect(installed.version).toMatch(/^5\./)
    expect(existsSync(join(home, ".terraform.d", "plugins", PROVIDER_SOURCE))).toBe(true)
    expect(stackJson(app, "flex-app")["terraform"]["required_providers"]).toStrictEqual({
      atlasflex: { source: PROVIDER_SOURCE, version: defaultVersion },
    })
    // `cdktf output` / `cdktn output` prints the stack's outputs: the job read from the emulator.
    expect(deployOutput).toMatch(/status\s*=\s*COMPLETED/)
  }

  /** Type-checks and runs the entries program in `dir` (CommonJS through ts-node, ESM through tsc then node). */
  const checkEntries = async (flow: "cdktf" | "cdktn", app: string, env: Record<string, string>) => {
    writeFileSync(join(app, "entries.ts"), entriesProgram(flow, false))
    const cjs = await sh(`${flow} entries (CommonJS, ts-node)`, "npx ts-node entries.ts", app, env)
    // require(esm) of the package, silently: no ExperimentalWarning (Node 20 for cdktf, the pinned 24 for cdktn).
    expect(cjs.stderr).not.toContain("ExperimentalWarning")
    expect(JSON.parse(cjs.stdout.trim().split("\n").at(-1)!)).toStrictEqual({
      status: "COMPLETED",
      provider: "atlasflex",
    })
    for (const resolution of ["nodenext", "bundler"] as const) {
      const dir = join(app, `esm-${resolution}`)
      mkdirSync(dir)
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
      writeFileSync(join(dir, "entries.ts"), entriesProgram(flow, true))
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            module: resolution === "nodenext" ? "nodenext" : "esnext",
            moduleResolution: resolution,
            strict: true,
            skipLibCheck: true,
            outDir: "out",
          },
          files: ["entries.ts"],
        }),
      )
      const ran = await sh(
        `${flow} entries (ESM, ${resolution})`,
        "../node_modules/.bin/tsc -p . && node out/entries.js",
        dir,
        env,
      )
      expect(JSON.parse(ran.stdout.trim().split("\n").at(-1)!)).toStrictEqual({
        status: "COMPLETED",
        provider: "atlasflex",
      })
    }
  }

  /** `cdktf get` / `cdktn get` with our provider, then a stack of the generated binding deployed. */
  const checkGet = async (flow: "cdktf" | "cdktn", app: string, env: Record<string, string>) => {
    const config = JSON.parse(readFileSync(join(app, "cdktf.json"), "utf8")) as Record<string, unknown>
    writeFileSync(
      join(app, "cdktf.json"),
      JSON.stringify({ ...config, terraformProviders: ["atlas-flex/mongodbatlas@~> 0.1"] }, null, 2),
    )
    await sh(`${flow} get`, `npx ${flow} get`, app, env)
    const gen = join(app, ".gen", "providers", "mongodbatlas")
    expect(existsSync(join(gen, "provider", "index.ts"))).toBe(true)
    expect(existsSync(join(gen, "data-mongodbatlas-flex-restore-job", "index.ts"))).toBe(true)
    writeFileSync(
      join(app, "main.ts"),
      `import { App, TerraformOutput, TerraformStack } from "${flow}"
import { MongodbatlasProvider } from "./.gen/providers/mongodbatlas/provider"
import { DataMongodbatlasFlexRestoreJob } from "./.gen/providers/mongodbatlas/data-mongodbatlas-flex-restore-job"

const app = new App()
const stack = new TerraformStack(app, "flex-app-get")
new MongodbatlasProvider(stack, "mongodbatlas")
const job = new DataMongodbatlasFlexRestoreJob(stack, "restore", ${JSON.stringify(ref)})
new TerraformOutput(stack, "status", { value: job.status })
app.synth()
`,
    )
    const deployed = await sh(
      `${flow} deploy (get binding)`,
      `npx ${flow} deploy flex-app-get --auto-approve --skip-provider-lock && npx ${flow} output flex-app-get`,
      app,
      env,
    )
    const entry = stackJson(app, "flex-app-get")["terraform"]["required_providers"]["mongodbatlas"]
    expect(entry["source"]).toMatch(/(^|registry\.terraform\.io\/)atlas-flex\/mongodbatlas$/)
    expect(entry["version"]).toBeTruthy()
    expect(deployed.stdout + deployed.stderr).toMatch(/status\s*=\s*COMPLETED/)
  }

  it.concurrent(
    "cdktf-cli 0.21.0: init, add the package, provider install, deploy, output; synth, diff, destroy; lookup, entries, the lock step, get",
    async () => {
      const { home, app, env } = setup("cdktf", process.execPath)
      const outputs = await walk("cdktf", app, env)
      checkWalk(app, home, outputs.at(-1)!)
      await sh("cdktf synth", "npx cdktf synth", app, env)
      // diff and destroy take the stack synth just wrote (each synth type-checks main.ts again: ~10 s).
      await sh("cdktf diff", "npx cdktf diff --skip-synth", app, env)
      const destroyed = await sh("cdktf destroy", "npx cdktf destroy --auto-approve --skip-synth", app, env)
      expect(destroyed.stdout + destroyed.stderr).toContain("Destroy complete")

      // The synth-time lookup as the README writes it, in this CommonJS project.
      writeFileSync(join(app, "lookup.ts"), lookupBlock().code)
      await sh("cdktf README lookup (ts-node)", "npx ts-node lookup.ts", app, env)
      await checkEntries("cdktf", app, env)

      // Without the flag, a stack that has no lock file yet fails at `terraform providers lock`, which asks the
      // provider's origin registry (here unreachable; with a network, it has no such provider): init passed.
      rmSync(join(app, "cdktf.out", "stacks", "flex-app", ".terraform.lock.hcl"))
      const refused = await sh("cdktf diff without --skip-provider-lock", "npx cdktf diff --skip-synth", app, env, true)
      const said = (refused.stdout + refused.stderr)
        .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "") // colours and cursor moves
        .replace(/[│╷╵]/g, " ") // terraform's diagnostic frame
        .replace(/\s+/g, " ")
      expect(said).toContain("Terraform has been successfully initialized")
      expect(said).toContain("Error: Could not retrieve providers for locking")
      expect(said).toContain(
        "failed to fetch the requested providers for linux_amd64 in order to calculate their checksums",
      )
      expect(said).toContain(`${PROVIDER_SOURCE}:`)

      await checkGet("cdktf", app, env)
    },
    1_800_000,
  )

  it.concurrent(
    "cdktn-cli 0.24.0 under the pinned Node 24: the same walkthrough with atlas-flex-restore/cdktn, then get; synth under the pinned Node 22",
    async () => {
      const { home, app, env } = setup("cdktn", node24)
      const outputs = await walk("cdktn", app, env)
      checkWalk(app, home, outputs.at(-1)!)
      await sh("cdktn diff", "npx cdktn diff", app, env)
      const destroyed = await sh("cdktn destroy", "npx cdktn destroy --auto-approve --skip-synth", app, env)
      expect(destroyed.stdout + destroyed.stderr).toContain("Destroy complete")
      await checkEntries("cdktn", app, env)

      const on22 = { ...env, PATH: `${dirname(node22)}:${npmEnv(home)["PATH"] ?? ""}` }
      const synth22 = await sh("cdktn synth (Node 22)", "node --version && npx cdktn synth", app, on22)
      expect(synth22.stdout).toContain("v22.")

      await checkGet("cdktn", app, env)
    },
    1_800_000,
  )
})
