import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { rootCertificates } from "node:tls"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { atlasTrust, LauncherEnv } from "../../../src/datasource/plugin/Trust.js"
import { loadFresh } from "../../fresh.js"

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "atlas-trust-"))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A `warn` that records what it hears. */
const recorder = () => {
  const warnings: Array<string> = []
  return { warnings, warn: (message: string) => void warnings.push(message) }
}

const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const [first, second] = rootCertificates as unknown as [string, string]

describe("atlasTrust", () => {
  it("names the launcher's variables", () => {
    expect(LauncherEnv).toEqual({
      bundledCa: "ATLAS_PROVIDER_BUNDLED_CA",
      extraCaCerts: "ATLAS_PROVIDER_EXTRA_CA_CERTS",
    })
  })

  it("leaves Node's default store unless the launcher says exactly 1, whatever the extra file", () => {
    const { warnings, warn } = recorder()
    const extra = file("ignored.pem", first)
    for (const flag of [undefined, "", "0", "true", " 1", "11"]) {
      expect(atlasTrust({ [LauncherEnv.bundledCa]: flag, [LauncherEnv.extraCaCerts]: extra }, warn)).toBeUndefined()
    }
    expect(warnings).toEqual([])
  })

  it("trusts exactly Node's bundled roots when no extra file (or an empty name) is given", () => {
    const { warnings, warn } = recorder()
    expect(atlasTrust({ [LauncherEnv.bundledCa]: "1" }, warn)).toBe(rootCertificates)
    expect(atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: "" }, warn)).toBe(rootCertificates)
    expect(warnings).toEqual([])
  })

  it("adds each PEM block of the extra file after the roots, without the text around them", () => {
    const { warnings, warn } = recorder()
    const extra = file("two.pem", `# first\n${first}\nbetween\n${second}\ntrailing words\n`)
    const trusted = atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: extra }, warn)!
    expect(trusted).toEqual([...rootCertificates, first.trim(), second.trim()])
    expect(trusted).not.toBe(rootCertificates)
    expect(warnings).toEqual([])
  })

  it("warns about a file without any certificate and trusts the roots only", () => {
    const { warnings, warn } = recorder()
    const extra = file("none.pem", "no certificate here\n-----BEGIN CERTIFICATE-----\n")
    const trusted = atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: extra }, warn)
    expect(trusted).toEqual([...rootCertificates])
    expect(warnings).toEqual([`Ignoring extra certs from ${extra}: it holds no PEM certificate`])
  })

  it("warns with the reading error about an unreadable file, as Node does, and trusts the roots only", () => {
    const { warnings, warn } = recorder()
    const missing = join(dir, "missing.pem")
    const trusted = atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: missing }, warn)
    expect(trusted).toEqual([...rootCertificates])
    expect(warnings).toEqual([
      `Ignoring extra certs from ${missing}: ENOENT: no such file or directory, open '${missing}'`,
    ])
    // A directory is no file either.
    const { warnings: more, warn: warnMore } = recorder()
    expect(atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: dir }, warnMore)).toEqual([
      ...rootCertificates,
    ])
    expect(more).toEqual([`Ignoring extra certs from ${dir}: EISDIR: illegal operation on a directory, read`])
  })
})

describe("Trust loaded afresh (its module-level PEM pattern evaluated inside the test)", () => {
  it("finds each PEM block of the extra file, and only them", async () => {
    const fresh = await loadFresh<typeof import("../../../src/datasource/plugin/Trust.js")>(
      new URL("../../../src/datasource/plugin/Trust.ts", import.meta.url),
    )
    expect(fresh.atlasTrust).not.toBe(atlasTrust)
    const { warnings, warn } = recorder()
    const extra = file("fresh.pem", `# first\n${first}\nbetween\n${second}\ntrailing words\n`)
    expect(fresh.atlasTrust({ [LauncherEnv.bundledCa]: "1", [LauncherEnv.extraCaCerts]: extra }, warn)).toEqual([
      ...rootCertificates,
      first.trim(),
      second.trim(),
    ])
    expect(warnings).toEqual([])
  })
})
