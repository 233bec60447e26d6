/**
 * A generic tfplugin6 provider server: the RPCs as plain async methods over
 * protocol messages, apart from gRPC so they can be tested in-process, for
 * the provider value it is handed (`Provider.ts`). Data sources are read at
 * ReadDataSource, ephemeral resources at OpenEphemeralResource, through the
 * same path (their results differ only in where Terraform keeps them: state,
 * or nowhere). It decodes cty values,
 * answers the schema, leaves unknown values to later, refuses a read whose
 * required inputs are unknown or null, checks that a read returns exactly
 * its schema's attributes with the inputs unchanged, cancels reads, masks a
 * configuration's secrets, and answers every failure with diagnostics: a
 * handler that threw would reach Terraform as an opaque "Plugin error".
 *
 * State belongs to an instance, never to the module: with
 * `TF_REATTACH_PROVIDERS` one process serves many commands, each calling
 * ConfigureProvider again.
 *
 * @since 0.1.0
 */
import { uptimeMillis } from "../host/Clock.js"
import { silentLogger } from "../host/Log.js"
import type { Logger } from "../host/Log.js"
import { decodeObject, encodeObject, isUnknown } from "./CtyMsgpack.js"
import type { DecodedObject } from "./CtyMsgpack.js"
import { errorDiagnostic, ProtocolSummaries, scrubDiagnostic } from "./Diagnostic.js"
import type { Diagnostic } from "./Diagnostic.js"
import type { Messages, ProviderRpc } from "./Protocol.js"
import type { DataSource, Provider, ProviderSession, ReadResult } from "./Provider.js"
import { attributeNames, inputNames, requiredNames, toProtocolSchema } from "./Schema.js"

type Response<R extends keyof Messages> = Messages[R]["response"]
type Request<R extends keyof Messages> = Messages[R]["request"]

/**
 * @since 0.1.0
 * @category models
 */
export interface ProviderServerOptions<S extends ProviderSession> {
  readonly provider: Provider<S>
  readonly log?: Logger
}

const invalidValue = (decoded: DecodedObject<string> & { _tag: "Invalid" }, what: string): Array<Diagnostic> =>
  decoded.problems.map((p) =>
    errorDiagnostic(
      ProtocolSummaries.InvalidValue,
      `Terraform sent ${what} this provider cannot read: ${p.attribute === undefined ? "" : `${p.attribute}: `}${p.reason}.`,
      p.attribute,
    ),
  )

/** What a type is, as diagnostics name it. */
type Kind = "data source" | "ephemeral resource"

/** "a data source", "an ephemeral resource". */
const aKind = (kind: Kind): string => `${kind === "ephemeral resource" ? "an" : "a"} ${kind}`

interface Served<S extends ProviderSession> {
  readonly dataSource: DataSource<S>
  readonly attributes: ReadonlyArray<string>
  readonly inputs: ReadonlyArray<string>
  readonly required: ReadonlyArray<string>
}

const served = <S extends ProviderSession>(
  kind: Kind,
  list: ReadonlyArray<DataSource<S>>,
): ReadonlyMap<string, Served<S>> => {
  const byName = new Map<string, Served<S>>()
  for (const dataSource of list) {
    if (byName.has(dataSource.typeName)) throw new Error(`two ${kind}s named ${dataSource.typeName}`)
    byName.set(dataSource.typeName, {
      dataSource,
      attributes: attributeNames(dataSource.schema),
      inputs: inputNames(dataSource.schema),
      required: requiredNames(dataSource.schema),
    })
  }
  return byName
}

/** A read's outcome: the values, encoded, or diagnostics. */
type Outcome = { readonly msgpack: Uint8Array } | { readonly diagnostics: ReadonlyArray<Diagnostic> }

interface Configured<S> {
  readonly session: Promise<S>
  readonly pending: Set<Promise<unknown>>
}

const schemasOf = <S extends ProviderSession>(types: ReadonlyMap<string, Served<S>>) =>
  Object.fromEntries([...types].map(([name, served]) => [name, toProtocolSchema(served.dataSource.schema)]))

/**
 * The server for one provider. One instance per plugin process (or per test).
 *
 * @since 0.1.0
 * @category servers
 */
export class ProviderServer<S extends ProviderSession = any> {
  readonly #provider: Provider<S>
  readonly #log: Logger
  readonly #providerAttributes: ReadonlyArray<string>
  readonly #dataSources: ReadonlyMap<string, Served<S>>
  readonly #ephemeralResources: ReadonlyMap<string, Served<S>>
  #configured: Configured<S> | undefined
  readonly #inflight = new Set<AbortController>()
  #scrub: (text: string) => string = (text) => text

  constructor(options: ProviderServerOptions<S>) {
    this.#provider = options.provider
    this.#log = options.log ?? silentLogger
    this.#providerAttributes = attributeNames(options.provider.schema)
    this.#dataSources = served("data source", options.provider.dataSources)
    this.#ephemeralResources = served("ephemeral resource", options.provider.ephemeralResources ?? [])
  }

  /** Masks the secrets of the current configuration and environment. */
  readonly scrub = (text: string): string => this.#scrub(text)

  getMetadata(): Response<"GetMetadata"> {
    return {
      server_capabilities: { get_provider_schema_optional: true },
      data_sources: [...this.#dataSources.keys()].map((type_name) => ({ type_name })),
      ephemeral_resources: [...this.#ephemeralResources.keys()].map((type_name) => ({ type_name })),
    }
  }

  getProviderSchema(): Response<"GetProviderSchema"> {
    return {
      provider: toProtocolSchema(this.#provider.schema),
      data_source_schemas: schemasOf(this.#dataSources),
      ephemeral_resource_schemas: schemasOf(this.#ephemeralResources),
      server_capabilities: { get_provider_schema_optional: true },
    }
  }

  validateProviderConfig(request: Request<"ValidateProviderConfig">): Response<"ValidateProviderConfig"> {
    const decoded = decodeObject(request.config, this.#providerAttributes)
    return { diagnostics: decoded._tag === "Invalid" ? invalidValue(decoded, "a provider configuration") : [] }
  }

  validateDataResourceConfig(request: Request<"ValidateDataResourceConfig">): Response<"ValidateDataResourceConfig"> {
    return this.#validate(this.#dataSources, "data source", request)
  }

  validateEphemeralResourceConfig(
    request: Request<"ValidateEphemeralResourceConfig">,
  ): Response<"ValidateEphemeralResourceConfig"> {
    return this.#validate(this.#ephemeralResources, "ephemeral resource", request)
  }

  #validate(
    types: ReadonlyMap<string, Served<S>>,
    kind: Kind,
    request: { type_name?: string; config?: Request<"ValidateDataResourceConfig">["config"] },
  ): { diagnostics: ReadonlyArray<Diagnostic> } {
    const served = types.get(request.type_name ?? "")
    if (served === undefined) return { diagnostics: [this.#unknownType(kind, request.type_name)] }
    const decoded = decodeObject(request.config, served.attributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, `${aKind(kind)} configuration`) }
    if (decoded._tag !== "Object") return { diagnostics: [] }
    // Unknown and null values are left out: unknowns are checked once known,
    // and Terraform itself reports a missing required attribute.
    const known: Record<string, string> = {}
    for (const input of served.inputs) {
      const value = decoded.value[input]
      if (typeof value === "string") known[input] = value
    }
    return { diagnostics: [...served.dataSource.validate(known)] }
  }

  async configureProvider(request: Request<"ConfigureProvider">): Promise<Response<"ConfigureProvider">> {
    const attributes = this.#providerAttributes
    const decoded = decodeObject(request.config, attributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, "a provider configuration") }
    const settings: Record<string, string> = {}
    const unknown: Array<string> = []
    if (decoded._tag === "Unknown") unknown.push(...attributes)
    if (decoded._tag === "Object") {
      for (const name of attributes) {
        const value = decoded.value[name]
        if (isUnknown(value)) unknown.push(name)
        else if (typeof value === "string" && value.trim() !== "") settings[name] = value
      }
    }
    this.#log.log("debug", "configuring the provider", {
      terraform_version: request.terraform_version ?? "",
      // In the sorted order of the schema's attribute names (attributeNames).
      configured: Object.keys(settings),
      unknown,
    })
    const session = await this.#configure(settings).session
    if (unknown.length > 0) {
      // Terraform still reads data sources during plan with an unknown
      // provider block: the provider makes do with what it knows.
      this.#log.log("info", "provider configuration partly unknown; using the environment for it", { unknown })
    }
    const diagnostics = await session.check(unknown.length === 0)
    return { diagnostics: diagnostics.map((d) => scrubDiagnostic(this.#scrub, d)) }
  }

  async readDataSource(request: Request<"ReadDataSource">, signal?: AbortSignal): Promise<Response<"ReadDataSource">> {
    const outcome = await this.#read(this.#dataSources, "data source", request, signal)
    return "msgpack" in outcome ? { state: outcome } : outcome
  }

  /** Reads the ephemeral resource; its result goes to Terraform alone, which keeps it in neither plan nor state. */
  async openEphemeralResource(
    request: Request<"OpenEphemeralResource">,
    signal?: AbortSignal,
  ): Promise<Response<"OpenEphemeralResource">> {
    const outcome = await this.#read(this.#ephemeralResources, "ephemeral resource", request, signal)
    return "msgpack" in outcome ? { result: outcome } : outcome
  }

  /** Nothing to release: Open only read. */
  closeEphemeralResource(request: Request<"CloseEphemeralResource">): Response<"CloseEphemeralResource"> {
    return this.#ephemeralResources.has(request.type_name ?? "")
      ? {}
      : { diagnostics: [this.#unknownType("ephemeral resource", request.type_name)] }
  }

  async #read(
    types: ReadonlyMap<string, Served<S>>,
    kind: Kind,
    request: Request<"ReadDataSource">,
    signal: AbortSignal | undefined,
  ): Promise<Outcome> {
    const served = types.get(request.type_name ?? "")
    if (served === undefined) return { diagnostics: [this.#unknownType(kind, request.type_name)] }
    const decoded = decodeObject(request.config, served.attributes)
    if (decoded._tag === "Invalid") return { diagnostics: invalidValue(decoded, `${aKind(kind)} configuration`) }
    if (decoded._tag !== "Object") {
      return {
        diagnostics: [
          errorDiagnostic(ProtocolSummaries.InvalidValue, `Terraform sent no configuration to read the ${kind} with.`),
        ],
      }
    }
    const diagnostics: Array<Diagnostic> = []
    for (const input of served.required) {
      const value = decoded.value[input]
      if (isUnknown(value))
        diagnostics.push(
          errorDiagnostic(
            ProtocolSummaries.UnknownValue,
            `${input} is not known yet; the ${kind} cannot be read.`,
            input,
          ),
        )
      else if (value === null)
        diagnostics.push(errorDiagnostic(ProtocolSummaries.InvalidValue, `${input} is required but was null.`, input))
    }
    if (diagnostics.length > 0) return { diagnostics }
    const config: Record<string, string> = {}
    for (const input of served.inputs) {
      const value = decoded.value[input]
      if (typeof value === "string") config[input] = value
    }
    const configured = this.#configured ?? this.#configure({})
    const controller = new AbortController()
    const abort = () => controller.abort()
    // A call cancelled before it got here is not read at all: a listener
    // added to an aborted signal never fires.
    if (signal?.aborted) controller.abort()
    else signal?.addEventListener("abort", abort, { once: true })
    this.#inflight.add(controller)
    const started = uptimeMillis()
    const outcome = (async () => served.dataSource.read(await configured.session, config, controller.signal))()
    configured.pending.add(outcome)
    try {
      const result = await outcome
      this.#log.log("debug", `read the ${kind}`, {
        type_name: served.dataSource.typeName,
        outcome: result._tag,
        millis: Math.round((uptimeMillis() - started) * 1000) / 1000,
      })
      return this.#answer(served, config, result)
    } finally {
      configured.pending.delete(outcome)
      this.#inflight.delete(controller)
      signal?.removeEventListener("abort", abort)
    }
  }

  /** Aborts every read in flight; each answers as its data source does when cancelled. */
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
          ProtocolSummaries.Unsupported,
          `${rpc}${what}: this provider offers only the ${this.#offered()}; it has no managed resources or functions.`,
        ),
      ],
    }
  }

  /** Releases the current configuration, within `timeoutMillis`. */
  async close(timeoutMillis = 1000): Promise<void> {
    const configured = this.#configured
    this.#configured = undefined
    if (configured === undefined) return
    await Promise.race([
      this.#release(configured),
      new Promise<void>((resolve) => setTimeout(resolve, timeoutMillis).unref()),
    ])
  }

  #configure(settings: Readonly<Record<string, string>>): Configured<S> {
    const previous = this.#configured
    const configured: Configured<S> = {
      session: this.#provider.configure(settings).then((session) => {
        this.#scrub = session.scrub
        return session
      }),
      pending: new Set(),
    }
    this.#configured = configured
    // A read of the previous configuration still in flight finishes on it.
    if (previous !== undefined) void this.#release(previous)
    return configured
  }

  async #release(configured: Configured<S>): Promise<void> {
    await Promise.allSettled([...configured.pending])
    try {
      await (await configured.session).dispose()
    } catch (e) {
      this.#log.log("warn", "releasing a configuration failed", { error: this.#scrub(String(e)) })
    }
  }

  #answer(served: Served<S>, config: Readonly<Record<string, string>>, result: ReadResult): Outcome {
    if (result._tag === "Diagnostics") {
      return { diagnostics: result.diagnostics.map((d) => scrubDiagnostic(this.#scrub, d)) }
    }
    // Exactly the schema's attributes, inputs unchanged, nothing unknown:
    // Terraform rejects anything else, and does not check the inputs itself.
    const out: Record<string, string | null> = {}
    for (const name of served.attributes) {
      const value: unknown = result.state[name]
      out[name] = typeof value === "string" ? value : null
    }
    const changed = served.inputs.filter((input) => out[input] !== (config[input] ?? null))
    if (changed.length > 0) {
      return {
        diagnostics: [
          errorDiagnostic(ProtocolSummaries.Internal, `The read changed the input attributes ${changed.join(", ")}.`),
        ],
      }
    }
    return { msgpack: encodeObject(out) }
  }

  #offered(): string {
    const list = (kind: Kind, names: ReadonlyArray<string>) =>
      names.length === 0 ? [] : [names.length === 1 ? `${kind} ${names[0]}` : `${kind}s ${names.join(", ")}`]
    return [
      ...list("data source", [...this.#dataSources.keys()]),
      ...list("ephemeral resource", [...this.#ephemeralResources.keys()]),
    ].join(" and the ")
  }

  #unknownType(kind: Kind, typeName: string | undefined): Diagnostic {
    const names = [...(kind === "data source" ? this.#dataSources : this.#ephemeralResources).keys()]
    const those =
      names.length === 0
        ? `it has no ${kind}s`
        : names.length === 1
          ? `its only ${kind} is ${names[0]}`
          : `its ${kind}s are ${names.join(", ")}`
    return errorDiagnostic(
      ProtocolSummaries.Unsupported,
      `This provider has no ${kind} ${JSON.stringify(typeName ?? "")}; ${those}.`,
    )
  }
}
