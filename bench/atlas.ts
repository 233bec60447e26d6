/**
 * Benchmark of the service (issue 2), against the emulator, each figure
 * measured side by side with its baseline in the same run:
 * - throughput of `FlexRestoreJobs.get` against raw `fetch` + `JSON.parse`;
 * - HTTP requests per `get` over 1,000 sequential digest calls;
 * - token requests per 1,000 service-account calls;
 * - cold start of a one-shot lookup script against bare Node with `fetch`.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, ManagedRuntime } from "effect"
import type { AtlasClientOptions } from "../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../src/atlas/FlexRestoreJobs.js"
import { AtlasMediaType, FlexRestoreJobsLive } from "../src/atlas/layer.js"
import { EmulatorSeed, startEmulator } from "../src/emulator/index.js"
import type { RunningEmulator } from "../src/emulator/index.js"
import { median } from "./row.js"
import type { BenchRow } from "./row.js"

const ref = { groupId: EmulatorSeed.groupId, name: EmulatorSeed.clusterName, restoreJobId: EmulatorSeed.jobs.completed }
const path = `/api/atlas/v2/groups/${ref.groupId}/flexClusters/${ref.name}/backup/restoreJobs/${ref.restoreJobId}`

const service = async (options: AtlasClientOptions, transport: "layerNode" | "layerFetch" = "layerNode") => {
  const runtime = ManagedRuntime.make(FlexRestoreJobsLive[transport](options))
  const jobs = await runtime.runPromise(FlexRestoreJobs.use(Effect.succeed))
  return {
    get: () => runtime.runPromise(jobs.get(ref)),
    many: (n: number) =>
      runtime.runPromise(Effect.forEach(Array.from({ length: n }), () => jobs.get(ref), { discard: true })),
    close: () => runtime.dispose(),
  }
}

/** Calls per second of `n` sequential calls of `call`. */
const rate = async (n: number, run: (n: number) => Promise<void>): Promise<number> => {
  const start = performance.now()
  await run(n)
  return (n * 1000) / (performance.now() - start)
}

const throughput = async (emulator: RunningEmulator): Promise<Array<BenchRow>> => {
  const token = emulator.credentials.accessToken
  const options = { baseUrl: emulator.url, auth: { accessToken: token }, env: {} }
  const node = await service(options, "layerNode")
  const viaFetch = await service(options, "layerFetch")
  const raw = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const response = await fetch(emulator.url + path, {
        headers: { accept: AtlasMediaType, authorization: `Bearer ${token}` },
      })
      const job = JSON.parse(await response.text()) as { id?: string }
      if (job.id !== ref.restoreJobId) throw new Error("raw fetch read the wrong job")
    }
  }
  try {
    // Warm up every path (JIT, connection pools), then many short rounds in
    // rotating order: each ratio compares neighbours in time, so load from
    // other processes on the machine shifts both sides alike.
    const paths = [raw, node.many, viaFetch.many]
    for (const p of paths) await p(300)
    const rates: Array<Array<number>> = [[], [], []]
    const ratioNode: Array<number> = []
    const ratioFetch: Array<number> = []
    for (let round = 0; round < 24; round++) {
      const r: Array<number> = [0, 0, 0]
      for (let k = 0; k < 3; k++) {
        const i = (round + k) % 3
        r[i] = await rate(150, paths[i]!)
        rates[i]!.push(r[i]!)
      }
      ratioNode.push(r[1]! / r[0]!)
      ratioFetch.push(r[2]! / r[0]!)
    }
    const rn = median(ratioNode)
    const rf = median(ratioFetch)
    return [
      { issue: 2, name: "atlas: get throughput, raw fetch + JSON.parse", value: median(rates[0]!), unit: "calls/s" },
      { issue: 2, name: "atlas: get throughput, service (layerNode)", value: median(rates[1]!), unit: "calls/s" },
      { issue: 2, name: "atlas: get throughput, service (layerFetch)", value: median(rates[2]!), unit: "calls/s" },
      {
        issue: 2,
        name: "atlas: throughput ratio service (layerNode) / raw fetch",
        value: rn,
        unit: "x",
        target: ">= 0.5",
        met: rn >= 0.5,
        note: "sequential, bearer; median of 24 rotating rounds of 150",
      },
      {
        issue: 2,
        name: "atlas: throughput ratio service (layerFetch) / raw fetch",
        value: rf,
        unit: "x",
        target: ">= 0.5",
        met: rf >= 0.5,
        note: "same rounds",
      },
    ]
  } finally {
    await node.close()
    await viaFetch.close()
  }
}

const digestRequests = async (emulator: RunningEmulator): Promise<BenchRow> => {
  const { publicKey, privateKey } = emulator.credentials
  const s = await service({ baseUrl: emulator.url, auth: { publicKey, privateKey }, env: {} })
  try {
    emulator.resetStats()
    await s.many(1000)
    const perGet = emulator.stats().apiRequests / 1000
    return {
      issue: 2,
      name: "atlas: HTTP requests per get, 1,000 sequential digest calls",
      value: perGet,
      unit: "req/get",
      target: "<= 1.01",
      met: perGet <= 1.01,
      note: `${emulator.stats().digestChallenges} challenge(s); Go digest transport: 2.0`,
    }
  } finally {
    await s.close()
  }
}

const tokenRequests = async (emulator: RunningEmulator): Promise<BenchRow> => {
  const { clientId, clientSecret } = emulator.credentials
  emulator.resetStats()
  const s = await service({ baseUrl: emulator.url, auth: { clientId, clientSecret }, env: {} })
  try {
    await s.many(1000)
  } finally {
    await s.close()
  }
  const tokens = emulator.stats().tokenRequests
  return {
    issue: 2,
    name: "atlas: token requests per 1,000 service-account calls",
    value: tokens,
    unit: "requests",
    target: "1",
    met: tokens === 1,
    note: `${emulator.stats().revocations} revocation(s) on release`,
  }
}

const coldStart = async (emulator: RunningEmulator): Promise<Array<BenchRow>> => {
  const dir = mkdtempSync(join(tmpdir(), "atlas-bench-"))
  const entry = new URL("../src/index.js", import.meta.url).href
  const ours = join(dir, "lookup.mjs")
  const bare = join(dir, "bare.mjs")
  writeFileSync(
    ours,
    `import { getFlexRestoreJob } from ${JSON.stringify(entry)}\n` +
      `const job = await getFlexRestoreJob(${JSON.stringify(ref)}, { baseUrl: process.env.URL, auth: { accessToken: process.env.TOKEN }, env: {} })\n` +
      `if (job.id !== ${JSON.stringify(ref.restoreJobId)}) process.exit(2)\n`,
  )
  writeFileSync(
    bare,
    `const r = await fetch(process.env.URL + ${JSON.stringify(path)}, { headers: { accept: ${JSON.stringify(AtlasMediaType)}, authorization: "Bearer " + process.env.TOKEN } })\n` +
      `const job = JSON.parse(await r.text())\n` +
      `if (job.id !== ${JSON.stringify(ref.restoreJobId)}) process.exit(2)\n`,
  )
  const env = { ...process.env, URL: emulator.url, TOKEN: emulator.credentials.accessToken }
  // Asynchronous: the emulator answering the child lives in this process.
  const time = (file: string) =>
    new Promise<number>((resolve, reject) => {
      const start = performance.now()
      const child = spawn(process.execPath, [file], { env, stdio: ["ignore", "ignore", "pipe"] })
      let stderr = ""
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      child.on("error", reject)
      child.on("exit", (code) => {
        const ms = performance.now() - start
        if (code === 0) resolve(ms)
        else reject(new Error(`${file} exited ${code}: ${stderr.slice(0, 500)}`))
      })
    })
  try {
    await time(ours)
    await time(bare)
    const o: Array<number> = []
    const b: Array<number> = []
    for (let i = 0; i < 9; i++) {
      b.push(await time(bare))
      o.push(await time(ours))
    }
    const om = median(o)
    const bm = median(b)
    return [
      {
        issue: 2,
        name: "atlas: cold start, one-shot lookup via dist/src/index.js",
        value: om,
        unit: "ms",
        note: "node process: import + one getFlexRestoreJob",
      },
      { issue: 2, name: "atlas: cold start, bare node + fetch", value: bm, unit: "ms" },
      {
        issue: 2,
        name: "atlas: cold start ratio lookup / bare node",
        value: om / bm,
        unit: "x",
        note: `+${(om - bm).toFixed(0)} ms; median of 9 alternating runs`,
      },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * @since 0.1.0
 */
export async function run(): Promise<Array<BenchRow>> {
  const emulator = await startEmulator({ rateLimit: false })
  try {
    return [
      ...(await throughput(emulator)),
      await digestRequests(emulator),
      await tokenRequests(emulator),
      ...(await coldStart(emulator)),
    ]
  } finally {
    await emulator.stop()
  }
}

// Run directly: node dist/bench/atlas.js
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of await run()) console.log(row)
}
