/**
 * How a go-plugin process ends, as go-plugin servers do: SIGTERM stops it;
 * SIGINT is ignored (the host forwards a user's Ctrl-C to the whole process
 * group and cancels through its own protocol instead), except in a debug
 * mode started by hand; and a process whose host went away without a
 * Shutdown (it was reparented) stops too.
 *
 * @since 0.1.0
 */
import type { Logger } from "./Log.js"

/**
 * Calls `stop` with the reason when the process must end.
 *
 * @since 0.1.0
 * @category lifecycle
 */
export const watchSignals = (options: {
  readonly debug: boolean
  readonly log: Logger
  readonly stop: (why: "SIGTERM" | "SIGINT" | "parent exited") => void
}): void => {
  const { debug, log, stop } = options
  process.on("SIGTERM", () => stop("SIGTERM"))
  process.on("SIGINT", () => (debug ? stop("SIGINT") : log.log("debug", "SIGINT ignored")))
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) stop("parent exited")
  }, 500).unref()
}
