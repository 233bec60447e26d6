/**
 * The `tfplugin6.Provider` gRPC service over a `ProviderServer`: the bridge
 * between the protocol and go-plugin's host, as terraform-plugin-go's
 * `tf6server` is. Every handler answers: an exception becomes an error
 * diagnostic, never a gRPC error. The RPCs outside the subset this server
 * supports answer with a diagnostic too (`CallFunction` with a function
 * error).
 *
 * @since 0.1.0
 */
import { uptimeMillis } from "../host/Clock.js"
import type { Service, UnaryCall, UnaryHandler } from "../host/GrpcServer.js"
import type { Logger } from "../host/Log.js"
import { errorDiagnostic, ProtocolSummaries } from "./Diagnostic.js"
import { serviceDefinition, UnsupportedRpcs } from "./Protocol.js"
import type { ProviderRpc } from "./Protocol.js"
import type { ProviderServer } from "./ProviderServer.js"

/**
 * The service, with a handler for every RPC of the subset.
 *
 * @since 0.1.0
 * @category constructors
 */
export const providerService = (server: ProviderServer<any>, log: Logger): Service => {
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
            const message = server.scrub(error instanceof Error ? error.message : String(error))
            log.log("error", "rpc failed", { rpc, error: message })
            return { diagnostics: [errorDiagnostic(ProtocolSummaries.Internal, `${rpc}: ${message}`)] } as Res
          },
        )
    }

  const handlers: Record<string, UnaryHandler> = {
    GetMetadata: unary("GetMetadata", () => server.getMetadata()),
    GetProviderSchema: unary("GetProviderSchema", () => server.getProviderSchema()),
    ValidateProviderConfig: unary("ValidateProviderConfig", (request) => server.validateProviderConfig(request)),
    ValidateDataResourceConfig: unary("ValidateDataResourceConfig", (request) =>
      server.validateDataResourceConfig(request),
    ),
    ConfigureProvider: unary("ConfigureProvider", (request) => server.configureProvider(request)),
    // Terraform cancelling the call (its context) stops the read too.
    ReadDataSource: unary("ReadDataSource", (request, call) => server.readDataSource(request, call.signal)),
    ValidateEphemeralResourceConfig: unary("ValidateEphemeralResourceConfig", (request) =>
      server.validateEphemeralResourceConfig(request),
    ),
    OpenEphemeralResource: unary("OpenEphemeralResource", (request, call) =>
      server.openEphemeralResource(request, call.signal),
    ),
    CloseEphemeralResource: unary("CloseEphemeralResource", (request) => server.closeEphemeralResource(request)),
    StopProvider: unary("StopProvider", () => server.stopProvider()),
    GetFunctions: unary("GetFunctions", () => ({})),
  }
  for (const rpc of UnsupportedRpcs) {
    handlers[rpc] = unary(rpc, (request: { type_name?: string; name?: string; target_type_name?: string }) => {
      const answer = server.unsupported(rpc as ProviderRpc, request.type_name ?? request.target_type_name)
      return rpc === "CallFunction"
        ? { error: { text: `${answer.diagnostics[0]!.summary}: ${answer.diagnostics[0]!.detail}` } }
        : answer
    })
  }
  return { definition: serviceDefinition(), handlers }
}
