/**
 * Importing `atlas-flex-restore/cdktf` must not load effect or its HTTP
 * modules; the first lookup does. Checked twice: statically, on the import
 * graph esbuild computes from the sources, and at run time, in a fresh node
 * process whose ESM loader records every module it resolves.
 */
import { execFile } from "node:child_process"
import { mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { promisify } from "node:util"
import { build } from "esbuild"
import type { Metafile } from "esbuild"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "../..")
// Under node_modules so that the bundle's external imports resolve to the project's packages.
const work = join(root, "node_modules/.cache", `atlas-flex-lazy-${process.pid}`)

let metafile: Metafile

beforeAll(async () => {
  await mkdir(work, { recursive: true })
  const result = await build({
    entryPoints: { index: join(root, "src/cdktf/index.ts") },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    outdir: join(work, "bundle"),
    metafile: true,
    logLevel: "silent",
    // As tsc compiles the generated binding (src/cdktf/tsconfig.generated.json): its type-only
    // use of `Construct` is elided, so `constructs` is not imported.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: false } },
  })
  metafile = result.metafile
}, 60_000)

afterAll(() => rm(work, { recursive: true, force: true }))

/** Every external package an output loads, following static imports only (or also dynamic ones). */
const externalsReached = (followDynamic: boolean): Set<string> => {
  const entry = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint?.endsWith("src/cdktf/index.ts"))
  if (entry === undefined) throw new Error("no entry output")
  const seen = new Set<string>()
  const externals = new Set<string>()
  const visit = (path: string) => {
    if (seen.has(path)) return
    seen.add(path)
    for (const imported of metafile.outputs[path]?.imports ?? []) {
      if (imported.kind === "dynamic-import" && !followDynamic) continue
      if (imported.external) externals.add(imported.path)
      else visit(imported.path)
    }
  }
  visit(entry[0])
  return externals
}

describe("import cost of atlas-flex-restore/cdktf", () => {
  it("statically imports cdktf only; effect only behind the lookup's dynamic import", () => {
    expect([...externalsReached(false)].filter((p) => !p.startsWith("node:")).sort()).toStrictEqual(["cdktf"])
    const lazy = [...externalsReached(true)]
    expect(lazy).toContain("effect/Effect")
    expect(lazy.some((p) => p.startsWith("effect/") && p.includes("http"))).toBe(true)
  })

  it("loads no effect module in a fresh process until a lookup is made", async () => {
    const log = join(work, "modules.log")
    const hooks = join(work, "hooks.mjs")
    const register = join(work, "register.mjs")
    await writeFile(
      hooks,
      `import { appendFileSync } from "node:fs"
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(${JSON.stringify(log)}, result.url + "\\n")
  return result
}
`,
    )
    await writeFile(
      register,
      `import { register } from "node:module"\nregister(${JSON.stringify(`file://${hooks}`)})\n`,
    )
    const program = `
      const entry = await import(${JSON.stringify(`file://${join(work, "bundle/index.js")}`)})
      const { appendFileSync } = await import("node:fs")
      appendFileSync(${JSON.stringify(log)}, "--- imported " + typeof entry.DataMongodbatlasFlexRestoreJob + "\\n")
      // No credentials anywhere: the service rejects with its typed AuthError, after loading.
      const error = await entry
        .lookupFlexRestoreJob({ projectId: "6650f1a2b3c4d5e6f7a8b9c0", name: "flex-demo", restoreJobId: "66a0000000000000000000c1" }, { env: {}, baseUrl: "http://127.0.0.1:9" })
        .then(() => "resolved", (e) => e._tag)
      appendFileSync(${JSON.stringify(log)}, "--- lookup " + error + "\\n")
    `
    await promisify(execFile)(
      process.execPath,
      ["--import", `file://${register}`, "--input-type=module", "-e", program],
      {
        cwd: root,
        env: { PATH: process.env["PATH"] ?? "" },
      },
    )
    const lines = (await readFile(log, "utf8")).trim().split("\n")
    const imported = lines.indexOf("--- imported function")
    const looked = lines.findIndex((l) => l.startsWith("--- lookup "))
    expect(imported).toBeGreaterThan(0)
    expect(lines[looked]).toBe("--- lookup AuthError")
    const isEffect = (url: string) => url.includes("/node_modules/effect/")
    const isHttp = (url: string) => isEffect(url) && /\/http\//i.test(url)
    const beforeLookup = lines.slice(0, imported)
    expect(beforeLookup.some((url) => url.includes("/node_modules/cdktf/"))).toBe(true)
    expect(beforeLookup.filter(isEffect)).toStrictEqual([])
    // The positive control: the same recorder does see effect's HTTP modules once a lookup runs.
    expect(lines.slice(imported, looked).some(isHttp)).toBe(true)
  }, 60_000)
})
