/**
 * Issue 3's figures, side by side with `@cdktf/provider-mongodbatlas` 8.6.2:
 * what importing the construct entry adds to a fresh node process over one
 * that imports only `cdktf` (time, heap, RSS; medians of interleaved runs),
 * and the time to construct and synthesize stacks of 1, 100 and 1,000 data
 * sources with either class.
 */
import { execFile } from "node:child_process"
import { dirname, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { promisify } from "node:util"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { TerraformStack, Testing } from "cdktf"
import { DataMongodbatlasFlexRestoreJob as Theirs } from "@cdktf/provider-mongodbatlas/lib/data-mongodbatlas-flex-restore-job/index.js"
import { DataMongodbatlasFlexRestoreJob as Ours } from "../src/cdktf/index.js"
import { median } from "./row.js"
import type { BenchRow } from "./row.js"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const runs = Number(process.env["BENCH_CDKTF_RUNS"] ?? 9)

/**
 * What each fresh process imports after `cdktf`, which an ESM cdktf app
 * imports itself (and which, loaded through ESM, costs more than through the
 * `require` of a CommonJS package: loading `cdktf` first keeps the comparison fair).
 */
const targets = {
  baseline: undefined,
  ours: pathToFileURL(resolve(root, "dist/src/cdktf/index.js")).href,
  theirsRoot: "@cdktf/provider-mongodbatlas",
  theirsFile: "@cdktf/provider-mongodbatlas/lib/data-mongodbatlas-flex-restore-job/index.js",
} as const
type Target = keyof typeof targets

interface ImportSample {
  /** From before `cdktf` to after the target. */
  readonly ms: number
  /** The target alone, after `cdktf`, in the same process. */
  readonly directMs: number
  readonly heapBytes: number
  readonly rssBytes: number
}

const importOnce = async (specifier: string | undefined): Promise<ImportSample> => {
  const program = `
    globalThis.gc(); const before = process.memoryUsage(); const t0 = performance.now()
    await import("cdktf")
    const t1 = performance.now()
    ${specifier === undefined ? "" : `await import(${JSON.stringify(specifier)})`}
    const t2 = performance.now(); globalThis.gc(); const after = process.memoryUsage()
    process.stdout.write(JSON.stringify({
      ms: t2 - t0, directMs: t2 - t1, heapBytes: after.heapUsed - before.heapUsed, rssBytes: after.rss - before.rss,
    }))
  `
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--input-type=module", "-e", program],
    { cwd: root, env: { PATH: process.env["PATH"] ?? "" } },
  )
  return JSON.parse(stdout) as ImportSample
}

const measureImports = async (): Promise<Record<Target, ImportSample>> => {
  const samples = Object.fromEntries(Object.keys(targets).map((t) => [t, [] as Array<ImportSample>])) as Record<
    Target,
    Array<ImportSample>
  >
  // One warm-up round fills the file cache; then rounds interleave the targets so drift hits all alike.
  for (let round = -1; round < runs; round++) {
    for (const target of Object.keys(targets) as Array<Target>) {
      const sample = await importOnce(targets[target])
      if (round >= 0) samples[target].push(sample)
    }
  }
  const med = (xs: Array<ImportSample>): ImportSample => ({
    ms: median(xs.map((x) => x.ms)),
    directMs: median(xs.map((x) => x.directMs)),
    heapBytes: median(xs.map((x) => x.heapBytes)),
    rssBytes: median(xs.map((x) => x.rssBytes)),
  })
  return Object.fromEntries(Object.entries(samples).map(([t, xs]) => [t, med(xs)])) as Record<Target, ImportSample>
}

const config = {
  projectId: "6650f1a2b3c4d5e6f7a8b9c0",
  name: "flex-demo",
  restoreJobId: "66a0000000000000000000c1",
}

// A collection before each timed synth, so neither side pays for the other's garbage.
setFlagsFromString("--expose-gc")
const gc = runInNewContext("gc") as () => void

/** Construct a stack of `n` data sources (literal inputs, so ours checks them all) and synthesize it. */
const synthOnce = (Data: typeof Theirs | typeof Ours, n: number): number => {
  gc()
  const t0 = performance.now()
  const stack = new TerraformStack(Testing.app(), "bench")
  for (let i = 0; i < n; i++) new Data(stack, `job${i}`, config)
  const json = Testing.synth(stack)
  const ms = performance.now() - t0
  if (!json.includes(`"job${n - 1}"`)) throw new Error("synth lost a data source")
  return ms
}

/**
 * Medians of each side, and the median of the ratios of adjacent pairs: the
 * two runs of a pair see the same machine load, so drifting load cancels out.
 */
const measureSynth = (n: number): { theirs: number; ours: number; ratio: number } => {
  const reps = n >= 1000 ? 11 : Math.max(11, Math.ceil(300 / n))
  for (let i = 0; i < 3; i++) (synthOnce(Theirs, n), synthOnce(Ours, n))
  const theirs: Array<number> = []
  const ours: Array<number> = []
  const ratios: Array<number> = []
  for (let i = 0; i < reps; i++) {
    let t: number
    let o: number
    if (i % 2 === 0) {
      t = synthOnce(Theirs, n)
      o = synthOnce(Ours, n)
    } else {
      o = synthOnce(Ours, n)
      t = synthOnce(Theirs, n)
    }
    theirs.push(t)
    ours.push(o)
    ratios.push(o / t)
  }
  return { theirs: median(theirs), ours: median(ours), ratio: median(ratios) }
}

const mib = (bytes: number) => bytes / (1024 * 1024)

/**
 * @since 0.1.0
 */
export async function run(): Promise<Array<BenchRow>> {
  const rows: Array<BenchRow> = []
  const imports = await measureImports()
  // The time is taken in the same process, right after its own `cdktf` import: the difference of
  // whole-process medians (shown in the note) is what users see too, but on a busy machine its
  // noise is larger than a small import.
  const added = (t: Target) => imports[t].directMs
  rows.push({
    issue: 3,
    name: "import cdktf only (baseline process)",
    value: imports.baseline.ms,
    unit: "ms",
    note: `median of ${runs} fresh processes per target, targets interleaved`,
  })
  for (const [target, label] of [
    ["ours", "ours (atlas-flex-restore/cdktf)"],
    ["theirsRoot", "theirs (package root)"],
    ["theirsFile", "theirs (data-source file)"],
  ] as const) {
    rows.push({
      issue: 3,
      name: `import added time, ${label}`,
      value: added(target),
      unit: "ms",
      note: `process total minus baseline process: ${(imports[target].ms - imports.baseline.ms).toFixed(1)} ms`,
    })
    rows.push({
      issue: 3,
      name: `import added heap, ${label}`,
      value: mib(imports[target].heapBytes - imports.baseline.heapBytes),
      unit: "MiB",
      note: `RSS ${mib(imports[target].rssBytes - imports.baseline.rssBytes).toFixed(1)} MiB over the baseline process`,
    })
  }
  const importRatio = added("ours") / added("theirsRoot")
  rows.push({
    issue: 3,
    name: "import added time, ours / theirs (root)",
    value: importRatio,
    unit: "x",
    target: "< 0.333",
    met: importRatio < 1 / 3,
    note: `ours / theirs (data-source file): ${(added("ours") / added("theirsFile")).toFixed(2)}x`,
  })
  for (const n of [1, 100, 1000]) {
    const { theirs, ours, ratio } = measureSynth(n)
    rows.push({
      issue: 3,
      name: `synth ${n} data source${n === 1 ? "" : "s"}, ours / theirs`,
      value: ratio,
      unit: "x",
      target: "<= 1.1",
      met: ratio <= 1.1,
      note: `median of paired ratios; ours ${ours.toFixed(2)} ms, theirs ${theirs.toFixed(2)} ms (construct + synth)`,
    })
  }
  return rows
}
