/**
 * Issue 6's load figures: 1,000 lookups issued at once through the service
 * (`maxConnections` 8) against the emulator, side by side with the same
 * 1,000 lookups over raw `fetch` + `JSON.parse` held to the same 8 in flight.
 * Each run is a fresh child process, so its peak RSS (`maxRSS`) is its own;
 * the emulator runs here, in the parent. Runs interleave service and raw;
 * figures are medians. A third child that makes a single lookup gives the
 * RSS floor of a process that has loaded the service.
 *
 * The same file is the child: `node dist/bench/load.js --load-child <kind> <url> <publicKey>`,
 * the secret in `BENCH_LOAD_SECRET`.
 */
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect, ManagedRuntime } from "effect"
import { FlexRestoreJobs } from "../src/atlas/FlexRestoreJobs.js"
import { AtlasMediaType, FlexRestoreJobsLive } from "../src/atlas/layer.js"
import { EmulatorSeed, startEmulator } from "../src/emulator/index.js"
import { median } from "./row.js"
import type { BenchRow } from "./row.js"

const LOOKUPS = 1000
const CAP = 8
const RUNS = Number(process.env["BENCH_LOAD_RUNS"] ?? 5)

type Kind = "service" | "digest" | "raw" | "one"

interface ChildResult {
  readonly millis: number
  readonly ok: number
  readonly maxRssBytes: number
}

const jobIds = [EmulatorSeed.jobs.completed, EmulatorSeed.jobs.download, EmulatorSeed.jobs.running]
const pathOf = (i: number) =>
  `/api/atlas/v2/groups/${EmulatorSeed.groupId}/flexClusters/${EmulatorSeed.clusterName}/backup/restoreJobs/${jobIds[i % jobIds.length]}`

/** The child: one storm, then its figures as one JSON line. */
const child = async (kind: Kind, url: string, secret: string, publicKey: string): Promise<ChildResult> => {
  const started = performance.now()
  let ok = 0
  if (kind === "raw") {
    // Eight workers draining one queue: the same bound the service's semaphore applies.
    let next = 0
    const worker = async () => {
      while (next < LOOKUPS) {
        const i = next++
        const response = await fetch(url + pathOf(i), {
          headers: { accept: AtlasMediaType, authorization: `Bearer ${secret}` },
        })
        const body = (await response.json()) as { id?: string }
        if (response.status === 200 && typeof body.id === "string") ok++
      }
    }
    await Promise.all(Array.from({ length: CAP }, worker))
  } else {
    const runtime = ManagedRuntime.make(
      FlexRestoreJobsLive.layerNode({
        baseUrl: url,
        auth: kind === "digest" ? { publicKey, privateKey: secret } : { accessToken: secret },
        env: {},
        maxConnections: CAP,
      }),
    )
    const n = kind === "one" ? 1 : LOOKUPS
    const jobs = await runtime.runPromise(
      FlexRestoreJobs.use((service) =>
        Effect.all(
          Array.from({ length: n }, (_, i) =>
            service.get({
              groupId: EmulatorSeed.groupId,
              name: EmulatorSeed.clusterName,
              restoreJobId: jobIds[i % jobIds.length]!,
            }),
          ),
          { concurrency: "unbounded" },
        ),
      ),
    )
    ok = jobs.filter((j) => typeof j.id === "string").length
    await runtime.dispose()
  }
  const millis = performance.now() - started
  return { millis, ok, maxRssBytes: process.resourceUsage().maxRSS * 1024 }
}

const self = fileURLToPath(import.meta.url)

const runChild = async (kind: Kind, url: string, secret: string, publicKey: string): Promise<ChildResult> => {
  // The secret goes through the environment: a command line is visible to every user of the machine.
  const { stdout } = await promisify(execFile)(process.execPath, [self, "--load-child", kind, url, publicKey], {
    env: { PATH: process.env["PATH"] ?? "", BENCH_LOAD_SECRET: secret },
  })
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as ChildResult
}

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10

/**
 * @since 0.1.0
 */
export async function run(): Promise<Array<BenchRow>> {
  const emulator = await startEmulator({ rateLimit: false })
  try {
    const { accessToken, privateKey, publicKey } = emulator.credentials
    const samples: Record<Kind, Array<ChildResult>> = { service: [], digest: [], raw: [], one: [] }
    let maxConnections = 0
    let failed = 0
    // One warm-up round fills the file cache; then rounds interleave the kinds so drift hits all alike.
    for (let round = -1; round < RUNS; round++) {
      for (const kind of ["service", "raw", "digest", "one"] as const) {
        emulator.resetStats()
        const result = await runChild(kind, emulator.url, kind === "digest" ? privateKey : accessToken, publicKey)
        if (round < 0) continue
        samples[kind].push(result)
        if (kind !== "raw" && kind !== "one") {
          maxConnections = Math.max(maxConnections, emulator.stats().maxConcurrentConnections)
          failed += LOOKUPS - result.ok
        }
      }
    }
    const rate = (kind: Kind) => median(samples[kind].map((r) => (LOOKUPS * 1000) / r.millis))
    const rss = (kind: Kind) => median(samples[kind].map((r) => r.maxRssBytes))
    const service = rate("service")
    const raw = rate("raw")
    const note = `median of ${RUNS} fresh processes; ${CAP} in flight`
    return [
      {
        issue: 6,
        name: "1,000 lookups at once via the service: throughput",
        value: Math.round(service),
        unit: "lookups/s",
        note: `bearer token; ${note}`,
      },
      {
        issue: 6,
        name: "same 1,000 via raw fetch + JSON.parse (baseline)",
        value: Math.round(raw),
        unit: "lookups/s",
        note,
      },
      {
        issue: 6,
        name: "service / raw fetch throughput",
        value: service / raw,
        unit: "x",
        note: "validation, retries, timeouts, decoding included",
      },
      {
        issue: 6,
        name: "1,000 lookups at once via the service (digest): throughput",
        value: Math.round(rate("digest")),
        unit: "lookups/s",
        note: "API key; one challenge, nonce reused",
      },
      {
        issue: 6,
        name: "peak RSS, 1,000 lookups at once via the service",
        value: mb(rss("service")),
        unit: "MB",
        note: `child maxRSS; ${mb(rss("one"))} MB for one lookup, ${mb(rss("raw"))} MB for raw fetch`,
      },
      {
        issue: 6,
        name: "peak RSS added by 999 more lookups in flight",
        value: mb(rss("service") - rss("one")),
        unit: "MB",
        target: "bounded (< 64 MB)",
        met: rss("service") - rss("one") < 64 * 1024 * 1024,
      },
      {
        issue: 6,
        name: `max concurrent connections seen (maxConnections ${CAP})`,
        value: maxConnections,
        unit: "connections",
        target: `<= ${CAP}`,
        met: maxConnections <= CAP,
      },
      {
        issue: 6,
        name: "lookups that failed under load",
        value: failed,
        unit: "lookups",
        target: "0",
        met: failed === 0,
      },
    ]
  } finally {
    await emulator.stop()
  }
}

if (process.argv[2] === "--load-child") {
  const [, , , kind, url, publicKey] = process.argv
  const result = await child(kind as Kind, url!, process.env["BENCH_LOAD_SECRET"] ?? "", publicKey!)
  process.stdout.write(JSON.stringify(result) + "\n")
  // Idle keep-alive sockets must not hold the child open.
  process.exit(0)
}
