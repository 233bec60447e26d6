/**
 * The build and install steps' plumbing: the messages a failed, killed or
 * unstartable program gives (exactly), Ctrl-C of a running step and of one not
 * yet started, what a step's program is given (its folder, environment, no
 * input), and new files written with their mode whatever the umask.
 */
import { spawnSync } from "node:child_process"
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, afterEach, describe, expect, it } from "vitest"
import {
  checkInterrupted,
  checkSync,
  InstallError,
  Interrupted,
  runStep,
  stepFailure,
  writeNewFile,
} from "../../../src/release/Step.js"

const root = mkdtempSync(join(tmpdir(), "release-step-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const env = { PATH: process.env["PATH"] ?? "" }

/** The message a promise rejects with (and fails the test if it resolves). */
const rejection = (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    (value) => {
      throw new Error(`resolved with ${String(value)}`)
    },
    (error: unknown) => error as Error,
  )

/** Processes the tests started in their own group, killed after each test. */
const leftovers: Array<number> = []
afterEach(() => {
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
})
const pidFrom = async (file: string): Promise<number> => {
  while (!existsSync(file) || !readFileSync(file, "utf8").endsWith("\n")) await sleep(10)
  const pid = Number(readFileSync(file, "utf8").trim())
  leftovers.push(pid)
  return pid
}
const status = (pid: number): Record<string, string> => {
  try {
    return Object.fromEntries(
      readFileSync(`/proc/${pid}/status`, "utf8")
        .split("\n")
        .map((line) => line.split(":\t") as [string, string]),
    )
  } catch {
    return {}
  }
}

describe("errors", () => {
  it("are named as the CLI reports them", () => {
    expect(String(new InstallError("--dir must name a path; it is empty"))).toBe(
      "InstallError: --dir must name a path; it is empty",
    )
    expect(String(new Interrupted("building was interrupted"))).toBe("Interrupted: building was interrupted")
    expect(new Interrupted("x")).toBeInstanceOf(Error)
  })
  it("an aborted signal interrupts what is about to start, naming it; none or a live one does not", () => {
    const controller = new AbortController()
    expect(() => checkInterrupted(controller.signal, "packing")).not.toThrow()
    expect(() => checkInterrupted(undefined, "packing")).not.toThrow()
    controller.abort()
    expect(() => checkInterrupted(controller.signal, "packing")).toThrow(new Interrupted("packing was interrupted"))
    expect(() => checkInterrupted(controller.signal, "packing")).toThrow(Interrupted)
  })
})

describe("a finished program's failure", () => {
  const done = { status: 0, signal: null, stderr: "" }
  it("says it could not start, with the system's reason", () => {
    expect(stepFailure("npm", { ...done, status: null, error: new Error("spawn npm ENOENT") })).toBe(
      "npm could not start: spawn npm ENOENT",
    )
  })
  it("names the signal that killed it, then what it printed, trimmed", () => {
    expect(stepFailure("tar", { ...done, status: null, signal: "SIGKILL", stderr: "\n  out of memory \n" })).toBe(
      "tar was killed by SIGKILL: out of memory",
    )
    expect(stepFailure("tar", { ...done, status: null, signal: "SIGSEGV", stderr: null })).toBe(
      "tar was killed by SIGSEGV",
    )
  })
  it("gives its status, then what it printed, or nothing when it printed only blanks", () => {
    expect(stepFailure("gpg", { ...done, status: 2, stderr: "gpg: signing failed\n" })).toBe(
      "gpg exited with status 2: gpg: signing failed",
    )
    expect(stepFailure("gpg", { ...done, status: 2, stderr: " \n" })).toBe("gpg exited with status 2")
    expect(stepFailure("gpg", { ...done, status: 2, stderr: null })).toBe("gpg exited with status 2")
  })
  it("is none when it exited with 0, whatever it printed", () => {
    expect(stepFailure("npm", { ...done, stderr: "npm warn deprecated\n" })).toBeUndefined()
  })
  it("is thrown by checkSync as '<step> failed: <why>'; a success throws nothing", () => {
    const failed = spawnSync("sh", ["-c", "echo 'tar: bad header' >&2; exit 2"], { encoding: "utf8" })
    expect(() => checkSync("unpacking node.tgz", "tar", failed)).toThrow(
      new Error("unpacking node.tgz failed: tar exited with status 2: tar: bad header"),
    )
    const ok = spawnSync("sh", ["-c", "echo ok"], { encoding: "utf8" })
    expect(() => checkSync("unpacking node.tgz", "tar", ok)).not.toThrow()
  })
})

describe("runStep", () => {
  it("runs the program in the folder and environment given, with no input, and gives its output as printed", async () => {
    const output = await runStep(
      ["sh", "-c", 'pwd; echo "$STEP_VALUE"; cat; echo " after input "'],
      { cwd: root, env: { ...env, STEP_VALUE: "given" } },
      "printing",
    )
    expect(output).toBe(`${realpathSync(root)}\ngiven\n after input \n`)
  })
  it("gives what the processes the program started print after it exited, up to the end of its output", async () => {
    // The background process prints once the shell is gone (reaped by runStep's Node).
    const output = await runStep(
      ["sh", "-c", "shell=$$; (while kill -0 $shell 2>/dev/null; do sleep 0.01; done; echo late) & echo early"],
      { cwd: root, env },
      "printing late",
    )
    expect(output).toBe("early\nlate\n")
  })
  it("rejects with the step, the program and its cause, exactly", async () => {
    expect(
      (await rejection(runStep(["sh", "-c", "echo 'no space' >&2; exit 3"], { cwd: root, env }, "gpg"))).message,
    ).toBe("gpg failed: sh exited with status 3: no space")
    expect((await rejection(runStep(["sh", "-c", "exit 4"], { cwd: root, env }, "tar"))).message).toBe(
      "tar failed: sh exited with status 4",
    )
    expect(
      (await rejection(runStep(["sh", "-c", "echo dying >&2; kill -TERM $$"], { cwd: root, env }, "npm pack"))).message,
    ).toBe("npm pack failed: sh was killed by SIGTERM: dying")
  })
  it("does not start a step once interrupted", async () => {
    const controller = new AbortController()
    controller.abort()
    const marker = join(root, "started")
    const error = await rejection(
      runStep(["sh", "-c", `touch ${marker}`], { cwd: root, env, signal: controller.signal }, "making the blob"),
    )
    expect(error).toBeInstanceOf(Interrupted)
    expect(error.message).toBe("making the blob was interrupted")
    expect(existsSync(marker)).toBe(false)
  })
  it("returns when interrupted even if something it started ignores SIGTERM and holds its output, keeping no pipe open", async () => {
    const pipes = () => process.getActiveResourcesInfo().filter((r) => r === "PipeWrap").length
    const before = pipes()
    const controller = new AbortController()
    const pidFile = join(root, "stubborn.pid")
    const running = runStep(
      // The grandchild names itself once it ignores SIGTERM.
      ["sh", "-c", `sh -c 'trap "" TERM; echo $$ > ${pidFile}; exec sleep 300' & wait`],
      { cwd: root, env, signal: controller.signal },
      "a stubborn step",
    )
    const stubborn = await pidFrom(pidFile)
    controller.abort()
    const error = await rejection(running)
    expect(error).toBeInstanceOf(Interrupted)
    expect(error.message).toBe("a stubborn step was interrupted")
    // It still runs, holding the pipes' other ends; ours are closed (the test's timeout bounds the wait).
    expect(status(stubborn)["State"]).toMatch(/^[SR]/)
    while (pipes() > before) await sleep(10)
  })
  it("a later interruption leaves what a finished step left running alone", async () => {
    const controller = new AbortController()
    const pidFile = join(root, "left.pid")
    await runStep(
      ["sh", "-c", `sleep 300 >/dev/null 2>&1 </dev/null & echo $! > ${pidFile}`],
      { cwd: root, env, signal: controller.signal },
      "a step that leaves a process",
    )
    const left = await pidFrom(pidFile)
    while (!status(left)["State"]?.startsWith("S")) await sleep(10)
    controller.abort()
    // No signal pending for it, none being acted on: it sleeps on.
    const after = status(left)
    expect(after["State"]).toMatch(/^S/)
    expect(after["SigPnd"]).toBe("0000000000000000")
    expect(after["ShdPnd"]).toBe("0000000000000000")
  })
})

describe("writeNewFile", () => {
  it("writes the bytes with the mode asked for, whatever the umask, and keeps no descriptor open", () => {
    // (Tests may run in worker threads, which cannot set the umask: 0777 is more than any umask but 0 lets through.)
    const file = join(root, "provider")
    const open = () =>
      readdirSync("/proc/self/fd").filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === file
        } catch {
          return false
        }
      })
    writeNewFile(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), 0o777)
    expect(readFileSync(file)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]))
    expect(statSync(file).mode & 0o7777).toBe(0o777)
    expect(open()).toEqual([])
    writeNewFile(join(root, "private"), Buffer.from("key"), 0o600)
    expect(statSync(join(root, "private")).mode & 0o7777).toBe(0o600)
  })
  it("refuses a file that exists, leaving it as it was", () => {
    const file = join(root, "existing")
    writeFileSync(file, "mine", { mode: 0o644 })
    expect(() => writeNewFile(file, Buffer.from("theirs"), 0o755)).toThrow(/EEXIST/)
    expect(readFileSync(file, "utf8")).toBe("mine")
    expect(statSync(file).mode & 0o777).toBe(0o644)
  })
  it("refuses a symlink, writing nothing where it points", () => {
    const link = join(root, "link")
    symlinkSync(join(root, "target"), link)
    expect(() => writeNewFile(link, Buffer.from("x"), 0o755)).toThrow(/EEXIST/)
    expect(existsSync(join(root, "target"))).toBe(false)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
  })
})
