/**
 * Runs the CLI on an argument list and resolves with the exit code. Parsing,
 * `--help` and `--version` come from `effect/cli`; this module decides where
 * their output goes (help on stdout, usage errors as one line on stderr) and
 * supplies the platform services `effect/cli` asks for, which the commands do
 * not otherwise use (they write through `CliIo`).
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Path from "effect/Path"
import * as Stdio from "effect/Stdio"
import * as Terminal from "effect/Terminal"
import * as CliConfig from "effect/cli/CliConfig"
import * as CliOutput from "effect/cli/CliOutput"
import * as Command from "effect/cli/Command"
import * as GlobalFlag from "effect/cli/GlobalFlag"
import * as ChildProcessSpawner from "effect/process/ChildProcessSpawner"
import { packageVersion } from "../atlas/UserAgent.js"
import { extraHelp, makeCli, programName } from "./commands.js"
import type { CliDeps, CliIo } from "./commands.js"
import { ExitCode } from "./ExitCode.js"

const wantsColor = (io: CliIo, tty: boolean): boolean => tty && !io.env["NO_COLOR"] && io.env["TERM"] !== "dumb"

const presenter = (io: CliIo): CliOutput.Presenter => ({
  present: (event) =>
    Effect.sync(() => {
      switch (event._tag) {
        case "Version":
          io.stdout(`${event.name} ${event.version}\n`)
          return
        case "Help": {
          // Asked for (`--help`): stdout. Implicit (no subcommand): stderr, a usage error.
          const requested = event.reason === "Requested"
          const formatter = CliOutput.defaultFormatter({
            colors: wantsColor(io, requested ? io.stdoutIsTTY : io.stderrIsTTY),
          })
          // A blank line before every section heading, which the stock formatter omits after lists.
          const doc = formatter.formatHelpDoc(event.helpDoc).replace(/\n+(?=[A-Z][A-Z ]+\n)/g, "\n\n")
          const text = doc + extraHelp(event.commandPath) + "\n"
          if (requested) io.stdout(text)
          else io.stderr(text)
          return
        }
        case "InvalidInvocation": {
          const where = event.commandPath.join(" ")
          const tag = event.errors[0]?._tag ?? "UsageError"
          const messages = event.errors.map((e) => e.message.replace(/\s+/g, " ").replace(/[.\s]+$/, "")).join("; ")
          io.stderr(`${programName}: ${tag}: ${messages}. Hint: see '${where} --help'\n`)
          return
        }
      }
    }),
})

/**
 * `effect/cli` requires these services; our commands never use them, so
 * they are inert (a no-op file system, no child processes, a fixed-size
 * terminal that never prompts). Only `--help` and `--version` are built in.
 */
const cliEnvironment = (io: CliIo, argv: ReadonlyArray<string>) =>
  Layer.mergeAll(
    FileSystem.layerNoop({}),
    Path.layer,
    Stdio.layerTest({
      args: Effect.succeed(argv),
      stdoutIsTerminal: Effect.succeed(io.stdoutIsTTY),
      stderrIsTerminal: Effect.succeed(io.stderrIsTTY),
    }),
    Layer.succeed(
      Terminal.Terminal,
      Terminal.make({
        columns: Effect.succeed(process.stdout.columns ?? 100),
        rows: Effect.succeed(process.stdout.rows ?? 24),
        size: Effect.die("atlas-flex-restore never watches the terminal size"),
        readInput: Effect.die("atlas-flex-restore never prompts"),
        readLine: Effect.die("atlas-flex-restore never prompts"),
        display: (text) => Effect.sync(() => io.stdout(text)),
      }),
    ),
    Layer.succeed(
      ChildProcessSpawner.ChildProcessSpawner,
      ChildProcessSpawner.make(() => Effect.die("atlas-flex-restore spawns no processes")),
    ),
    CliConfig.layer({ builtIns: [GlobalFlag.Help, GlobalFlag.Version] }),
    CliOutput.layerPresenter(presenter(io)),
  )

/**
 * Runs one invocation. Never rejects: every outcome is an exit code (130
 * when interrupted through `signal`), and whatever went wrong has been
 * printed on stderr.
 *
 * @since 0.1.0
 * @category run
 */
export const runCli = async (
  argv: ReadonlyArray<string>,
  deps: Omit<CliDeps, "setExitCode">,
  options: { readonly signal?: AbortSignal } = {},
): Promise<number> => {
  let code: number = ExitCode.Success
  const cli = makeCli({ ...deps, setExitCode: (c) => (code = c) })
  const program = Command.runWith(cli, { version: packageVersion() })(argv).pipe(
    Effect.provide(cliEnvironment(deps.io, argv)),
  )
  // Aborting interrupts the command, so its finalizers run (a service account's token is revoked).
  const exit = await Effect.runPromiseExit(program, options.signal ? { signal: options.signal } : undefined)
  if (Exit.isSuccess(exit)) return code
  if (Cause.hasInterruptsOnly(exit.cause)) return 130
  // Handlers report their own failures; what is left is a parse or usage error
  // (already printed by the presenter) or a defect of the parser itself.
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error)) return ExitCode.Usage
  deps.io.stderr(`${programName}: InternalError: ${String(Cause.squash(exit.cause)).replace(/\s+/g, " ")}\n`)
  return ExitCode.Failure
}
