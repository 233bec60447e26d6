/**
 * Every kind of answer the emulator gives on the restore-job endpoint, checked
 * with Ajv for status, media type, body (enums, patterns, date-time formats,
 * required fields) and the documented headers, against:
 *
 * 1. `flexRestoreJob.schema.json` beside this file: a JSON Schema this project
 *    wrote from the endpoint's facts. Always.
 * 2. The official OpenAPI excerpt, when the environment variable
 *    `ATLAS_OPENAPI_SPEC` names it (`.ci/run` sets it when
 *    `../shared/atlas-openapi/flex-restore-job.openapi.json` exists). The
 *    excerpt is licensed CC BY-NC-SA, so it is read at test time and never
 *    copied here. Without the variable that part is skipped, loudly.
 *
 * Both are stricter than the spec: every object schema is closed
 * (`additionalProperties: false`), so a field the spec does not name fails.
 *
 * Deliberate deviations, each mirroring real Atlas:
 * - `ApiError.parameters`: the spec says an array of objects; Atlas sends
 *   strings and numbers. Our schema says so; against the official one those
 *   item errors, and only those, are tolerated, and the items are then
 *   checked to be strings or numbers.
 * - Statuses the operation does not list: 406 (Atlas answers it to an
 *   unacceptable Accept) and 405; their bodies are still checked as errors.
 * - `envelope=true`: the spec describes the envelope only in words; the
 *   wrapper is checked here to be exactly `{status, content}` with `content`
 *   valid for `status`.
 */
import { readFileSync } from "node:fs"
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import { accept, jobPath, manualClock } from "./helpers.js"
import ownSchema from "./flexRestoreJob.schema.json" with { type: "json" }

const versioned = "application/vnd.atlas.2024-11-13+json"

// ajv-formats is CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv

/** What the test asks of a description of the endpoint, whichever it is. */
interface Checker {
  readonly name: string
  /** The errors of one body answered with `status` and `mediaType`; empty when valid. */
  readonly validateBody: (status: number, mediaType: string, body: unknown, prefix?: string) => Array<string>
  /** The documented headers of `status`, each with its value's check. */
  readonly headers: (status: number) => Record<string, (value: number) => boolean>
  /** The restore-job schema. */
  readonly job: ValidateFunction
}

const errorsOf = (validate: ValidateFunction, ignore: (e: ErrorObject) => boolean = () => false) =>
  (validate.errors ?? [])
    .filter((e) => !ignore(e))
    .map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`)

/** Our own schema: a versioned restore job for 200, an API error for everything else. */
const ownChecker = (): Checker => {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true })
  addFormats(ajv)
  ajv.addSchema(ownSchema)
  const get = (name: string) => ajv.getSchema(`${ownSchema.$id}#/definitions/${name}`)!
  const job = get("restoreJob")
  const apiError = get("apiError")
  const count = get("countHeader")
  const counted = (names: Array<string>) => Object.fromEntries(names.map((n) => [n, (v: number) => count(v) === true]))
  return {
    name: "our JSON Schema (flexRestoreJob.schema.json)",
    job,
    validateBody: (status, mediaType, body) => {
      const expected = status === 200 ? versioned : "application/json"
      if (mediaType !== expected) return [`${status} must be ${expected}, not ${mediaType}`]
      const validate = status === 200 ? job : apiError
      if (!validate(body)) return errorsOf(validate)
      if (status !== 200 && (body as { error: number }).error !== status) return [`/error is not ${status}`]
      return []
    },
    headers: (status) =>
      status === 200
        ? counted(["RateLimit-Limit", "RateLimit-Remaining"])
        : status === 429
          ? counted(["RateLimit-Limit", "RateLimit-Remaining", "Retry-After"])
          : {},
  }
}

/**
 * Closes every object schema that names its properties, and points the spec's
 * `#/components/schemas/X` references at `#/$defs/X`, where Ajv looks.
 */
const close = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(close)
  if (node === null || typeof node !== "object") return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node))
    out[k] =
      k === "properties"
        ? mapValues(v, close)
        : k === "$ref"
          ? String(v).replace("#/components/schemas/", "#/$defs/")
          : close(v)
  if ("properties" in out && out.type === "object") out.additionalProperties = false
  return out
}
const mapValues = (o: object, f: (v: unknown) => unknown) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]))

/** The official OpenAPI excerpt at `path`, read now, never copied. */
const officialChecker = (path: string): Checker => {
  const spec = JSON.parse(readFileSync(path, "utf8")) as Record<string, any>
  const operation =
    spec.paths["/api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/restoreJobs/{restoreJobId}"].get
  const ajv = new Ajv({ strict: true, allErrors: true })
  addFormats(ajv)
  // OpenAPI 3.0 annotations and the spec's own extensions: known, not validated.
  ajv.addVocabulary(["example", "externalDocs", "x-xgen-version", "x-xgen-docs-url"])
  ajv.addSchema({ $id: "atlas", $defs: mapValues(spec.components.schemas, close) })
  const schemaFor = (ref: string): ValidateFunction =>
    ajv.getSchema(`atlas#/$defs/${ref.replace("#/components/schemas/", "")}`)!
  const resolveResponse = (status: number): Record<string, any> | undefined => {
    const entry = operation.responses[String(status)]
    if (entry === undefined) return undefined
    return entry.$ref ? spec.components.responses[entry.$ref.replace("#/components/responses/", "")] : entry
  }
  const isParameterItem = (e: ErrorObject, prefix: string) =>
    new RegExp(`^${prefix}/parameters/\\d+$`).test(e.instancePath) && e.keyword === "type"
  return {
    name: `the official OpenAPI excerpt (${path})`,
    job: schemaFor("#/components/schemas/FlexBackupRestoreJob20241113"),
    validateBody: (status, mediaType, body, prefix = "") => {
      const response = resolveResponse(status)
      const content =
        response?.content?.[mediaType] ??
        (status >= 400 ? { schema: { $ref: "#/components/schemas/ApiError" } } : undefined)
      if (content === undefined) return [`no ${mediaType} body documented for ${status}`]
      const validate = schemaFor(content.schema.$ref)
      return validate(body) ? [] : errorsOf(validate, (e) => isParameterItem(e, prefix))
    },
    headers: (status) =>
      mapValues(resolveResponse(status)?.headers ?? {}, (ref) => {
        const schema =
          spec.components.headers[(ref as { $ref: string }).$ref.replace("#/components/headers/", "")].schema
        return (value: number) => ajv.validate(schema, value)
      }) as Record<string, (value: number) => boolean>,
  }
}

const officialSpec = process.env.ATLAS_OPENAPI_SPEC
if (!officialSpec) {
  console.warn(
    "\n*** conformance: SKIPPING the check against the official OpenAPI excerpt: ATLAS_OPENAPI_SPEC is not set " +
      "(.ci/run sets it when ../shared/atlas-openapi/flex-restore-job.openapi.json exists). " +
      "Our own JSON Schema of the endpoint is still checked. ***\n",
  )
}
const checkers: Array<Checker> = [ownChecker(), ...(officialSpec ? [officialChecker(officialSpec)] : [])]

interface Case {
  readonly name: string
  readonly path: string
  readonly status: number
  readonly headers?: Record<string, string>
  readonly auth?: boolean
}

const { jobs, groupId, clusterName } = EmulatorSeed
const hexId = "0123456789abcdef01234567"

const cases: ReadonlyArray<Case> = [
  ...Object.entries(jobs).map(([kind, id]) => ({ name: `200 ${kind} job`, path: jobPath(id), status: 200 })),
  { name: "200 pretty", path: jobPath(jobs.download) + "?pretty=true", status: 200 },
  { name: "400 malformed path values", path: jobPath("x", "y", "-z"), status: 400 },
  { name: "400 bad envelope flag", path: jobPath(jobs.completed) + "?envelope=maybe", status: 400 },
  {
    name: "400 non-flex cluster",
    path: jobPath(jobs.completed, groupId, EmulatorSeed.dedicatedClusterName),
    status: 400,
  },
  { name: "401 digest challenge", path: jobPath(jobs.completed), status: 401, auth: false },
  {
    name: "401 invalid bearer",
    path: jobPath(jobs.completed),
    status: 401,
    auth: false,
    headers: { authorization: "Bearer nope" },
  },
  { name: "403 forbidden group", path: jobPath(jobs.completed, EmulatorSeed.forbiddenGroupId), status: 403 },
  { name: "404 group", path: jobPath(jobs.completed, hexId), status: 404 },
  { name: "404 cluster", path: jobPath(jobs.completed, groupId, "nope"), status: 404 },
  { name: "404 job", path: jobPath(hexId), status: 404 },
  { name: "404 pretty", path: jobPath(hexId, groupId, clusterName) + "?pretty=true", status: 404 },
  { name: "404 route", path: "/api/atlas/v2/groups/" + groupId, status: 404 },
  { name: "406 Accept", path: jobPath(jobs.completed), status: 406, headers: { accept: "application/json" } },
]

describe.each(checkers)("emulator: conformance to $name", (checker) => {
  const { validateBody } = checker
  const clock = manualClock()
  let emulator: RunningEmulator
  const fetchCase = (c: Pick<Case, "path" | "headers" | "auth">) =>
    fetch(emulator.url + c.path, {
      headers: {
        accept,
        ...(c.auth === false ? {} : { authorization: `Bearer ${emulator.credentials.accessToken}` }),
        ...c.headers,
      },
    })

  beforeAll(async () => {
    emulator = await startEmulator({ now: clock.now, progressStepMillis: 1000 })
  })
  afterAll(() => emulator.stop())

  const checkPlain = async (response: Response, status: number, prefix = "") => {
    expect(response.status).toBe(status)
    const mediaType = response.headers.get("content-type")!.split(";")[0]!
    if (status === 200) expect(mediaType).toBe(versioned)
    else expect(mediaType).toBe("application/json")
    const body = (await response.json()) as Record<string, unknown>
    expect(validateBody(status, mediaType, body, prefix)).toEqual([])
    for (const [name, check] of Object.entries(checker.headers(status))) {
      const value = response.headers.get(name)
      expect(value, `header ${name}`).not.toBeNull()
      expect(check(Number(value)), `header ${name}: ${value}`).toBe(true)
    }
    if (status >= 400) {
      expect(response.headers.get("x-error-code")).toBe(body.errorCode)
      for (const p of body.parameters as Array<unknown>) expect(["string", "number"]).toContain(typeof p)
    }
    return body
  }

  it.each(cases)("$name conforms", async (c) => {
    await checkPlain(await fetchCase(c), c.status)
  })

  it.each(cases.filter((c) => c.status !== 401 && c.status !== 406 && !c.path.includes("envelope=")))(
    "$name conforms inside the envelope",
    async (c) => {
      const response = await fetchCase({ ...c, path: c.path + (c.path.includes("?") ? "&" : "?") + "envelope=true" })
      expect(response.status).toBe(200)
      const wrapped = (await response.json()) as { status: number; content: unknown }
      expect(Object.keys(wrapped).sort()).toEqual(["content", "status"])
      expect(wrapped.status).toBe(c.status)
      const mediaType = c.status === 200 ? versioned : "application/json"
      expect(validateBody(c.status, mediaType, wrapped.content)).toEqual([])
    },
  )

  it("429 conforms, with RateLimit-* and Retry-After", async () => {
    const limited = await startEmulator({ rateLimit: { capacity: 1, refillPerSecond: 0.01 } })
    try {
      const call = () =>
        fetch(limited.url + jobPath(jobs.completed), {
          headers: { accept, authorization: `Bearer ${limited.credentials.accessToken}` },
        })
      await checkPlain(await call(), 200)
      await checkPlain(await call(), 429)
    } finally {
      await limited.stop()
    }
  })

  it("every phase of the progressing job conforms", async () => {
    const statuses = new Set<string>()
    for (let i = 0; i < 4; i++) {
      const body = await checkPlain(await fetchCase({ path: jobPath(jobs.progressing) }), 200)
      statuses.add(body.status as string)
      clock.advance(1000)
    }
    expect([...statuses]).toEqual(["PENDING", "QUEUED", "RUNNING", "COMPLETED"])
  })

  it("the seeded jobs cover every documented status and delivery type", async () => {
    const job = checker.job.schema as Record<string, any>
    const seen = { status: new Set<string>(), deliveryType: new Set<string>() }
    for (const id of Object.values(jobs)) {
      const body = (await (await fetchCase({ path: jobPath(id) })).json()) as Record<string, string>
      seen.status.add(body.status!)
      seen.deliveryType.add(body.deliveryType!)
    }
    clock.advance(10_000)
    seen.status.add(
      ((await (await fetchCase({ path: jobPath(jobs.progressing) })).json()) as { status: string }).status,
    )
    expect([...seen.status].sort()).toEqual([...job.properties.status.enum].sort())
    expect([...seen.deliveryType].sort()).toEqual([...job.properties.deliveryType.enum].sort())
  })

  it("error answers to faults that name only a status conform", async () => {
    for (const status of [400, 401, 403, 404, 429, 500]) {
      emulator.setFaults([
        {
          status,
          match: { times: 1 },
          headers: { "RateLimit-Limit": "1200", "RateLimit-Remaining": "0", "Retry-After": "1" },
        },
      ])
      await checkPlain(await fetchCase({ path: jobPath(jobs.completed) }), status)
    }
  })

  it("the checker itself rejects what the spec forbids", () => {
    const job = checker.job
    expect(job({ status: "CANCELLED" })).toBe(false)
    expect(job({ deliveryType: "EMAIL" })).toBe(false)
    expect(job({ restoreFinishedDate: "yesterday" })).toBe(false)
    expect(job({ id: "ABC" })).toBe(false)
    expect(job({ targetDeploymentItemName: "héllo wörld" })).toBe(false)
    expect(job({ targetDeploymentItemName: "héllo-wörld" })).toBe(true)
    expect(job({ unknownField: 1 })).toBe(false)
    expect(validateBody(404, "application/json", { error: 404 })).not.toEqual([])
    expect(validateBody(404, "application/json", { error: 404, errorCode: "X", parameters: ["a", 1] })).toEqual([])
    expect(
      validateBody(400, "application/json", { error: 400, errorCode: "X", badRequestDetail: { fields: [{}] } }),
    ).not.toEqual([])
  })
})

if (!officialSpec) {
  describe("emulator: conformance to the official OpenAPI excerpt", () => {
    it.skip("SKIPPED: ATLAS_OPENAPI_SPEC is not set (it names ../shared/atlas-openapi/flex-restore-job.openapi.json, CC BY-NC-SA, never copied here)", () => {})
  })
}
