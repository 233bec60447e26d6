/**
 * The plugin's start-up bundle: every start loads `plugin.cjs`, and two of
 * the three starts per plan only answer the schema and validation, so it
 * must hold no Effect module; Effect and the service are in `reader.cjs`,
 * loaded by the start that configures and reads.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bundleProvider } from "../../scripts/bundle-provider.js"
import { repoRoot } from "./pluginProcess.js"

let dir: string
let inputsOf: (bundle: string) => ReadonlyArray<string>

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "provider-bundle-"))
  const metafile = await bundleProvider({ root: repoRoot, outdir: dir, codeCache: false })
  inputsOf = (bundle) => {
    const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(`/${bundle}`))
    if (output === undefined) throw new Error(`no output ${bundle}`)
    return Object.keys(output[1].inputs)
  }
}, 60_000)
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const isEffect = (path: string) => path.includes("node_modules/effect/")

describe("the plugin's bundles", () => {
  it("keep Effect out of the start-up bundle, and in the reader bundle", () => {
    const plugin = inputsOf("plugin.cjs")
    expect(plugin.some((p) => p.endsWith("src/provider/main.ts"))).toBe(true)
    expect(plugin.filter(isEffect)).toEqual([])
    expect(plugin.some((p) => p.endsWith("src/datasource/plugin/Session.ts"))).toBe(false)
    // The positive control: the same check sees Effect where it belongs.
    expect(inputsOf("reader.cjs").filter(isEffect).length).toBeGreaterThan(10)
  })

  it("load the launcher with nothing but itself and the host's code cache", () => {
    const launcher = inputsOf("launch.cjs")
    expect(launcher.filter((p) => p.includes("node_modules/"))).toEqual([])
    expect(launcher.every((p) => p.startsWith("src/provider/"))).toBe(true)
  })
})
