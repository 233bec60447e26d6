import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { GENERATED_DIR, generate } from "../../scripts/generate.js"
import { DATA_SOURCE_TYPE, PROVIDER_SOURCE, providerSchemaJson } from "../../src/datasource/schema.js"

const committed = join(import.meta.dirname, "../..", GENERATED_DIR)

const listFiles = async (dir: string): Promise<Array<string>> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()

describe("npm run generate", () => {
  const scratch = mkdtemp(join(tmpdir(), "atlas-flex-regenerate-"))
  afterAll(async () => rm(await scratch, { recursive: true, force: true }))

  it("reproduces the committed binding exactly", async () => {
    const out = await scratch
    const written = await generate(out)
    expect(await listFiles(out)).toStrictEqual(written)
    expect(await listFiles(committed)).toStrictEqual(written)
    for (const file of written) {
      const fresh = await readFile(join(out, file), "utf8")
      const kept = await readFile(join(committed, file), "utf8")
      // On a difference, run `npm run generate` and commit the result.
      expect(kept, `${GENERATED_DIR}/${file} is out of date`).toBe(fresh)
    }
  }, 60_000)

  it("writes the schema of src/datasource and marks every source file generated", async () => {
    const out = await scratch
    expect(JSON.parse(await readFile(join(committed, "schema.json"), "utf8"))).toStrictEqual(providerSchemaJson())
    for (const file of (await listFiles(out)).filter((f) => f.endsWith(".ts"))) {
      expect(await readFile(join(committed, file), "utf8")).toMatch(/^\/\/ GENERATED FILE, DO NOT EDIT\./)
    }
    const provider = await readFile(join(committed, "provider/index.ts"), "utf8")
    expect(provider).toContain(`terraformProviderSource: '${PROVIDER_SOURCE}'`)
    const dataSource = await readFile(join(committed, "data-mongodbatlas-flex-restore-job/index.ts"), "utf8")
    expect(dataSource).toContain(`tfResourceType = "${DATA_SOURCE_TYPE}"`)
  })
})
