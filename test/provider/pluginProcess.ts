/**
 * Test helpers: the plugin bundled fresh from source into a temporary package
 * (the repository's own `bin/terraform-provider-mongodbatlas` beside a
 * `dist/provider/` bundle), a client certificate like Terraform's, the
 * plugin started as Terraform starts it, and gRPC clients over mutual TLS.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as grpc from "@grpc/grpc-js"
import { terraformClientCertificate } from "../../bench/opensslCertificate.js"
import { bundleProvider } from "../../scripts/bundle-provider.js"
import {
  controllerDefinition,
  GoPluginServiceNames,
  healthDefinition,
} from "../../src/provider/host/GoPluginServices.js"
import { DATA_SOURCE_TYPE } from "../../src/datasource/schema.js"
import { EmulatorSeed } from "../../src/emulator/seed.js"
import type { ServiceDefinition } from "../../src/provider/host/GrpcServer.js"
import { serviceDefinition, ServiceName } from "../../src/provider/tfplugin6/Protocol.js"
import { TerraformMagicCookie as MagicCookie } from "../../src/provider/tfplugin6/TerraformHandshake.js"
import { dataConfig, providerBlock } from "./values.js"

export const repoRoot = resolve(import.meta.dirname, "../..")

export interface BuiltPlugin {
  readonly dir: string
  /** The directory holding the executable, for `dev_overrides`. */
  readonly binDir: string
  readonly bin: string
  readonly cleanup: () => void
}

/** Bundles the plugin from the current source into a fresh temporary package. */
export const buildPlugin = async (): Promise<BuiltPlugin> => {
  const dir = mkdtempSync(join(tmpdir(), "atlas-provider-"))
  await bundleProvider({ root: repoRoot, outdir: join(dir, "dist", "provider") })
  const binDir = join(dir, "bin")
  mkdirSync(binDir)
  const bin = join(binDir, "terraform-provider-mongodbatlas")
  copyFileSync(join(repoRoot, "bin", "terraform-provider-mongodbatlas"), bin)
  chmodSync(bin, 0o755)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }))
  return { dir, binDir, bin, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface KeyPair {
  readonly certPem: string
  readonly keyPem: string
}

/** A certificate like the one Terraform passes: ECDSA P-521, self-signed, SAN localhost. */
export const clientCertificate: (dir: string, name?: string) => KeyPair = terraformClientCertificate

export const terraformEnv = (client: KeyPair, extra: Record<string, string> = {}): Record<string, string> => ({
  PATH: process.env["PATH"] ?? "",
  HOME: process.env["HOME"] ?? "",
  [MagicCookie.key]: MagicCookie.value,
  PLUGIN_PROTOCOL_VERSIONS: "5,6",
  PLUGIN_MIN_PORT: "10000",
  PLUGIN_MAX_PORT: "25000",
  PLUGIN_CLIENT_CERT: client.certPem,
  ...extra,
})

export interface Handshake {
  readonly line: string
  readonly port: number
  readonly serverCertPem: string
}

export interface RunningPlugin {
  readonly child: ChildProcess
  readonly handshake: Promise<Handshake>
  readonly stdout: () => string
  readonly stderr: () => string
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

export const parseHandshake = (line: string): Handshake => {
  const fields = line.split("|")
  const der = Buffer.from(fields[5] ?? "", "base64")
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n")
  return {
    line,
    port: Number(fields[3]!.split(":")[1]),
    serverCertPem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`.replace("\n\n", "\n"),
  }
}

export const startPlugin = (
  bin: string,
  env: Record<string, string>,
  options: { stdin?: "ignore" | "pipe"; args?: Array<string> } = {},
): RunningPlugin => {
  const child = spawn(bin, options.args ?? [], { env, stdio: [options.stdin ?? "ignore", "pipe", "pipe"] })
  let out = ""
  let err = ""
  child.stdout!.setEncoding("utf8")
  child.stderr!.setEncoding("utf8")
  child.stderr!.on("data", (d: string) => (err += d))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  )
  const handshake = new Promise<Handshake>((resolve, reject) => {
    child.stdout!.on("data", (d: string) => {
      out += d
      if (out.includes("\n")) resolve(parseHandshake(out.slice(0, out.indexOf("\n"))))
    })
    void exit.then(({ code }) => reject(new Error(`plugin exited (${code}) before the handshake: ${err}`)))
  })
  handshake.catch(() => {})
  return { child, handshake, stdout: () => out, stderr: () => err, exit }
}

type Call = (request: object) => Promise<any>

export interface Clients {
  readonly provider: Record<string, Call>
  readonly controller: Record<string, Call>
  readonly health: Record<string, Call>
  readonly close: () => void
}

/** gRPC clients of the three services; `client` undefined connects without a client certificate. */
export const connect = (handshake: Handshake, client: KeyPair | undefined): Clients => {
  const credentials = grpc.credentials.createSsl(
    Buffer.from(handshake.serverCertPem),
    client ? Buffer.from(client.keyPem) : null,
    client ? Buffer.from(client.certPem) : null,
  )
  const options = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" }
  const open = (name: string, definition: ServiceDefinition) => {
    const Ctor = grpc.makeGenericClientConstructor(definition, name)
    const c = new Ctor(`127.0.0.1:${handshake.port}`, credentials, options) as unknown as Record<
      string,
      (req: object, opts: object, cb: (e: Error | null, r: unknown) => void) => void
    > &
      grpc.Client
    const calls: Record<string, Call> = {}
    for (const method of Object.keys(definition)) {
      calls[method] = (request) =>
        new Promise((resolve, reject) =>
          c[method]!(request, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))),
        )
    }
    return { calls, c }
  }
  const p = open(ServiceName, serviceDefinition())
  const ctl = open(GoPluginServiceNames.controller, controllerDefinition)
  const h = open(GoPluginServiceNames.health, healthDefinition)
  return {
    provider: p.calls,
    controller: ctl.calls,
    health: h.calls,
    close: () => [p, ctl, h].forEach((x) => x.c.close()),
  }
}

/** What one plugin process answered to ConfigureProvider and one ReadDataSource, and what it wrote on stderr. */
export interface ConfiguredRead {
  readonly configured: any
  readonly read: any
  readonly stderr: string
}

/**
 * Starts the plugin `bin` as Terraform would (with `env` added), configures it for `baseUrl` with an access token,
 * reads the seeded completed job once, and stops it.
 */
export const configureAndRead = async (
  bin: string,
  client: KeyPair,
  baseUrl: string,
  env: Record<string, string> = {},
  options: { args?: Array<string> } = {},
): Promise<ConfiguredRead> => {
  const p = startPlugin(bin, terraformEnv(client, env), options)
  const clients = connect(await p.handshake, client)
  let answers: Omit<ConfiguredRead, "stderr">
  try {
    const configured = await clients.provider["ConfigureProvider"]!({
      config: providerBlock({ access_token: "token-for-https", base_url: baseUrl }),
    })
    const read = await clients.provider["ReadDataSource"]!({
      type_name: DATA_SOURCE_TYPE,
      config: dataConfig({
        project_id: EmulatorSeed.groupId,
        name: EmulatorSeed.clusterName,
        restore_job_id: EmulatorSeed.jobs.completed,
      }),
    })
    answers = { configured, read }
  } finally {
    clients.close()
    p.child.kill("SIGTERM")
    await p.exit
  }
  return { ...answers, stderr: p.stderr() }
}
