/**
 * The plugin's gRPC server (`GrpcServer`, over `Http2.ts`): mutual TLS on
 * 127.0.0.1 with the client certificate Terraform passes in
 * `PLUGIN_CLIENT_CERT`, the provider service, go-plugin's controller
 * (Shutdown) and the health service. Every handler answers: an exception
 * becomes an error diagnostic, never a gRPC error.
 *
 * @since 0.1.0
 */
import { makeServerCertificate } from "./Certificate.js"
import type { ServerCertificate } from "./Certificate.js"
import { uptimeMillis } from "./Clock.js"
import { errorDiagnostic, Summaries } from "../tfplugin6/Diagnostic.js"
import { GrpcServer } from "./GrpcServer.js"
import type { UnaryCall, UnaryHandler } from "./GrpcServer.js"
import { handshakeLine } from "./Handshake.js"
import type { Logger } from "./Log.js"
import { serviceDefinition, ServiceNames, UnsupportedRpcs } from "../tfplugin6/Protocol.js"
import type { ProviderRpc } from "../tfplugin6/Protocol.js"
import type { ProviderServer } from "../tfplugin6/ProviderServer.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PluginServerOptions {
  readonly provider: ProviderServer
  readonly log: Logger
  /**
   * Terraform's client certificate (PEM), from `PLUGIN_CLIENT_CERT`: only a
   * client holding it is served. `"plaintext"` is for the debug mode alone
   * (`--debug`, `TF_REATTACH_PROVIDERS`), still on 127.0.0.1 only.
   */
  readonly clientCertPem: string | "plaintext"
  /** @default a fresh one */
  readonly certificate?: ServerCertificate
  /**
   * Called once the answer to Shutdown is out (not in plaintext debug mode,
   * which outlives commands): Terraform closes its connection and waits for
   * the process to exit.
   */
  readonly onShutdown: () => void
  /** Called with each phase's duration in ms, for the start-up breakdown. */
  readonly onTiming?: (phase: "proto" | "certificate" | "listen", millis: number) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunningPluginServer {
  readonly port: number
  readonly certificate: ServerCertificate
  /** The handshake line, newline included. */
  readonly handshake: string
  /** Stops the server: calls in flight get a moment to finish. */
  readonly stop: () => Promise<void>
}

/**
 * Starts the server on 127.0.0.1 with an ephemeral port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const startPluginServer = async (options: PluginServerOptions): Promise<RunningPluginServer> => {
  const { provider, log } = options
  let mark = uptimeMillis()
  const lap = (phase: "proto" | "certificate" | "listen") => {
    const now = uptimeMillis()
    options.onTiming?.(phase, now - mark)
    mark = now
  }

  const definitions = {
    provider: serviceDefinition(ServiceNames.provider),
    controller: serviceDefinition(ServiceNames.controller),
    health: serviceDefinition(ServiceNames.health),
  }
  lap("proto")
  const certificate = options.certificate ?? makeServerCertificate()
  lap("certificate")

  const unary =
    <Req, Res>(rpc: string, handle: (request: Req, call: UnaryCall) => Res | Promise<Res>): UnaryHandler<Req, Res> =>
    (request, call) => {
      const started = uptimeMillis()
      log.log("trace", "rpc start", { rpc })
      return Promise.resolve()
        .then(() => handle(request, call))
        .then(
          (response) => {
            log.log("debug", "rpc done", { rpc, millis: Math.round((uptimeMillis() - started) * 1000) / 1000 })
            return response
          },
          (error: unknown) => {
            const message = provider.scrub(error instanceof Error ? error.message : String(error))
            log.log("error", "rpc failed", { rpc, error: message })
            return { diagnostics: [errorDiagnostic(Summaries.Internal, `${rpc}: ${message}`)] } as Res
          },
        )
    }

  const providerHandlers: Record<string, UnaryHandler> = {
    GetMetadata: unary("GetMetadata", () => provider.getMetadata()),
    GetProviderSchema: unary("GetProviderSchema", () => provider.getProviderSchema()),
    ValidateProviderConfig: unary("ValidateProviderConfig", (request) => provider.validateProviderConfig(request)),
    ValidateDataResourceConfig: unary("ValidateDataResourceConfig", (request) =>
      provider.validateDataResourceConfig(request),
    ),
    ConfigureProvider: unary("ConfigureProvider", (request) => provider.configureProvider(request)),
    // Terraform cancelling the call (its context) stops the read too.
    ReadDataSource: unary("ReadDataSource", (request, call) => provider.readDataSource(request, call.signal)),
    StopProvider: unary("StopProvider", () => provider.stopProvider()),
    GetFunctions: unary("GetFunctions", () => ({})),
  }
  for (const rpc of UnsupportedRpcs) {
    providerHandlers[rpc] = unary(rpc, (request: { type_name?: string; name?: string; target_type_name?: string }) => {
      const answer = provider.unsupported(rpc as ProviderRpc, request.type_name ?? request.target_type_name)
      return rpc === "CallFunction"
        ? { error: { text: `${answer.diagnostics[0]!.summary}: ${answer.diagnostics[0]!.detail}` } }
        : answer
    })
  }

  const plaintext = options.clientCertPem === "plaintext"
  const server = new GrpcServer({
    ...(plaintext ? {} : { tls: { cert: certificate.certPem, key: certificate.keyPem, ca: options.clientCertPem } }),
    // Terraform resetting a stream or a connection is routine; a refused client shows here.
    onError: (error, where) => log.log("debug", "grpc transport", { where, error: provider.scrub(error.message) }),
  })
  let shuttingDown = false
  server.addService(definitions.provider, providerHandlers)
  server.addService(definitions.health, {
    Check: unary("Health.Check", () => ({ status: "SERVING" })),
  })
  server.addService(definitions.controller, {
    Shutdown: (_request: unknown, call: UnaryCall) => {
      log.log("debug", "shutdown requested")
      if (!shuttingDown && !plaintext) {
        shuttingDown = true
        void call.closed.then(() => options.onShutdown())
      }
      return {}
    },
  })
  const port = await server.listen("127.0.0.1")
  lap("listen")

  return {
    port,
    certificate,
    handshake: handshakeLine({ host: "127.0.0.1", port }, plaintext ? undefined : certificate.der),
    stop: () => server.stop(200),
  }
}
