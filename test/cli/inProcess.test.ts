/**
 * The CLI run in-process (`runCli` with the real service and emulator):
 * what a user sees on stdout and stderr, and the exit code, for each command
 * and each kind of failure. test/cli/cli.test.ts drives the built
 * executable; these runs see `src/` itself, so a mutant of src/cli changes
 * what they print (the mutation room `cli` runs them).
 */
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { FlexRestoreJobsLive } from "../../src/atlas/layer.js"
import type { CliDeps, EmulatorStartOptions } from "../../src/cli/commands.js"
import { emulatorBanner } from "../../src/cli/handlers.js"
import { runCli } from "../../src/cli/runCli.js"
import { providerSchemaJson } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator, type RunningEmulator } from "../../src/emulator/index.js"
import type { Installed } from "../../src/release/ProviderInstall.js"

const { jobs, groupId, clusterName } = EmulatorSeed
const select = (id: string) => ["--group-id", groupId, "--name", clusterName, "--restore-job-id", id]

interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

type Deps = Omit<CliDeps, "setExitCode" | "io">

const defaults: Deps = {
  jobsLayer: async () => FlexRestoreJobsLive.layerNode,
  startEmulator: async () => startEmulator,
  providerSchema: async () => providerSchemaJson(),
  installProvider: async () => async () => {
    throw new Error("not installed by this test")
  },
  untilSignal: Effect.succeed("SIGTERM"),
}

const run = async (
  argv: ReadonlyArray<string>,
  options: {
    env?: Record<string, string>
    /** Both streams, or each. */
    tty?: boolean | { readonly stdout: boolean; readonly stderr: boolean }
    /** Replaces stdout's writer (called after the text is recorded). */
    onStdout?: (text: string) => void
    onStderr?: (text: string) => void
    deps?: Partial<Deps>
    signal?: AbortSignal
  } = {},
): Promise<Ran> => {
  let stdout = ""
  let stderr = ""
  const code = await runCli(
    argv,
    {
      ...defaults,
      ...options.deps,
      io: {
        stdout: (text) => {
          stdout += text
          options.onStdout?.(text)
        },
        stderr: (text) => {
          stderr += text
          options.onStderr?.(text)
        },
        stdoutIsTTY: typeof options.tty === "object" ? options.tty.stdout : (options.tty ?? false),
        stderrIsTTY: typeof options.tty === "object" ? options.tty.stderr : (options.tty ?? false),
        env: options.env ?? {},
      },
    },
    options.signal ? { signal: options.signal } : {},
  )
  return { code, stdout, stderr }
}

let emulator: RunningEmulator
let token: Record<string, string>
beforeAll(async () => {
  emulator = await startEmulator({ rateLimit: false, progressStepMillis: 40 })
  token = { MONGODB_ATLAS_BASE_URL: emulator.url, MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken }
})
afterAll(() => emulator.stop())

/** Requests the emulator answered so far, all statuses. */
const answered = () => Object.values(emulator.stats().byStatus).reduce((a, b) => a + b, 0)

describe("cli in-process: help, version and usage errors", () => {
  it("--version prints the name and version on stdout, exit 0", async () => {
    expect(await run(["--version"])).toStrictEqual({ code: 0, stdout: "atlas-flex-restore 0.1.0\n", stderr: "" })
  })

  it("--help of get and wait ends with the environment and every exit code; other commands' does not", async () => {
    for (const command of ["get", "wait"]) {
      const { code, stdout, stderr } = await run([command, "--help"])
      expect([code, stderr]).toStrictEqual([0, ""])
      expect(stdout).toContain("\n\nENVIRONMENT\n  Credentials, the first complete one wins:\n")
      expect(stdout).toContain(
        "\n\nEXIT CODES\n  0  success\n  1  Atlas answered an error (4xx/5xx, bad response), or the job is FAILED (printed first)\n" +
          "  2  usage or invalid input, e.g. a malformed id or missing credentials (nothing was sent)\n" +
          "  3  network error or request timeout (Atlas could not be reached in time)\n" +
          "  4  `wait` ran out of time (--timeout) before the job finished\n",
      )
      expect(stdout.endsWith("before the job finished\n")).toBe(true)
    }
    for (const command of [["emulator"], ["schema"], ["provider", "install"]]) {
      const { code, stdout } = await run([...command, "--help"])
      expect(code).toBe(0)
      expect(stdout).not.toContain("EXIT CODES")
      expect(stdout).not.toContain("ENVIRONMENT")
      // A blank line before every section heading, the last line ends the text.
      expect(stdout).toMatch(/\n\nUSAGE\n/)
      expect(stdout).toMatch(/\S\n$/)
    }
  })

  it("no command: the help on stderr, nothing on stdout, exit 2", async () => {
    const { code, stdout, stderr } = await run([])
    expect([code, stdout]).toStrictEqual([2, ""])
    expect(stderr).toMatch(/^DESCRIPTION\n/)
    expect(stderr).toContain("\n\nSUBCOMMANDS\n")
    expect(stderr).toContain("\n\nEXIT CODES\n")
  })

  it("a usage error is one line on stderr naming the problem and the command's help, exit 2", async () => {
    expect(await run(["get", "--bogus"])).toStrictEqual({
      code: 2,
      stdout: "",
      stderr:
        "atlas-flex-restore: UnrecognizedOption: Unrecognized flag: --bogus in command atlas-flex-restore get. " +
        "Hint: see 'atlas-flex-restore get --help'\n",
    })
    const retries = await run(["get", ...select(jobs.completed), "--retries", "21"], { env: token })
    expect(retries.stderr).toBe(
      'atlas-flex-restore: InvalidValue: Invalid value for flag --retries: "21". Expected: a whole number of retries ' +
        "from 0 to 20. Hint: see 'atlas-flex-restore get --help'\n",
    )
    const interval = await run(["wait", ...select(jobs.completed), "--interval", "0s"], { env: token })
    expect(interval.code).toBe(2)
    expect(interval.stderr).toContain(
      'Invalid value for flag --interval: "0s". Expected: a positive duration such as 90s, 5m or 1h30m',
    )
  })

  it("several usage errors: one line, their messages joined by '; '", async () => {
    const ran = await run(["get", "--bogus", "--wrong"])
    expect(ran.code).toBe(2)
    expect(ran.stderr).toBe(
      "atlas-flex-restore: UnrecognizedOption: Unrecognized flag: --bogus in command atlas-flex-restore get; " +
        "Unrecognized flag: --wrong in command atlas-flex-restore get. Hint: see 'atlas-flex-restore get --help'\n",
    )
  })

  it("the edges of --retries: 0 and 20 are taken", async () => {
    for (const retries of ["0", "20"])
      expect((await run(["get", ...select(jobs.completed), "--retries", retries], { env: token })).code).toBe(0)
    expect((await run(["get", ...select(jobs.completed), "--retries", "-1"], { env: token })).code).toBe(2)
  })
})

describe("cli in-process: get", () => {
  it("prints the job as one line of JSON, exit 0", async () => {
    const { code, stdout, stderr } = await run(["get", ...select(jobs.completed)], { env: token })
    expect([code, stderr]).toStrictEqual([0, ""])
    expect(stdout.endsWith("}\n")).toBe(true)
    expect(stdout.trim().split("\n")).toHaveLength(1)
    expect(JSON.parse(stdout)).toMatchObject({ id: jobs.completed, status: "COMPLETED" })
  })

  it("indents with --pretty or on a terminal; --envelope wraps it", async () => {
    const pretty = await run(["get", ...select(jobs.completed), "--pretty"], { env: token })
    const tty = await run(["get", ...select(jobs.completed)], { env: token, tty: true })
    expect(pretty.stdout).toMatch(/^\{\n {2}"/)
    expect(tty.stdout).toBe(pretty.stdout)
    const envelope = await run(["get", ...select(jobs.completed), "--envelope"], { env: token })
    expect(JSON.parse(envelope.stdout)).toMatchObject({ status: 200, content: { id: jobs.completed } })
  })

  it("-o table prints the columns", async () => {
    const { code, stdout } = await run(["get", ...select(jobs.completed), "-o", "table"], { env: token })
    expect(code).toBe(0)
    expect(stdout.split("\n")[0]).toMatch(/^ID\s+/)
    expect(stdout).toContain(jobs.completed)
  })

  it("--base-url overrides MONGODB_ATLAS_BASE_URL", async () => {
    const env = { ...token, MONGODB_ATLAS_BASE_URL: "http://127.0.0.1:1" }
    const { code } = await run(["get", ...select(jobs.completed), "--base-url", emulator.url], { env })
    expect(code).toBe(0)
  })

  it("a FAILED job is printed, then exit 1 with JobFailed on stderr", async () => {
    const { code, stdout, stderr } = await run(["get", ...select(jobs.failed)], { env: token })
    expect(code).toBe(1)
    expect(JSON.parse(stdout)).toMatchObject({ id: jobs.failed, status: "FAILED" })
    expect(stderr).toBe(
      `atlas-flex-restore: JobFailed: Restore job ${jobs.failed} finished with status FAILED. ` +
        "Hint: the restore failed in Atlas; the job is on stdout, and the Atlas UI shows why\n",
    )
  })

  it("malformed ids: exit 2, every flag named, nothing sent", async () => {
    const before = answered()
    const { code, stdout, stderr } = await run(
      ["get", "--group-id", "x", "--name", clusterName, "--restore-job-id", "y"],
      { env: token },
    )
    expect([code, stdout]).toStrictEqual([2, ""])
    expect(stderr).toMatch(
      /^atlas-flex-restore: InvalidRequest: --group-id "x" must be .*; --restore-job-id "y" must be /,
    )
    expect(stderr).toMatch(/Hint: nothing was sent; fix these values \(see --help\)\n$/)
    expect(answered()).toBe(before)
  })

  it("no credentials: exit 2, the variables named", async () => {
    const { code, stderr } = await run(["get", ...select(jobs.completed)], {
      env: { MONGODB_ATLAS_BASE_URL: emulator.url },
    })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^atlas-flex-restore: AuthError: .*Hint: set MONGODB_ATLAS_PUBLIC_API_KEY/)
  })

  it("a wrong secret: exit 1, Unauthorized, the secret masked, --debug too", async () => {
    const secret = "wrong-private-key-0123456789"
    const env = {
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_PUBLIC_API_KEY: emulator.credentials.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: secret,
    }
    const plain = await run(["get", ...select(jobs.completed)], { env })
    expect(plain.code).toBe(1)
    expect(plain.stderr).toMatch(/^atlas-flex-restore: Unauthorized: /)
    expect(plain.stderr.split("\n")).toHaveLength(2)
    const debug = await run(["get", ...select(jobs.completed), "--debug"], { env })
    expect(debug.code).toBe(1)
    expect(debug.stderr.startsWith(plain.stderr)).toBe(true)
    expect(debug.stderr.length).toBeGreaterThan(plain.stderr.length)
    expect(debug.stderr).not.toContain(secret)
  })

  it("nothing listening: exit 3", async () => {
    const env = { ...token, MONGODB_ATLAS_BASE_URL: "http://127.0.0.1:1" }
    const { code, stderr } = await run(["get", ...select(jobs.completed), "--retries", "0"], { env })
    expect(code).toBe(3)
    expect(stderr).toMatch(/^atlas-flex-restore: TransportError: /)
  })

  it("an abort interrupts it: exit 130, nothing printed", async () => {
    const abort = new AbortController()
    abort.abort()
    const { code, stdout } = await run(["wait", ...select(jobs.stuck), "--interval", "1h"], {
      env: token,
      signal: abort.signal,
    })
    expect([code, stdout]).toStrictEqual([130, ""])
  })
})

describe("cli in-process: wait", () => {
  it("follows the progressing job to COMPLETED, each status once on stderr with --progress", async () => {
    const { code, stdout, stderr } = await run(
      ["wait", ...select(jobs.progressing), "--interval", "20ms", "--timeout", "1m", "--progress"],
      { env: token },
    )
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ id: jobs.progressing, status: "COMPLETED" })
    const lines = stderr.trimEnd().split("\n")
    expect(lines[0]).toBe(`Waiting for restore job ${jobs.progressing} (polling every 20ms, up to 1m)`)
    const statuses = lines.slice(1).map((line) => /^\[ {0,5}\d+\.\ds\] (\S+)$/.exec(line)?.[1])
    expect(statuses.at(-1)).toBe("COMPLETED")
    expect(new Set(statuses).size).toBe(statuses.length)
  })

  it("stays quiet on stderr off a terminal; speaks on one", async () => {
    const quiet = await run(["wait", ...select(jobs.completed)], { env: token })
    expect([quiet.code, quiet.stderr]).toStrictEqual([0, ""])
    const tty = await run(["wait", ...select(jobs.completed)], { env: token, tty: true })
    expect(tty.stderr).toMatch(
      /^Waiting for restore job .* \(polling every 5s, up to 30m\)\n\[ {3}0\.\ds\] COMPLETED\n$/,
    )
  })

  it("times out on the stuck job: exit 4, the last status named", async () => {
    const { code, stderr } = await run(["wait", ...select(jobs.stuck), "--interval", "20ms", "--timeout", "100ms"], {
      env: token,
    })
    expect(code).toBe(4)
    expect(stderr).toMatch(
      /^atlas-flex-restore: WaitTimeout: the restore job did not finish within 100ms \(last status \w+\)/,
    )
  })

  it("a FAILED job: printed, exit 1", async () => {
    const { code, stdout, stderr } = await run(["wait", ...select(jobs.failed)], { env: token })
    expect(code).toBe(1)
    expect(JSON.parse(stdout)).toMatchObject({ status: "FAILED" })
    expect(stderr).toMatch(/^atlas-flex-restore: JobFailed: /)
  })
})

describe("cli in-process: schema", () => {
  it("prints the provider schema, indented with --pretty or on a terminal", async () => {
    const compact = await run(["schema"])
    expect(compact).toStrictEqual({ code: 0, stdout: JSON.stringify(providerSchemaJson()) + "\n", stderr: "" })
    const indented = JSON.stringify(providerSchemaJson(), null, 2) + "\n"
    expect((await run(["schema", "--pretty"])).stdout).toBe(indented)
    expect((await run(["schema"], { tty: true })).stdout).toBe(indented)
  })
})

describe("cli in-process: emulator", () => {
  it("prints the banner, serves until the signal, says so and stops", async () => {
    const started: Array<EmulatorStartOptions> = []
    let stopped = 0
    const handle = {
      url: "http://127.0.0.1:4321",
      credentials: emulator.credentials,
      stop: async () => void stopped++,
    }
    const { code, stdout, stderr } = await run(
      ["emulator", "--host", "127.0.0.2", "--port", "4321", "--progress-step", "3s", "--no-log"],
      {
        deps: {
          startEmulator: async () => async (options) => {
            started.push(options)
            return handle
          },
        },
      },
    )
    expect({ code, stdout, stderr }).toStrictEqual({
      code: 0,
      stdout: emulatorBanner(handle),
      stderr: "atlas-flex-restore: SIGTERM: emulator stopped\n",
    })
    expect(started).toStrictEqual([{ host: "127.0.0.2", port: 4321, progressStepMillis: 3000 }])
    expect(stopped).toBe(1)
    expect(stdout).toContain(`export MONGODB_ATLAS_ACCESS_TOKEN=${emulator.credentials.accessToken}`)
  })

  it("logs requests on stderr by default", async () => {
    const { stderr } = await run(["emulator"], {
      deps: {
        startEmulator: async () => async (options) => {
          options.log?.("GET /x 200")
          return { url: "http://127.0.0.1:1", credentials: emulator.credentials, stop: async () => {} }
        },
      },
    })
    expect(stderr).toBe("GET /x 200\natlas-flex-restore: SIGTERM: emulator stopped\n")
  })

  it("a port it cannot listen on: one line with a hint, exit 1", async () => {
    const failing: Partial<Deps> = {
      startEmulator: async () => async () => {
        throw new Error("listen EADDRINUSE: address already in use 127.0.0.1:8410")
      },
    }
    expect(await run(["emulator", "--port", "8410"], { deps: failing })).toStrictEqual({
      code: 1,
      stdout: "",
      stderr:
        "atlas-flex-restore: EmulatorError: listen EADDRINUSE: address already in use 127.0.0.1:8410. " +
        "Hint: is 127.0.0.1:8410 free and yours to listen on? --port 0 picks a free port\n",
    })
    const debug = await run(["emulator", "--port", "8410", "--debug"], { deps: failing })
    expect(debug.stderr.split("\n").length).toBeGreaterThan(2)
  })
})

describe("cli in-process: NODE_TLS_REJECT_UNAUTHORIZED=0", () => {
  it("get and wait warn once on stderr that it is ignored, and read as usual", async () => {
    const warning =
      "atlas-flex-restore: warning: NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: the Atlas client always verifies the " +
      "server's certificate. To trust a private certificate authority or a TLS-intercepting proxy, set " +
      "NODE_EXTRA_CA_CERTS to its PEM file.\n"
    const env = { ...token, NODE_TLS_REJECT_UNAUTHORIZED: "0" }
    for (const command of ["get", "wait"]) {
      const ran = await run([command, ...select(jobs.completed)], { env })
      expect([ran.code, ran.stderr]).toStrictEqual([0, warning])
      expect(JSON.parse(ran.stdout)).toMatchObject({ status: "COMPLETED" })
    }
  })
})

describe("cli in-process: provider install", () => {
  const installed: Installed = {
    dir: "/home/u/.terraform.d/plugins",
    file: "/home/u/.terraform.d/plugins/registry.terraform.io/atlas-flex/mongodbatlas/0.1.0/linux_amd64/terraform-provider-mongodbatlas",
    version: "0.1.0",
    platform: "linux_amd64",
    bytes: 123_456_789,
    h1: "h1:abc=",
    implied: true,
    millis: 4_321,
  }
  const installing = (result: Installed | Error): Partial<Deps> => ({
    installProvider: async () => async () => {
      if (result instanceof Error) throw result
      return result
    },
  })

  it("says where it went and what to run next (an implied mirror)", async () => {
    const { code, stdout, stderr } = await run(["provider", "install"], { deps: installing(installed) })
    expect([code, stderr]).toStrictEqual([0, ""])
    expect(stdout).toBe(
      "Installed registry.terraform.io/atlas-flex/mongodbatlas 0.1.0 (linux_amd64, 123.5 MB, h1:abc=) in 4.3 s:\n" +
        `  ${installed.file}\n\n` +
        "Terraform searches /home/u/.terraform.d/plugins without any CLI configuration. Next, in a configuration that requires\n" +
        'source = "registry.terraform.io/atlas-flex/mongodbatlas" (or "atlas-flex/mongodbatlas"), run:\n\n  terraform init\n',
    )
  })

  it("gives the CLI configuration for a directory Terraform does not search", async () => {
    const { code, stdout } = await run(["provider", "install", "--dir", "./mirror"], {
      deps: installing({ ...installed, dir: "/w/mirror", implied: false }),
    })
    expect(code).toBe(0)
    expect(stdout).toContain(
      "/w/mirror is not one of Terraform's implied mirror directories: name it in a CLI configuration file, e.g.\n\n" +
        '  provider_installation {\n    filesystem_mirror {\n      path    = "/w/mirror"\n' +
        '      include = ["registry.terraform.io/atlas-flex/mongodbatlas"]\n    }\n' +
        '    direct {\n      exclude = ["registry.terraform.io/atlas-flex/mongodbatlas"]\n    }\n  }\n\n' +
        "then run:\n\n  TF_CLI_CONFIG_FILE=/path/to/that.tfrc terraform init\n",
    )
  })

  it("passes --dir on, and a bad one is a usage error (InstallError, exit 2); any other failure exit 1", async () => {
    const dirs: Array<string | undefined> = []
    await run(["provider", "install", "--dir", "./m"], {
      deps: {
        installProvider: async () => async (input) => {
          dirs.push(input.dir)
          return installed
        },
      },
    })
    await run(["provider", "install"], {
      deps: {
        installProvider: async () => async (input) => {
          dirs.push(input.dir)
          return installed
        },
      },
    })
    expect(dirs).toStrictEqual(["./m", undefined])
    const usage = Object.assign(new Error("--dir  is not a\n directory "), { name: "InstallError" })
    expect(await run(["provider", "install"], { deps: installing(usage) })).toStrictEqual({
      code: 2,
      stdout: "",
      stderr: "atlas-flex-restore: InstallError: --dir is not a directory\n",
    })
    expect(await run(["provider", "install"], { deps: installing(new Error("no space left")) })).toStrictEqual({
      code: 1,
      stdout: "",
      stderr: "atlas-flex-restore: InstallFailed: no space left\n",
    })
  })

  it("Ctrl-C stops the install before the command ends: its signal aborted, exit 130, nothing printed", async () => {
    const abort = new AbortController()
    let stopped = false
    const ran = await run(["provider", "install"], {
      signal: abort.signal,
      deps: {
        installProvider: async () => (_input, signal) =>
          new Promise<Installed>((_resolve, reject) => {
            signal.addEventListener("abort", () => setImmediate(() => ((stopped = true), reject(new Error("aborted")))))
            abort.abort()
          }),
      },
    })
    expect([ran.code, ran.stdout, ran.stderr, stopped]).toStrictEqual([130, "", "", true])
  })
})

describe("cli in-process: what each help screen says", () => {
  it.each([[[]], [["get"]], [["wait"]], [["emulator"]], [["schema"]], [["provider"]], [["provider", "install"]]])(
    "%j --help",
    async (command) => {
      const { code, stdout, stderr } = await run([...command, "--help"])
      expect([code, stderr]).toStrictEqual([0, ""])
      // Every section heading follows a blank line; no trailing blanks.
      expect(stdout).toMatch(/^DESCRIPTION\n/)
      for (const heading of stdout.match(/^[A-Z][A-Z ]+$/gm)!.slice(1)) expect(stdout).toContain(`\n\n${heading}\n`)
      expect(stdout).toMatch(/\S\n$/)
      expect(stdout).toMatchSnapshot()
    },
  )

  it("is coloured on a terminal only, and never with NO_COLOR or TERM=dumb", async () => {
    const ansi = "\u001b["
    expect((await run(["--help"], { tty: true })).stdout).toContain(ansi)
    expect((await run(["--help"], { tty: true, env: { NO_COLOR: "1" } })).stdout).not.toContain(ansi)
    expect((await run(["--help"], { tty: true, env: { TERM: "dumb" } })).stdout).not.toContain(ansi)
    expect((await run(["--help"], { tty: { stdout: false, stderr: true } })).stdout).not.toContain(ansi)
    // The implicit help goes to stderr: its colours follow stderr.
    expect((await run([], { tty: { stdout: true, stderr: false } })).stderr).not.toContain(ansi)
    expect((await run([], { tty: { stdout: false, stderr: true } })).stderr).toContain(ansi)
  })
})

describe("cli in-process: failures outside the service", () => {
  it("a malformed id is named even without credentials: nothing is built, exit 2", async () => {
    const { code, stderr } = await run(["get", ...select("nope")], { env: {} })
    expect(code).toBe(2)
    expect(stderr).toMatch(/^atlas-flex-restore: InvalidRequest: --restore-job-id "nope" must be /)
  })

  it("a bug inside a command: InternalError on one line with a hint, the cause under --debug, exit 1", async () => {
    const broken: Partial<Deps> = {
      jobsLayer: async () => {
        throw new Error("boom\n  twice")
      },
    }
    const line =
      "atlas-flex-restore: InternalError: boom twice. Hint: this is a bug; rerun with --debug and report it\n"
    expect(await run(["get", ...select(jobs.completed)], { env: token, deps: broken })).toStrictEqual({
      code: 1,
      stdout: "",
      stderr: line,
    })
    const debug = await run(["get", ...select(jobs.completed), "--debug"], { env: token, deps: broken })
    expect(debug.code).toBe(1)
    expect(debug.stderr.startsWith(line + "Error: boom\n  twice\n")).toBe(true)
    expect(debug.stderr.endsWith("\n")).toBe(true)
    expect(debug.stderr.endsWith("\n\n")).toBe(false)
  })

  it("a failure outside any command (stdout closed under --version): InternalError, exit 1", async () => {
    const closed = await run(["--version"], {
      onStdout: () => {
        throw new Error("closed  pipe")
      },
    })
    expect([closed.code, closed.stderr]).toStrictEqual([1, "atlas-flex-restore: InternalError: Error: closed pipe\n"])
  })

  it("--retries N makes N+1 attempts at a failing Atlas", async () => {
    const before = emulator.stats().byStatus["503"] ?? 0
    emulator.setFaults([{ match: { path: "restoreJobs", times: 10 }, status: 503 }])
    try {
      const { code, stderr } = await run(["get", ...select(jobs.completed), "--retries", "1"], { env: token })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^atlas-flex-restore: ServerError: /)
    } finally {
      emulator.clearFaults()
    }
    expect((emulator.stats().byStatus["503"] ?? 0) - before).toBe(2)
  })

  it.each(["envelope", "pretty"])("--%s is asked of Atlas (get and wait)", async (flag) => {
    for (const command of ["get", "wait"]) {
      // A connection reset answers only a request that asks for it.
      emulator.setFaults([{ match: { path: new RegExp(`[?&]${flag}=true`) }, reset: true }])
      try {
        const asked = await run([command, ...select(jobs.completed), `--${flag}`, "--retries", "0"], { env: token })
        expect(asked.code).toBe(3)
        expect((await run([command, ...select(jobs.completed), "--retries", "0"], { env: token })).code).toBe(0)
      } finally {
        emulator.clearFaults()
      }
    }
  })

  it("Ctrl-C during wait: exit 130, nothing but the progress line, the service account's token revoked", async () => {
    const { clientId, clientSecret } = emulator.credentials
    const env = {
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_CLIENT_ID: clientId,
      MONGODB_ATLAS_CLIENT_SECRET: clientSecret,
    }
    const before = emulator.stats()
    const abort = new AbortController()
    const ran = await run(["wait", ...select(jobs.stuck), "--interval", "1h", "--progress"], {
      env,
      signal: abort.signal,
      // The first status line means a token was issued and one poll answered.
      onStderr: (text) => (text.startsWith("[") ? abort.abort() : undefined),
    })
    expect(ran.code).toBe(130)
    expect(ran.stdout).toBe("")
    expect(ran.stderr).toMatch(
      new RegExp(
        `^Waiting for restore job ${jobs.stuck} \\(polling every 1h, up to 30m\\)\\n\\[ +\\d+\\.\\ds\\] \\w+\\n$`,
      ),
    )
    const after = emulator.stats()
    expect(after.tokensIssued - before.tokensIssued).toBe(1)
    expect(after.revocations - before.revocations).toBe(1)
  })

  it("Ctrl-C while the emulator command serves: exit 130, stopped once, no error line", async () => {
    let stopped = 0
    const abort = new AbortController()
    const ran = await run(["emulator"], {
      signal: abort.signal,
      onStdout: () => abort.abort(),
      deps: {
        untilSignal: Effect.never,
        startEmulator: async () => async () => ({
          url: "http://127.0.0.1:1",
          credentials: emulator.credentials,
          stop: async () => void stopped++,
        }),
      },
    })
    expect([ran.code, ran.stderr, stopped]).toStrictEqual([130, "", 1])
  })

  it("the emulator's banner, line by line", async () => {
    const { stdout } = await run(["emulator", "--no-log"], {
      deps: {
        startEmulator: async () => async () => ({
          url: "http://127.0.0.1:8410",
          credentials: emulator.credentials,
          stop: async () => {},
        }),
      },
    })
    const c = emulator.credentials
    const sel = `--group-id ${groupId} --name ${clusterName} --restore-job-id`
    expect(stdout).toBe(
      [
        "Atlas emulator listening on http://127.0.0.1:8410   (Ctrl-C to stop)",
        "",
        "Point a shell at it, with any one of the three auth modes (demo credentials):",
        "  export MONGODB_ATLAS_BASE_URL=http://127.0.0.1:8410",
        `  export MONGODB_ATLAS_PUBLIC_API_KEY=${c.publicKey} MONGODB_ATLAS_PRIVATE_API_KEY=${c.privateKey}   # API key (HTTP Digest)`,
        `  export MONGODB_ATLAS_CLIENT_ID=${c.clientId} MONGODB_ATLAS_CLIENT_SECRET=${c.clientSecret}   # service account`,
        `  export MONGODB_ATLAS_ACCESS_TOKEN=${c.accessToken}   # access token`,
        "",
        `Seeded restore jobs (project ${groupId}, flex cluster ${clusterName}):`,
        ...Object.entries(jobs).map(([label, id]) => `  ${label.padEnd(12)} ${id}`),
        "",
        "Try:",
        `  atlas-flex-restore get ${sel} ${jobs.completed} -o table`,
        `  atlas-flex-restore wait ${sel} ${jobs.progressing}`,
        "",
      ].join("\n"),
    )
  })

  it("an emulator that cannot start: its message on one line, the cause under --debug", async () => {
    const failing: Partial<Deps> = {
      startEmulator: async () => async () => {
        throw new Error("listen EACCES:\n   permission denied")
      },
    }
    const plain = await run(["emulator", "--port", "80", "--host", "0.0.0.0"], { deps: failing })
    expect(plain.stderr).toBe(
      "atlas-flex-restore: EmulatorError: listen EACCES: permission denied. " +
        "Hint: is 0.0.0.0:80 free and yours to listen on? --port 0 picks a free port\n",
    )
    const debug = await run(["emulator", "--port", "80", "--host", "0.0.0.0", "--debug"], { deps: failing })
    expect(debug.stderr.startsWith(plain.stderr + "Error: listen EACCES:\n   permission denied\n")).toBe(true)
    expect(debug.stderr.endsWith("\n")).toBe(true)
    expect(debug.stderr.endsWith("\n\n")).toBe(false)
  })
})

describe("cli in-process: edges of what is printed", () => {
  it("an unknown command and a value with line breaks: one line each", async () => {
    expect((await run(["bogus"])).stderr).toBe(
      'atlas-flex-restore: UnknownSubcommand: Unknown subcommand "bogus" for "atlas-flex-restore". ' +
        "Hint: see 'atlas-flex-restore --help'\n",
    )
    expect((await run(["wait", ...select(jobs.completed), "--interval", "5\n\n s"])).stderr).toBe(
      'atlas-flex-restore: InvalidValue: Invalid value for flag --interval: "5 s". Expected: a positive duration ' +
        "such as 90s, 5m or 1h30m. Hint: see 'atlas-flex-restore wait --help'\n",
    )
  })

  it("wait shows a job Atlas sent without a status as (no status)", async () => {
    emulator.setFaults([{ match: { path: jobs.completed, times: 1 }, body: { id: jobs.completed } }])
    try {
      const { code, stderr } = await run(["wait", ...select(jobs.completed), "--interval", "10ms", "--progress"], {
        env: token,
      })
      expect(code).toBe(0)
      expect(
        stderr
          .split("\n")
          .slice(1, 3)
          .map((line) => line.replace(/^\[ +\d+\.\ds\] /, "")),
      ).toStrictEqual(["(no status)", "COMPLETED"])
    } finally {
      emulator.clearFaults()
    }
  })
})
