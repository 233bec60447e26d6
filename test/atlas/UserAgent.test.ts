/**
 * The version and `User-Agent` sent to Atlas: package.json's version from the
 * sources, the build-time constant when a bundle defines it, `0.0.0` when the
 * package cannot be read. Each test loads the module afresh (its result is
 * cached per module instance).
 */
import { readFileSync } from "node:fs"
import { afterEach, describe, expect, it, vi } from "vitest"

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version
const fresh = async () => {
  vi.resetModules()
  return import("../../src/atlas/UserAgent.js")
}
const g = globalThis as { __ATLAS_FLEX_RESTORE_VERSION__?: unknown }

afterEach(() => {
  delete g.__ATLAS_FLEX_RESTORE_VERSION__
  vi.doUnmock("node:module")
  vi.resetModules()
})

describe("UserAgent", () => {
  it("names the package's version, Node, the platform and the architecture, the same on every call", async () => {
    const { packageVersion, userAgent } = await fresh()
    expect(version).toMatch(/^\d+\.\d+\.\d+/)
    expect(packageVersion()).toBe(version)
    const expected = `atlas-flex-restore/${version} (Node ${process.versions.node}; ${process.platform} ${process.arch})`
    expect(userAgent()).toBe(expected)
    expect(userAgent()).toBe(expected)
  })

  it("takes the version a bundle wrote in at build time", async () => {
    g.__ATLAS_FLEX_RESTORE_VERSION__ = "9.8.7-bundled"
    const { packageVersion, userAgent } = await fresh()
    expect(packageVersion()).toBe("9.8.7-bundled")
    expect(userAgent()).toMatch(/^atlas-flex-restore\/9\.8\.7-bundled \(Node /)
  })

  it("ignores a build-time constant that is not a string", async () => {
    g.__ATLAS_FLEX_RESTORE_VERSION__ = 5
    const { packageVersion } = await fresh()
    expect(packageVersion()).toBe(version)
  })

  it("says 0.0.0 when package.json cannot be read", async () => {
    vi.doMock("node:module", () => ({
      createRequire: () => () => {
        throw new Error("Cannot find module 'atlas-flex-restore/package.json'")
      },
    }))
    const { packageVersion } = await fresh()
    expect(packageVersion()).toBe("0.0.0")
  })

  it("says 0.0.0 when package.json has no string version", async () => {
    vi.doMock("node:module", () => ({ createRequire: () => () => ({ version: 1 }) }))
    const { packageVersion } = await fresh()
    expect(packageVersion()).toBe("0.0.0")
  })
})
