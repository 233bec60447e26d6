/**
 * Self-signed certificates made by the `openssl` CLI, for the bench and the
 * tests: an implementation independent of the plugin's own (`Der.ts`), such
 * as Terraform's client certificate or an https server's.
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"

/**
 * @since 0.1.0
 * @category models
 */
export interface OpensslCertificate {
  readonly certPem: string
  readonly keyPem: string
  readonly certFile: string
  readonly keyFile: string
}

/**
 * An ECDSA key and a self-signed certificate for it, written to
 * `dir/<name>.pem` and `dir/<name>.key`, valid for a day.
 *
 * @since 0.1.0
 * @category constructors
 */
export const opensslCertificate = (
  dir: string,
  name: string,
  options: { readonly curve: "P-256" | "P-521"; readonly subject: string; readonly subjectAltName: string },
): OpensslCertificate => {
  const certFile = join(dir, `${name}.pem`)
  const keyFile = join(dir, `${name}.key`)
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", `ec_paramgen_curve:${options.curve}`, "-nodes", "-days", "1"].concat([
      "-subj",
      options.subject,
      "-addext",
      `subjectAltName=${options.subjectAltName}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]),
    { stdio: "pipe" },
  )
  return { certPem: readFileSync(certFile, "utf8"), keyPem: readFileSync(keyFile, "utf8"), certFile, keyFile }
}

/**
 * A certificate like the one Terraform passes in `PLUGIN_CLIENT_CERT`: ECDSA
 * P-521, self-signed, SAN localhost.
 *
 * @since 0.1.0
 * @category constructors
 */
export const terraformClientCertificate = (dir: string, name = "client"): OpensslCertificate =>
  opensslCertificate(dir, name, {
    curve: "P-521",
    subject: "/O=HashiCorp/CN=localhost",
    subjectAltName: "DNS:localhost",
  })
