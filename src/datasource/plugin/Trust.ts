/**
 * What the plugin's Atlas client trusts. The launcher
 * (`bin/terraform-provider-mongodbatlas`) starts Node with `--use-openssl-ca`,
 * which spares every start the parsing of Node's bundled root store, and
 * hands `NODE_EXTRA_CA_CERTS` over as `ATLAS_PROVIDER_EXTRA_CA_CERTS`, which
 * spares parsing that file. The Atlas client, the plugin's only outbound TLS,
 * is then given explicitly what Node trusts by default: its bundled roots plus
 * the extra certificates.
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { rootCertificates } from "node:tls"

/**
 * The variables the launcher sets.
 *
 * @since 0.1.0
 * @category constants
 */
export const LauncherEnv = {
  /** `1` when the launcher chose OpenSSL's store for start-up speed. */
  bundledCa: "ATLAS_PROVIDER_BUNDLED_CA",
  /** The `NODE_EXTRA_CA_CERTS` file the launcher took over. */
  extraCaCerts: "ATLAS_PROVIDER_EXTRA_CA_CERTS",
} as const

const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

/**
 * The certificates (PEM) the Atlas client must trust, or `undefined` for
 * Node's default store (the launcher did not change it). An unreadable extra
 * file is reported through `warn` and skipped, as Node does with
 * `NODE_EXTRA_CA_CERTS`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const atlasTrust = (
  env: Readonly<Record<string, string | undefined>>,
  warn: (message: string) => void,
): ReadonlyArray<string> | undefined => {
  if (env[LauncherEnv.bundledCa] !== "1") return undefined
  const file = env[LauncherEnv.extraCaCerts]
  if (!file) return rootCertificates
  let extra: ReadonlyArray<string> = []
  try {
    extra = readFileSync(file, "utf8").match(certificateBlock) ?? []
    if (extra.length === 0) warn(`Ignoring extra certs from ${file}: it holds no PEM certificate`)
  } catch (error) {
    warn(`Ignoring extra certs from ${file}: ${error instanceof Error ? error.message : String(error)}`)
  }
  return [...rootCertificates, ...extra]
}
