/**
 * The plugin process, the composition root: the go-plugin host
 * (`host/`) serves the tfplugin6 provider service (`tfplugin6/`) for this
 * provider (`src/datasource/plugin/AtlasProvider.ts`). It checks that
 * Terraform started it, serves over mutual TLS on 127.0.0.1, writes the
 * handshake line as the only output on stdout, and lives until Terraform says
 * Shutdown, sends SIGTERM or goes away. SIGINT is ignored, as go-plugin
 * servers do: Terraform cancels through StopProvider. Stdin is never read: it
 * is Terraform's own stdin, inherited, and reading it could take an answer
 * meant for Terraform's prompt.
 *
 * `--debug` serves plaintext on 127.0.0.1 until interrupted and prints the
 * `TF_REATTACH_PROVIDERS` value that points Terraform at it.
 * `ATLAS_PROVIDER_TIMINGS=1` logs the start-up breakdown on stderr.
 *
 * @since 0.1.0
 */
import { bootMillis } from "./host/StartClock.js"
import { encode } from "@msgpack/msgpack"
import { makeAtlasProvider } from "../datasource/plugin/AtlasProvider.js"
import type { AtlasProviderOptions } from "../datasource/plugin/AtlasProvider.js"
import type * as SessionModule from "../datasource/plugin/Session.js"
import { makeServerCertificate } from "./host/Certificate.js"
import { epochMillis, uptimeMillis } from "./host/Clock.js"
import { handshakeLine, hasMagicCookie, offersProtocol } from "./host/Handshake.js"
import { Launch } from "./host/LaunchHooks.js"
import { hclogTimestamp, levelFromEnv, makeLogger, silentLogger } from "./host/Log.js"
import type { Logger } from "./host/Log.js"
import { startPluginHost } from "./host/PluginHost.js"
import { watchSignals } from "./host/Signals.js"
import { decodeObject } from "./tfplugin6/CtyMsgpack.js"
import { messageCodec } from "./tfplugin6/Protocol.js"
import { ProviderServer } from "./tfplugin6/ProviderServer.js"
import { providerService } from "./tfplugin6/ProviderService.js"
import { notStartedByTerraform, ProtocolVersion, TerraformMagicCookie } from "./tfplugin6/TerraformHandshake.js"

const loadedMillis = uptimeMillis()

/**
 * This provider over `env`, its session loaded through the launcher's lazy
 * bundle when there is a launcher.
 */
const provider = (env: Readonly<Record<string, string | undefined>>, log: Logger) => {
  const launch = Launch.get()
  const loadLazy = launch?.loadLazy
  const options: AtlasProviderOptions = {
    env,
    log: (level, message, fields) => log.log(level, message, fields),
    sessionCached: () => launch?.lazyCached ?? false,
    ...(loadLazy === undefined ? {} : { loadSession: () => loadLazy() as typeof SessionModule }),
  }
  return makeAtlasProvider(options)
}

/**
 * Runs the plugin in this process.
 *
 * @since 0.1.0
 * @category main
 */
export const main = async (argv: ReadonlyArray<string> = process.argv.slice(2)): Promise<void> => {
  // A copy: the Atlas client verifies certificates whatever NODE_TLS_REJECT_UNAUTHORIZED says (ConfigureProvider
  // warns); out of the process's environment, Node does not warn that TLS is insecure when it is not.
  const env = { ...process.env }
  delete process.env["NODE_TLS_REJECT_UNAUTHORIZED"]
  const debug = argv.includes("--debug")
  const fail = (message: string) => {
    process.stderr.write(message.endsWith("\n") ? message : message + "\n")
    process.exit(1)
  }
  let scrub = (text: string) => text
  const log = makeLogger({
    level: debug ? "debug" : levelFromEnv(env),
    write: (line) => process.stderr.write(line),
    scrub: (text) => scrub(text),
  })
  const atlas = provider(env, log)
  if (!debug) {
    if (!hasMagicCookie(env, TerraformMagicCookie)) return fail(notStartedByTerraform(atlas.source))
    if (!env["PLUGIN_CLIENT_CERT"]) {
      return fail(
        "PLUGIN_CLIENT_CERT is not set: this plugin serves only over mutual TLS with the certificate Terraform passes.",
      )
    }
    if (!offersProtocol(env, ProtocolVersion)) {
      return fail(
        `Terraform offered plugin protocols ${env["PLUGIN_PROTOCOL_VERSIONS"]}; this provider speaks protocol 6 (Terraform 1.0 or later).`,
      )
    }
  }
  const server = new ProviderServer({ provider: atlas, log })
  scrub = server.scrub

  const timings: Record<string, number | boolean> = {
    boot: bootMillis,
    load: loadedMillis - bootMillis,
    codeCache: Launch.get()?.cached ?? false,
  }
  const protoStarted = uptimeMillis()
  const service = providerService(server, log)
  timings["proto"] = uptimeMillis() - protoStarted
  const running = await startPluginHost({
    services: [service],
    appProtocolVersion: ProtocolVersion,
    log,
    scrub: server.scrub,
    clientCertPem: debug ? "plaintext" : env["PLUGIN_CLIENT_CERT"]!,
    onShutdown: () => void stop("shutdown"),
    onTiming: (phase, millis) => {
      timings[phase] = millis
    },
  })

  let stopping = false
  const stop = async (why: string) => {
    if (stopping) return
    stopping = true
    log.log("debug", "stopping", { why })
    const started = uptimeMillis()
    await server.close(1000)
    const released = uptimeMillis()
    // After Shutdown, Terraform is done with the connection and waits for
    // the exit: closing the server politely would only keep it waiting.
    if (why !== "shutdown") await running.stop()
    log.log("debug", "stopped", {
      release_millis: Math.round(released - started),
      server_millis: Math.round(uptimeMillis() - released),
    })
    process.exit(0)
  }
  watchSignals({ debug, log, stop: (why) => void stop(why) })

  if (debug) {
    const reattach = {
      [atlas.source]: {
        Protocol: "grpc",
        ProtocolVersion,
        Pid: process.pid,
        Test: true,
        Addr: { Network: "tcp", String: `127.0.0.1:${running.port}` },
      },
    }
    process.stdout.write(
      `Provider started in debug mode. To attach Terraform, set in its environment:\n\n` +
        `\tTF_REATTACH_PROVIDERS='${JSON.stringify(reattach)}'\n\n`,
    )
    // Keep the process alive until SIGINT or SIGTERM.
    setInterval(() => {}, 1 << 30)
  } else {
    process.stdout.write(running.handshake)
  }
  if (env["ATLAS_PROVIDER_TIMINGS"] === "1") {
    timings["total"] = uptimeMillis()
    // CPU time is steadier than wall time on a busy machine (user + system, all threads).
    const cpu = process.cpuUsage()
    timings["cpu"] = (cpu.user + cpu.system) / 1000
    process.stderr.write(
      JSON.stringify({
        "@level": "info",
        "@message": "start-up timings (ms)",
        "@module": "atlas-flex-restore",
        "@timestamp": hclogTimestamp(epochMillis()),
        ...timings,
      }) + "\n",
    )
  }
}

/**
 * Runs what every start runs, serving on 127.0.0.1 for a moment, so that the
 * code cache written after it holds those functions compiled
 * (`ATLAS_PROVIDER_WRITE_CODE_CACHE`): the schema, and the validation of each
 * data source with a configuration of its inputs.
 *
 * @since 0.1.0
 * @category main
 */
export const warmUp = async (): Promise<void> => {
  const atlas = makeAtlasProvider({ env: {} })
  const server = new ProviderServer({ provider: atlas })
  const service = providerService(server, silentLogger)
  messageCodec("tfplugin6.GetProviderSchema.Response").encode(server.getProviderSchema())
  for (const dataSource of atlas.dataSources) {
    const names = Object.keys(dataSource.schema.block.attributes)
    const inputs = names.filter((n) => dataSource.schema.block.attributes[n]!.required)
    const config = { msgpack: encode(Object.fromEntries(inputs.map((n, i) => [n, i === 0 ? "a" : null]))) }
    decodeObject(config, names)
    server.validateDataResourceConfig({ type_name: dataSource.typeName, config })
  }
  makeLogger({ level: "trace", write: () => {} }).log("debug", "warm", { at: hclogTimestamp(Date.now()) })
  const certificate = makeServerCertificate()
  handshakeLine({ host: "127.0.0.1", port: 1 }, ProtocolVersion, certificate.der)
  const running = await startPluginHost({
    services: [service],
    appProtocolVersion: ProtocolVersion,
    log: silentLogger,
    clientCertPem: certificate.certPem,
    onShutdown: () => {},
  })
  await running.stop()
}
