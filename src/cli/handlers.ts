/**
 * What each command does, once its flags are parsed: check the ids (nothing
 * is sent for a malformed one), call the `FlexRestoreJobs` service or start
 * the emulator, print. Failures are reported here, where the `--debug` flag
 * is known: one line on stderr naming the error, its Atlas code and a hint,
 * secrets masked, and the exit code recorded.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ignoredTlsOverride, secretsInEnv } from "../atlas/AtlasConfig.js"
import { maskSecrets } from "../atlas/maskSecrets.js"
import type { AtlasClientOptions } from "../atlas/AtlasConfig.js"
import { InvalidRequest } from "../atlas/AtlasError.js"
import type { AuthError } from "../atlas/AtlasError.js"
import type { FlexRestoreJob } from "../atlas/FlexRestoreJob.js"
import { checkRef } from "../atlas/FlexRestoreJobRef.js"
import type { FlexRestoreJobRef } from "../atlas/FlexRestoreJobRef.js"
import { FlexRestoreJobs } from "../atlas/FlexRestoreJobs.js"
import type { FlexRestoreJobsShape } from "../atlas/FlexRestoreJobs.js"
import { PROVIDER_SOURCE } from "../datasource/schema.js"
import { EmulatorSeed } from "../emulator/seed.js"
import type { CliDeps, EmulatorHandle, EmulatorInput, GetInput, InstallInput, WaitInput } from "./commands.js"
import type { Installed } from "../release/ProviderInstall.js"
import { programName, seedSelectors } from "./commands.js"
import { errorLine } from "./errorLine.js"
import type { CommandFailure } from "./errorLine.js"
import { ExitCode, exitCodeFor } from "./ExitCode.js"
import { JobFailed } from "./JobFailed.js"
import { formatDuration } from "./parseDuration.js"
import { renderJob } from "./renderJob.js"

const defectText = (cause: Cause.Cause<unknown>): string => {
  const defect = Cause.squash(cause)
  return defect instanceof Error ? defect.message : String(defect)
}

/** Prints a failure (and its cause under `--debug`) and records the exit code. */
const reported =
  (deps: CliDeps, debug: boolean) =>
  <A, R>(self: Effect.Effect<A, CommandFailure, R>): Effect.Effect<void, never, R> =>
    self.pipe(
      Effect.asVoid,
      Effect.catchCause((cause) =>
        Effect.sync(() => {
          const secrets = secretsInEnv(deps.io.env)
          const failure = Cause.findErrorOption(cause)
          const line = Option.isSome(failure)
            ? errorLine(failure.value)
            : `InternalError: ${defectText(cause).replace(/\s+/g, " ")}. Hint: this is a bug; rerun with --debug and report it`
          deps.io.stderr(`${programName}: ${maskSecrets(line, secrets)}\n`)
          if (debug) deps.io.stderr(maskSecrets(Cause.pretty(cause), secrets) + "\n")
          deps.setExitCode(Option.isSome(failure) ? exitCodeFor(failure.value) : ExitCode.Failure)
        }),
      ),
    )

const refOf = (input: GetInput): Effect.Effect<FlexRestoreJobRef, InvalidRequest> => {
  const ref = { groupId: input.groupId, name: input.name, restoreJobId: input.restoreJobId }
  const problems = checkRef(ref)
  return problems.length === 0 ? Effect.succeed(ref) : Effect.fail(new InvalidRequest({ fields: problems }))
}

/** Runs `use` with the service, configured from the flags and the environment. */
const withJobs = <A, E>(
  deps: CliDeps,
  input: GetInput,
  use: (jobs: FlexRestoreJobsShape) => Effect.Effect<A, E>,
): Effect.Effect<A, E | AuthError> =>
  Effect.gen(function* () {
    const ignored = ignoredTlsOverride(deps.io.env)
    if (ignored !== undefined) deps.io.stderr(`${programName}: warning: ${ignored}\n`)
    const makeLayer = yield* Effect.promise(deps.jobsLayer)
    const options: AtlasClientOptions = {
      env: deps.io.env,
      timeout: input.requestTimeout,
      retry: { maxAttempts: input.retries + 1 },
      ...(Option.isSome(input.baseUrl) ? { baseUrl: input.baseUrl.value } : {}),
    }
    const program = Effect.gen(function* () {
      return yield* use(yield* FlexRestoreJobs)
    })
    return yield* program.pipe(Effect.provide(makeLayer(options)))
  })

const print = (deps: CliDeps, input: GetInput, job: FlexRestoreJob) =>
  Effect.sync(() =>
    deps.io.stdout(
      renderJob(job, { format: input.output, indent: input.pretty || deps.io.stdoutIsTTY, envelope: input.envelope }),
    ),
  )

// Exit 1 for a FAILED job, from `get` as from `wait`: the job is printed first, so scripts see both.
const failIfFailed = (ref: FlexRestoreJobRef, job: FlexRestoreJob, elapsedMillis: number) =>
  job.status === "FAILED" ? Effect.fail(new JobFailed({ restoreJobId: ref.restoreJobId, elapsedMillis })) : Effect.void

const elapsed = (millis: number): string => `${(millis / 1000).toFixed(1).padStart(6)}s`

/**
 * `get`: print one job; exit 1 if it FAILED.
 *
 * @since 0.1.0
 * @category handlers
 */
export const get = (deps: CliDeps, input: GetInput): Effect.Effect<void> =>
  Effect.gen(function* () {
    const ref = yield* refOf(input)
    const job = yield* withJobs(deps, input, (jobs) =>
      jobs.get(ref, { envelope: input.envelope, pretty: input.pretty }),
    )
    yield* print(deps, input, job)
    yield* failIfFailed(ref, job, 0)
  }).pipe(reported(deps, input.debug))

/**
 * `wait`: poll until the job finishes, showing status changes on stderr;
 * print the final job, and fail with `JobFailed` if it FAILED.
 *
 * @since 0.1.0
 * @category handlers
 */
export const wait = (deps: CliDeps, input: WaitInput): Effect.Effect<void> =>
  Effect.gen(function* () {
    const ref = yield* refOf(input)
    const progress = Option.getOrElse(input.progress, () => deps.io.stderrIsTTY)
    const say = (line: string) => (progress ? Effect.sync(() => deps.io.stderr(line + "\n")) : Effect.void)
    yield* say(
      `Waiting for restore job ${ref.restoreJobId} (polling every ${formatDuration(input.interval)}, up to ${formatDuration(input.timeout)})`,
    )
    let last = 0
    const job = yield* withJobs(deps, input, (jobs) =>
      jobs.wait(ref, {
        envelope: input.envelope,
        pretty: input.pretty,
        interval: input.interval,
        timeout: input.timeout,
        onStatusChange: (job, elapsedMillis) => {
          last = elapsedMillis
          return say(`[${elapsed(elapsedMillis)}] ${job.status ?? "(no status)"}`)
        },
      }),
    )
    yield* print(deps, input, job)
    yield* failIfFailed(ref, job, last)
  }).pipe(reported(deps, input.debug))

/**
 * `schema`: print the provider schema JSON.
 *
 * @since 0.1.0
 * @category handlers
 */
export const schema = (deps: CliDeps, input: { readonly pretty: boolean }): Effect.Effect<void> =>
  Effect.gen(function* () {
    const schema = yield* Effect.promise(deps.providerSchema)
    const indent = input.pretty || deps.io.stdoutIsTTY
    deps.io.stdout(JSON.stringify(schema, null, indent ? 2 : undefined) + "\n")
  })

/**
 * `emulator`: start it, print how to use it, serve until a signal, stop.
 *
 * @since 0.1.0
 * @category handlers
 */
export const emulator = (deps: CliDeps, input: EmulatorInput): Effect.Effect<void> =>
  Effect.gen(function* () {
    const start = yield* Effect.promise(deps.startEmulator)
    const running = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () =>
          start({
            host: input.host,
            port: input.port,
            progressStepMillis: input.progressStep,
            ...(input.log ? { log: (line: string) => deps.io.stderr(line + "\n") } : {}),
          }),
        catch: (cause) => cause,
      }),
      (running) => Effect.promise(() => running.stop()),
    )
    deps.io.stdout(emulatorBanner(running))
    const signal = yield* deps.untilSignal
    deps.io.stderr(`${programName}: ${signal}: emulator stopped\n`)
  }).pipe(
    Effect.scoped,
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        deps.io.stderr(
          `${programName}: EmulatorError: ${defectText(cause).replace(/\s+/g, " ")}. Hint: is ${input.host}:${input.port} free and yours to listen on? --port 0 picks a free port\n`,
        )
        if (input.debug) deps.io.stderr(Cause.pretty(cause) + "\n")
        deps.setExitCode(ExitCode.Failure)
      }),
    ),
  )

/**
 * What `emulator` prints on stdout once it listens: the URL, the variables
 * for each auth mode, the seeded ids and commands to try. The values are the
 * emulator's fixed demo credentials, which open nothing else.
 *
 * @since 0.1.0
 * @category formatting
 */
export const emulatorBanner = (running: EmulatorHandle): string => {
  const c = running.credentials
  const jobs = Object.entries(EmulatorSeed.jobs).map(([label, id]) => `  ${label.padEnd(12)} ${id}`)
  return [
    `Atlas emulator listening on ${running.url}   (Ctrl-C to stop)`,
    "",
    "Point a shell at it, with any one of the three auth modes (demo credentials):",
    `  export MONGODB_ATLAS_BASE_URL=${running.url}`,
    `  export MONGODB_ATLAS_PUBLIC_API_KEY=${c.publicKey} MONGODB_ATLAS_PRIVATE_API_KEY=${c.privateKey}   # API key (HTTP Digest)`,
    `  export MONGODB_ATLAS_CLIENT_ID=${c.clientId} MONGODB_ATLAS_CLIENT_SECRET=${c.clientSecret}   # service account`,
    `  export MONGODB_ATLAS_ACCESS_TOKEN=${c.accessToken}   # access token`,
    "",
    `Seeded restore jobs (project ${EmulatorSeed.groupId}, flex cluster ${EmulatorSeed.clusterName}):`,
    ...jobs,
    "",
    "Try:",
    `  ${programName} get ${seedSelectors} ${EmulatorSeed.jobs.completed} -o table`,
    `  ${programName} wait ${seedSelectors} ${EmulatorSeed.jobs.progressing}`,
    "",
  ].join("\n")
}

/**
 * `provider install`: build and install the provider, then say where it went
 * and what to run next. A failure is one line naming the flag or the step.
 *
 * @since 0.1.0
 * @category handlers
 */
export const installProvider = (deps: CliDeps, input: InstallInput): Effect.Effect<void> =>
  Effect.gen(function* () {
    const install = yield* Effect.promise(deps.installProvider)
    // Interrupted (Ctrl-C), the install is stopped and its temporary files
    // removed before the command ends: nothing of it goes on afterwards.
    const result = yield* Effect.callback<Installed, unknown>((resume) => {
      const controller = new AbortController()
      const running = install(input, controller.signal)
      running.then(
        (installed) => resume(Effect.succeed(installed)),
        (cause: unknown) => resume(Effect.fail(cause)),
      )
      return Effect.promise(() => {
        controller.abort()
        return running.then(
          () => undefined,
          () => undefined,
        )
      })
    })
    const out = deps.io.stdout
    out(
      `Installed ${PROVIDER_SOURCE} ${result.version} (${result.platform}, ${(result.bytes / 1e6).toFixed(1)} MB, ${result.h1}) in ${(result.millis / 1000).toFixed(1)} s:\n` +
        `  ${result.file}\n\n`,
    )
    if (result.implied) {
      out(
        `Terraform searches ${result.dir} without any CLI configuration. Next, in a configuration that requires\n` +
          `source = "${PROVIDER_SOURCE}" (or "atlas-flex/mongodbatlas"), run:\n\n  terraform init\n`,
      )
    } else {
      out(
        `${result.dir} is not one of Terraform's implied mirror directories: name it in a CLI configuration file, e.g.\n\n` +
          `  provider_installation {\n` +
          `    filesystem_mirror {\n      path    = ${JSON.stringify(result.dir)}\n      include = ["${PROVIDER_SOURCE}"]\n    }\n` +
          `    direct {\n      exclude = ["${PROVIDER_SOURCE}"]\n    }\n  }\n\n` +
          `then run:\n\n  TF_CLI_CONFIG_FILE=/path/to/that.tfrc terraform init\n`,
      )
    }
  }).pipe(
    Effect.catch((cause: unknown) =>
      Effect.sync(() => {
        const message = cause instanceof Error ? cause.message : String(cause)
        const tag = cause instanceof Error && cause.name === "InstallError" ? "InstallError" : "InstallFailed"
        deps.io.stderr(`${programName}: ${tag}: ${message.replace(/\s+/g, " ").trim()}\n`)
        deps.setExitCode(tag === "InstallError" ? ExitCode.Usage : ExitCode.Failure)
      }),
    ),
  )
