/**
 * An https server on 127.0.0.1 with a fresh self-signed certificate made by
 * openssl (bench/opensslCertificate.ts): the stand-in for Atlas or a release
 * mirror when a test needs TLS.
 */
import type { RequestListener } from "node:http"
import { createServer } from "node:https"
import type { Server } from "node:https"
import { opensslCertificate } from "../bench/opensslCertificate.js"
import type { OpensslCertificate } from "../bench/opensslCertificate.js"

export interface TlsServer {
  readonly server: Server
  /** `https://127.0.0.1:<port>`. */
  readonly url: string
  /** The server's certificate, its own authority (`certFile` is what NODE_EXTRA_CA_CERTS or `ca` would name). */
  readonly certificate: OpensslCertificate
  /** Closes the server and its open connections. */
  readonly close: () => Promise<void>
}

/** Serves `handler` over TLS on a free port, with a certificate for IP 127.0.0.1 written to `dir/<name>.pem`. */
export const serveTls = async (dir: string, name: string, handler: RequestListener): Promise<TlsServer> => {
  const certificate = opensslCertificate(dir, name, {
    curve: "P-256",
    subject: "/CN=127.0.0.1",
    subjectAltName: "IP:127.0.0.1",
  })
  const server = createServer({ key: certificate.keyPem, cert: certificate.certPem }, handler)
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return {
    server,
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}`,
    certificate,
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
