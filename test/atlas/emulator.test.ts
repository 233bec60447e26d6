/**
 * The service against the real emulator over loopback HTTP (fetch), live clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Exit, Layer, ManagedRuntime, Scope } from "effect"
import { startEmulator, EmulatorSeed } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import type { AtlasClientOptions } from "../../src/atlas/AtlasConfig.js"
import { FlexRestoreJobs } from "../../src/atlas/FlexRestoreJobs.js"
import type { FlexRestoreJobRef } from "../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import { createFlexRestoreClient, getFlexRestoreJob, NotFound, waitForFlexRestoreJob } from "../../src/index.js"

const ref = (restoreJobId: string, name: string = EmulatorSeed.clusterName): FlexRestoreJobRef => ({
  groupId: EmulatorSeed.groupId,
  name,
  restoreJobId,
})

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ progressStepMillis: 150, rateLimit: false })
})
afterAll(() => emulator.stop())

const modes = () =>
  ({
    digest: { publicKey: emulator.credentials.publicKey, privateKey: emulator.credentials.privateKey },
    serviceAccount: { clientId: emulator.credentials.clientId, clientSecret: emulator.credentials.clientSecret },
    accessToken: { accessToken: emulator.credentials.accessToken },
  }) as const

const optionsFor = (mode: keyof ReturnType<typeof modes>, extra: AtlasClientOptions = {}): AtlasClientOptions => ({
  baseUrl: emulator.url,
  auth: modes()[mode],
  env: {},
  ...extra,
})

/** The rejection of a promise that must reject. */
const rejection = <E>(p: Promise<unknown>): Promise<E> =>
  p.then(
    () => {
      throw new Error("expected a rejection")
    },
    (e: unknown) => e as E,
  )

/** Runs `f` with a fresh service, releasing its layer afterwards. */
type Transport = "layerNode" | "layerFetch"
/** Which layer `withJobs` uses; the suites that matter run once per transport. */
let transport: Transport = "layerNode"
const overTransports = (name: string, body: () => void) =>
  describe.each(["layerNode", "layerFetch"] as const)(`${name} (%s)`, (t) => {
    beforeAll(() => {
      transport = t
    })
    afterAll(() => {
      transport = "layerNode"
    })
    body()
  })

const withJobs = async <A>(
  options: AtlasClientOptions,
  f: (jobs: typeof FlexRestoreJobs.Service) => Effect.Effect<A, unknown>,
): Promise<A> => {
  const runtime = ManagedRuntime.make(FlexRestoreJobsLive[transport](options))
  try {
    return await runtime.runPromise(FlexRestoreJobs.use(f))
  } finally {
    await runtime.dispose()
  }
}

overTransports("each auth mode", () =>
  describe.each(["digest", "serviceAccount", "accessToken"] as const)("%s", (mode) => {
    it("reads every seeded job", async () => {
      const jobs = await withJobs(optionsFor(mode), (s) =>
        Effect.forEach(Object.values(EmulatorSeed.jobs), (id) => s.get(ref(id))),
      )
      expect(jobs.map((j) => j.id)).toEqual(Object.values(EmulatorSeed.jobs))
      const download = jobs.find((j) => j.id === EmulatorSeed.jobs.download)!
      expect(download.deliveryType).toBe("DOWNLOAD")
      expect(typeof download.snapshotUrl).toBe("string")
      const running = jobs.find((j) => j.id === EmulatorSeed.jobs.running)!
      expect(running.status).toBe("RUNNING")
      expect(running.restoreFinishedDate).toBeUndefined()
    })

    it("maps the emulator's errors to the typed classes", async () => {
      const errors = await withJobs(optionsFor(mode, { retry: { maxAttempts: 1 } }), (s) =>
        Effect.all([
          Effect.flip(s.get(ref(EmulatorSeed.jobs.completed, EmulatorSeed.dedicatedClusterName))),
          Effect.flip(s.get(ref("66a0000000000000000000ff"))),
          Effect.flip(s.get({ ...ref(EmulatorSeed.jobs.completed), groupId: "6650f1a2b3c4d5e6f7a8b000" })),
          Effect.flip(s.get(ref(EmulatorSeed.jobs.completed, "no-such-cluster"))),
        ]),
      )
      expect(errors.map((e) => [e._tag, "errorCode" in e ? e.errorCode : undefined])).toEqual([
        ["BadRequest", "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API"],
        ["NotFound", "RESOURCE_NOT_FOUND"],
        ["NotFound", "GROUP_NOT_FOUND"],
        ["NotFound", "CLUSTER_NOT_FOUND"],
      ])
    })
  }),
)

overTransports("digest against the emulator", () => {
  it("32 concurrent first calls cost exactly one challenge", async () => {
    emulator.resetStats()
    const jobs = await withJobs(optionsFor("digest"), (s) =>
      Effect.forEach(Array.from({ length: 32 }), () => s.get(ref(EmulatorSeed.jobs.completed)), {
        concurrency: "unbounded",
      }),
    )
    expect(jobs).toHaveLength(32)
    const stats = emulator.stats()
    expect(stats.digestChallenges).toBe(1)
    expect(stats.apiRequests).toBe(33)
  })

  it("reuses the nonce: 200 sequential calls make 201 requests", async () => {
    emulator.resetStats()
    await withJobs(optionsFor("digest"), (s) =>
      Effect.forEach(Array.from({ length: 200 }), () => s.get(ref(EmulatorSeed.jobs.completed)), { discard: true }),
    )
    expect(emulator.stats().apiRequests).toBe(201)
    expect(emulator.stats().digestChallenges).toBe(1)
  })

  it("re-challenges once when the nonce expires", async () => {
    const short = await startEmulator({ nonceTtlMillis: 100, rateLimit: false })
    try {
      await withJobs({ baseUrl: short.url, auth: modes().digest, env: {} }, (s) =>
        Effect.gen(function* () {
          yield* s.get(ref(EmulatorSeed.jobs.completed))
          yield* Effect.sleep(150)
          yield* s.get(ref(EmulatorSeed.jobs.completed))
        }),
      )
      // challenge + ok, stale + ok
      expect(short.stats().apiRequests).toBe(4)
      expect(short.stats().digestChallenges).toBe(2)
    } finally {
      await short.stop()
    }
  })

  it("wrong keys: Unauthorized after one challenge, without the key in the message", async () => {
    const error = await withJobs(
      { baseUrl: emulator.url, auth: { publicKey: "emulator", privateKey: "wrong-private" }, env: {} },
      (s) => Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
    )
    expect(error._tag).toBe("Unauthorized")
    expect(error.message).not.toContain("wrong-private")
  })
})

overTransports("service account against the emulator", () => {
  it("one token for many calls, revoked when the layer is released", async () => {
    emulator.resetStats()
    await withJobs(optionsFor("serviceAccount"), (s) =>
      Effect.forEach(Array.from({ length: 100 }), () => s.get(ref(EmulatorSeed.jobs.completed)), {
        concurrency: 8,
        discard: true,
      }),
    )
    const stats = emulator.stats()
    expect(stats.tokenRequests).toBe(1)
    expect(stats.revocations).toBe(1)
  })

  it("renews an expiring token", async () => {
    const short = await startEmulator({ tokenTtlSeconds: 1, rateLimit: false })
    try {
      await withJobs(
        {
          baseUrl: short.url,
          auth: { clientId: short.credentials.clientId, clientSecret: short.credentials.clientSecret },
          env: {},
        },
        (s) =>
          Effect.gen(function* () {
            yield* s.get(ref(EmulatorSeed.jobs.completed))
            yield* s.get(ref(EmulatorSeed.jobs.completed))
            yield* Effect.sleep(1100)
            yield* s.get(ref(EmulatorSeed.jobs.completed))
          }),
      )
      expect(short.stats().tokenRequests).toBe(2)
      expect(short.stats().byStatus["401"] ?? 0).toBe(0)
    } finally {
      await short.stop()
    }
  })

  it("revokes through the Scope of a plain Effect program", async () => {
    emulator.resetStats()
    const program = Effect.gen(function* () {
      const scope = yield* Scope.make()
      const ctx = yield* Layer.buildWithScope(FlexRestoreJobsLive[transport](optionsFor("serviceAccount")), scope)
      const jobs = ctx.mapUnsafe.get(FlexRestoreJobs.key) as typeof FlexRestoreJobs.Service
      yield* jobs.get(ref(EmulatorSeed.jobs.completed))
      yield* Scope.close(scope, Exit.void)
    })
    await Effect.runPromise(program)
    expect(emulator.stats().revocations).toBe(1)
  })
})

overTransports("protocol details against the emulator", () => {
  it("envelope and pretty give the same job and the same errors", async () => {
    const [plain, wrapped, pretty, e1, e2] = await withJobs(
      optionsFor("accessToken", { retry: { maxAttempts: 1 } }),
      (s) =>
        Effect.all([
          s.get(ref(EmulatorSeed.jobs.download)),
          s.get(ref(EmulatorSeed.jobs.download), { envelope: true }),
          s.get(ref(EmulatorSeed.jobs.download), { pretty: true, envelope: true }),
          Effect.flip(s.get(ref("66a0000000000000000000ff"))),
          Effect.flip(s.get(ref("66a0000000000000000000ff"), { envelope: true })),
        ]),
    )
    expect(wrapped).toEqual(plain)
    expect(pretty).toEqual(plain)
    expect(e2._tag).toBe("NotFound")
    expect({ ...e2 }).toEqual({ ...e1 })
  })

  it("retries a reset connection, a 503 and a truncated body, then succeeds", async () => {
    emulator.resetStats()
    emulator.setFaults([
      { match: { path: "/restoreJobs/", times: 1 }, reset: true },
      { match: { path: "/restoreJobs/", times: 1 }, status: 503 },
      { match: { path: "/restoreJobs/", times: 1 }, truncate: true },
    ])
    try {
      const job = await withJobs(optionsFor("accessToken", { retry: { initialDelay: 5 } }), (s) =>
        s.get(ref(EmulatorSeed.jobs.completed)),
      )
      expect(job.id).toBe(EmulatorSeed.jobs.completed)
      expect(emulator.stats().apiRequests).toBe(4)
    } finally {
      emulator.clearFaults()
    }
  })

  it("an HTML 502 from a proxy is a ServerError; an HTML 200 a ResponseDecodeError", async () => {
    emulator.setFaults([{ match: { path: "/restoreJobs/" }, html: true }])
    try {
      const e502 = await withJobs(optionsFor("accessToken", { retry: { maxAttempts: 1 } }), (s) =>
        Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
      )
      expect(e502._tag).toBe("ServerError")
      emulator.setFaults([{ match: { path: "/restoreJobs/" }, html: true, status: 200 }])
      const e200 = await withJobs(optionsFor("accessToken", { retry: { maxAttempts: 1 } }), (s) =>
        Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
      )
      expect(e200._tag).toBe("ResponseDecodeError")
    } finally {
      emulator.clearFaults()
    }
  })

  it("a hung answer times out and the request is aborted", async () => {
    emulator.setFaults([{ match: { path: "/restoreJobs/" }, hang: true }])
    try {
      const before = emulator.stats().apiRequests
      const error = await withJobs(
        optionsFor("accessToken", { timeout: 200, retry: { maxAttempts: 2, initialDelay: 5 } }),
        (s) => Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
      )
      expect(error._tag).toBe("Timeout")
      // Bounded by count, not time: one request per attempt (a hang would fail by the test's timeout).
      expect(emulator.stats().apiRequests - before).toBe(2)
      // The aborted requests closed their connections: the server sees none left, however long that takes.
      while (emulator.stats().activeRequests > 0) await new Promise((r) => setTimeout(r, 5))
      expect(emulator.stats().activeRequests).toBe(0)
    } finally {
      emulator.clearFaults()
    }
  })

  it("a body above maxResponseBytes is refused", async () => {
    emulator.setFaults([{ match: { path: "/restoreJobs/" }, bodyBytes: 5000 }])
    try {
      const error = await withJobs(optionsFor("accessToken", { maxResponseBytes: 4096 }), (s) =>
        Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
      )
      expect(error._tag).toBe("ResponseDecodeError")
    } finally {
      emulator.clearFaults()
    }
  })

  it("honours the emulator's 429 Retry-After", async () => {
    const limited = await startEmulator({ rateLimit: { capacity: 2, refillPerSecond: 1 } })
    try {
      await withJobs({ baseUrl: limited.url, auth: { accessToken: limited.credentials.accessToken }, env: {} }, (s) =>
        Effect.forEach(Array.from({ length: 3 }), () => s.get(ref(EmulatorSeed.jobs.completed)), { discard: true }),
      )
      // Ordering on the emulator's own bucket, not a stopwatch: a retry sent before its Retry-After (1 s, the
      // refill) would meet an empty bucket and be a second 429; the one retry is the third 200.
      expect(limited.stats().byStatus["429"]).toBe(1)
      expect(limited.stats().byStatus["200"]).toBe(3)
    } finally {
      await limited.stop()
    }
  })

  it("does not follow a redirect, so credentials never reach another host", async () => {
    const other = await startEmulator({ rateLimit: false })
    emulator.setFaults([
      { match: { path: "/restoreJobs/" }, status: 302, headers: { location: `${other.url}${"/x"}` } },
    ])
    try {
      for (const mode of ["digest", "accessToken"] as const) {
        const error = await withJobs(optionsFor(mode, { retry: { maxAttempts: 1 } }), (s) =>
          Effect.flip(s.get(ref(EmulatorSeed.jobs.completed))),
        )
        expect(error._tag).toBe("UnexpectedStatus")
        expect((error as { status?: number }).status).toBe(302)
      }
      expect(other.stats().requests).toBe(0)
    } finally {
      emulator.clearFaults()
      await other.stop()
    }
  })

  it("maxConnections caps requests in flight", async () => {
    emulator.resetStats()
    emulator.setFaults([{ match: { path: "/restoreJobs/" }, delayMillis: 20 }])
    try {
      await withJobs(optionsFor("accessToken", { maxConnections: 4 }), (s) =>
        Effect.forEach(Array.from({ length: 24 }), () => s.get(ref(EmulatorSeed.jobs.completed)), {
          concurrency: "unbounded",
          discard: true,
        }),
      )
      expect(emulator.stats().maxConcurrentRequests).toBe(4)
    } finally {
      emulator.clearFaults()
    }
  })
})

describe("layerNode guarantees", () => {
  it("never opens more connections than maxConnections, resets included, and closes them on release", async () => {
    const own = await startEmulator({ rateLimit: false })
    own.setFaults([
      { match: { path: "/restoreJobs/", times: 30 }, status: 503 },
      { match: { path: "/restoreJobs/", times: 10 }, reset: true },
      { match: { path: "/restoreJobs/" }, delayMillis: 2 },
    ])
    try {
      const jobs = await withJobs(
        {
          baseUrl: own.url,
          auth: { accessToken: own.credentials.accessToken },
          env: {},
          maxConnections: 6,
          retry: { initialDelay: 1, maxDelay: 5 },
        },
        (s) =>
          Effect.forEach(Array.from({ length: 300 }), () => s.get(ref(EmulatorSeed.jobs.completed)), {
            concurrency: "unbounded",
          }),
      )
      expect(jobs).toHaveLength(300)
      expect(own.stats().maxConcurrentConnections).toBeLessThanOrEqual(6)
      expect(own.stats().maxConcurrentConnections).toBeGreaterThan(1)
      await new Promise((r) => setTimeout(r, 50))
      expect(own.stats().activeConnections).toBe(0)
    } finally {
      await own.stop()
    }
  })

  it("time queued for a connection does not count against the timeout", async () => {
    const own = await startEmulator({
      rateLimit: false,
      faults: [{ match: { path: "/restoreJobs/" }, delayMillis: 30 }],
    })
    try {
      // 40 calls through 2 connections take about 600 ms; each exchange takes 30 ms.
      const jobs = await withJobs(
        {
          baseUrl: own.url,
          auth: { accessToken: own.credentials.accessToken },
          env: {},
          maxConnections: 2,
          timeout: 250,
          retry: { maxAttempts: 1 },
        },
        (s) =>
          Effect.forEach(Array.from({ length: 40 }), () => s.get(ref(EmulatorSeed.jobs.completed)), {
            concurrency: "unbounded",
          }),
      )
      expect(jobs).toHaveLength(40)
      expect(own.stats().apiRequests).toBe(40)
    } finally {
      await own.stop()
    }
  })
})

describe("the Promise face against the emulator", () => {
  it("getFlexRestoreJob resolves to the job", async () => {
    const job = await getFlexRestoreJob(ref(EmulatorSeed.jobs.completed), optionsFor("digest"))
    expect(job.status).toBe("COMPLETED")
  })

  it("rejects with the tagged error instance", async () => {
    const error = await getFlexRestoreJob(ref("66a0000000000000000000ff"), optionsFor("digest")).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NotFound)
    expect((error as NotFound)._tag).toBe("NotFound")
    expect((error as NotFound).errorCode).toBe("RESOURCE_NOT_FOUND")
  })

  it("rejects with InvalidRequest and sends nothing", async () => {
    emulator.resetStats()
    const error = await rejection<{ _tag: string; fields: Array<unknown> }>(
      getFlexRestoreJob({ groupId: "x", name: "y", restoreJobId: "z" }, optionsFor("accessToken")),
    )
    expect(error._tag).toBe("InvalidRequest")
    expect(error.fields).toHaveLength(2)
    expect(emulator.stats().requests).toBe(0)
  })

  it("rejects with AuthError naming the variables when nothing is configured", async () => {
    const error = await rejection<Error & { _tag: string }>(
      getFlexRestoreJob(ref(EmulatorSeed.jobs.completed), { baseUrl: emulator.url, env: {} }),
    )
    expect(error._tag).toBe("AuthError")
    expect(error.message).toContain("MONGODB_ATLAS_CLIENT_ID")
  })

  it("reads credentials from the env option", async () => {
    const job = await getFlexRestoreJob(ref(EmulatorSeed.jobs.completed), {
      env: {
        MONGODB_ATLAS_BASE_URL: emulator.url,
        MONGODB_ATLAS_PUBLIC_API_KEY: emulator.credentials.publicKey,
        MONGODB_ATLAS_PRIVATE_API_KEY: emulator.credentials.privateKey,
      },
    })
    expect(job.id).toBe(EmulatorSeed.jobs.completed)
  })

  it("waitForFlexRestoreJob follows the progressing job to COMPLETED", async () => {
    // The emulator's clock moves one phase each time the waiter reports a change, so every phase is seen
    // whatever the machine's load (a wall clock let a busy run skip RUNNING between two polls).
    let clock = Date.parse("2026-01-01T00:00:00Z")
    const progressing = await startEmulator({ progressStepMillis: 1000, rateLimit: false, now: () => clock })
    try {
      const seen: Array<string | undefined> = []
      const job = await waitForFlexRestoreJob(ref(EmulatorSeed.jobs.progressing), {
        baseUrl: progressing.url,
        auth: { accessToken: progressing.credentials.accessToken },
        env: {},
        interval: 25,
        waitTimeout: "10 seconds",
        onStatusChange: (j) => {
          seen.push(j.status)
          clock += 1000
        },
      })
      expect(job.status).toBe("COMPLETED")
      expect(seen).toEqual(["PENDING", "QUEUED", "RUNNING", "COMPLETED"])
    } finally {
      await progressing.stop()
    }
  })

  it("waitForFlexRestoreJob rejects with WaitTimeout on the stuck job", async () => {
    const error = await rejection<{ _tag: string; lastStatus?: string }>(
      waitForFlexRestoreJob(ref(EmulatorSeed.jobs.stuck), {
        ...optionsFor("accessToken"),
        interval: 20,
        waitTimeout: 150,
      }),
    )
    expect(error._tag).toBe("WaitTimeout")
    expect(error.lastStatus).toBe("RUNNING")
  })

  it("a reusable client keeps one digest nonce across calls", async () => {
    // Its own emulator: requests cut short by earlier tests must not count here.
    const own = await startEmulator({ rateLimit: false })
    try {
      const client = await createFlexRestoreClient({
        baseUrl: own.url,
        auth: { publicKey: own.credentials.publicKey, privateKey: own.credentials.privateKey },
        env: {},
      })
      try {
        for (let i = 0; i < 10; i++) await client.get(ref(EmulatorSeed.jobs.completed))
      } finally {
        await client.close()
      }
      expect(own.stats().apiRequests).toBe(11)
      expect(own.stats().digestChallenges).toBe(1)
    } finally {
      await own.stop()
    }
  })
})
