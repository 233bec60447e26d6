/**
 * The plugin's log: one hclog JSON object per line on stderr, which go-plugin
 * parses and Terraform shows under `TF_LOG` / `TF_LOG_PROVIDER` at the line's
 * own level. go-plugin only accepts `@timestamp` with six fractional digits.
 * Stdout is never written here: it carries the handshake line alone.
 *
 * @since 0.1.0
 */
import { epochMillis } from "./Clock.js"

/**
 * @since 0.1.0
 * @category models
 */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error"

const rank: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 }

/**
 * @since 0.1.0
 * @category models
 */
export interface Logger {
  readonly enabled: (level: LogLevel) => boolean
  readonly log: (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void
}

/**
 * hclog's timestamp: RFC 3339 with microseconds.
 *
 * @since 0.1.0
 * @category formatting
 */
export const hclogTimestamp = (millis: number): string => {
  const whole = Math.floor(millis)
  const micros = Math.floor((millis - whole) * 1000)
  return new Date(whole).toISOString().replace(/Z$/, String(micros).padStart(3, "0") + "Z")
}

/**
 * The level Terraform asked for through `TF_LOG_PROVIDER`, then `TF_LOG`
 * (`JSON` means trace); nothing set means warnings and errors only.
 *
 * @since 0.1.0
 * @category constructors
 */
export const levelFromEnv = (env: Readonly<Record<string, string | undefined>>): LogLevel | "off" => {
  const value = (env["TF_LOG_PROVIDER"] || env["TF_LOG"] || "").trim().toLowerCase()
  if (value === "off") return "off"
  if (value === "json") return "trace"
  return value in rank ? (value as LogLevel) : "warn"
}

/**
 * A logger writing hclog JSON lines through `write`. Field values pass
 * through `scrub`, so a secret that reached a message is masked.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLogger = (options: {
  readonly level: LogLevel | "off"
  readonly write: (line: string) => void
  readonly module?: string
  readonly scrub?: (text: string) => string
}): Logger => {
  const threshold = options.level === "off" ? Infinity : rank[options.level]
  const scrub = options.scrub ?? ((text: string) => text)
  const enabled = (level: LogLevel) => rank[level] >= threshold
  return {
    enabled,
    log: (level, message, fields) => {
      if (!enabled(level)) return
      const line = JSON.stringify({
        "@level": level,
        "@message": message,
        "@module": options.module ?? "atlas-flex-restore",
        "@timestamp": hclogTimestamp(epochMillis()),
        ...fields,
      })
      options.write(scrub(line) + "\n")
    },
  }
}

/**
 * A logger that drops everything, for tests.
 *
 * @since 0.1.0
 * @category constructors
 */
export const silentLogger: Logger = { enabled: () => false, log: () => {} }
