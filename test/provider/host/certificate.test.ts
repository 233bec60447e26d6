import { execFileSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tls from "node:tls"
import { afterAll, describe, expect, it } from "vitest"
import { makeServerCertificate } from "../../../src/provider/host/Certificate.js"
import { Der } from "../../../src/provider/host/Der.js"
import { handshakeLine, hasMagicCookie, offersProtocol } from "../../../src/provider/host/Handshake.js"
import { TerraformMagicCookie as MagicCookie } from "../../../src/provider/tfplugin6/TerraformHandshake.js"

const dir = mkdtempSync(join(tmpdir(), "provider-cert-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const openssl = (...args: Array<string>) => execFileSync("openssl", args, { encoding: "utf8", stdio: "pipe" })

describe("Der", () => {
  it("encodes lengths in short and long form", () => {
    expect(Der.octetString(Buffer.alloc(3)).subarray(0, 2)).toEqual(Buffer.from([0x04, 3]))
    expect(Der.octetString(Buffer.alloc(127)).subarray(0, 2)).toEqual(Buffer.from([0x04, 127]))
    expect(Der.octetString(Buffer.alloc(128)).subarray(0, 3)).toEqual(Buffer.from([0x04, 0x81, 128]))
    expect(Der.octetString(Buffer.alloc(200)).subarray(0, 3)).toEqual(Buffer.from([0x04, 0x81, 200]))
    expect(Der.octetString(Buffer.alloc(300)).subarray(0, 4)).toEqual(Buffer.from([0x04, 0x82, 0x01, 0x2c]))
  })
  it("encodes integers minimally and never negative", () => {
    expect(Der.unsignedInteger(Buffer.from([0, 0, 5]))).toEqual(Buffer.from([0x02, 1, 5]))
    expect(Der.unsignedInteger(Buffer.from([0x80]))).toEqual(Buffer.from([0x02, 2, 0, 0x80]))
    expect(Der.smallInteger(2)).toEqual(Buffer.from([0x02, 1, 2]))
  })
  it("encodes object identifiers in base 128", () => {
    // 1.2.840.10045.4.3.2 (ecdsa-with-SHA256), a known encoding
    expect(Der.oid("1.2.840.10045.4.3.2").toString("hex")).toBe("06082a8648ce3d040302")
  })
  it("switches from UTCTime to GeneralizedTime in 2050", () => {
    expect(Der.time(new Date("2049-12-31T23:59:59Z")).toString("latin1")).toBe("\x17\x0d491231235959Z")
    expect(Der.time(new Date("2050-01-01T00:00:00Z")).toString("latin1")).toBe("\x18\x0f20500101000000Z")
  })
})

describe("makeServerCertificate", () => {
  const cert = makeServerCertificate()
  const certFile = join(dir, "server.pem")
  writeFileSync(certFile, cert.certPem)

  it("is a certificate openssl reads, for localhost, for server authentication", () => {
    const text = openssl("x509", "-in", certFile, "-noout", "-text")
    expect(text).toContain("Version: 3 (0x2)")
    expect(text).toContain("Signature Algorithm: ecdsa-with-SHA256")
    expect(text).toContain("DNS:localhost")
    expect(text).toMatch(/Extended Key Usage:\s*\n\s*TLS Web Server Authentication/)
    expect(text).toContain("NIST CURVE: P-256")
  })

  it("names atlas-flex-restore's localhost, and marks key usage and basic constraints critical, as Go's crypto/tls reads them", () => {
    // A certificate made inside the test.
    const own = join(dir, "own.pem")
    writeFileSync(own, makeServerCertificate().certPem)
    const text = openssl("x509", "-in", own, "-noout", "-text")
    expect(text).toMatch(/Issuer: O ?= ?atlas-flex-restore, CN ?= ?localhost\n/)
    expect(text).toMatch(/Subject: O ?= ?atlas-flex-restore, CN ?= ?localhost\n/)
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s*Digital Signature\n/)
    expect(text).toMatch(/X509v3 Extended Key Usage: ?\n\s*TLS Web Server Authentication\n/)
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s*CA:FALSE\n/)
    expect(text).toMatch(/X509v3 Subject Alternative Name: ?\n\s*DNS:localhost\n/)
  })

  it("is PEM of 64-character lines, the last one ended too", () => {
    const body = "[A-Za-z0-9+/=]"
    const pem = new RegExp(`^-----BEGIN CERTIFICATE-----\n(${body}{64}\n)*${body}{1,64}\n-----END CERTIFICATE-----\n$`)
    // Today's certificate is mostly 576 base64 characters, 9 whole lines; from 2050 its times are GeneralizedTime,
    // 2 bytes longer each, and its last line is mostly a short one (a key or signature a few bytes shorter can make
    // it whole again, so the short case is asked of one of ten, not of each).
    for (const now of [undefined, new Date("2051-06-01T00:00:00Z")]) {
      const lastLines: Array<number> = []
      for (let i = 0; i < 10; i++) {
        const certificate = makeServerCertificate({ ...(now ? { now } : {}) })
        expect(certificate.certPem).toMatch(pem)
        lastLines.push(certificate.der.toString("base64").length % 64)
      }
      if (now)
        expect(
          lastLines.some((length) => length !== 0),
          `last lines ${lastLines.join(" ")}`,
        ).toBe(true)
    }
  })

  it("verifies as a trust anchor of itself, for the sslserver purpose", () => {
    expect(openssl("verify", "-purpose", "sslserver", "-CAfile", certFile, certFile).trim()).toBe(`${certFile}: OK`)
  })

  it("matches its key: a TLS client that trusts only it connects to localhost", async () => {
    const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.end("hello"))
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const port = (server.address() as { port: number }).port
    try {
      const received = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: cert.certPem }, () => {
          socket.setEncoding("utf8")
          let data = ""
          socket.on("data", (d) => (data += d))
          socket.on("end", () => resolve(data))
        })
        socket.on("error", reject)
      })
      expect(received).toBe("hello")
      // And refuses any other name: the SAN is what Terraform checks.
      await expect(
        new Promise((resolve, reject) => {
          const socket = tls.connect({ host: "127.0.0.1", port, servername: "example.com", ca: cert.certPem }, () =>
            resolve(socket.end()),
          )
          socket.on("error", reject)
        }),
      ).rejects.toThrow(/localhost|altname|Hostname/i)
    } finally {
      server.close()
    }
  })

  it("is valid from a little before now, for a year", () => {
    const now = new Date("2030-01-01T00:00:00Z")
    const file = join(dir, "dated.pem")
    writeFileSync(file, makeServerCertificate({ now }).certPem)
    const dates = openssl("x509", "-in", file, "-noout", "-startdate", "-enddate")
    expect(dates).toContain("notBefore=Dec 31 23:55:00 2029 GMT")
    expect(dates).toContain("notAfter=Jan  1 00:00:00 2031 GMT")
  })
})

describe("handshakeLine", () => {
  it("writes the certificate in base64 without padding, whatever its length", () => {
    const residues = new Set<number>()
    for (let i = 0; i < 60 && residues.size < 3; i++) {
      const { der } = makeServerCertificate()
      residues.add(der.length % 3)
      const line = handshakeLine({ host: "127.0.0.1", port: 1234 }, 6, der)
      expect(line.endsWith("\n")).toBe(true)
      const fields = line.trimEnd().split("|")
      expect(fields.slice(0, 5)).toEqual(["1", "6", "tcp", "127.0.0.1:1234", "grpc"])
      expect(fields[5]).toMatch(/^[A-Za-z0-9+/]+$/)
      expect(Buffer.from(fields[5]!, "base64")).toEqual(der)
    }
    // Lengths 0, 1 and 2 mod 3: no padding, "==" and "=" in standard base64.
    expect([...residues].sort()).toEqual([0, 1, 2])
  })

  it("has no certificate field in plaintext mode", () => {
    expect(handshakeLine({ host: "127.0.0.1", port: 9 }, 6)).toBe("1|6|tcp|127.0.0.1:9|grpc\n")
  })
})

describe("the magic cookie and protocol", () => {
  it("accepts only Terraform's cookie", () => {
    expect(hasMagicCookie({ [MagicCookie.key]: MagicCookie.value }, MagicCookie)).toBe(true)
    expect(hasMagicCookie({ [MagicCookie.key]: "nope" }, MagicCookie)).toBe(false)
    expect(hasMagicCookie({}, MagicCookie)).toBe(false)
  })
  it("needs protocol 6 among those offered", () => {
    expect(offersProtocol({ PLUGIN_PROTOCOL_VERSIONS: "5,6" }, 6)).toBe(true)
    expect(offersProtocol({ PLUGIN_PROTOCOL_VERSIONS: "5" }, 6)).toBe(false)
    expect(offersProtocol({}, 6)).toBe(true)
  })
})
