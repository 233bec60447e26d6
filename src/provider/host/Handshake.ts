/**
 * go-plugin's handshake, as Terraform speaks it: the magic cookie that tells
 * a plugin it was started by Terraform, and the one line on stdout that tells
 * Terraform where the plugin listens and which certificate to trust.
 *
 * @since 0.1.0
 */

/**
 * The cookie Terraform sets for every provider plugin it starts.
 *
 * @since 0.1.0
 * @category constants
 */
export const MagicCookie = {
  key: "TF_PLUGIN_MAGIC_COOKIE",
  value: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
} as const

/**
 * go-plugin's own protocol version, and the Terraform plugin protocol we speak.
 *
 * @since 0.1.0
 * @category constants
 */
export const ProtocolVersions = { core: 1, app: 6 } as const

/**
 * Whether Terraform started this process.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasMagicCookie = (env: Readonly<Record<string, string | undefined>>): boolean =>
  env[MagicCookie.key] === MagicCookie.value

/**
 * What a person who runs the executable by hand reads (go-plugin servers say
 * much the same, and exit 1).
 *
 * @since 0.1.0
 * @category constants
 */
export const NotStartedByTerraform = `This binary is a plugin. These are not meant to be executed directly.
It is the Terraform provider registry.terraform.io/atlas-flex/mongodbatlas, started by Terraform itself.
To use it, point Terraform at its directory with a dev_overrides block in a CLI configuration file:

  provider_installation {
    dev_overrides {
      "registry.terraform.io/atlas-flex/mongodbatlas" = "<directory holding terraform-provider-mongodbatlas>"
    }
    direct {}
  }

then set TF_CLI_CONFIG_FILE to that file and run terraform plan.
`

/**
 * Whether Terraform offered protocol 6 (`PLUGIN_PROTOCOL_VERSIONS`, e.g. "5,6").
 * An absent variable counts as offered, as go-plugin does.
 *
 * @since 0.1.0
 * @category predicates
 */
export const offersProtocol6 = (env: Readonly<Record<string, string | undefined>>): boolean => {
  const offered = env["PLUGIN_PROTOCOL_VERSIONS"]
  return offered === undefined || offered.trim() === "" || offered.split(",").some((v) => v.trim() === "6")
}

/**
 * The handshake line. The certificate is base64 WITHOUT `=` padding (Go's
 * `RawStdEncoding`): with padding Terraform fails "illegal base64 data".
 *
 * @since 0.1.0
 * @category encoding
 */
export const handshakeLine = (address: { readonly host: string; readonly port: number }, certificateDer?: Uint8Array) =>
  [
    ProtocolVersions.core,
    ProtocolVersions.app,
    "tcp",
    `${address.host}:${address.port}`,
    "grpc",
    ...(certificateDer === undefined ? [] : [Buffer.from(certificateDer).toString("base64").replace(/=+$/, "")]),
  ].join("|") + "\n"
