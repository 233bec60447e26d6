/**
 * The emulator's seeded world on its own: which project and cluster each
 * answer belongs to, what each seeded job holds, the progressing job's dates
 * across a run, Atlas-style dates, the token bucket's edges and the pretty
 * printer's handling of absent values.
 */
import { describe, expect, it } from "vitest"
import { FaultRules } from "../../src/emulator/FaultRule.js"
import { EmulatorSeed } from "../../src/emulator/index.js"
import { prettyJson } from "../../src/emulator/prettyJson.js"
import { atlasDate, SeededJobs } from "../../src/emulator/SeededJobs.js"
import { TokenBucket } from "../../src/emulator/TokenBucket.js"

const { groupId, otherGroupId, forbiddenGroupId, clusterName, dedicatedClusterName, jobs } = EmulatorSeed
const url = "http://127.0.0.1:1"

describe("SeededJobs", () => {
  const seeded = () => new SeededJobs(url, 1_000)
  const found = (id: string, now = 0, world = seeded()) => {
    const answer = world.lookup(groupId, clusterName, id, now)
    if (answer._tag !== "Found") throw new Error(`no job ${id}: ${answer._tag}`)
    return answer.job
  }

  it("tells each kind of miss apart", () => {
    const tags = (
      [
        [forbiddenGroupId, clusterName],
        ["6650f1a2b3c4d5e6f7a8b900", clusterName],
        [groupId, dedicatedClusterName],
        [otherGroupId, dedicatedClusterName],
        [otherGroupId, clusterName],
        [groupId, "other"],
      ] as const
    ).map(([group, name]) => seeded().lookup(group, name, jobs.completed, 0)._tag)
    expect(tags).toStrictEqual([
      "GroupForbidden",
      "GroupNotFound",
      "NotFlex",
      "ClusterNotFound",
      "ClusterNotFound",
      "ClusterNotFound",
    ])
    expect(seeded().lookup(groupId, clusterName, "66a0000000000000000000ee", 0)._tag).toBe("JobNotFound")
  })

  it("prints fields in alphabetical order, as Atlas does", () => {
    for (const id of Object.values(jobs)) {
      const keys = Object.keys(found(id))
      expect(keys).toStrictEqual([...keys].sort())
    }
  })

  it("gives each seeded job its own snapshot and status", () => {
    expect(
      [jobs.pending, jobs.queued, jobs.running, jobs.stuck].map((id) => [found(id)["status"], found(id)["snapshotId"]]),
    ).toStrictEqual([
      ["PENDING", "66a0000000000000000005a1"],
      ["QUEUED", "66a0000000000000000005a2"],
      ["RUNNING", "66a0000000000000000005a3"],
      ["RUNNING", "66a0000000000000000005e1"],
    ])
  })

  it("dates the progressing job from the read that started its run", () => {
    const world = seeded()
    const start = Date.UTC(2026, 7, 12, 10, 0, 0)
    const first = found(jobs.progressing, start, world)
    expect(first).toMatchObject({
      status: "PENDING",
      restoreScheduledDate: "2026-08-12T10:00:00Z",
      snapshotFinishedDate: "2026-08-12T09:00:00Z",
    })
    expect(first["restoreFinishedDate"]).toBeUndefined()
    expect(first["links"]).toBeUndefined()
    expect(found(jobs.progressing, start + 2_500, world)["status"]).toBe("RUNNING")
    const done = found(jobs.progressing, start + 3_000, world)
    expect(done).toMatchObject({
      status: "COMPLETED",
      restoreScheduledDate: "2026-08-12T10:00:00Z",
      restoreFinishedDate: "2026-08-12T10:00:03Z",
    })
    expect(done["links"]).toStrictEqual([
      {
        href: `${url}/api/atlas/v2/groups/${groupId}/flexClusters/${clusterName}/backup/restoreJobs/${jobs.progressing}`,
        rel: "self",
      },
    ])
    // The next read starts a new run.
    expect(found(jobs.progressing, start + 60_000, world)).toMatchObject({
      status: "PENDING",
      restoreScheduledDate: "2026-08-12T10:01:00Z",
    })
  })

  it("writes dates without milliseconds", () => {
    expect(atlasDate(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe("2026-01-02T03:04:05Z")
    expect(atlasDate(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe("2026-01-02T03:04:05Z")
  })
})

describe("TokenBucket", () => {
  it("never refilled: asks for an hour", () => {
    const bucket = new TokenBucket({ capacity: 1, refillPerSecond: 0 }, 0)
    expect(bucket.take(0).allowed).toBe(true)
    expect(bucket.take(10_000)).toStrictEqual({ allowed: false, limit: 1, remaining: 0, retryAfterSeconds: 3600 })
  })

  it("refill gives the whole capacity back at once", () => {
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 0 }, 0)
    bucket.take(0)
    bucket.take(0)
    expect(bucket.take(0).allowed).toBe(false)
    bucket.refill(5)
    expect(bucket.take(5)).toStrictEqual({ allowed: true, limit: 2, remaining: 1, retryAfterSeconds: 0 })
  })
})

describe("prettyJson", () => {
  it("leaves out absent fields, and prints a lone absent value as null", () => {
    expect(prettyJson({ a: undefined, b: 1 })).toBe('{\n  "b" : 1\n}')
    expect(prettyJson({ a: undefined })).toBe("{ }")
    expect(prettyJson(undefined)).toBe("null")
  })
})

describe("FaultRules", () => {
  it("first match wins, times counts down, clear forgets every rule", () => {
    const rules = new FaultRules([])
    rules.set([
      { match: { method: "Get", path: /\?x=1$/, times: 1 }, status: 500 },
      { match: { path: "/jobs" }, status: 503 },
    ])
    expect(rules.take("GET", "/jobs", "/jobs?x=1")?.status).toBe(500)
    expect(rules.take("get", "/jobs", "/jobs?x=1")?.status).toBe(503)
    expect(rules.take("GET", "/other", "/other")).toBeUndefined()
    rules.clear()
    expect(rules.take("GET", "/jobs", "/jobs")).toBeUndefined()
  })
})
