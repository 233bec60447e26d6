/**
 * Benchmark of the released provider (issue 15): the Node 24 single
 * executable that `npm run release` ships, against the npm launcher
 * (`bin/terraform-provider-mongodbatlas` on the system Node), side by side in
 * one run, alternated:
 * - plugin start to the handshake line; and the executable's own with and
 *   without its V8 code caches (written at its first start into the user's
 *   cache folder, not shipped: the executable must be reproducible);
 * - `terraform plan` with one data source, both served through
 *   `dev_overrides`, and each against terraform's own plan (no provider);
 *   the executable's plan with and without its code caches;
 * - the same plan with the executable installed as users get it, by
 *   `terraform init` from `release/mirror`: Terraform then checks the
 *   installed package against the lock file's `h1:` hash at every command,
 *   reading the whole executable;
 * - the release archive's size per platform.
 * Uses `release/` when it is current (`npm run release`), else builds the
 * release for this machine only, in a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { arch as hostArch, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { PROVIDER_SOURCE } from "../src/datasource/schema.js"
import { startEmulator } from "../src/emulator/index.js"
import type { RunningEmulator } from "../src/emulator/index.js"
import { terraformArch } from "../src/release/ProviderBinary.js"
import type { Arch } from "../src/release/ProviderBinary.js"
import { buildRelease, currentRelease, releaseNames } from "../scripts/release/release.js"
import type { ReleaseBuild } from "../scripts/release/release.js"
import { exec, mainTf, pluginEnvironment, startPlugin } from "./provider.js"
import { median } from "./row.js"
import type { BenchRow } from "./row.js"

const packageRoot = resolve(import.meta.dirname, "../..")
const launcher = join(packageRoot, "bin", "terraform-provider-mongodbatlas")
const ms = (x: number) => Math.round(x * 10) / 10
const mb = (bytes: number) => Math.round(bytes / 1e5) / 10
/** Quartiles, for the spread of a sample. */
const spread = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return `${ms(s[Math.floor((s.length - 1) / 4)]!)}–${ms(s[Math.ceil(((s.length - 1) * 3) / 4)]!)}`
}

/** The release to measure: `release/` when current, else this machine's part of one, built in `dir`. */
const release = async (dir: string): Promise<{ build: ReleaseBuild; outDir: string; built: boolean }> => {
  const current = currentRelease(packageRoot)
  if (current?.archives.some((a) => a.arch === hostArch())) {
    return { build: current, outDir: join(packageRoot, "release"), built: false }
  }
  const outDir = join(dir, "release")
  console.error(`bench: release/ is missing or stale; building linux_${terraformArch[hostArch() as Arch]} only`)
  const build = await buildRelease({ root: packageRoot, outDir, arches: [hostArch() as Arch] })
  return { build, outDir, built: true }
}

/** Start to handshake, alternated: each round starts the launcher and the executable with and without its code caches, in turn. */
const handshakes = async (executable: string, dir: string, rounds: number): Promise<Array<BenchRow>> => {
  const env = { ...pluginEnvironment(dir), XDG_CACHE_HOME: join(dir, "xdg-cache") }
  const kinds = ["launcher", "release", "uncached"] as const
  type Kind = (typeof kinds)[number]
  const t: Record<Kind, Array<number>> = { launcher: [], release: [], uncached: [] }
  const cpu: Record<Kind, Array<number>> = { launcher: [], release: [], uncached: [] }
  const once = async (which: Kind, record = true) => {
    const s = await startPlugin(
      which === "uncached" ? { ...env, ATLAS_PROVIDER_CODE_CACHE: "0" } : env,
      which === "launcher" ? launcher : executable,
    )
    s.child.kill("SIGTERM")
    await new Promise((r) => s.child.once("exit", r))
    if (which === "release" && (s.timings as Record<string, unknown>)["codeCache"] !== true) {
      if (record) throw new Error("the executable did not use its code cache")
    }
    if (!record) return
    t[which].push(s.millis)
    cpu[which].push(s.timings["cpu"]!)
  }
  // The first start writes the executable's caches (at its exit).
  await once("release", false)
  for (let i = 0; i < rounds; i++) {
    for (const which of i % 2 === 0 ? kinds : [...kinds].reverse()) await once(which)
  }
  const ratio = median(t.release) / median(t.launcher)
  const cached = median(t.release) / median(t.uncached)
  return [
    {
      issue: 15,
      name: "plugin start to handshake, released binary / npm launcher",
      value: ratio,
      unit: "x",
      target: "<= 0.85x",
      met: ratio <= 0.85,
      note: `${ms(median(t.release))} ms (quartiles ${spread(t.release)}) vs ${ms(median(t.launcher))} ms (${spread(t.launcher)}), medians of ${rounds} alternated; CPU to the handshake ${ms(median(cpu.release))} vs ${ms(median(cpu.launcher))} ms`,
    },
    {
      issue: 20,
      name: "plugin start to handshake, released binary with its code cache (user's cache folder) / without",
      value: cached,
      unit: "x",
      note: `${ms(median(t.release))} ms (quartiles ${spread(t.release)}) vs ${ms(median(t.uncached))} ms (${spread(t.uncached)}) with ATLAS_PROVIDER_CODE_CACHE=0; CPU ${ms(median(cpu.release))} vs ${ms(median(cpu.uncached))} ms; medians of ${rounds} alternated`,
    },
  ]
}

interface Setup {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
}

/** A working directory with its own HOME and CLI configuration. */
const setup = (dir: string, name: string, cliConfig: string, text: string): Setup => {
  const home = join(dir, name)
  const cwd = join(home, "work")
  mkdirSync(cwd, { recursive: true })
  writeFileSync(join(home, "cli.tfrc"), cliConfig)
  writeFileSync(join(cwd, "main.tf"), text)
  return {
    cwd,
    env: {
      PATH: process.env["PATH"] ?? "",
      CHECKPOINT_DISABLE: "1",
      HOME: home,
      TF_CLI_CONFIG_FILE: join(home, "cli.tfrc"),
    },
  }
}

/**
 * The release installed as users install it: `terraform init` from the
 * release's mirror (a packed `filesystem_mirror`), which unpacks the
 * executable into `.terraform/providers/`.
 */
const install = async (
  emulator: RunningEmulator,
  mirror: string,
  dir: string,
  version: string,
): Promise<{ readonly installed: Setup; readonly executable: string }> => {
  const installed = setup(
    dir,
    "installed",
    `provider_installation {\n  filesystem_mirror {\n    path = "${mirror}"\n  }\n}\n`,
    mainTf(1, emulator),
  )
  const init = await exec("terraform", ["init", "-no-color", "-input=false"], installed)
  if (init.code !== 0) throw new Error(`terraform init from the release mirror failed: ${init.stderr}`)
  const platform = `linux_${terraformArch[hostArch() as Arch]}`
  const executable = join(
    installed.cwd,
    ".terraform",
    "providers",
    PROVIDER_SOURCE,
    version,
    platform,
    releaseNames(version).executable,
  )
  return { installed, executable }
}

/** `terraform plan` with one data source: no provider, the launcher, the release and the installed release, alternated. */
const plans = async (
  emulator: RunningEmulator,
  executable: string,
  installed: Setup,
  dir: string,
  rounds: number,
): Promise<Array<BenchRow>> => {
  const devOverrides = (binDir: string) =>
    `provider_installation {\n  dev_overrides {\n    "${PROVIDER_SOURCE}" = "${binDir}"\n  }\n  direct {}\n}\n`
  const releaseBin = join(dir, "release-bin")
  mkdirSync(releaseBin)
  symlinkSync(executable, join(releaseBin, "terraform-provider-mongodbatlas"))
  const uncached = setup(dir, "uncached", devOverrides(releaseBin), mainTf(1, emulator))
  const setups = {
    none: setup(dir, "none", "", 'output "x" {\n  value = "no provider"\n}\n'),
    launcher: setup(dir, "launcher", devOverrides(join(packageRoot, "bin")), mainTf(1, emulator)),
    release: setup(dir, "release", devOverrides(releaseBin), mainTf(1, emulator)),
    uncached: { ...uncached, env: { ...uncached.env, ATLAS_PROVIDER_CODE_CACHE: "0" } },
    installed,
  }
  const plan = async (name: keyof typeof setups) => {
    const r = await exec("terraform", ["plan", "-no-color", "-input=false"], setups[name])
    if (r.code !== 0) throw new Error(`terraform plan (${name}) failed: ${r.stderr}`)
    return r.millis
  }
  const names = Object.keys(setups) as Array<keyof typeof setups>
  for (const name of names) await plan(name)
  const t = Object.fromEntries(names.map((n) => [n, [] as Array<number>])) as Record<keyof typeof setups, Array<number>>
  for (let i = 0; i < rounds; i++) {
    for (const name of i % 2 === 0 ? names : [...names].reverse()) t[name].push(await plan(name))
  }
  const none = median(t.none)
  const launcherPlan = median(t.launcher)
  const releasePlan = median(t.release)
  const installedPlan = median(t.installed)
  const uncachedPlan = median(t.uncached)
  const ratio = releasePlan / launcherPlan
  const paired = t.release.map((x, i) => x - t.launcher[i]!)
  return [
    {
      issue: 15,
      name: "terraform plan, 1 data source, released binary / npm launcher (both dev_overrides)",
      value: ratio,
      unit: "x",
      target: "<= 0.9x (aim 0.7x)",
      met: ratio <= 0.9,
      note: `${ms(releasePlan)} ms (quartiles ${spread(t.release)}) vs ${ms(launcherPlan)} ms (${spread(t.launcher)}); paired difference ${ms(median(paired))} ms (${spread(paired)}); medians of ${rounds} alternated`,
    },
    {
      issue: 20,
      name: "terraform plan, 1 data source, released binary with its code cache / without",
      value: releasePlan / uncachedPlan,
      unit: "x",
      note: `${ms(releasePlan)} ms vs ${ms(uncachedPlan)} ms (quartiles ${spread(t.uncached)}) with ATLAS_PROVIDER_CODE_CACHE=0; the first plan wrote the cache`,
    },
    {
      issue: 15,
      name: "terraform plan, 1 data source, released binary / plan with no provider",
      value: releasePlan / none,
      unit: "x",
      note: `${ms(releasePlan)} ms vs terraform's own ${ms(none)} ms`,
    },
    {
      issue: 15,
      name: "terraform plan, 1 data source, npm launcher / plan with no provider",
      value: launcherPlan / none,
      unit: "x",
      note: `${ms(launcherPlan)} ms vs terraform's own ${ms(none)} ms`,
    },
    {
      issue: 15,
      name: "terraform plan, 1 data source, released binary installed by terraform init / npm launcher",
      value: installedPlan / launcherPlan,
      unit: "x",
      note: `${ms(installedPlan)} ms (quartiles ${spread(t.installed)}): Terraform hashes the whole installed executable against the lock file at every command`,
    },
  ]
}

/** The archives' sizes, per platform built. */
const sizes = (build: ReleaseBuild, built: boolean): Array<BenchRow> =>
  (["x64", "arm64"] as const).map((arch) => {
    const archive = build.archives.find((a) => a.arch === arch)
    const name = `release archive size, linux_${terraformArch[arch]}`
    if (archive === undefined) {
      return { issue: 15, name, value: 0, unit: "-", note: "SKIPPED: not built here; `npm run release` builds both" }
    }
    return {
      issue: 15,
      name,
      value: mb(archive.zipBytes),
      unit: "MB",
      target: "<= 45 MB (aim)",
      met: archive.zipBytes <= 45e6,
      note: `${archive.zip}; the executable ${mb(archive.executableBytes)} MB unpacked${built ? " (built by this bench)" : ""}`,
    }
  })

/**
 * @since 0.1.0
 */
export async function run(): Promise<Array<BenchRow>> {
  const dir = mkdtempSync(join(tmpdir(), "bench-release-"))
  const emulator = await startEmulator({ host: "127.0.0.1", port: 0, rateLimit: false })
  try {
    const { build, outDir, built } = await release(dir)
    const hasTerraform = (await exec("terraform", ["version"]).catch(() => ({ code: 1 }))).code === 0
    if (!hasTerraform) {
      console.warn("bench: terraform is not on PATH; the release's speed is not measured")
      return [
        { issue: 15, name: "released binary's speed", value: 0, unit: "-", note: "SKIPPED: terraform not on PATH" },
        ...sizes(build, built),
      ]
    }
    const { installed, executable } = await install(emulator, join(outDir, "mirror"), dir, build.version)
    return [
      ...(await handshakes(executable, dir, 21)),
      ...(await plans(emulator, executable, installed, dir, 11)),
      ...sizes(build, built),
    ]
  } finally {
    await emulator.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
