/**
 * The plugin's TLS identity: a fresh ECDSA P-256 key from `node:crypto` and a
 * self-signed X.509 v3 certificate written in DER by hand. Terraform trusts
 * exactly the certificate the handshake line carries and checks it for the
 * name `localhost`, so the certificate needs `subjectAltName DNS:localhost`
 * and, if it has an extended key usage, `serverAuth`.
 *
 * @since 0.1.0
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto"
import { Der } from "./Der.js"

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  organizationName: "2.5.4.10",
  commonName: "2.5.4.3",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const

/**
 * A certificate and its key, in the forms the handshake and the TLS server need.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServerCertificate {
  /** The certificate in DER: the handshake line carries it in base64. */
  readonly der: Buffer
  readonly certPem: string
  readonly keyPem: string
}

/**
 * Options of `makeServerCertificate`, for tests.
 *
 * @since 0.1.0
 * @category models
 */
export interface CertificateOptions {
  /** @default the current time */
  readonly now?: Date
  /** How long the certificate stays valid. @default 1 year */
  readonly lifetimeMillis?: number
}

const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString("base64")
    .replace(/.{64}/g, "$&\n")
    .replace(/\n?$/, "\n")}-----END ${label}-----\n`

const extension = (oid: string, critical: boolean, value: Buffer): Buffer =>
  Der.sequence(Der.oid(oid), ...(critical ? [Der.boolean(true)] : []), Der.octetString(value))

/**
 * Makes a fresh key and a self-signed certificate for `localhost`
 * (about 2 ms: no module beyond `node:crypto`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeServerCertificate = (options: CertificateOptions = {}): ServerCertificate => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
  const now = options.now ?? new Date()
  // Tolerate a little clock skew between the plugin and Terraform.
  const notBefore = new Date(now.getTime() - 5 * 60_000)
  const notAfter = new Date(now.getTime() + (options.lifetimeMillis ?? 365 * 24 * 3600_000))
  const name = Der.sequence(
    Der.set(Der.sequence(Der.oid(OID.organizationName), Der.utf8String("atlas-flex-restore"))),
    Der.set(Der.sequence(Der.oid(OID.commonName), Der.utf8String("localhost"))),
  )
  const algorithm = Der.sequence(Der.oid(OID.ecdsaWithSha256))
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const tbs = Der.sequence(
    Der.explicit(0, Der.smallInteger(2)), // v3
    Der.unsignedInteger(serial),
    algorithm,
    name,
    Der.sequence(Der.time(notBefore), Der.time(notAfter)),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    Der.explicit(
      3,
      Der.sequence(
        extension(OID.keyUsage, true, Der.namedBits([0])), // digitalSignature
        extension(OID.extKeyUsage, false, Der.sequence(Der.oid(OID.serverAuth))),
        extension(OID.basicConstraints, true, Der.sequence()),
        extension(OID.subjectAltName, false, Der.sequence(Der.implicitPrimitive(2, Buffer.from("localhost", "ascii")))),
      ),
    ),
  )
  const signature = sign("sha256", tbs, { key: privateKey, dsaEncoding: "der" })
  const der = Der.sequence(tbs, algorithm, Der.bitString(signature))
  return {
    der,
    certPem: pem("CERTIFICATE", der),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  }
}
