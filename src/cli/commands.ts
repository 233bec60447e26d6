/**
 * The commands of `atlas-flex-restore`, declared with `effect/cli`: `get`,
 * `wait`, `emulator`, `schema` and `provider install`, their flags, help texts and examples.
 * What each command does lives in `handlers.ts`, loaded only when a command
 * runs, so `--help`, `--version` and usage errors stay quick.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Command from "effect/cli/Command"
import * as Flag from "effect/cli/Flag"
import type { AtlasClientOptions } from "../atlas/AtlasConfig.js"
import type { AuthError } from "../atlas/AtlasError.js"
import type { FlexRestoreJobs } from "../atlas/FlexRestoreJobs.js"
import type { Installed } from "../release/ProviderInstall.js"
import { EmulatorSeed } from "../emulator/seed.js"
import type { ExitCode } from "./ExitCode.js"
import { exitCodeHelp } from "./ExitCode.js"
import { parseDuration } from "./parseDuration.js"

/**
 * Where the commands write, and what they know of the terminal.
 *
 * @since 0.1.0
 * @category models
 */
export interface CliIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly stdoutIsTTY: boolean
  readonly stderrIsTTY: boolean
  /** The environment credentials and the base URL are read from. */
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * The part of a running emulator the `emulator` command uses.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorHandle {
  readonly url: string
  readonly credentials: {
    readonly publicKey: string
    readonly privateKey: string
    readonly clientId: string
    readonly clientSecret: string
    readonly accessToken: string
  }
  readonly stop: () => Promise<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface EmulatorStartOptions {
  readonly host: string
  readonly port: number
  readonly progressStepMillis: number
  readonly log?: (line: string) => void
}

/**
 * What the commands need from outside, so tests can run them in-process.
 * Loaders are functions so that a command loads only what it uses.
 *
 * @since 0.1.0
 * @category models
 */
export interface CliDeps {
  readonly io: CliIo
  readonly jobsLayer: () => Promise<(options: AtlasClientOptions) => Layer.Layer<FlexRestoreJobs, AuthError>>
  readonly startEmulator: () => Promise<(options: EmulatorStartOptions) => Promise<EmulatorHandle>>
  readonly providerSchema: () => Promise<unknown>
  /** Builds the provider executable for this machine and installs it (`provider install`). */
  readonly installProvider: () => Promise<(options: InstallInput, signal: AbortSignal) => Promise<Installed>>
  /** Completes, with the signal's name, on Ctrl-C or SIGTERM. */
  readonly untilSignal: Effect.Effect<string>
  /** Receives the exit code of a command that failed. */
  readonly setExitCode: (code: ExitCode) => void
}

/**
 * The program name, as errors and usage lines print it.
 *
 * @since 0.1.0
 * @category constants
 */
export const programName = "atlas-flex-restore"

/**
 * The flags of `get`, as parsed.
 *
 * @since 0.1.0
 * @category models
 */
export interface GetInput {
  readonly groupId: string
  readonly name: string
  readonly restoreJobId: string
  readonly output: "json" | "table"
  readonly envelope: boolean
  readonly pretty: boolean
  readonly baseUrl: Option.Option<string>
  /** Time limit of one HTTP attempt, in milliseconds. */
  readonly requestTimeout: number
  /** Retries after a 429, a 5xx, a network error or a timed-out attempt. */
  readonly retries: number
  readonly debug: boolean
}

/**
 * The flags of `wait`, as parsed; durations in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitInput extends GetInput {
  readonly timeout: number
  readonly interval: number
  /** `None` means: only when stderr is a terminal. */
  readonly progress: Option.Option<boolean>
}

/**
 * The flags of `emulator`, as parsed.
 *
 * @since 0.1.0
 * @category models
 */
export interface EmulatorInput {
  readonly host: string
  readonly port: number
  readonly progressStep: number
  readonly log: boolean
  readonly debug: boolean
}

/**
 * The flags of `provider install`, as parsed.
 *
 * @since 0.1.0
 * @category models
 */
export interface InstallInput {
  readonly dir: string | undefined
  readonly from?: string | undefined
  readonly verifyKey?: string | undefined
}

const duration = (name: string, fallback: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withMetavar("DURATION"),
    Flag.withDescription(`${description} (default ${fallback}; e.g. 90s, 5m, 1h30m)`),
    Flag.withDefault(fallback),
    Flag.filterMap(
      (text) => {
        const millis = parseDuration(text)
        return millis !== undefined && millis > 0 ? Option.some(millis) : Option.none()
      },
      // Shown after `Invalid value for flag --NAME: "TEXT". Expected: `.
      () => "a positive duration such as 90s, 5m or 1h30m",
    ),
  )

const debugFlag = Flag.Boolean("debug").pipe(
  Flag.withDefault(false),
  Flag.withDescription("On failure, also print the full cause (secrets still masked)"),
)

const selectorFlags = {
  groupId: Flag.String("group-id").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("Project (group) id: 24 lower-case hex digits"),
  ),
  name: Flag.String("name").pipe(Flag.withMetavar("NAME"), Flag.withDescription("Name of the flex cluster")),
  restoreJobId: Flag.String("restore-job-id").pipe(
    Flag.withMetavar("ID"),
    Flag.withDescription("Restore job id: 24 lower-case hex digits"),
  ),
}

const outputFlags = {
  output: Flag.Literals("output", ["json", "table"]).pipe(
    Flag.withAlias("o"),
    Flag.withMetavar("json|table"),
    Flag.withDefault("json"),
    Flag.withDescription("json, with the API's field names (default), or table"),
  ),
  envelope: Flag.Boolean("envelope").pipe(
    Flag.withDefault(false),
    Flag.withDescription("Ask Atlas for its envelope; JSON output is then { status, content }"),
  ),
  pretty: Flag.Boolean("pretty").pipe(
    Flag.withDefault(false),
    Flag.withDescription("Ask Atlas for pretty JSON and indent the output (indented anyway on a terminal)"),
  ),
  baseUrl: Flag.String("base-url").pipe(
    Flag.withMetavar("URL"),
    Flag.withDescription("Atlas base URL (default MONGODB_ATLAS_BASE_URL, else https://cloud.mongodb.com)"),
    Flag.optional,
  ),
  requestTimeout: duration("request-timeout", "30s", "Time limit of each HTTP attempt"),
  retries: Flag.Int("retries").pipe(
    Flag.withMetavar("N"),
    Flag.withDefault(3),
    Flag.withDescription("Retries after a 429, a 5xx, a network error or a timeout, with backoff (default 3)"),
    Flag.filterMap(
      (n) => (n >= 0 && n <= 20 ? Option.some(n) : Option.none()),
      () => "a whole number of retries from 0 to 20",
    ),
  ),
  debug: debugFlag,
}

const environmentLines = [
  "ENVIRONMENT",
  "  Credentials, the first complete one wins:",
  "    MONGODB_ATLAS_ACCESS_TOKEN                                   a bearer token",
  "    MONGODB_ATLAS_CLIENT_ID, MONGODB_ATLAS_CLIENT_SECRET         a service account",
  "    MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PRIVATE_API_KEY  an API key (HTTP Digest)",
  "  MONGODB_ATLAS_BASE_URL   the Atlas host; --base-url overrides it",
]

/**
 * Help sections added after the generated ones: the environment and the
 * exit codes, on the root command and on the commands that reach Atlas.
 *
 * @since 0.1.0
 * @category help
 */
export const extraHelp = (commandPath: ReadonlyArray<string>): string => {
  const leaf = commandPath.length > 1 ? commandPath[commandPath.length - 1] : undefined
  if (leaf !== undefined && leaf !== "get" && leaf !== "wait") return ""
  const codes = exitCodeHelp.map(([code, text]) => `  ${code}  ${text}`)
  return "\n\n" + [...environmentLines, "", "EXIT CODES", ...codes].join("\n")
}

/**
 * The selector flags for a seeded job of the emulator, for examples.
 *
 * @since 0.1.0
 * @category help
 */
export const seedSelectors = `--group-id ${EmulatorSeed.groupId} --name ${EmulatorSeed.clusterName} --restore-job-id`

const handlers = () => import("./handlers.js")

/**
 * The root command with its subcommands.
 *
 * @since 0.1.0
 * @category commands
 */
export const makeCli = (deps: CliDeps) => {
  const get = Command.make("get", { ...selectorFlags, ...outputFlags }, (input) =>
    Effect.flatMap(Effect.promise(handlers), (h) => h.get(deps, input)),
  ).pipe(
    Command.withShortDescription("Print one restore job (JSON or a table)"),
    Command.withDescription(
      "Print one restore job of a flex cluster: JSON with the API's field names, or a table (-o table) with the Atlas CLI's columns plus status and dates.",
    ),
    Command.withExamples([
      {
        command: `${programName} get ${seedSelectors} ${EmulatorSeed.jobs.completed}`,
        description: "Print a job as JSON",
      },
      {
        command: `${programName} get ${seedSelectors} ${EmulatorSeed.jobs.download} -o table`,
        description: "Print a job as a table",
      },
    ]),
  )

  const wait = Command.make(
    "wait",
    {
      ...selectorFlags,
      timeout: duration("timeout", "30m", "Give up after this long, with exit code 4"),
      interval: duration("interval", "5s", "Time between polls"),
      progress: Flag.Boolean("progress").pipe(
        Flag.withDescription("Show status changes on stderr (default: only when stderr is a terminal)"),
        Flag.optional,
      ),
      ...outputFlags,
    },
    (input) => Effect.flatMap(Effect.promise(handlers), (h) => h.wait(deps, input)),
  ).pipe(
    Command.withShortDescription("Poll a restore job until it is COMPLETED or FAILED"),
    Command.withDescription(
      "Poll a restore job until it is COMPLETED or FAILED, then print it like `get`. Status changes are shown on stderr with the time elapsed (on a terminal, or with --progress). A FAILED job is printed, then exits 1.",
    ),
    Command.withExamples([
      {
        command: `${programName} wait ${seedSelectors} ${EmulatorSeed.jobs.progressing} --timeout 10m --interval 2s`,
        description: "Wait up to 10 minutes, polling every 2 seconds",
      },
    ]),
  )

  const emulator = Command.make(
    "emulator",
    {
      host: Flag.String("host").pipe(
        Flag.withMetavar("HOST"),
        Flag.withDefault("127.0.0.1"),
        Flag.withDescription("Interface to listen on (default 127.0.0.1)"),
      ),
      port: Flag.Int("port").pipe(
        Flag.withMetavar("PORT"),
        Flag.withDefault(0),
        Flag.withDescription("Port to listen on (default 0: any free port)"),
      ),
      progressStep: duration(
        "progress-step",
        "2s",
        `Time the progressing job (${EmulatorSeed.jobs.progressing}) spends in each of PENDING, QUEUED and RUNNING; it starts at a read and starts over after answering COMPLETED`,
      ),
      log: Flag.Boolean("log").pipe(
        Flag.withDefault(true),
        Flag.withDescription(
          "Log each request on stderr: method, path, status, time, never credentials (--no-log: quiet)",
        ),
      ),
      debug: debugFlag,
    },
    (input) => Effect.flatMap(Effect.promise(handlers), (h) => h.emulator(deps, input)),
  ).pipe(
    Command.withShortDescription("Run the local Atlas emulator in the foreground"),
    Command.withDescription(
      "Run the local Atlas emulator in the foreground: print its URL, the demo credentials each auth mode accepts and the seeded jobs, serve until Ctrl-C (or SIGTERM), then stop cleanly.",
    ),
    Command.withExamples([{ command: `${programName} emulator --port 8410`, description: "Serve on a fixed port" }]),
  )

  const schema = Command.make(
    "schema",
    {
      pretty: Flag.Boolean("pretty").pipe(
        Flag.withDefault(false),
        Flag.withDescription("Indent the JSON (indented anyway on a terminal)"),
      ),
    },
    (input) => Effect.flatMap(Effect.promise(handlers), (h) => h.schema(deps, input)),
  ).pipe(
    Command.withShortDescription("Print the Terraform provider schema as JSON"),
    Command.withDescription(
      "Print the provider schema as `terraform providers schema -json` does: the provider block and the mongodbatlas_flex_restore_job data source.",
    ),
  )

  const install = Command.make(
    "install",
    {
      dir: Flag.String("dir").pipe(
        Flag.withMetavar("DIR"),
        Flag.withDescription(
          "Install into this provider mirror directory (default ~/.terraform.d/plugins, which terraform init searches without any CLI configuration)",
        ),
        Flag.optional,
      ),
      from: Flag.String("from").pipe(
        Flag.withMetavar("RELEASE"),
        Flag.withDescription(
          "Install a published release's executable instead of building it: a release archive (…_linux_<arch>.zip, with the release's SHA256SUMS beside it), a release folder, or the release's network mirror URL (https://). The archive is checked against SHA256SUMS first",
        ),
        Flag.optional,
      ),
      verifyKey: Flag.String("verify-key").pipe(
        Flag.withMetavar("KEY_FILE"),
        Flag.withDescription(
          "With --from: a public key file; the release's SHA256SUMS must carry a good signature by it (checked with gpg)",
        ),
        Flag.optional,
      ),
    },
    (input) =>
      Effect.flatMap(Effect.promise(handlers), (h) =>
        h.installProvider(deps, {
          dir: Option.getOrUndefined(input.dir),
          from: Option.getOrUndefined(input.from),
          verifyKey: Option.getOrUndefined(input.verifyKey),
        }),
      ),
  ).pipe(
    Command.withShortDescription("Install the Terraform provider for this machine, for terraform init"),
    Command.withDescription(
      "Build the provider as one self-contained executable for this machine (a Node 24 single executable: no node, npm package or working directory needed to run it) and install it into Terraform's implied local mirror, so that terraform init installs registry.terraform.io/atlas-flex/mongodbatlas with no CLI configuration and records its h1: hash in .terraform.lock.hcl. The first run fetches the pinned Node 24 from the npm registry.",
    ),
    Command.withExamples([
      { command: `${programName} provider install`, description: "Install into ~/.terraform.d/plugins" },
      {
        command: `${programName} provider install --dir ./mirror`,
        description: "Install into a filesystem_mirror directory of your own",
      },
      {
        command: `${programName} provider install --from https://mirror.example.com/terraform/ --verify-key release.asc`,
        description: "Install the release from its network mirror, its SHA256SUMS signature checked",
      },
    ]),
  )

  const provider = Command.make("provider").pipe(
    Command.withShortDescription("Install the Terraform provider plugin (provider install)"),
    Command.withDescription("The Terraform provider registry.terraform.io/atlas-flex/mongodbatlas."),
    Command.withSubcommands([install]),
  )

  return Command.make(programName).pipe(
    Command.withDescription(
      "Read MongoDB Atlas flex-cluster restore jobs from a shell, wait for them to finish, or run a local Atlas emulator to try it all offline.",
    ),
    Command.withExamples([
      { command: `${programName} emulator`, description: "Start the emulator; it prints the variables to export" },
      {
        command: `${programName} get ${seedSelectors} ${EmulatorSeed.jobs.completed} -o table`,
        description: "Then, in another shell, read a seeded job",
      },
    ]),
    Command.withSubcommands([get, wait, emulator, schema, provider]),
  )
}
