/**
 * The provider's RPCs as plain async methods over protocol messages, apart
 * from gRPC so they can be tested in-process. The schema served is the one
 * definition in `src/datasource/schema.ts`; reads go through the data
 * source's `read` only. Every failure answers with diagnostics: a handler that
 * threw would reach Terraform as an opaque "Plugin error".
 *
 * State belongs to an instance, never to the module: with
 * `TF_REATTACH_PROVIDERS` one process serves many commands, each calling
 * ConfigureProvider again.
 *
 * @since 0.1.0
 */
import { checkRef } from "../../atlas/FlexRestoreJobRef.js"
import { attributeOf, refFieldOf } from "../../datasource/model.js"
import type { FlexRestoreJobConfig, FlexRestoreJobState } from "../../datasource/model.js"
import { DATA_SOURCE_TYPE, flexRestoreJobDataSource, providerConfig } from "../../datasource/schema.js"
import type { Block } from "../../datasource/schema.js"
import { uptimeMillis } from "../host/Clock.js"
import { decodeObject, encodeObject, isUnknown } from "./CtyMsgpack.js"
import type { DecodedObject } from "./CtyMsgpack.js"
import { errorDiagnostic, fromAtlasError, scrubber, scrubDiagnostic, Summaries } from "./Diagnostic.js"
import type { Diagnostic } from "./Diagnostic.js"
import { silentLogger } from "../host/Log.js"
import type { Logger } from "../host/Log.js"
import type { Messages, ProviderRpc, Schema } from "./Protocol.js"
import type { ProviderSettings } from "../../datasource/plugin/ProviderConfig.js"
import { Launch, loadReaderModule } from "../host/LaunchHooks.js"
import type { LayerFactory, ReadOutcome, Reader } from "../../datasource/plugin/Session.js"

type Env = Readonly<Record<string, string | undefined>>
type Response<R extends keyof Messages> = Messages[R]["response"]
type Request<R extends keyof Messages> = Messages[R]["request"]

/**
 * @since 0.1.0
 * @category models
 */
export interface ProviderServerOptions {
  /** The environment credentials fall back to. @default process.env */
  readonly env?: Env
  readonly log?: Logger
  /** Makes the service layer of a configuration; tests pass a fake. @default FlexRestoreJobsLive.layerNode */
  readonly layer?: LayerFactory
}

/**
 * The schema of a block in the protocol's shape.
 *
 * @since 0.1.0
 * @category schemas
 */
export const toProtocolSchema = (block: Block): Schema => ({
  version: block.version,
  block: {
    version: block.version,
    attributes: Object.keys(block.block.attributes)
      .sort()
      .map((name) => {
        const a = block.block.attributes[name]!
        return {
          name,
          // JSON bytes: `"string"` with its quotes, or Terraform itself crashes.
          type: Buffer.from(JSON.stringify(a.type)),
          description: a.description,
          description_kind: "PLAIN" as const,
          ...(a.required ? { required: true } : {}),
          ...(a.optional ? { optional: true } : {}),
          ...(a.computed ? { computed: true } : {}),
          ...(a.sensitive ? { sensitive: true } : {}),
        }
      }),
    description: block.block.description,
    description_kind: "PLAIN",
  },
})

const providerAttributes = Object.keys(providerConfig.block.attributes) as Array<keyof ProviderSettings>
const dataSourceAttributes = Object.keys(flexRestoreJobDataSource.block.attributes).sort() as Array<
  keyof FlexRestoreJobState
>
const inputs = ["project_id", "name", "restore_job_id"] as const

const invalidValue = (decoded: DecodedObject<string> & { _tag: "Invalid" }, what: string): Array<Diagnostic> =>
  decoded.problems.map((p) =>
    errorDiagnostic(
      Summaries.InvalidValue,
      `Terraform sent ${what} this provider cannot read: ${p.attribute === undefined ? "" : `${p.attribute}: `}${p.reason}.`,
      p.attribute,
    ),
  )

interface Session {
  readonly reader: Promise<Reader>
  readonly pending: Set<Promise<unknown>>
}

/**
 * The provider. One instance per plugin process (or per test).
 *
 * @since 0.1.0
 * @category servers
 */
export class ProviderServer {
  readonly #env: Env
  readonly #log: Logger
  readonly #layer: LayerFactory | undefined
  #session: Session | undefined
  readonly #inflight = new Set<AbortController>()
  #secrets: ReadonlyArray<string> = []
  #scrub: (text: string) => string = (text) => text

  constructor(options: ProviderServerOptions = {}) {
    this.#env = options.env ?? process.env
    this.#log = options.log ?? silentLogger
    this.#layer = options.layer
  }

  /** Masks the secrets of the current configuration and environment. */
  readonly scrub = (text: string): string => this.#scrub(text)

  getMetadata(): Response<"GetMetadata"> {
    return {
      server_capabilities: { get_provider_schema_optional: true },
      data_sources: [{ type_name: DATA_SOURCE_TYPE }],
    }
  }

  getProviderSchema(): Response<"GetProviderSchema"> {
    return {
      provider: toProtocolSchema(providerConfig),
      data_source_schemas: { [DATA_SOURCE_TYPE]: toProtocolSchema(flexRestoreJobDataSource) },
      server_capabilities: { get_provider_schema_optional: true },
    }
  }

  validateProviderConfig(request: Request<"ValidateProviderConfig">): Response<"ValidateProviderConfig"> {
    const decoded = decodeObject(request.config, providerAttributes)
    return { diagnostics: decoded._tag === "Invalid" ? invalidValue(decoded, "a provider configuration") : [] }
  }

  validateDataResourceConfig(request: Request<"ValidateDataResourceConfig">): Response<"ValidateDataResourceConfig"> {
    if (request.type_name !== DATA_SOURCE_TYPE) return { diagnostics: [this.#unknownDataSource(request.type_name)] }
    const decoded = decodeObject(request.config, dataSourceAttributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, "a data source configuration") }
    if (decoded._tag !== "Object") return { diagnostics: [] }
    // Unknown and null values are skipped: unknowns are checked once known,
    // and Terraform itself reports a missing required attribute.
    const known: Partial<Record<"groupId" | "name" | "restoreJobId", string>> = {}
    for (const input of inputs) {
      const value = decoded.value[input]
      if (typeof value === "string") known[refFieldOf[input]] = value
    }
    const diagnostics = checkRef(known).map((problem) => {
      const attribute = attributeOf[problem.field]!
      return errorDiagnostic(
        Summaries.InvalidRequest,
        `${attribute} ${JSON.stringify(problem.value)} must be ${problem.rule}.`,
        attribute,
      )
    })
    return { diagnostics }
  }

  async configureProvider(request: Request<"ConfigureProvider">): Promise<Response<"ConfigureProvider">> {
    const decoded = decodeObject(request.config, providerAttributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, "a provider configuration") }
    const settings: Record<string, string> = {}
    const unknown: Array<string> = []
    if (decoded._tag === "Unknown") unknown.push(...providerAttributes)
    if (decoded._tag === "Object") {
      for (const name of providerAttributes) {
        const value = decoded.value[name]
        if (isUnknown(value)) unknown.push(name)
        else if (typeof value === "string" && value.trim() !== "") settings[name] = value
      }
    }
    this.#log.log("debug", "configuring the provider", {
      terraform_version: request.terraform_version ?? "",
      configured: Object.keys(settings).sort(),
      unknown,
    })
    const session = this.#configure(settings as ProviderSettings)
    const reader = await session.reader
    const diagnostics: Array<Diagnostic> = []
    if (reader.baseUrlProblem !== undefined) {
      diagnostics.push(
        ...fromAtlasError(reader.baseUrlProblem).map((d) => ({
          ...d,
          attribute: { steps: [{ attribute_name: "base_url" }] },
        })),
      )
    }
    if (unknown.length > 0) {
      // Terraform still reads data sources during plan with an unknown
      // provider block: those attributes fall back to the environment.
      this.#log.log("info", "provider configuration partly unknown; using the environment for it", { unknown })
    } else {
      const problem = await reader.ready()
      if (problem !== undefined) diagnostics.push(...fromAtlasError(problem))
    }
    return { diagnostics: diagnostics.map((d) => scrubDiagnostic(this.#scrub, d)) }
  }

  async readDataSource(request: Request<"ReadDataSource">, signal?: AbortSignal): Promise<Response<"ReadDataSource">> {
    if (request.type_name !== DATA_SOURCE_TYPE) return { diagnostics: [this.#unknownDataSource(request.type_name)] }
    const decoded = decodeObject(request.config, dataSourceAttributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, "a data source configuration") }
    if (decoded._tag !== "Object") {
      return {
        diagnostics: [
          errorDiagnostic(Summaries.InvalidValue, "Terraform sent no configuration to read the data source with."),
        ],
      }
    }
    const diagnostics: Array<Diagnostic> = []
    for (const input of inputs) {
      const value = decoded.value[input]
      if (isUnknown(value))
        diagnostics.push(
          errorDiagnostic(Summaries.UnknownValue, `${input} is not known yet; the data source cannot be read.`, input),
        )
      else if (value === null)
        diagnostics.push(errorDiagnostic(Summaries.InvalidValue, `${input} is required but was null.`, input))
    }
    if (diagnostics.length > 0) return { diagnostics }
    const config = {
      project_id: decoded.value.project_id as string,
      name: decoded.value.name as string,
      restore_job_id: decoded.value.restore_job_id as string,
    }
    const session = this.#session ?? this.#configure({})
    const controller = new AbortController()
    const abort = () => controller.abort()
    signal?.addEventListener("abort", abort, { once: true })
    this.#inflight.add(controller)
    const started = uptimeMillis()
    const outcome = (async () => (await session.reader).read(config, controller.signal))()
    session.pending.add(outcome)
    try {
      const result = await outcome
      this.#log.log("debug", "read the restore job", {
        outcome: result._tag,
        millis: Math.round((uptimeMillis() - started) * 1000) / 1000,
      })
      return this.#answer(config, result)
    } finally {
      session.pending.delete(outcome)
      this.#inflight.delete(controller)
      signal?.removeEventListener("abort", abort)
    }
  }

  /** Interrupts every read in flight; they answer with a "Read cancelled" diagnostic. */
  stopProvider(): Response<"StopProvider"> {
    this.#log.log("info", "stop requested", { inflight: this.#inflight.size })
    for (const controller of this.#inflight) controller.abort()
    return {}
  }

  /** The answer of an RPC this provider does not support. */
  unsupported(rpc: ProviderRpc, typeName?: string): { diagnostics: Array<Diagnostic> } {
    const what = typeName ? ` (${typeName})` : ""
    return {
      diagnostics: [
        errorDiagnostic(
          Summaries.Unsupported,
          `${rpc}${what}: this provider offers only the data source ${DATA_SOURCE_TYPE}; it has no managed resources, ephemeral resources or functions.`,
        ),
      ],
    }
  }

  /** Releases the current configuration (revoking a service account's token), within `timeoutMillis`. */
  async close(timeoutMillis = 1000): Promise<void> {
    const session = this.#session
    this.#session = undefined
    if (session === undefined) return
    await Promise.race([
      this.#release(session),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMillis).unref()),
    ])
  }

  #configure(settings: ProviderSettings): Session {
    const previous = this.#session
    const env = this.#env
    const layer = this.#layer
    const session: Session = {
      reader: loadReaderModule().then(({ makeReader }) => {
        this.#log.log("debug", "loaded the reader", { code_cache: Launch.get()?.readerCached ?? false })
        const reader = makeReader(settings, env, layer, (message) => this.#log.log("warn", message))
        this.#secrets = reader.secrets
        this.#scrub = scrubber(this.#secrets)
        return reader
      }),
      pending: new Set(),
    }
    this.#session = session
    // A read of the previous configuration still in flight finishes on it.
    if (previous !== undefined) void this.#release(previous)
    return session
  }

  async #release(session: Session): Promise<void> {
    await Promise.allSettled([...session.pending])
    try {
      await (await session.reader).dispose()
    } catch (e) {
      this.#log.log("warn", "releasing a configuration failed", { error: this.#scrub(String(e)) })
    }
  }

  #answer(config: FlexRestoreJobConfig, result: ReadOutcome): Response<"ReadDataSource"> {
    switch (result._tag) {
      case "Success":
        return this.#stateOf(config, result.state)
      case "Failure":
        return { diagnostics: fromAtlasError(result.error, config).map((d) => scrubDiagnostic(this.#scrub, d)) }
      case "Interrupted":
        return {
          diagnostics: [
            errorDiagnostic(
              Summaries.Cancelled,
              "Terraform stopped the provider while the restore job was being read.",
            ),
          ],
        }
      case "Defect":
        return { diagnostics: [scrubDiagnostic(this.#scrub, errorDiagnostic(Summaries.Internal, result.message))] }
    }
  }

  #stateOf(config: FlexRestoreJobConfig, state: FlexRestoreJobState): Response<"ReadDataSource"> {
    // Exactly the schema's attributes, inputs unchanged, nothing unknown:
    // Terraform rejects anything else, and does not check the inputs itself.
    const out: Record<string, string | null> = {}
    for (const name of dataSourceAttributes) {
      const value: unknown = (state as unknown as Record<string, unknown>)[name]
      out[name] = typeof value === "string" ? value : null
    }
    const changed = inputs.filter((i) => out[i] !== config[i])
    if (changed.length > 0) {
      return {
        diagnostics: [
          errorDiagnostic(Summaries.Internal, `The read changed the input attributes ${changed.join(", ")}.`),
        ],
      }
    }
    return { state: { msgpack: encodeObject(out) } }
  }

  #unknownDataSource(typeName: string | undefined): Diagnostic {
    return errorDiagnostic(
      Summaries.Unsupported,
      `This provider has no data source ${JSON.stringify(typeName ?? "")}; its only data source is ${DATA_SOURCE_TYPE}.`,
    )
  }
}
