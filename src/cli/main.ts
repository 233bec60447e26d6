/**
 * The entry point of the `atlas-flex-restore` executable: wires the CLI to
 * the process (stdout, stderr, environment, signals) and to the real service
 * and emulator, loaded only by the commands that use them.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import { runCli } from "./runCli.js"

// A closed pipe (`... | head -1`) is a normal way for a reader to stop.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0)
    throw error
  })
}

// Ctrl-C or SIGTERM: the `emulator` command waits for them to stop serving;
// any other command is interrupted so its finalizers run. A second one exits at once.
let signalWaiters = 0
const interrupt = new AbortController()
const onSignal = (signal: NodeJS.Signals) => {
  if (signalWaiters > 0) return
  if (interrupt.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143)
  interrupt.abort()
}
process.on("SIGINT", onSignal)
process.on("SIGTERM", onSignal)

const untilSignal = Effect.callback<string>((resume) => {
  signalWaiters += 1
  const stop = () => {
    if (!process.listeners("SIGINT").includes(on)) return
    signalWaiters -= 1
    process.off("SIGINT", on)
    process.off("SIGTERM", on)
  }
  const on = (signal: NodeJS.Signals) => {
    stop()
    resume(Effect.succeed(signal))
  }
  process.on("SIGINT", on)
  process.on("SIGTERM", on)
  return Effect.sync(stop)
})

// The Atlas client verifies certificates whatever NODE_TLS_REJECT_UNAUTHORIZED says (the commands say so once):
// out of the process's environment, Node does not warn that TLS is insecure when it is not.
const env = { ...process.env }
delete process.env["NODE_TLS_REJECT_UNAUTHORIZED"]

const code = await runCli(
  process.argv.slice(2),
  {
    io: {
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
      stdoutIsTTY: process.stdout.isTTY === true,
      stderrIsTTY: process.stderr.isTTY === true,
      env,
    },
    jobsLayer: async () => (await import("../atlas/layer.js")).FlexRestoreJobsLive.layerNode,
    startEmulator: async () => (await import("../emulator/index.js")).startEmulator,
    providerSchema: async () => (await import("../datasource/schema.js")).providerSchemaJson(),
    installProvider: async () => {
      const { installProvider } = await import("../release/ProviderInstall.js")
      return (input, signal) => installProvider({ ...input, env: process.env, signal })
    },
    untilSignal,
  },
  { signal: interrupt.signal },
)
process.exitCode = code
// Idle keep-alive sockets must not hold the exit back; output is flushed by then.
setTimeout(() => process.exit(code), 2_000).unref()
