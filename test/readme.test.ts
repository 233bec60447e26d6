/**
 * Every code block of README.md, run as a new user would run it, in order, so
 * the README cannot drift from the package.
 *
 * The package is packed (`npm pack`) and the blocks run in a fresh project
 * folder with its own HOME, like a shell session: each ```sh block runs in
 * `bash -euo pipefail` in the project folder, and the environment it leaves
 * (its `export`s) is the environment of every later block.
 *
 * By language:
 * - ```sh: run; must exit 0. In an `npm install` (or `npm i`) line the word
 *   `atlas-flex-restore` stands for the packed tarball (the package is not
 *   fetched from the registry); the rest of the line installs as written.
 * - ```ts: compiled with the repository's tsc (strict, NodeNext, ES modules)
 *   against the installed package, then run with node with the session's
 *   environment; must exit 0.
 * - ```hcl: written as `main.tf` in a fresh folder, then `terraform fmt
 *   -check` and `terraform plan` there with the session's environment (so
 *   with the CLI configuration an earlier block exported); must exit 0.
 * - any other language (`text`, `json`, ...): a fragment, not run.
 *
 * A block that cannot run here says so in an HTML comment on the line just
 * before its fence, `<!-- readme-test: <mode> — <reason> -->`; the test prints
 * each such block and its reason loudly and names them in the test titles:
 * - `background`: an ```sh block started and left running until the end
 *   (a server); the test waits for the `export NAME=VALUE` lines it prints
 *   and adds every variable on them to the session, as a user pasting them.
 * - `fmt-only`: an ```hcl block only checked with `terraform fmt -check`
 *   (e.g. it needs a provider from the registry, which cannot be installed
 *   offline).
 * - `self`: commands for this repository's own checkout (`npm ci && npm
 *   test` is this suite); not run here.
 * - `cli-flow`: a step of the CDKTF or cdktn walkthrough, run as written by
 *   another suite, which the reason names after the flow:
 *   `cdktf: test/package/cdkCli.test.ts ...` (or `cdktn: ...`). That suite
 *   takes every block of its flow, in order: each ```sh block runs in
 *   `bash -euo pipefail` in the walkthrough's project folder (its `npm
 *   install atlas-flex-restore` made the tarball, as here), each ```ts block
 *   is written as the project's `main.ts`. Here each is only checked to name
 *   an existing suite (they need the CLIs, and cdktn's needs Node 22.19).
 * - `skip`: not run, for the reason given.
 *
 * Needs terraform for the ```hcl blocks; without it those blocks are skipped,
 * loudly.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed } from "../src/emulator/seed.js"
import { npmEnv, pack, repoRoot, run, tsc, userProject, writeTsconfig, type Packed } from "./package/packed.js"
import { terraformVersion } from "./provider/terraform.js"
import { readme, withTarball, type Block } from "./readmeBlocks.js"

const blocks = readme()
const modes = new Set(["background", "fmt-only", "self", "skip", "cli-flow"])
const runnable = new Set(["sh", "ts", "hcl"])
const tfVersion = terraformVersion()

const title = (b: Block): string => {
  const head = `README.md:${b.line} \`\`\`${b.lang}`
  if (b.mode === undefined) return runnable.has(b.lang) ? `${head} runs as written` : `${head} is a fragment (not run)`
  return `${head} [${b.mode}: ${b.reason ?? "no reason given"}]`
}

for (const b of blocks)
  if (b.mode !== undefined && b.mode !== "background")
    console.warn(`\n!!! ${title(b)}: NOT run as written (${b.mode}) !!!\n`)
if (tfVersion === undefined)
  console.warn("\n!!! terraform is not on PATH: the README's hcl blocks are SKIPPED. Install terraform >= 1.11. !!!\n")

describe("README.md, every code block as written", () => {
  let packed: Packed
  let project: { readonly dir: string; readonly home: string }
  let env: Record<string, string>
  const background: Array<ChildProcess> = []
  const outputs = new Map<number, string>()

  beforeAll(() => {
    packed = pack()
    project = userProject("readme")
    env = npmEnv(project.home)
  }, 180_000)

  afterAll(async () => {
    for (const child of background) {
      if (child.exitCode !== null || child.pid === undefined) continue
      const exited = new Promise((resolve) => child.once("exit", resolve))
      process.kill(-child.pid, "SIGTERM")
      await exited
    }
    if (project) rmSync(join(project.dir, ".."), { recursive: true, force: true })
    if (packed) rmSync(join(packed.tarball, ".."), { recursive: true, force: true })
  })

  /** Runs an sh block; the environment it leaves becomes the session's. */
  const runSh = async (b: Block) => {
    const code = withTarball(b.code, packed.tarball)
    const envFile = join(project.home, `env-${b.line}`)
    const script = `set -euo pipefail\n${code}\nenv -0 > ${JSON.stringify(envFile)}\n`
    const ran = await run("bash", ["-c", script], { cwd: project.dir, env, timeoutMillis: 240_000 })
    outputs.set(b.line, ran.stdout + ran.stderr)
    expect(ran.code, `${code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`).toBe(0)
    env = Object.fromEntries(
      readFileSync(envFile, "utf8")
        .split("\0")
        .filter((entry) => entry.includes("="))
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    )
  }

  /** Starts a background sh block; resolves once it has printed its `export` lines. */
  const startBackground = (b: Block) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn("bash", ["-c", b.code], {
        cwd: project.dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      })
      background.push(child)
      let out = ""
      const timer = setTimeout(() => reject(new Error(`no export lines within 60 s:\n${out}`)), 60_000)
      child.on("exit", (code) => reject(new Error(`exited (${code}) before printing its export lines:\n${out}`)))
      child.stderr.on("data", (d: Buffer) => (out += d.toString()))
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString()
        // The export lines end at the first blank line after them.
        const exports = out.split("\n").filter((line) => /^\s*export\s/.test(line))
        if (exports.length === 0 || !/export[^\n]*\n\s*\n/.test(out)) return
        for (const line of exports)
          for (const [, name, value] of line.replace(/#.*$/, "").matchAll(/\b([A-Za-z_]\w*)=(\S+)/g))
            env[name!] = value!
        clearTimeout(timer)
        resolve()
      })
    })

  /** Compiles a ts block against the installed package, then runs it. */
  const runTs = async (b: Block) => {
    const file = `readme-${b.line}.ts`
    writeFileSync(join(project.dir, file), b.code)
    writeTsconfig(project.dir, [file])
    const compiled = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project.dir, env })
    expect(compiled.code, `tsc:\n${compiled.stdout}${compiled.stderr}\n--- the block:\n${b.code}`).toBe(0)
    const ran = await run(process.execPath, [join("out", `readme-${b.line}.js`)], {
      cwd: project.dir,
      env,
      timeoutMillis: 120_000,
    })
    outputs.set(b.line, ran.stdout + ran.stderr)
    expect(ran.code, `--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`).toBe(0)
  }

  /** Checks an hcl block's format and, unless fmt-only, plans it in a fresh folder. */
  const runHcl = async (b: Block) => {
    const dir = mkdtempSync(join(project.dir, "tf-"))
    writeFileSync(join(dir, "main.tf"), b.code)
    const fmt = await run("terraform", ["fmt", "-check", "-diff", "main.tf"], { cwd: dir, env })
    expect(fmt.code, `terraform fmt -check:\n${fmt.stdout}${fmt.stderr}`).toBe(0)
    if (b.mode === "fmt-only") return
    const plan = await run("terraform", ["plan", "-input=false", "-no-color"], { cwd: dir, env })
    outputs.set(b.line, plan.stdout + plan.stderr)
    expect(plan.code, `terraform plan:\n${plan.stdout}${plan.stderr}`).toBe(0)
  }

  it("has blocks to run, and every directive names a known mode and a reason", () => {
    expect(blocks.filter((b) => runnable.has(b.lang) && b.mode === undefined).length).toBeGreaterThan(0)
    for (const b of blocks.filter((b) => b.mode !== undefined)) {
      expect(modes, title(b)).toContain(b.mode)
      expect(b.reason, title(b)).toBeTruthy()
      if (b.mode === "fmt-only") expect(b.lang, title(b)).toBe("hcl")
      if (b.mode === "background") expect(b.lang, title(b)).toBe("sh")
      if (b.mode === "cli-flow") {
        const [, flow, file] = /^(cdktf|cdktn): (test\/\S+\.test\.ts) /.exec(b.reason ?? "") ?? []
        expect(flow, `${title(b)}: the reason starts "cdktf: " or "cdktn: " and names the test file`).toBeDefined()
        expect(existsSync(join(repoRoot, file!)), title(b)).toBe(true)
      }
    }
  })

  for (const b of blocks) {
    if (!runnable.has(b.lang) || b.mode === "self" || b.mode === "skip" || b.mode === "cli-flow") {
      it.skip(title(b), () => {})
    } else if (b.lang === "hcl" && tfVersion === undefined) {
      it.skip(`SKIPPED (terraform is not on PATH): ${title(b)}`, () => {})
    } else if (b.mode === "background") {
      it(title(b), () => startBackground(b), 90_000)
    } else if (b.lang === "sh") {
      it(title(b), () => runSh(b), 300_000)
    } else if (b.lang === "ts") {
      it(title(b), () => runTs(b), 180_000)
    } else {
      it(title(b), () => runHcl(b), 180_000)
    }
  }

  it("the README's wait on the progressing job shows every phase, in order", () => {
    const waits = blocks.filter((b) => / wait /.test(b.code) && b.code.includes(EmulatorSeed.jobs.progressing))
    expect(waits.length).toBeGreaterThan(0)
    for (const b of waits) {
      const shown = [...(outputs.get(b.line) ?? "").matchAll(/\] (PENDING|QUEUED|RUNNING|COMPLETED)\b/g)].map(
        (m) => m[1],
      )
      expect(shown, outputs.get(b.line)).toEqual(["PENDING", "QUEUED", "RUNNING", "COMPLETED"])
    }
  })
})
