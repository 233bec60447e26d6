/**
 * go-plugin's handshake: the magic cookie that tells a plugin its host
 * started it, and the one line on stdout that tells the host where the
 * plugin listens, which protocol it speaks and which certificate to trust.
 * The cookie and the application's protocol version belong to the
 * application (Terraform's are in `../tfplugin6/TerraformHandshake.ts`).
 *
 * @since 0.1.0
 */

/**
 * The environment variable a host sets, and its value.
 *
 * @since 0.1.0
 * @category models
 */
export interface MagicCookie {
  readonly key: string
  readonly value: string
}

/**
 * go-plugin's own protocol version, the first field of the handshake line.
 *
 * @since 0.1.0
 * @category constants
 */
export const CoreProtocolVersion = 1

/**
 * Whether the host that knows `cookie` started this process.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasMagicCookie = (env: Readonly<Record<string, string | undefined>>, cookie: MagicCookie): boolean =>
  env[cookie.key] === cookie.value

/**
 * Whether the host offered application protocol `version`
 * (`PLUGIN_PROTOCOL_VERSIONS`, e.g. "5,6"). An absent variable counts as
 * offered, as go-plugin does.
 *
 * @since 0.1.0
 * @category predicates
 */
export const offersProtocol = (env: Readonly<Record<string, string | undefined>>, version: number): boolean => {
  const offered = env["PLUGIN_PROTOCOL_VERSIONS"]
  return offered === undefined || offered.trim() === "" || offered.split(",").some((v) => v.trim() === String(version))
}

/**
 * The handshake line. The certificate is base64 WITHOUT `=` padding (Go's
 * `RawStdEncoding`): with padding Terraform fails "illegal base64 data".
 *
 * @since 0.1.0
 * @category encoding
 */
export const handshakeLine = (
  address: { readonly host: string; readonly port: number },
  appProtocolVersion: number,
  certificateDer?: Uint8Array,
): string =>
  [
    CoreProtocolVersion,
    appProtocolVersion,
    "tcp",
    `${address.host}:${address.port}`,
    "grpc",
    ...(certificateDer === undefined ? [] : [Buffer.from(certificateDer).toString("base64").replace(/=+$/, "")]),
  ].join("|") + "\n"
