/**
 * The provider block's attributes turned into options of the service layer.
 * Credentials set completely in the provider block win, in the service's
 * order (access token, service account, API key); otherwise each attribute
 * falls back to its environment variable and the service picks the mode from
 * the merged values, as the official provider does. An attribute that is not
 * yet known (a provider block built from a resource) counts as unset.
 *
 * @since 0.1.0
 */
import { EnvVars, secretsInEnv } from "../../atlas/AtlasConfig.js"
import type { AtlasClientOptions } from "../../atlas/AtlasConfig.js"
import { basicCredential } from "../../atlas/maskSecrets.js"

/**
 * The provider block's attributes that are known and non-empty.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProviderSettings {
  readonly base_url?: string
  readonly public_key?: string
  readonly private_key?: string
  readonly client_id?: string
  readonly client_secret?: string
  readonly access_token?: string
}

type Env = Readonly<Record<string, string | undefined>>

const envNames: Record<keyof ProviderSettings, ReadonlyArray<string>> = {
  base_url: EnvVars.baseUrl,
  public_key: EnvVars.publicKey,
  private_key: EnvVars.privateKey,
  client_id: EnvVars.clientId,
  client_secret: EnvVars.clientSecret,
  access_token: EnvVars.accessToken,
}

/**
 * The options of the service layer for these settings, over `env`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toClientOptions = (settings: ProviderSettings, env: Env): AtlasClientOptions => {
  const s = settings
  const auth: AtlasClientOptions["auth"] | undefined = s.access_token
    ? { accessToken: s.access_token }
    : s.client_id && s.client_secret
      ? { clientId: s.client_id, clientSecret: s.client_secret }
      : s.public_key && s.private_key
        ? { publicKey: s.public_key, privateKey: s.private_key }
        : undefined
  // Half a pair (or nothing) in the block: merge attribute by attribute with
  // the environment, putting each configured value first in its variable chain.
  const merged: Record<string, string | undefined> = { ...env }
  if (auth === undefined) {
    for (const key of ["public_key", "private_key", "client_id", "client_secret"] as const) {
      const value = s[key]
      if (value) merged[envNames[key][0]!] = value
    }
  }
  return {
    env: merged,
    ...(s.base_url ? { baseUrl: s.base_url } : {}),
    ...(auth === undefined ? {} : { auth }),
  }
}

/**
 * Every secret these settings and the environment hold, for masking.
 *
 * @since 0.1.0
 * @category redaction
 */
export const secretsOf = (settings: ProviderSettings, env: Env): ReadonlyArray<string> => {
  const configured = [settings.private_key, settings.client_secret, settings.access_token]
  // The client id and secret paired as the service pairs them: both in the block, or merged with the environment.
  const pair =
    settings.client_id && settings.client_secret ? [basicCredential(settings.client_id, settings.client_secret)] : []
  const merged = toClientOptions(settings, env).env ?? env
  const secrets = [...configured.filter((value): value is string => !!value), ...pair]
  return [...new Set([...secrets, ...secretsInEnv(env), ...secretsInEnv(merged)])]
}
