/**
 * The external programs a build runs (npm, tar, the pinned Node under
 * qemu-user, gpg): each failure says which step, and why: the program could
 * not start (and the system's reason), was killed by a signal (named), or
 * exited with a status and what it printed.
 *
 * @since 0.1.0
 */
import { spawn } from "node:child_process"
import type { SpawnSyncReturns } from "node:child_process"
import { chmodSync, closeSync, constants, openSync, writeFileSync } from "node:fs"

/**
 * An install that cannot be done, with the flag or fact at fault.
 *
 * @since 0.1.0
 * @category errors
 */
export class InstallError extends Error {
  override readonly name = "InstallError"
}

/**
 * Writes `data` as the new file `file` with `mode` whatever the umask:
 * refused when anything (a symlink included) is already there.
 *
 * @since 0.1.0
 * @category files
 */
export const writeNewFile = (file: string, data: Uint8Array, mode: number): void => {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode)
  try {
    writeFileSync(fd, data)
    chmodSync(file, mode)
  } finally {
    closeSync(fd)
  }
}

/**
 * A build or install stopped by its caller (Ctrl-C, SIGTERM): not a failure
 * of any step.
 *
 * @since 0.1.0
 * @category errors
 */
export class Interrupted extends Error {
  override readonly name = "Interrupted"
}

/**
 * Throws {@link Interrupted} when `signal` was aborted.
 *
 * @since 0.1.0
 * @category errors
 */
export const checkInterrupted = (signal: AbortSignal | undefined, what: string): void => {
  if (signal?.aborted) throw new Interrupted(`${what} was interrupted`)
}

/**
 * Why a finished program failed, or `undefined` when it succeeded.
 *
 * @since 0.1.0
 * @category errors
 */
export const stepFailure = (
  program: string,
  result: {
    readonly error?: Error | undefined
    readonly status: number | null
    readonly signal: NodeJS.Signals | null
    readonly stderr: string | null
  },
): string | undefined => {
  if (result.error !== undefined) return `${program} could not start: ${result.error.message}`
  const printed = (result.stderr ?? "").trim()
  const tail = printed === "" ? "" : `: ${printed}`
  if (result.signal !== null) return `${program} was killed by ${result.signal}${tail}`
  if (result.status !== 0) return `${program} exited with status ${result.status}${tail}`
  return undefined
}

/**
 * Throws `<what> failed: <why>` for a failed `spawnSync` result.
 *
 * @since 0.1.0
 * @category errors
 */
export const checkSync = (what: string, program: string, result: SpawnSyncReturns<string>): void => {
  const failure = stepFailure(program, result)
  if (failure !== undefined) throw new Error(`${what} failed: ${failure}`)
}

/**
 * Runs `argv` to completion, its stdout and stderr collected; rejects with
 * `<what> failed: <why>`. The program runs in a process group of its own: an
 * aborted `signal` sends SIGTERM to the whole group (the program and anything
 * it started, which may hold its output open) and rejects with
 * {@link Interrupted} once the program has exited.
 *
 * @since 0.1.0
 * @category running
 */
export const runStep = (
  argv: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly signal?: AbortSignal | undefined },
  what: string,
): Promise<string> =>
  new Promise((resolve, reject) => {
    checkInterrupted(options.signal, what)
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk))
    const abort = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM")
      } catch {
        // The group is gone already.
      }
    }
    options.signal?.addEventListener("abort", abort, { once: true })
    let settled = false
    const settle = (error: Error | undefined, status: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener("abort", abort)
      if (options.signal?.aborted) return reject(new Interrupted(`${what} was interrupted`))
      const failure = stepFailure(argv[0]!, { error, status, signal, stderr: Buffer.concat(err).toString() })
      if (failure !== undefined) reject(new Error(`${what} failed: ${failure}`))
      else resolve(Buffer.concat(out).toString())
    }
    // A program that cannot start has no pid and may never close.
    child.on("error", (error) => (child.pid === undefined ? settle(error, null, null) : undefined))
    // Interrupted, the program has exited but what it started may hold its output open: closing our ends lets
    // "close" come at once.
    child.on("exit", () => {
      if (!options.signal?.aborted) return
      child.stdout.destroy()
      child.stderr.destroy()
    })
    child.on("close", (status, signal) => settle(undefined, status, signal))
  })
