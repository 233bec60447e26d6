/**
 * The plugin process: checks that Terraform started it, serves the provider
 * over mutual TLS on 127.0.0.1, writes the handshake line as the only output
 * on stdout, and lives until Terraform says Shutdown, sends SIGTERM or goes
 * away. SIGINT is ignored, as go-plugin servers do: Terraform cancels through
 * StopProvider. Stdin is never read: it is Terraform's own stdin, inherited,
 * and reading it could take an answer meant for Terraform's prompt.
 *
 * `--debug` serves plaintext on 127.0.0.1 until interrupted and prints the
 * `TF_REATTACH_PROVIDERS` value that points Terraform at it.
 * `ATLAS_PROVIDER_TIMINGS=1` logs the start-up breakdown on stderr.
 *
 * @since 0.1.0
 */
import { bootMillis } from "./host/StartClock.js"
import { encode } from "@msgpack/msgpack"
import { makeServerCertificate } from "./host/Certificate.js"
import { epochMillis, uptimeMillis } from "./host/Clock.js"
import { decodeObject } from "./tfplugin6/CtyMsgpack.js"
import { Launch } from "./host/LaunchHooks.js"
import { messageCodec, serviceDefinition, ServiceNames } from "./tfplugin6/Protocol.js"
import {
  handshakeLine,
  hasMagicCookie,
  NotStartedByTerraform,
  offersProtocol6,
  ProtocolVersions,
} from "./host/Handshake.js"
import { hclogTimestamp, levelFromEnv, makeLogger, silentLogger } from "./host/Log.js"
import { startPluginServer } from "./host/PluginHost.js"
import { ProviderServer } from "./tfplugin6/ProviderServer.js"
import { PROVIDER_SOURCE } from "../datasource/schema.js"

const loadedMillis = uptimeMillis()

/**
 * Runs the plugin in this process.
 *
 * @since 0.1.0
 * @category main
 */
export const main = async (argv: ReadonlyArray<string> = process.argv.slice(2)): Promise<void> => {
  const env = process.env
  const debug = argv.includes("--debug")
  const fail = (message: string) => {
    process.stderr.write(message.endsWith("\n") ? message : message + "\n")
    process.exit(1)
  }
  if (!debug) {
    if (!hasMagicCookie(env)) return fail(NotStartedByTerraform)
    if (!env["PLUGIN_CLIENT_CERT"]) {
      return fail(
        "PLUGIN_CLIENT_CERT is not set: this plugin serves only over mutual TLS with the certificate Terraform passes.",
      )
    }
    if (!offersProtocol6(env)) {
      return fail(
        `Terraform offered plugin protocols ${env["PLUGIN_PROTOCOL_VERSIONS"]}; this provider speaks protocol 6 (Terraform 1.0 or later).`,
      )
    }
  }

  let provider: ProviderServer | undefined
  const log = makeLogger({
    level: debug ? "debug" : levelFromEnv(env),
    write: (line) => process.stderr.write(line),
    scrub: (text) => (provider === undefined ? text : provider.scrub(text)),
  })
  provider = new ProviderServer({ env, log })

  const timings: Record<string, number | boolean> = {
    boot: bootMillis,
    load: loadedMillis - bootMillis,
    codeCache: Launch.get()?.cached ?? false,
  }
  const running = await startPluginServer({
    provider,
    log,
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
    await provider!.close(1000)
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
  process.on("SIGTERM", () => void stop("SIGTERM"))
  process.on("SIGINT", () => (debug ? void stop("SIGINT") : log.log("debug", "SIGINT ignored")))
  // Terraform killed without a Shutdown: this process is reparented.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) void stop("parent exited")
  }, 500).unref()

  if (debug) {
    const reattach = {
      [PROVIDER_SOURCE]: {
        Protocol: "grpc",
        ProtocolVersion: ProtocolVersions.app,
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
 * (`ATLAS_PROVIDER_WRITE_CODE_CACHE`).
 *
 * @since 0.1.0
 * @category main
 */
export const warmUp = async (): Promise<void> => {
  const provider = new ProviderServer({ env: {} })
  for (const name of Object.values(ServiceNames)) serviceDefinition(name)
  messageCodec("tfplugin6.GetProviderSchema.Response").encode(provider.getProviderSchema())
  const config = { msgpack: encode({ name: "a", project_id: null, restore_job_id: null }) }
  decodeObject(config, ["name", "project_id", "restore_job_id"])
  provider.validateDataResourceConfig({ type_name: "mongodbatlas_flex_restore_job", config })
  makeLogger({ level: "trace", write: () => {} }).log("debug", "warm", { at: hclogTimestamp(Date.now()) })
  const certificate = makeServerCertificate()
  handshakeLine({ host: "127.0.0.1", port: 1 }, certificate.der)
  const running = await startPluginServer({
    provider,
    log: silentLogger,
    clientCertPem: certificate.certPem,
    onShutdown: () => {},
  })
  await running.stop()
}
