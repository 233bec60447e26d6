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
    // A proxy's Basic challenge: the hint points at base_url and proxies, not at the credentials (issue 11).
    error: new Unauthorized({
      status: 401,
      challenge: "the server's WWW-Authenticate header holds no Digest challenge (it offers Basic)",
    }),
    summary: Summaries.Unauthorized,
    detail: ["HTTP 401", "it offers Basic", "base_url", "proxy", /^(?![\s\S]*MONGODB_ATLAS_ACCESS_TOKEN)/],
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

// The whole diagnostic, text for text: each line of the detail, its order, and what is left out.
describe("fromAtlasError, exactly", () => {
  const where = ' (project_id "6650f1a2b3c4d5e6f7a8b9c0", name "flex-demo", restore_job_id "66a0000000000000000000c1")'
  const credentialsHint =
    "Configure one of: access_token; client_id and client_secret; public_key and private_key, in the provider block " +
    "or through MONGODB_ATLAS_ACCESS_TOKEN; MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET; " +
    "MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY (the first mode configured wins, in that order)."
  const one = (summary: string, detail: ReadonlyArray<string>, attribute?: string) => [
    {
      severity: "ERROR",
      summary,
      detail: detail.join("\n"),
      ...(attribute === undefined ? {} : { attribute: { steps: [{ attribute_name: attribute }] } }),
    },
  ]

  it("InvalidRequest: one per field, on its attribute (none for another field); the base URL its own", () => {
    expect(
      fromAtlasError(
        new InvalidRequest({
          fields: [
            { field: "restoreJobId", value: "x", rule: "24 hex digits" },
            { field: "other", value: "y", rule: "set" },
            { field: "baseUrl", value: "ftp://x", rule: "an https:// URL" },
          ],
        }),
        config,
      ),
    ).toEqual([
      ...one(Summaries.InvalidRequest, ['restore_job_id "x" must be 24 hex digits.'], "restore_job_id"),
      ...one(Summaries.InvalidRequest, ['other "y" must be set.']),
      ...one(Summaries.InvalidBaseUrl, [
        'The Atlas base URL "ftp://x" must be an https:// URL.',
        "Set base_url in the provider block, or MONGODB_ATLAS_BASE_URL.",
      ]),
    ])
  })

  it("BadRequest: where, the code, the flex hint on name, and each field Atlas named", () => {
    const nonFlex = new BadRequest({ status: 400, errorCode: "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API", detail: "no" })
    const hint = (name: string) =>
      `Hint: the cluster "${name}" is not a flex cluster. This provider reads restore jobs of flex clusters only; for a dedicated cluster use the official provider's mongodbatlas_cloud_backup_snapshot_restore_job.`
    expect(fromAtlasError(nonFlex, config)).toEqual(
      one(
        Summaries.BadRequest,
        [
          "Bad request (HTTP 400 CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API): no" + where,
          "Atlas error code: CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
          hint("flex-demo"),
        ],
        "name",
      ),
    )
    // Without a configuration (no read in progress) the hint still stands, with no name.
    expect(fromAtlasError(nonFlex)).toEqual(
      one(
        Summaries.BadRequest,
        [
          "Bad request (HTTP 400 CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API): no",
          "Atlas error code: CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
          hint(""),
        ],
        "name",
      ),
    )
    expect(
      fromAtlasError(
        new BadRequest({
          status: 400,
          badRequestDetail: { fields: [{ field: "f", description: "d" }, { description: "nameless" }, { field: "g" }] },
        }),
        config,
      ),
    ).toEqual(one(Summaries.BadRequest, ["Bad request (HTTP 400)" + where, "f: d", "?: nameless", "g: "]))
    expect(fromAtlasError(new BadRequest({ status: 400, badRequestDetail: {} }))).toEqual(
      one(Summaries.BadRequest, ["Bad request (HTTP 400)"]),
    )
  })

  it("Unauthorized: the credentials hint, or the challenge hint", () => {
    expect(fromAtlasError(new Unauthorized({ status: 401 }), config)).toEqual(
      one(Summaries.Unauthorized, [
        "Unauthorized (HTTP 401)",
        "Hint: check that the credentials are current and belong to the organization of the project. " +
          credentialsHint,
      ]),
    )
    expect(fromAtlasError(new Unauthorized({ status: 401, errorCode: "X", challenge: "it offers Basic" }))).toEqual(
      one(Summaries.Unauthorized, [
        "Unauthorized (HTTP 401 X) (it offers Basic)",
        "Atlas error code: X",
        "Hint: the answer's challenge is not Atlas's, so the credentials were not checked: check that base_url (or MONGODB_ATLAS_BASE_URL) points at the Atlas Admin API, and whether a proxy between Terraform and Atlas answers instead.",
      ]),
    )
  })

  it("Forbidden: where and the role hint", () => {
    expect(fromAtlasError(new Forbidden({ status: 403, detail: "no access" }), config)).toEqual(
      one(Summaries.Forbidden, [
        "Forbidden (HTTP 403): no access" + where,
        "Hint: the credentials need at least the Project Read Only role on the project, and the caller's IP address must be on the API access list.",
      ]),
    )
  })

  it("NotFound: where, and the attribute its code points at or all three", () => {
    expect(fromAtlasError(new NotFound({ status: 404, errorCode: "GROUP_NOT_FOUND" }), config)).toEqual(
      one(
        Summaries.NotFound,
        [
          "Not found (HTTP 404 GROUP_NOT_FOUND)" + where,
          "Atlas error code: GROUP_NOT_FOUND",
          "Hint: check project_id.",
        ],
        "project_id",
      ),
    )
    const general = "Hint: check project_id, name and restore_job_id; a restore job id belongs to one flex cluster."
    expect(fromAtlasError(new NotFound({ status: 404 }), config)).toEqual(
      one(Summaries.NotFound, ["Not found (HTTP 404)" + where, general]),
    )
    // Atlas's code is its text: one named like an Object member points nowhere (it pointed at a function).
    for (const code of ["toString", "constructor", "__proto__"]) {
      expect(fromAtlasError(new NotFound({ status: 404, errorCode: code }))).toEqual(
        one(Summaries.NotFound, [`Not found (HTTP 404 ${code})`, `Atlas error code: ${code}`, general]),
      )
    }
  })

  it("RateLimited: after Retry-After's seconds, or later", () => {
    const hint = (when: string) =>
      `Hint: Atlas limits requests per project and per user; retry ${when}, or read fewer restore jobs per plan.`
    expect(fromAtlasError(new RateLimited({ status: 429 }), config)).toEqual(
      one(Summaries.RateLimited, ["Rate limited (HTTP 429)", hint("later")]),
    )
    expect(fromAtlasError(new RateLimited({ status: 429, retryAfterSeconds: 0 }))).toEqual(
      one(Summaries.RateLimited, ["Rate limited (HTTP 429) (Retry-After 0s)", hint("after 0 seconds")]),
    )
  })

  it("ServerError, UnexpectedStatus (the version hint on 406 and 410 only)", () => {
    expect(fromAtlasError(new ServerError({ status: 500 }), config)).toEqual(
      one(Summaries.ServerError, [
        "Atlas server error (HTTP 500)",
        "Hint: Atlas failed after the retries allowed; try again later.",
      ]),
    )
    const version = "Hint: the API version this provider speaks (2024-11-13) is not served there; upgrade the provider."
    expect(fromAtlasError(new UnexpectedStatus({ status: 406 }), config)).toEqual(
      one(Summaries.UnexpectedStatus, ["Unexpected response status (HTTP 406)", version]),
    )
    expect(fromAtlasError(new UnexpectedStatus({ status: 410 }), config)).toEqual(
      one(Summaries.UnexpectedStatus, ["Unexpected response status (HTTP 410)", version]),
    )
    expect(fromAtlasError(new UnexpectedStatus({ status: 302 }), config)).toEqual(
      one(Summaries.UnexpectedStatus, ["Unexpected response status (HTTP 302)"]),
    )
  })

  it("TransportError, Timeout, ResponseDecodeError, AuthError, WaitTimeout", () => {
    expect(fromAtlasError(new TransportError({ reason: "reset" }), config)).toEqual(
      one(Summaries.TransportError, [
        "Transport error: reset",
        "Hint: check base_url (or MONGODB_ATLAS_BASE_URL) and the network or proxy settings.",
      ]),
    )
    expect(fromAtlasError(new Timeout({ afterMillis: 5, what: "the call" }), config)).toEqual(
      one(Summaries.Timeout, ["Timed out: the call took longer than 5 ms"]),
    )
    expect(fromAtlasError(new ResponseDecodeError({ status: 200, reason: "not JSON" }), config)).toEqual(
      one(Summaries.ResponseDecodeError, [
        "Could not decode the response (HTTP 200): not JSON",
        "Hint: check that base_url points at the Atlas Admin API.",
      ]),
    )
    expect(fromAtlasError(new AuthError({ reason: "none" }), config)).toEqual(
      one(Summaries.AuthError, ["Authentication failed: none", credentialsHint]),
    )
    expect(fromAtlasError(new AuthError({ reason: "refused", status: 400 }), config)).toEqual(
      one(Summaries.AuthError, ["Authentication failed (HTTP 400): refused"]),
    )
    expect(fromAtlasError(new WaitTimeout({ afterMillis: 5 }), config)).toEqual(
      one(Summaries.WaitTimeout, ["The restore job did not finish within 5 ms (last status unknown)"]),
    )
  })
})
