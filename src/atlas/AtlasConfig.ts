/**
 * How the service reaches Atlas: base URL, credentials, timeouts, retries and
 * limits, taken from options first and then from the environment variables the
 * official Terraform provider reads. Secrets are held as `Redacted` from here
 * on, so no message, log or `JSON.stringify` of the resolved configuration can
 * show them.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { AuthError, InvalidRequest } from "./AtlasError.js"
import { basicCredential } from "./maskSecrets.js"

/**
 * A secret as a caller may give it: a plain string, or already `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export type Secret = string | Redacted.Redacted<string>

/**
 * Programmatic API key pair, sent with HTTP Digest.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiKeyAuth {
  readonly publicKey: string
  readonly privateKey: Secret
}

/**
 * Service account credentials, exchanged for a bearer token at `{base}/api/oauth/token`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceAccountAuth {
  readonly clientId: string
  readonly clientSecret: Secret
}

/**
 * A ready bearer token.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccessTokenAuth {
  readonly accessToken: Secret
}

/**
 * @since 0.1.0
 * @category models
 */
export type AuthOptions = ApiKeyAuth | ServiceAccountAuth | AccessTokenAuth

/**
 * When and how long to retry. Only 429, 5xx, transport failures and
 * timeouts are retried; any other 4xx fails at once.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Attempts in all, the first included; `1` disables retries. @default 4 */
  readonly maxAttempts?: number
  /** Delay before the first retry; doubled on each retry, with jitter. @default 500 millis */
  readonly initialDelay?: Duration.Input
  /** Upper bound of the exponential delay. @default 10 seconds */
  readonly maxDelay?: Duration.Input
  /**
   * A `Retry-After` is waited for at least, but never longer than this, so a
   * `Retry-After: 3600` cannot stall a plan for an hour. @default 60 seconds
   */
  readonly retryAfterCap?: Duration.Input
}

/**
 * Options of the service layer and of the Promise functions. Every field is
 * optional; unset ones fall back to the environment, then to the defaults.
 *
 * @since 0.1.0
 * @category models
 */
export interface AtlasClientOptions {
  /**
   * Where Atlas lives. @default read from MONGODB_ATLAS_BASE_URL, then
   * MCLI_OPS_MANAGER_URL, else https://cloud.mongodb.com
   */
  readonly baseUrl?: string
  /**
   * Credentials. @default read from the environment, the first configured mode
   * winning: MONGODB_ATLAS_ACCESS_TOKEN; MONGODB_ATLAS_CLIENT_ID and
   * MONGODB_ATLAS_CLIENT_SECRET; MONGODB_ATLAS_PUBLIC_API_KEY and
   * MONGODB_ATLAS_PRIVATE_API_KEY (or their older names)
   */
  readonly auth?: AuthOptions
  /** The environment to read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * Time limit of one attempt: the request and the round trips its
   * authentication needs (a digest challenge and at most one re-challenge,
   * a service account's token), each from sending to the end of the answer;
   * the request in flight is aborted past it (then retried). Time spent
   * waiting for a free connection does not count. @default 30 seconds
   */
  readonly timeout?: Duration.Input
  /** Retry policy. */
  readonly retry?: RetryOptions
  /** Requests in flight at most, across all callers of one layer. @default 16 */
  readonly maxConnections?: number
  /** Largest response body read; a longer one fails with `ResponseDecodeError`. @default 1 MiB */
  readonly maxResponseBytes?: number
  /** Allow plain `http://` to a host other than loopback. @default false */
  readonly allowInsecureHttp?: boolean
  /**
   * The certificates (PEM) that https connections trust, replacing Node's
   * default store, as Node's own `ca` option does. `layerNode` only; fetch
   * keeps its own store. @default Node's default store
   */
  readonly ca?: ReadonlyArray<string>
}

/**
 * Credentials after resolution, secrets redacted.
 *
 * @since 0.1.0
 * @category models
 */
export type ResolvedAuth =
  | { readonly _tag: "AccessToken"; readonly accessToken: Redacted.Redacted<string> }
  | {
      readonly _tag: "ServiceAccount"
      readonly clientId: string
      readonly clientSecret: Redacted.Redacted<string>
    }
  | { readonly _tag: "ApiKey"; readonly publicKey: string; readonly privateKey: Redacted.Redacted<string> }

/**
 * The configuration the layer runs with. `baseUrlProblem` is set when the
 * base URL is unusable: every call then fails with `InvalidRequest` and sends
 * nothing.
 *
 * @since 0.1.0
 * @category models
 */
export interface AtlasConfig {
  readonly baseUrl: string
  readonly baseUrlProblem: InvalidRequest | undefined
  readonly auth: ResolvedAuth
  readonly timeoutMillis: number
  readonly retry: {
    readonly maxAttempts: number
    readonly initialDelayMillis: number
    readonly maxDelayMillis: number
    readonly retryAfterCapMillis: number
  }
  readonly maxConnections: number
  readonly maxResponseBytes: number
}

/**
 * The default values, for documentation and tests.
 *
 * @since 0.1.0
 * @category constants
 */
export const Defaults = {
  baseUrl: "https://cloud.mongodb.com",
  timeout: Duration.seconds(30),
  maxAttempts: 4,
  initialDelay: Duration.millis(500),
  maxDelay: Duration.seconds(10),
  retryAfterCap: Duration.seconds(60),
  maxConnections: 16,
  maxResponseBytes: 1024 * 1024,
} as const

/**
 * The environment variables read, in order of preference within each entry.
 *
 * @since 0.1.0
 * @category constants
 */
export const EnvVars = {
  publicKey: ["MONGODB_ATLAS_PUBLIC_API_KEY", "MONGODB_ATLAS_PUBLIC_KEY", "MCLI_PUBLIC_API_KEY"],
  privateKey: ["MONGODB_ATLAS_PRIVATE_API_KEY", "MONGODB_ATLAS_PRIVATE_KEY", "MCLI_PRIVATE_API_KEY"],
  clientId: ["MONGODB_ATLAS_CLIENT_ID"],
  clientSecret: ["MONGODB_ATLAS_CLIENT_SECRET"],
  accessToken: ["MONGODB_ATLAS_ACCESS_TOKEN"],
  baseUrl: ["MONGODB_ATLAS_BASE_URL", "MCLI_OPS_MANAGER_URL"],
} as const

/**
 * What to say when `NODE_TLS_REJECT_UNAUTHORIZED=0` is set (Node's own test:
 * exactly "0"), or `undefined`: the Atlas client of `layerNode` (the CLI's
 * and the provider's) verifies the server's certificate whatever that
 * variable says, so a credential never goes to a server it cannot verify.
 *
 * @since 0.1.0
 * @category constants
 */
export const ignoredTlsOverride = (env: Readonly<Record<string, string | undefined>>): string | undefined =>
  env["NODE_TLS_REJECT_UNAUTHORIZED"] === "0"
    ? "NODE_TLS_REJECT_UNAUTHORIZED=0 is ignored: the Atlas client always verifies the server's certificate. " +
      "To trust a private certificate authority or a TLS-intercepting proxy, set NODE_EXTRA_CA_CERTS to its PEM file."
    : undefined

/**
 * The values of the secret variables (private keys, client secret, access
 * token) set in an environment, and the Basic credential of the client id
 * and secret set there, for masking wherever output is written.
 *
 * @since 0.1.0
 * @category redaction
 */
export const secretsInEnv = (env: Readonly<Record<string, string | undefined>>): Array<string> => {
  const values = [...EnvVars.privateKey, ...EnvVars.clientSecret, ...EnvVars.accessToken].flatMap((name) => {
    const value = env[name]?.trim()
    return value ? [value] : []
  })
  const clientId = firstSet(env, EnvVars.clientId)
  const clientSecret = firstSet(env, EnvVars.clientSecret)
  return clientId && clientSecret ? [...values, basicCredential(clientId, clientSecret)] : values
}

/**
 * The secret values of a resolved auth mode, for masking wherever an answer
 * is echoed into an error message.
 *
 * @since 0.1.0
 * @category redaction
 */
export const secretsOfAuth = (auth: ResolvedAuth): Array<string> => {
  switch (auth._tag) {
    case "AccessToken":
      return [Redacted.value(auth.accessToken)]
    case "ServiceAccount":
      // The Basic credential sent to the token endpoint decodes to the secret: a secret of its own.
      return [Redacted.value(auth.clientSecret), basicCredential(auth.clientId, Redacted.value(auth.clientSecret))]
    case "ApiKey":
      return [Redacted.value(auth.privateKey)]
  }
}

const firstSet = (env: Readonly<Record<string, string | undefined>>, names: ReadonlyArray<string>) => {
  for (const name of names) {
    const value = env[name]?.trim()
    if (value) return value
  }
  return undefined
}

const redact = (secret: Secret): Redacted.Redacted<string> =>
  Redacted.isRedacted(secret) ? secret : Redacted.make(secret)

const isBlank = (secret: Secret | undefined): boolean =>
  secret === undefined || (Redacted.isRedacted(secret) ? Redacted.value(secret) : secret).trim() === ""

const resolveAuth = (
  auth: AuthOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Result.Result<ResolvedAuth, AuthError> => {
  if (auth !== undefined) {
    if ("accessToken" in auth && !isBlank(auth.accessToken)) {
      return Result.succeed({ _tag: "AccessToken", accessToken: redact(auth.accessToken) })
    }
    if ("clientId" in auth && auth.clientId && !isBlank(auth.clientSecret)) {
      return Result.succeed({
        _tag: "ServiceAccount",
        clientId: auth.clientId,
        clientSecret: redact(auth.clientSecret),
      })
    }
    if ("publicKey" in auth && auth.publicKey && !isBlank(auth.privateKey)) {
      return Result.succeed({ _tag: "ApiKey", publicKey: auth.publicKey, privateKey: redact(auth.privateKey) })
    }
    return Result.fail(
      new AuthError({
        reason:
          "the auth option is incomplete: give { accessToken }, { clientId, clientSecret } or { publicKey, privateKey }, each non-empty",
      }),
    )
  }
  const accessToken = firstSet(env, EnvVars.accessToken)
  if (accessToken) return Result.succeed({ _tag: "AccessToken", accessToken: Redacted.make(accessToken) })
  const clientId = firstSet(env, EnvVars.clientId)
  const clientSecret = firstSet(env, EnvVars.clientSecret)
  if (clientId && clientSecret) {
    return Result.succeed({ _tag: "ServiceAccount", clientId, clientSecret: Redacted.make(clientSecret) })
  }
  const publicKey = firstSet(env, EnvVars.publicKey)
  const privateKey = firstSet(env, EnvVars.privateKey)
  if (publicKey && privateKey) {
    return Result.succeed({ _tag: "ApiKey", publicKey, privateKey: Redacted.make(privateKey) })
  }
  // Name what is missing when half of a pair is set: the usual mistake.
  const half =
    clientId || clientSecret
      ? ` (${clientId ? EnvVars.clientSecret[0] : EnvVars.clientId[0]} is missing)`
      : publicKey || privateKey
        ? ` (${publicKey ? EnvVars.privateKey[0] : EnvVars.publicKey[0]} is missing)`
        : ""
  return Result.fail(
    new AuthError({
      reason:
        `no Atlas credentials configured${half}: set MONGODB_ATLAS_ACCESS_TOKEN, ` +
        "or MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET, " +
        "or MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY",
    }),
  )
}

const isLoopback = (hostname: string): boolean => {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase()
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host)
}

/**
 * Checks a base URL: absolute `https`, or `http` to loopback (or anywhere with
 * `allowInsecureHttp`), without credentials, query or fragment. Returns the
 * normalized URL without a trailing slash, or the problem.
 *
 * @since 0.1.0
 * @category validation
 */
export const checkBaseUrl = (
  raw: string,
  allowInsecureHttp: boolean,
): { readonly url: string; readonly problem: InvalidRequest | undefined } => {
  // Credentials in a URL are a secret like any other: never echo them.
  const shown = raw.replace(/\/\/[^/?#]*@/, "//***@")
  const problem = (rule: string) => ({
    url: shown,
    problem: new InvalidRequest({ fields: [{ field: "baseUrl", value: shown, rule }] }),
  })
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return problem("an absolute URL such as https://cloud.mongodb.com")
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return problem("an https:// URL")
  if (url.protocol === "http:" && !allowInsecureHttp && !isLoopback(url.hostname)) {
    return problem("an https:// URL (plain http is allowed only to a loopback address)")
  }
  if (url.username || url.password) return problem("a URL without credentials in it")
  if (url.search || url.hash) return problem("a URL without query or fragment")
  return { url: url.href.replace(/\/+$/, ""), problem: undefined }
}

const positiveInt = (value: number | undefined, fallback: number): number =>
  value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback

/**
 * Milliseconds of a duration option; `fallback` when it is unset, unreadable
 * or negative.
 *
 * @since 0.1.0
 * @category constructors
 */
export const millis = (input: Duration.Input | undefined, fallback: Duration.Duration): number => {
  const value = input === undefined ? undefined : Duration.fromInput(input)
  const ms = value !== undefined && value._tag === "Some" ? Duration.toMillis(value.value) : Number.NaN
  return Number.isNaN(ms) || ms < 0 ? Duration.toMillis(fallback) : ms
}

/**
 * Resolves options against the environment. Fails with `AuthError` naming the
 * variables to set when no credentials are configured.
 *
 * @since 0.1.0
 * @category constructors
 */
export const resolveConfig = (options: AtlasClientOptions = {}): Result.Result<AtlasConfig, AuthError> => {
  const env = options.env ?? process.env
  return Result.map(resolveAuth(options.auth, env), (auth) => {
    const base = checkBaseUrl(
      options.baseUrl ?? firstSet(env, EnvVars.baseUrl) ?? Defaults.baseUrl,
      options.allowInsecureHttp === true,
    )
    const retry = options.retry ?? {}
    return {
      baseUrl: base.url,
      baseUrlProblem: base.problem,
      auth,
      timeoutMillis: millis(options.timeout, Defaults.timeout),
      retry: {
        maxAttempts: positiveInt(retry.maxAttempts, Defaults.maxAttempts),
        initialDelayMillis: millis(retry.initialDelay, Defaults.initialDelay),
        maxDelayMillis: millis(retry.maxDelay, Defaults.maxDelay),
        retryAfterCapMillis: millis(retry.retryAfterCap, Defaults.retryAfterCap),
      },
      maxConnections: positiveInt(options.maxConnections, Defaults.maxConnections),
      maxResponseBytes: positiveInt(options.maxResponseBytes, Defaults.maxResponseBytes),
    }
  })
}
