import { encode } from "@msgpack/msgpack"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import type { AtlasClientOptions } from "../../../src/atlas/AtlasConfig.js"
import { AuthError, NotFound } from "../../../src/atlas/AtlasError.js"
import type { AtlasError } from "../../../src/atlas/AtlasError.js"
import type { FlexRestoreJob, FlexRestoreJobRef } from "../../../src/atlas/FlexRestoreJob.js"
import { FlexRestoreJobs } from "../../../src/atlas/FlexRestoreJobs.js"
import { toState } from "../../../src/datasource/model.js"
import { DATA_SOURCE_TYPE, providerSchemaJson, PROVIDER_SOURCE } from "../../../src/datasource/schema.js"
import { decodeMsgpack } from "../../../src/provider/tfplugin6/CtyMsgpack.js"
import { Summaries } from "../../../src/datasource/plugin/AtlasDiagnostics.js"
import { makeAtlasProvider } from "../../../src/datasource/plugin/AtlasProvider.js"
import type { AtlasProviderOptions } from "../../../src/datasource/plugin/AtlasProvider.js"
import { ProviderServer } from "../../../src/provider/tfplugin6/ProviderServer.js"
import { dataConfig, providerBlock } from "../values.js"

/** The generic server handed this provider. */
const atlasServer = (options: AtlasProviderOptions = {}) => new ProviderServer({ provider: makeAtlasProvider(options) })

const config = { project_id: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restore_job_id: "66a0000000000000000000c1" }
const job: FlexRestoreJob = {
  id: config.restore_job_id,
  instanceName: "echoed",
  deliveryType: "RESTORE",
  status: "COMPLETED",
  snapshotId: "66a0000000000000000005c1",
}
const unknown = Buffer.from([0xd4, 0x00, 0x00])
/** msgpack of an object with one unknown attribute, spliced by hand. */
const withUnknown = (values: Record<string, string | null>, unknownKey: string) => {
  const keys = Object.keys(values)
  return Buffer.concat([
    Buffer.from([0x80 | (keys.length + 1)]),
    ...keys.flatMap((k) => [encode(k), encode(values[k])]),
    encode(unknownKey),
    unknown,
  ])
}

/** A fake service layer: records the options it was built with and the refs read. */
const fakeLayer = (
  answer: (ref: FlexRestoreJobRef) => Effect.Effect<FlexRestoreJob, AtlasError> = () => Effect.succeed(job),
) => {
  const built: Array<AtlasClientOptions> = []
  const reads: Array<FlexRestoreJobRef> = []
  const factory = (options: AtlasClientOptions) => {
    built.push(options)
    return Layer.succeed(FlexRestoreJobs)({
      get: (ref) => Effect.suspend(() => (reads.push(ref), answer(ref))),
      wait: () => Effect.die("unused"),
    })
  }
  return { factory, built, reads }
}

describe("schema", () => {
  it("serves the one definition: each block equals providerSchemaJson(), type as JSON bytes", () => {
    const response = atlasServer().getProviderSchema()
    const expected = providerSchemaJson().provider_schemas[PROVIDER_SOURCE]
    const asJson = (schema: NonNullable<typeof response.provider>) => ({
      version: Number(schema.version),
      block: {
        attributes: Object.fromEntries(
          schema.block.attributes.map((a) => [
            a.name,
            {
              type: JSON.parse(a.type.toString("utf8")),
              description: a.description,
              description_kind: a.description_kind.toLowerCase(),
              ...(a.required ? { required: true } : {}),
              ...(a.optional ? { optional: true } : {}),
              ...(a.computed ? { computed: true } : {}),
              ...(a.sensitive ? { sensitive: true } : {}),
            },
          ]),
        ),
        description: schema.block.description,
        description_kind: schema.block.description_kind.toLowerCase(),
      },
    })
    expect(asJson(response.provider!)).toEqual(expected.provider)
    expect(asJson(response.data_source_schemas![DATA_SOURCE_TYPE]!)).toEqual(
      expected.data_source_schemas[DATA_SOURCE_TYPE],
    )
    expect(response.provider!.block.attributes[0]!.type.toString()).toBe('"string"')
    expect(Object.keys(response.data_source_schemas!)).toEqual([DATA_SOURCE_TYPE])
    expect(atlasServer().getMetadata().data_sources).toEqual([{ type_name: DATA_SOURCE_TYPE }])
  })
})

describe("ValidateDataResourceConfig", () => {
  const server = atlasServer()
  const validate = (values: Record<string, unknown>) =>
    server.validateDataResourceConfig({ type_name: DATA_SOURCE_TYPE, config: dataConfig(values) }).diagnostics!

  it("passes a valid configuration", () => {
    expect(validate(config)).toEqual([])
  })

  it("names each malformed input on its attribute", () => {
    const diagnostics = validate({ ...config, project_id: "not-hex", restore_job_id: "ABC" })
    expect(diagnostics.map((d) => [d.summary, d.attribute?.steps[0]?.attribute_name])).toEqual([
      [Summaries.InvalidRequest, "project_id"],
      [Summaries.InvalidRequest, "restore_job_id"],
    ])
    expect(diagnostics[0]!.detail).toContain('"not-hex"')
    expect(diagnostics[0]!.severity).toBe("ERROR")
  })

  it("refuses upper-case hex ids, as the spec's pattern [a-f0-9]{24} does", () => {
    const upper = validate({
      ...config,
      project_id: String(config.project_id).toUpperCase(),
      restore_job_id: String(config.restore_job_id).toUpperCase(),
    })
    expect(upper.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual(["project_id", "restore_job_id"])
    expect(upper[0]!.detail).toContain(JSON.stringify(String(config.project_id).toUpperCase()))
  })

  it("lets unknown values pass, and checks the known ones beside them", () => {
    const msgpack = withUnknown({ name: "-bad", restore_job_id: config.restore_job_id }, "project_id")
    const diagnostics = server.validateDataResourceConfig({
      type_name: DATA_SOURCE_TYPE,
      config: { msgpack },
    }).diagnostics!
    expect(diagnostics.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual(["name"])
    expect(
      server.validateDataResourceConfig({ type_name: DATA_SOURCE_TYPE, config: { msgpack: unknown } }).diagnostics,
    ).toEqual([])
  })

  it("answers malformed msgpack and other data sources with diagnostics", () => {
    const bad = server.validateDataResourceConfig({
      type_name: DATA_SOURCE_TYPE,
      config: { msgpack: Buffer.from([0xc1]) },
    })
    expect(bad.diagnostics![0]!.summary).toBe(Summaries.InvalidValue)
    const other = server.validateDataResourceConfig({ type_name: "mongodbatlas_cluster", config: dataConfig({}) })
    expect(other.diagnostics![0]!.summary).toBe(Summaries.Unsupported)
    expect(server.unsupported("PlanResourceChange", "mongodbatlas_cluster").diagnostics[0]!.detail).toContain(
      "mongodbatlas_cluster",
    )
  })
})

describe("ConfigureProvider and ReadDataSource", () => {
  it("reads through the service and returns exactly the schema's attributes, inputs unchanged", async () => {
    const fake = fakeLayer()
    const server = atlasServer({ env: {}, layer: fake.factory })
    expect(
      (await server.configureProvider({ config: providerBlock({ access_token: "tok-1234" }) })).diagnostics,
    ).toEqual([])
    const response = await server.readDataSource({ type_name: DATA_SOURCE_TYPE, config: dataConfig(config) })
    expect(response.diagnostics).toBeUndefined()
    expect(decodeMsgpack(response.state!.msgpack!)).toEqual(toState(config, job))
    expect(fake.reads).toEqual([{ groupId: config.project_id, name: config.name, restoreJobId: config.restore_job_id }])
  })

  it("takes complete credentials from the block first, else merges attribute by attribute with the environment", async () => {
    const fake = fakeLayer()
    const env = { MONGODB_ATLAS_ACCESS_TOKEN: "env-token", MONGODB_ATLAS_PRIVATE_API_KEY: "env-private" }
    const server = atlasServer({ env, layer: fake.factory })
    await server.configureProvider({
      config: providerBlock({ public_key: "pub", private_key: "priv", base_url: "http://127.0.0.1:1" }),
    })
    expect(fake.built[0]).toMatchObject({
      auth: { publicKey: "pub", privateKey: "priv" },
      baseUrl: "http://127.0.0.1:1",
    })
    await server.configureProvider({ config: providerBlock({ public_key: "pub" }) })
    expect(fake.built[1]!.auth).toBeUndefined()
    expect(fake.built[1]!.env).toMatchObject({ MONGODB_ATLAS_PUBLIC_API_KEY: "pub", ...env })
  })

  it("copes with an unknown provider block: the read still works, from the environment", async () => {
    const fake = fakeLayer()
    const server = atlasServer({ env: { MONGODB_ATLAS_ACCESS_TOKEN: "env-token" }, layer: fake.factory })
    const msgpack = withUnknown({ public_key: "pub" }, "private_key")
    expect((await server.configureProvider({ config: { msgpack } })).diagnostics).toEqual([])
    expect((await server.configureProvider({ config: { msgpack: unknown } })).diagnostics).toEqual([])
    const response = await server.readDataSource({ type_name: DATA_SOURCE_TYPE, config: dataConfig(config) })
    expect(response.state).toBeDefined()
    expect(fake.built.at(-1)!.env!["MONGODB_ATLAS_ACCESS_TOKEN"]).toBe("env-token")
  })

  it("configures without complete credentials, and reports them missing at the first read, naming what to set, with no secret", async () => {
    const server = atlasServer({ env: { MONGODB_ATLAS_CLIENT_SECRET: "s3cret-value" } })
    expect((await server.configureProvider({ config: providerBlock({}) })).diagnostics).toEqual([])
    const { diagnostics, state } = await server.readDataSource({
      type_name: DATA_SOURCE_TYPE,
      config: dataConfig(config),
    })
    expect(state).toBeUndefined()
    expect(diagnostics!.map((d) => d.summary)).toEqual([Summaries.AuthError])
    expect(diagnostics![0]!.detail).toContain("MONGODB_ATLAS_CLIENT_ID is missing")
    expect(diagnostics![0]!.detail).toContain("access_token")
    expect(JSON.stringify(diagnostics)).not.toContain("s3cret-value")
  })

  it("reports an unusable base_url on that attribute", async () => {
    const server = atlasServer({ env: {}, layer: fakeLayer().factory })
    const { diagnostics } = await server.configureProvider({
      config: providerBlock({ base_url: "ftp://x", access_token: "t0ken" }),
    })
    expect(diagnostics!.map((d) => [d.summary, d.attribute?.steps[0]?.attribute_name])).toEqual([
      [Summaries.InvalidBaseUrl, "base_url"],
    ])
  })

  it("maps a typed error to its diagnostic, masking the configuration's secrets", async () => {
    const secret = "very-secret-token"
    const fake = fakeLayer(() =>
      Effect.fail(new NotFound({ status: 404, errorCode: "CLUSTER_NOT_FOUND", detail: `echo ${secret}` })),
    )
    const server = atlasServer({ env: {}, layer: fake.factory })
    await server.configureProvider({ config: providerBlock({ access_token: secret }) })
    const { diagnostics, state } = await server.readDataSource({
      type_name: DATA_SOURCE_TYPE,
      config: dataConfig(config),
    })
    expect(state).toBeUndefined()
    expect(diagnostics![0]).toMatchObject({
      summary: Summaries.NotFound,
      attribute: { steps: [{ attribute_name: "name" }] },
    })
    expect(diagnostics![0]!.detail).toContain("CLUSTER_NOT_FOUND")
    expect(diagnostics![0]!.detail).not.toContain(secret)
  })

  it("StopProvider interrupts reads in flight; they answer 'Read cancelled'", async () => {
    let interrupted = 0
    const fake = fakeLayer(() => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++))))
    const server = atlasServer({ env: {}, layer: fake.factory })
    await server.configureProvider({ config: providerBlock({ access_token: "t0ken" }) })
    const reads = [1, 2].map(() => server.readDataSource({ type_name: DATA_SOURCE_TYPE, config: dataConfig(config) }))
    while (fake.reads.length < 2) await new Promise((r) => setTimeout(r, 5))
    expect(server.stopProvider()).toEqual({})
    const answers = await Promise.all(reads)
    expect(answers.map((a) => a.diagnostics![0]!.summary)).toEqual([Summaries.Cancelled, Summaries.Cancelled])
    expect(interrupted).toBe(2)
  })

  it("a cancelled call (its signal) interrupts only its own read", async () => {
    const fake = fakeLayer((ref) => (ref.name === "slow" ? Effect.never : Effect.succeed(job)))
    const server = atlasServer({ env: {}, layer: fake.factory })
    const controller = new AbortController()
    const slow = server.readDataSource(
      { type_name: DATA_SOURCE_TYPE, config: dataConfig({ ...config, name: "slow" }) },
      controller.signal,
    )
    const fast = await server.readDataSource({ type_name: DATA_SOURCE_TYPE, config: dataConfig(config) })
    expect(fast.state).toBeDefined()
    controller.abort()
    expect((await slow).diagnostics![0]!.summary).toBe(Summaries.Cancelled)
  })

  it("a call already cancelled when it arrives is not read: it answers 'Read cancelled'", async () => {
    let interrupted = 0
    const fake = fakeLayer(() => Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted++))))
    const server = atlasServer({ env: {}, layer: fake.factory })
    const answer = await server.readDataSource(
      { type_name: DATA_SOURCE_TYPE, config: dataConfig(config) },
      AbortSignal.abort(),
    )
    expect(answer.diagnostics![0]!.summary).toBe(Summaries.Cancelled)
    expect(answer.state).toBeUndefined()
    // Interrupted before or during the service call, never left running.
    expect(fake.reads.length).toBe(interrupted)
  })

  it("keeps configuration per instance, and a new ConfigureProvider replaces the old one", async () => {
    const a = fakeLayer()
    const b = fakeLayer(() => Effect.fail(new AuthError({ reason: "token endpoint said no", status: 401 })))
    const first = atlasServer({ env: {}, layer: a.factory })
    const second = atlasServer({ env: {}, layer: b.factory })
    await first.configureProvider({ config: providerBlock({ access_token: "one-token" }) })
    await second.configureProvider({ config: providerBlock({ access_token: "two-token" }) })
    const read = (s: ProviderServer) => s.readDataSource({ type_name: DATA_SOURCE_TYPE, config: dataConfig(config) })
    expect((await read(first)).state).toBeDefined()
    expect((await read(second)).diagnostics![0]!.summary).toBe(Summaries.AuthError)
    await first.configureProvider({ config: providerBlock({ access_token: "three-token" }) })
    expect(a.built.map((o) => o.auth)).toEqual([{ accessToken: "one-token" }, { accessToken: "three-token" }])
    await Promise.all([first.close(), second.close()])
  })

  it("refuses a read with an unknown or null input instead of sending it", async () => {
    const fake = fakeLayer()
    const server = atlasServer({ env: {}, layer: fake.factory })
    const msgpack = withUnknown({ name: config.name, restore_job_id: config.restore_job_id }, "project_id")
    const a = await server.readDataSource({ type_name: DATA_SOURCE_TYPE, config: { msgpack } })
    expect(a.diagnostics!.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual(["project_id"])
    const b = await server.readDataSource({
      type_name: DATA_SOURCE_TYPE,
      config: dataConfig({ ...config, name: null }),
    })
    expect(b.diagnostics!.map((d) => d.attribute?.steps[0]?.attribute_name)).toEqual(["name"])
    expect(fake.reads).toEqual([])
  })
})
