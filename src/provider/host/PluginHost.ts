/**
 * Hosts a go-plugin process's gRPC server (`GrpcServer`, over `node:http2`):
 * mutual TLS on 127.0.0.1 with the one client certificate the host passed
 * (`PLUGIN_CLIENT_CERT`), the application's services it is given, go-plugin's
 * controller (Shutdown) and the health service, and the handshake line that
 * announces them. It knows no application protocol: what is served, and its
 * protocol version, are parameters.
 *
 * @since 0.1.0
 */
import { makeServerCertificate } from "./Certificate.js"
import type { ServerCertificate } from "./Certificate.js"
import { uptimeMillis } from "./Clock.js"
import { controllerDefinition, healthDefinition } from "./GoPluginServices.js"
import { GrpcServer } from "./GrpcServer.js"
import type { Service, UnaryCall } from "./GrpcServer.js"
import { handshakeLine } from "./Handshake.js"
import type { Logger } from "./Log.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface PluginHostOptions {
  /** The application's services. */
  readonly services: ReadonlyArray<Service>
  /** The application protocol version the handshake line announces. */
  readonly appProtocolVersion: number
  readonly log: Logger
  /** Masks secrets in what the transport logs. @default none */
  readonly scrub?: (text: string) => string
  /**
   * The host's client certificate (PEM), from `PLUGIN_CLIENT_CERT`: only a
   * client holding it is served. `"plaintext"` is for a debug mode alone
   * (Terraform's `TF_REATTACH_PROVIDERS`), still on 127.0.0.1 only.
   */
  readonly clientCertPem: string | "plaintext"
  /** @default a fresh one */
  readonly certificate?: ServerCertificate
  /**
   * Called once the answer to Shutdown is out (not in plaintext debug mode,
   * which outlives commands): the host closes its connection and waits for
   * the process to exit.
   */
  readonly onShutdown: () => void
  /** Called with each phase's duration in ms, for the start-up breakdown. */
  readonly onTiming?: (phase: "certificate" | "listen", millis: number) => void
}

/**
 * @since 0.1.0
 * @category models
 */
export interface RunningPluginHost {
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
export const startPluginHost = async (options: PluginHostOptions): Promise<RunningPluginHost> => {
  const { log } = options
  const scrub = options.scrub ?? ((text: string) => text)
  let mark = uptimeMillis()
  const lap = (phase: "certificate" | "listen") => {
    const now = uptimeMillis()
    options.onTiming?.(phase, now - mark)
    mark = now
  }
  const certificate = options.certificate ?? makeServerCertificate()
  lap("certificate")

  const plaintext = options.clientCertPem === "plaintext"
  const server = new GrpcServer({
    ...(plaintext ? {} : { tls: { cert: certificate.certPem, key: certificate.keyPem, ca: options.clientCertPem } }),
    // The host resetting a stream or a connection is routine; a refused client shows here.
    onError: (error, where) => log.log("debug", "grpc transport", { where, error: scrub(error.message) }),
  })
  let shuttingDown = false
  for (const service of options.services) server.addService(service.definition, service.handlers)
  server.addService(healthDefinition, {
    Check: () => {
      log.log("trace", "rpc", { rpc: "Health.Check" })
      return { status: "SERVING" }
    },
  })
  server.addService(controllerDefinition, {
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
    handshake: handshakeLine(
      { host: "127.0.0.1", port },
      options.appProtocolVersion,
      plaintext ? undefined : certificate.der,
    ),
    stop: () => server.stop(200),
  }
}
