import { describe, expect, it } from "vitest"
import {
  AuthError,
  BadRequest,
  Forbidden,
  InvalidRequest,
  NotFound,
  RateLimited,
  ResponseDecodeError,
  ServerError,
  Timeout,
  TransportError,
  Unauthorized,
  UnexpectedStatus,
  WaitTimeout,
} from "../../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../../src/atlas/AtlasError.js"
import { fromAtlasError, scrubber, Summaries } from "../../../src/datasource/plugin/AtlasDiagnostics.js"

const config = { project_id: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restore_job_id: "66a0000000000000000000c1" }

const cases: ReadonlyArray<{
  error: AtlasError | WaitTimeout
  summary: string
  attribute?: string
  detail: ReadonlyArray<string | RegExp>
}> = [
  {
    error: new InvalidRequest({ fields: [{ field: "restoreJobId", value: "x", rule: "24 hex" }] }),
    summary: Summaries.InvalidRequest,
    attribute: "restore_job_id",
    detail: ['restore_job_id "x" must be 24 hex'],
  },
  {
    error: new InvalidRequest({ fields: [{ field: "baseUrl", value: "ftp://x", rule: "an https:// URL" }] }),
    summary: Summaries.InvalidBaseUrl,
    detail: ["MONGODB_ATLAS_BASE_URL"],
  },
  {
    error: new BadRequest({ status: 400, errorCode: "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", detail: "no" }),
    summary: Summaries.BadRequest,
    attribute: "name",
    detail: ["Atlas error code: CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", "is not a flex cluster", '"flex-demo"'],
  },
  {
    error: new BadRequest({
      status: 400,
      errorCode: "INVALID_PARAMETER",
      badRequestDetail: { fields: [{ field: "f", description: "d" }] },
    }),
    summary: Summaries.BadRequest,
    detail: ["INVALID_PARAMETER", "f: d"],
  },
  {
    error: new Unauthorized({ status: 401, errorCode: "UNAUTHORIZED" }),
    summary: Summaries.Unauthorized,
    detail: ["Atlas error code: UNAUTHORIZED", "MONGODB_ATLAS_ACCESS_TOKEN", "public_key and private_key"],
  },
  {
    error: new Forbidden({ status: 403, errorCode: "ORG_REQUIRES_ACCESS_LIST" }),
    summary: Summaries.Forbidden,
    detail: ["ORG_REQUIRES_ACCESS_LIST", "Project Read Only", "access list"],
  },
  {
    error: new NotFound({ status: 404, errorCode: "GROUP_NOT_FOUND", detail: "No group" }),
    summary: Summaries.NotFound,
    attribute: "project_id",
    detail: ["Atlas error code: GROUP_NOT_FOUND", "No group", "check project_id"],
  },
  // Each code the mapping points at an attribute, one case each: removing one
  // entry of the mapping must fail here.
  {
    error: new NotFound({ status: 404, errorCode: "CLUSTER_NOT_FOUND", detail: "No cluster named flex-demo" }),
    summary: Summaries.NotFound,
    attribute: "name",
    detail: ["Atlas error code: CLUSTER_NOT_FOUND", "No cluster named flex-demo", /Hint: check name\.$/],
  },
  {
    error: new NotFound({ status: 404, errorCode: "FLEX_CLUSTER_NOT_FOUND", detail: "No flex cluster" }),
    summary: Summaries.NotFound,
    attribute: "name",
    detail: ["Atlas error code: FLEX_CLUSTER_NOT_FOUND", "No flex cluster", /Hint: check name\.$/],
  },
  {
    error: new NotFound({ status: 404, errorCode: "RESOURCE_NOT_FOUND" }),
    summary: Summaries.NotFound,
    detail: ["RESOURCE_NOT_FOUND", "restore_job_id"],
  },
  {
    error: new RateLimited({ status: 429, errorCode: "RATE_LIMITED", retryAfterSeconds: 55 }),
    summary: Summaries.RateLimited,
    detail: ["RATE_LIMITED", "after 55 seconds"],
  },
  {
    error: new ServerError({ status: 503, errorCode: "SERVICE_UNAVAILABLE" }),
    summary: Summaries.ServerError,
    detail: ["SERVICE_UNAVAILABLE", "try again later"],
  },
  {
    error: new UnexpectedStatus({ status: 410, errorCode: "VERSION_GONE" }),
    summary: Summaries.UnexpectedStatus,
    detail: ["VERSION_GONE", "2024-11-13"],
  },
  {
    error: new TransportError({ reason: "connect ECONNREFUSED 127.0.0.1:1" }),
    summary: Summaries.TransportError,
    detail: ["ECONNREFUSED", "base_url"],
  },
  { error: new Timeout({ afterMillis: 30000, what: "one attempt" }), summary: Summaries.Timeout, detail: ["30000 ms"] },
  {
    error: new ResponseDecodeError({ status: 200, reason: "not JSON" }),
    summary: Summaries.ResponseDecodeError,
    detail: ["not JSON", "base_url"],
  },
  {
    error: new AuthError({ reason: "no Atlas credentials configured" }),
    summary: Summaries.AuthError,
    detail: ["no Atlas credentials", "access_token", "MONGODB_ATLAS_CLIENT_ID"],
  },
  {
    error: new AuthError({ reason: "token endpoint refused", status: 401, errorCode: "INVALID_CLIENT" }),
    summary: Summaries.AuthError,
    detail: ["Atlas error code: INVALID_CLIENT"],
  },
  {
    error: new WaitTimeout({ afterMillis: 5, lastStatus: "RUNNING" }),
    summary: Summaries.WaitTimeout,
    detail: ["RUNNING"],
  },
]

describe("fromAtlasError", () => {
  for (const c of cases) {
    it(`${c.error._tag}${"errorCode" in c.error && c.error.errorCode ? ` ${c.error.errorCode}` : ""}`, () => {
      const [d, ...rest] = fromAtlasError(c.error, config)
      expect(rest).toEqual([])
      expect(d!.severity).toBe("ERROR")
      expect(d!.summary).toBe(c.summary)
      expect(d!.attribute?.steps[0]?.attribute_name).toBe(c.attribute)
      for (const part of c.detail)
        expect(d!.detail).toMatch(typeof part === "string" ? part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") : part)
    })
  }

  it("gives every error type its own static summary", () => {
    const summaries = Object.values(Summaries)
    expect(new Set(summaries).size).toBe(summaries.length)
  })

  it("one diagnostic per invalid field, each on its attribute", () => {
    const ds = fromAtlasError(
      new InvalidRequest({
        fields: [
          { field: "groupId", value: "a", rule: "r" },
          { field: "name", value: "-", rule: "r" },
        ],
      }),
    )
    expect(ds.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual(["project_id", "name"])
  })
})

describe("scrubber", () => {
  it("masks every occurrence of each secret, leaving short strings alone", () => {
    const scrub = scrubber(["s3cr3t-value", "abc"])
    expect(scrub("a s3cr3t-value and s3cr3t-value; abc")).toBe("a <redacted> and <redacted>; abc")
  })
})
