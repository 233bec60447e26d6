/**
 * `atlas-flex-restore` as users run it: the built executable in a child
 * process, against the emulator on loopback. Each command, each output
 * format, each exit code, and nothing sent for invalid input.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { providerSchemaJson } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { digestChallenge, startScriptServer } from "../hardening/support.js"
import { bin, cli, ensureBuilt, root } from "./built.js"
import type { Ran } from "./built.js"
import { serveTls } from "../tlsServer.js"
import type { TlsServer } from "../tlsServer.js"

let emulator: RunningEmulator
/** Only ever given invalid input: it must never see a request. */
let silent: RunningEmulator
let apiKey: Record<string, string>

beforeAll(async () => {
  ensureBuilt()
  emulator = await startEmulator({ rateLimit: false })
  silent = await startEmulator()
  apiKey = {
    MONGODB_ATLAS_BASE_URL: emulator.url,
    MONGODB_ATLAS_PUBLIC_API_KEY: emulator.credentials.publicKey,
    MONGODB_ATLAS_PRIVATE_API_KEY: emulator.credentials.privateKey,
  }
}, 120_000)
afterAll(async () => {
  await emulator?.stop()
  await silent?.stop()
})

/** An emulator of its own, for a test that injects faults. */
const withEmulator = async <A>(use: (emulator: RunningEmulator, env: Record<string, string>) => Promise<A>) => {
  const own = await startEmulator({ rateLimit: false })
  try {
    return await use(own, { ...apiKey, MONGODB_ATLAS_BASE_URL: own.url })
  } finally {
    await own.stop()
  }
}

const select = (
  restoreJobId: string,
  name: string = EmulatorSeed.clusterName,
  groupId: string = EmulatorSeed.groupId,
) => ["--group-id", groupId, "--name", name, "--restore-job-id", restoreJobId]

/** One line on stderr, `atlas-flex-restore: <Tag>: ... Hint: ...`, and no stack trace. */
const expectOneErrorLine = (ran: Ran, tag: string) => {
  const lines = ran.stderr.trimEnd().split("\n")
  expect(lines, ran.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(new RegExp(`^atlas-flex-restore: ${tag}: .+\\. Hint: .+`))
  expect(ran.stderr).not.toMatch(/^\s+at /m)
}

const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version

describe.concurrent("help and version", () => {
  it.each([[], ["get"], ["wait"], ["emulator"], ["schema"]])(
    "%j --help prints usage on stdout, exit 0",
    async (...path) => {
      const ran = await cli([...path, "--help"])
      expect(ran.code).toBe(0)
      expect(ran.stderr).toBe("")
      expect(ran.stdout).toContain("USAGE")
      expect(ran.stdout).toContain(`atlas-flex-restore ${path.join(" ")}`.trimEnd())
    },
  )

  it.each([[], ["get"], ["wait"]])("%j --help documents every exit code and the credentials", async (...path) => {
    const { stdout } = await cli([...path, "--help"])
    for (const code of [0, 1, 2, 3, 4]) expect(stdout).toMatch(new RegExp(`^  ${code}  \\S`, "m"))
    expect(stdout).toContain("MONGODB_ATLAS_PUBLIC_API_KEY")
    expect(stdout).toContain("MONGODB_ATLAS_BASE_URL")
  })

  it("--version prints the package version", async () => {
    const ran = await cli(["--version"])
    expect(ran).toMatchObject({ code: 0, stdout: `atlas-flex-restore ${version}\n`, stderr: "" })
  })

  it("no command: help on stderr, nothing on stdout, exit 2", async () => {
    const ran = await cli([])
    expect(ran.code).toBe(2)
    expect(ran.stdout).toBe("")
    expect(ran.stderr).toContain("SUBCOMMANDS")
  })
})

describe.concurrent("get", () => {
  it("prints the job as compact JSON with the API's field names", async () => {
    const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed)], apiKey)
    expect(ran.code).toBe(0)
    expect(ran.stderr).toBe("")
    expect(ran.stdout.trimEnd().split("\n")).toHaveLength(1)
    const job = JSON.parse(ran.stdout)
    expect(job).toMatchObject({
      id: EmulatorSeed.jobs.completed,
      instanceName: EmulatorSeed.clusterName,
      projectId: EmulatorSeed.groupId,
      status: "COMPLETED",
      deliveryType: "RESTORE",
    })
  })

  it("--pretty indents; --envelope prints { status, content }", async () => {
    const pretty = await cli(["get", ...select(EmulatorSeed.jobs.download), "--pretty"], apiKey)
    expect(pretty.code).toBe(0)
    expect(pretty.stdout).toContain('\n  "deliveryType": "DOWNLOAD"')
    // snapshot_url is sensitive in Terraform, but the person who asks the CLI for the job gets the link.
    expect(JSON.parse(pretty.stdout).snapshotUrl).toMatch(/^https:\/\//)
    const envelope = await cli(["get", ...select(EmulatorSeed.jobs.download), "--envelope"], apiKey)
    expect(envelope.code).toBe(0)
    expect(JSON.parse(envelope.stdout)).toEqual({ status: 200, content: JSON.parse(pretty.stdout) })
  })

  it("-o table prints the Atlas CLI's columns plus status and dates", async () => {
    const ran = await cli(["get", ...select(EmulatorSeed.jobs.download), "-o", "table"], apiKey)
    expect(ran.code).toBe(0)
    const [header, row, ...rest] = ran.stdout.trimEnd().split("\n")
    expect(rest).toEqual([])
    expect(header!.split(/\s{3,}/)).toEqual([
      "ID",
      "SNAPSHOT",
      "CLUSTER",
      "TYPE",
      "STATUS",
      "SCHEDULED",
      "FINISHED",
      "EXPIRES AT",
      "URLs",
    ])
    const cells = row!.split(/\s{3,}/)
    expect(cells[0]).toBe(EmulatorSeed.jobs.download)
    expect(cells[3]).toBe("DOWNLOAD")
    expect(cells[4]).toBe("COMPLETED")
    expect(cells[8]).toMatch(/^https:\/\//)
  })

  it("reads the same job with each auth mode, and --base-url overrides the environment", async () => {
    const c = emulator.credentials
    const modes = [
      apiKey,
      {
        MONGODB_ATLAS_BASE_URL: emulator.url,
        MONGODB_ATLAS_CLIENT_ID: c.clientId,
        MONGODB_ATLAS_CLIENT_SECRET: c.clientSecret,
      },
      { MONGODB_ATLAS_ACCESS_TOKEN: c.accessToken, MONGODB_ATLAS_BASE_URL: "https://cloud.mongodb.invalid" },
    ]
    const outputs = await Promise.all(
      modes.map((env) => cli(["get", ...select(EmulatorSeed.jobs.running), "--base-url", emulator.url], env)),
    )
    for (const ran of outputs) expect(ran).toMatchObject({ code: 0, stderr: "" })
    expect(new Set(outputs.map((r) => r.stdout)).size).toBe(1)
    expect(JSON.parse(outputs[0]!.stdout).status).toBe("RUNNING")
  })
})

describe.concurrent("exit code 2: usage or invalid input, nothing sent", () => {
  const nothingSent = async (args: ReadonlyArray<string>, env: Record<string, string>, tag: string) => {
    const ran = await cli(args, {
      ...env,
      ...(env["MONGODB_ATLAS_BASE_URL"] ? { MONGODB_ATLAS_BASE_URL: silent.url } : {}),
    })
    expect(ran.code).toBe(2)
    expect(ran.stdout).toBe("")
    expectOneErrorLine(ran, tag)
    expect(silent.stats().requests).toBe(0)
    return ran
  }

  it("a malformed id names the flag and its rule", async () => {
    const ran = await nothingSent(["get", ...select("66A0-not-hex")], apiKey, "InvalidRequest")
    expect(ran.stderr).toContain('--restore-job-id "66A0-not-hex" must be 24 lower-case hexadecimal digits')
  })

  it("a malformed group id and cluster name, for wait too", async () => {
    const args = ["wait", "--group-id", "abc", "--name=-bad", "--restore-job-id", EmulatorSeed.jobs.completed]
    const ran = await nothingSent(args, apiKey, "InvalidRequest")
    expect(ran.stderr).toContain('--group-id "abc"')
    expect(ran.stderr).toContain('--name "-bad"')
  })

  it.each([
    [["get", "--name", "flex-demo"], "MissingOption"],
    [["get", ...select(EmulatorSeed.jobs.completed), "--bogus"], "UnrecognizedOption"],
    [["get", ...select(EmulatorSeed.jobs.completed), "-o", "xml"], "InvalidValue"],
    [["wait", ...select(EmulatorSeed.jobs.completed), "--timeout", "soon"], "InvalidValue"],
    [["wait", ...select(EmulatorSeed.jobs.completed), "--interval", "0s"], "InvalidValue"],
    [["get", ...select(EmulatorSeed.jobs.completed), "--retries", "-1"], "InvalidValue"],
    [["restore"], "UnknownSubcommand"],
  ])("%j is a usage error", async (args, tag) => {
    const ran = await nothingSent(args, apiKey, tag)
    expect(ran.stderr).toContain("--help")
  })

  it("no credentials configured", async () => {
    const ran = await nothingSent(
      ["get", ...select(EmulatorSeed.jobs.completed)],
      { MONGODB_ATLAS_BASE_URL: emulator.url },
      "AuthError",
    )
    expect(ran.stderr).toContain("no Atlas credentials configured")
    // Only what the CLI has: environment variables, no library option.
    expect(ran.stderr).not.toMatch(/\boption\b/)
  })

  it.each([
    ["wait", "--timeout", "forever", "a positive duration such as 90s, 5m or 1h30m"],
    ["wait", "--interval", "0s", "a positive duration such as 90s, 5m or 1h30m"],
    ["get", "--retries", "25", "a whole number of retries from 0 to 20"],
  ])("%s %s %s: the message names the flag and the rule", async (command, flag, value, rule) => {
    const ran = await nothingSent(
      [command, ...select(EmulatorSeed.jobs.completed), flag, value],
      apiKey,
      "InvalidValue",
    )
    expect(ran.stderr).toContain(`Invalid value for flag ${flag}: "${value}". Expected: ${rule}.`)
  })

  it("a base URL that is plain http to another host", async () => {
    const ran = await nothingSent(
      ["get", ...select(EmulatorSeed.jobs.completed), "--base-url", "http://atlas.example.com"],
      apiKey,
      "InvalidRequest",
    )
    expect(ran.stderr).toContain("--base-url")
    expect(ran.stderr).toContain("plain http is allowed only to a loopback address")
    expect(ran.stderr).not.toContain("allowInsecureHttp")
  })
})

describe.concurrent("exit code 1: Atlas answered an error", () => {
  it.each([
    ["NotFound", "RESOURCE_NOT_FOUND", select("66a0000000000000000fffff")],
    [
      "BadRequest",
      "CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API",
      select(EmulatorSeed.jobs.completed, EmulatorSeed.dedicatedClusterName),
    ],
    ["Forbidden", "", select(EmulatorSeed.jobs.completed, EmulatorSeed.clusterName, EmulatorSeed.forbiddenGroupId)],
  ])("%s %s", async (tag, code, args) => {
    const ran = await cli(["get", ...args], apiKey)
    expect(ran.code).toBe(1)
    expect(ran.stdout).toBe("")
    expectOneErrorLine(ran, tag)
    expect(ran.stderr).toContain(`(HTTP `)
    expect(ran.stderr).toContain(code)
  })

  it("get of a FAILED job prints it, then exits 1", async () => {
    const ran = await cli(["get", ...select(EmulatorSeed.jobs.failed)], apiKey)
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout).status).toBe("FAILED")
    expectOneErrorLine(ran, "JobFailed")
  })

  it("wrong credentials: Unauthorized, and the secret never shows, not even under --debug", async () => {
    const secret = "wrong-private-key-0123456789"
    const env = { ...apiKey, MONGODB_ATLAS_PRIVATE_API_KEY: secret }
    const plain = await cli(["get", ...select(EmulatorSeed.jobs.completed)], env)
    expect(plain.code).toBe(1)
    expectOneErrorLine(plain, "Unauthorized")
    const debug = await cli(["get", ...select(EmulatorSeed.jobs.completed), "--debug"], env)
    expect(debug.code).toBe(1)
    expect(debug.stderr.split("\n")[0]).toBe(plain.stderr.trimEnd())
    expect(debug.stderr).toMatch(/^\s+at /m)
    for (const ran of [plain, debug]) expect(ran.stdout + ran.stderr).not.toContain(secret)
  })

  it("rate limited once retries are spent", () =>
    withEmulator(async (own, env) => {
      own.setFaults([{ status: 429, headers: { "Retry-After": "0" } }])
      const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed), "--retries", "1"], env)
      expect(ran.code).toBe(1)
      expectOneErrorLine(ran, "RateLimited")
      expect(ran.stderr).toContain("429")
      expect(own.stats().faultsApplied).toBe(2)
    }))

  it("a server error", () =>
    withEmulator(async (own, env) => {
      own.setFaults([{ status: 500 }])
      const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed), "--retries", "0"], env)
      expect(ran.code).toBe(1)
      expectOneErrorLine(ran, "ServerError")
    }))
})

describe.concurrent("exit code 3: network or timeout", () => {
  it("nothing listening at the base URL", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })
    const ran = await cli(
      ["get", ...select(EmulatorSeed.jobs.completed), "--base-url", `http://127.0.0.1:${port}`, "--retries", "0"],
      apiKey,
    )
    expect(ran.code).toBe(3)
    expectOneErrorLine(ran, "TransportError")
  })

  it("an attempt that takes longer than --request-timeout", () =>
    withEmulator(async (own, env) => {
      own.setFaults([{ match: { path: "/restoreJobs/" }, hang: true }])
      const ran = await cli(
        ["get", ...select(EmulatorSeed.jobs.completed), "--request-timeout", "300ms", "--retries", "0"],
        env,
      )
      expect(ran.code).toBe(3)
      expectOneErrorLine(ran, "Timeout")
    }))
})

describe.concurrent("wait", () => {
  it("follows the progressing job through to COMPLETED, status changes on stderr", async () => {
    // The job advances with the emulator's clock from its first read; this clock
    // moves one step per request, so the CLI sees every phase from PENDING on.
    const step = 1_000
    let own: RunningEmulator | undefined
    own = await startEmulator({ progressStepMillis: step, now: () => 1e12 + (own?.stats().apiRequests ?? 0) * step })
    try {
      const ran = await cli(
        ["wait", ...select(EmulatorSeed.jobs.progressing), "--interval", "100ms", "--progress", "-o", "table"],
        { MONGODB_ATLAS_BASE_URL: own.url, MONGODB_ATLAS_ACCESS_TOKEN: own.credentials.accessToken },
      )
      expect(ran.code, ran.stderr).toBe(0)
      const [, row] = ran.stdout.trimEnd().split("\n")
      expect(row).toContain(EmulatorSeed.jobs.progressing)
      expect(row).toContain("COMPLETED")
      const statuses = [...ran.stderr.matchAll(/^\[\s*\d+\.\ds\] (\w+)$/gm)].map((m) => m[1])
      expect(statuses, ran.stderr).toEqual(["PENDING", "QUEUED", "RUNNING", "COMPLETED"])
      expect(ran.stderr).toMatch(
        /^Waiting for restore job 66a0000000000000000000b1 \(polling every 100ms, up to 30m\)$/m,
      )
    } finally {
      await own.stop()
    }
  })

  const noScript = spawnSync("script", ["--version"]).status !== 0
  const terminalTitle = "on a terminal, shows progress without --progress and indents the JSON"
  if (noScript) console.warn(`\n!!! SKIPPED (no \`script\` command to make a pseudo-terminal): ${terminalTitle} !!!\n`)
  it.skipIf(noScript)(
    noScript ? `SKIPPED (no \`script\` command to make a pseudo-terminal): ${terminalTitle}` : terminalTitle,
    async () => {
      // `script` runs the CLI on a pseudo-terminal (stdout and stderr both), as an interactive shell would.
      const command = [process.execPath, bin, "wait", ...select(EmulatorSeed.jobs.completed)]
        .map((arg) => `'${arg}'`)
        .join(" ")
      const ran = await new Promise<Ran>((resolve, reject) => {
        const child = spawn("script", ["-qec", command, "/dev/null"], {
          cwd: root,
          env: { PATH: process.env["PATH"] ?? "", TERM: "dumb", ...apiKey },
          stdio: ["ignore", "pipe", "pipe"],
        })
        let stdout = ""
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
        child.on("error", reject)
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr: "" }))
      })
      expect(ran.code).toBe(0)
      const text = ran.stdout.replace(/\r\n/g, "\n")
      expect(text).toContain(`Waiting for restore job ${EmulatorSeed.jobs.completed}`)
      expect(text).toMatch(/^\[\s*\d+\.\ds\] COMPLETED$/m)
      expect(text).toContain(`\n  "id": "${EmulatorSeed.jobs.completed}",\n`)
    },
  )

  it("Ctrl-C interrupts it cleanly: exit 130, and a service account's token is revoked", () =>
    withEmulator(async (own) => {
      const child = spawn(
        process.execPath,
        [bin, "wait", ...select(EmulatorSeed.jobs.stuck), "--interval", "100ms", "--progress"],
        {
          cwd: root,
          env: {
            PATH: process.env["PATH"] ?? "",
            MONGODB_ATLAS_BASE_URL: own.url,
            MONGODB_ATLAS_CLIENT_ID: own.credentials.clientId,
            MONGODB_ATLAS_CLIENT_SECRET: own.credentials.clientSecret,
          },
          stdio: ["ignore", "pipe", "pipe"],
        },
      )
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
      await new Promise<void>((resolve) =>
        child.stderr.on("data", (d: Buffer) => {
          stderr += d.toString()
          if (/\] RUNNING$/m.test(stderr)) resolve()
        }),
      )
      child.kill("SIGINT")
      expect(await exited).toBe(130)
      expect(stdout).toBe("")
      expect(own.stats().tokensIssued).toBe(1)
      expect(own.stats().revocations).toBe(1)
    }))

  it("stays quiet on stderr when it is not a terminal, unless --progress", async () => {
    const ran = await cli(["wait", ...select(EmulatorSeed.jobs.completed)], apiKey)
    expect(ran).toMatchObject({ code: 0, stderr: "" })
    expect(JSON.parse(ran.stdout).status).toBe("COMPLETED")
  })

  it("times out on the stuck job with exit 4 and the last status", async () => {
    const ran = await cli(
      ["wait", ...select(EmulatorSeed.jobs.stuck), "--timeout", "1s", "--interval", "200ms"],
      apiKey,
    )
    expect(ran.code).toBe(4)
    expect(ran.stdout).toBe("")
    expectOneErrorLine(ran, "WaitTimeout")
    expect(ran.stderr).toContain("within 1s (last status RUNNING)")
  })

  it("prints a FAILED job, then exits 1", async () => {
    const ran = await cli(["wait", ...select(EmulatorSeed.jobs.failed), "--interval", "200ms"], apiKey)
    expect(ran.code).toBe(1)
    expect(JSON.parse(ran.stdout).status).toBe("FAILED")
    expectOneErrorLine(ran, "JobFailed")
  })
})

describe.concurrent("schema", () => {
  it("prints the provider schema JSON", async () => {
    const ran = await cli(["schema"])
    expect(ran).toMatchObject({ code: 0, stderr: "" })
    expect(JSON.parse(ran.stdout)).toEqual(providerSchemaJson())
  })
})

describe.concurrent("emulator", () => {
  it.each(["SIGINT", "SIGTERM"] as const)(
    "serves in the foreground, prints URL and credentials, stops cleanly on %s",
    async (signal) => {
      const child = spawn(process.execPath, [bin, "emulator", "--port", "0"], {
        cwd: root,
        env: { PATH: process.env["PATH"] ?? "" },
        stdio: ["ignore", "pipe", "pipe"],
      })
      let stdout = ""
      let stderr = ""
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString()
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)
          if (match && stdout.includes("Try:")) resolve(match[1]!)
        })
        child.on("close", () => reject(new Error(`emulator exited early: ${stderr}`)))
      })
      try {
        for (const value of Object.values(emulator.credentials)) expect(stdout).toContain(value)
        expect(stdout).toContain(`MONGODB_ATLAS_BASE_URL=${url}`)
        const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed)], {
          MONGODB_ATLAS_BASE_URL: url,
          MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
        })
        expect(ran.code).toBe(0)
        expect(JSON.parse(ran.stdout).id).toBe(EmulatorSeed.jobs.completed)
      } finally {
        child.kill(signal)
      }
      expect(await exited).toBe(0)
      expect(stderr).toContain("/restoreJobs/")
      expect(stderr).toContain(`${signal}: emulator stopped`)
    },
  )

  it("a port in use is one error line and exit 1", async () => {
    const port = Number(new URL(emulator.url).port)
    const ran = await cli(["emulator", "--port", String(port)])
    expect(ran.code).toBe(1)
    expectOneErrorLine(ran, "EmulatorError")
  })
})

describe.concurrent("bounded and named right against servers that misbehave (issue 11)", () => {
  const withScript = async <A>(
    answer: Parameters<typeof startScriptServer>[0],
    use: (server: Awaited<ReturnType<typeof startScriptServer>>) => Promise<A>,
  ) => {
    const server = await startScriptServer(answer)
    try {
      return await use(server)
    } finally {
      await server.stop()
    }
  }
  const keysFor = (url: string, privateKey = "PRIVKEY-cli-4c1d-0d9e") => ({
    MONGODB_ATLAS_BASE_URL: url,
    MONGODB_ATLAS_PUBLIC_API_KEY: "pub",
    MONGODB_ATLAS_PRIVATE_API_KEY: privateKey,
  })

  it("a digest server that always answers stale: exit 1 with Unauthorized after 3 requests, no storm", () =>
    withScript(
      (request) => digestChallenge(request.authorization !== undefined),
      async (server) => {
        const ran = await cli(
          ["get", ...select(EmulatorSeed.jobs.completed), "--request-timeout", "2s", "--retries", "1"],
          keysFor(server.url),
        )
        expect(ran.code).toBe(1)
        expectOneErrorLine(ran, "Unauthorized")
        expect(ran.stderr).toContain("stale again")
        expect(ran.stderr).toContain("--base-url")
        expect(server.requests).toHaveLength(3)
      },
    ))

  it("a proxy's 401 with only a Basic challenge: exit 1 (something was sent), Unauthorized 401 pointing at --base-url", () =>
    withScript(
      () => ({ status: 401, headers: { "www-authenticate": 'Basic realm="corp-proxy"' } }),
      async (server) => {
        const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed)], keysFor(server.url))
        expect(ran.code).toBe(1)
        expectOneErrorLine(ran, "Unauthorized")
        expect(ran.stderr).toContain("HTTP 401")
        expect(ran.stderr).toContain("it offers Basic")
        expect(ran.stderr).toMatch(/Hint: the credentials were not checked; check --base-url/)
        expect(server.requests).toHaveLength(1)
      },
    ))

  it("a server echoing the private key in its error: masked on stderr, --debug included", () => {
    const secret = "PRIVKEY-echo-7e2a-55c1"
    return withScript(
      (request) =>
        request.authorization === undefined
          ? digestChallenge(false)
          : { status: 400, body: { error: 400, errorCode: "INVALID", detail: `the key ${secret} is wrong` } },
      async (server) => {
        for (const debug of [[], ["--debug"]]) {
          const ran = await cli(["get", ...select(EmulatorSeed.jobs.completed), ...debug], keysFor(server.url, secret))
          expect(ran.code).toBe(1)
          expect(ran.stderr).toContain("the key <redacted> is wrong")
          expect(ran.stdout + ran.stderr).not.toContain(secret)
          expect(ran.stdout + ran.stderr).not.toContain(secret.slice(0, 12))
        }
      },
    )
  })

  it("a base URL with user info: exit 2, nothing sent, the password masked, --debug included", () =>
    withScript(
      () => ({ status: 500 }),
      async (server) => {
        const password = "URLPASS-3f9b-secret"
        const withUser = server.url.replace("http://", `http://user:${password}@`)
        for (const debug of [[], ["--debug"]]) {
          const ran = await cli(
            ["get", ...select(EmulatorSeed.jobs.completed), "--base-url", withUser, ...debug],
            keysFor(server.url),
          )
          expect(ran.code).toBe(2)
          expect(ran.stderr).toContain("//***@")
          expect(ran.stdout + ran.stderr).not.toContain(password)
        }
        expect(server.requests).toHaveLength(0)
      },
    ))
})

describe("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn the certificate check off", () => {
  const dir = mkdtempSync(join(tmpdir(), "cli-tls-"))
  let atlas: TlsServer
  let url: string
  let caFile: string
  const seen: Array<string | undefined> = []
  beforeAll(async () => {
    atlas = await serveTls(dir, "atlas", (request, response) => {
      seen.push(request.headers.authorization)
      response.writeHead(200, { "content-type": "application/vnd.atlas.2024-11-13+json" })
      response.end(JSON.stringify({ id: EmulatorSeed.jobs.completed, instanceName: "c", status: "COMPLETED" }))
    })
    ;({ url } = atlas)
    caFile = atlas.certificate.certFile
  })
  afterAll(async () => {
    await atlas.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const warning =
    "atlas-flex-restore: warning: NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: the Atlas client always verifies the " +
    "server's certificate. To trust a private certificate authority or a TLS-intercepting proxy, set " +
    "NODE_EXTRA_CA_CERTS to its PEM file."
  const env = { MONGODB_ATLAS_ACCESS_TOKEN: "cli-tls-token", NODE_TLS_REJECT_UNAUTHORIZED: "0" }
  const args = ["get", ...select(EmulatorSeed.jobs.completed), "--retries", "0"]

  it("says once that it is ignored, refuses the self-signed server and sends it nothing (with and without --debug)", async () => {
    for (const debug of [[], ["--debug"]]) {
      const ran = await cli([...args, "--base-url", url, ...debug], env)
      expect(ran.code, ran.stderr).toBe(3)
      const lines = ran.stderr.split("\n")
      expect(lines[0]).toBe(warning)
      expect(lines.filter((line) => line.includes("NODE_TLS_REJECT_UNAUTHORIZED"))).toEqual([warning])
      expect(lines[1]).toMatch(/^atlas-flex-restore: TransportError: .*self-signed certificate/)
    }
    expect(seen).toEqual([])
  })

  it("trusts the server once its certificate is given with NODE_EXTRA_CA_CERTS", async () => {
    const ran = await cli([...args, "--base-url", url], { ...env, NODE_EXTRA_CA_CERTS: caFile })
    expect(ran.code, ran.stderr).toBe(0)
    expect(ran.stderr).toBe(`${warning}\n`)
    expect(JSON.parse(ran.stdout)).toMatchObject({ status: "COMPLETED" })
    expect(seen).toEqual(["Bearer cli-tls-token"])
  })

  it("says nothing when the variable is unset or anything but 0", async () => {
    for (const value of [undefined, "1", ""]) {
      const ran = await cli([...args, "--base-url", url], {
        MONGODB_ATLAS_ACCESS_TOKEN: "cli-tls-token",
        NODE_EXTRA_CA_CERTS: caFile,
        ...(value === undefined ? {} : { NODE_TLS_REJECT_UNAUTHORIZED: value }),
      })
      expect(ran.code, ran.stderr).toBe(0)
      expect(ran.stderr).toBe("")
    }
  })
})
