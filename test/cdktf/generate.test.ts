import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { EPHEMERAL_EXPORTS, FLAVOURS, generate, TEMPLATES } from "../../scripts/generate.js"
import {
  DATA_SOURCE_TYPE,
  PROVIDER_LOCAL_NAME,
  PROVIDER_SOURCE,
  providerSchemaJson,
} from "../../src/datasource/schema.js"

const root = join(import.meta.dirname, "../..")

const listFiles = async (dir: string): Promise<Array<string>> =>
  (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort()

describe.each(FLAVOURS)("npm run generate, $library", (flavour) => {
  const committed = join(root, flavour.dir)
  const binding = join(committed, flavour.bindingDir)
  const scratch = mkdtemp(join(tmpdir(), "atlas-flex-regenerate-"))
  afterAll(async () => rm(await scratch, { recursive: true, force: true }))

  it("reproduces the committed files exactly", async () => {
    const out = await scratch
    const written = await generate(out, flavour, root)
    expect(await listFiles(out)).toStrictEqual(written)
    expect(await listFiles(committed)).toStrictEqual(written)
    for (const file of written) {
      const fresh = await readFile(join(out, file), "utf8")
      const kept = await readFile(join(committed, file), "utf8")
      // On a difference, run `npm run generate` and commit the result.
      expect(kept, `${flavour.dir}/${file} is out of date`).toBe(fresh)
    }
  }, 60_000)

  it(`writes the schema of src/datasource, for ${flavour.library} only, and marks every source file generated`, async () => {
    const schema = JSON.parse(await readFile(join(binding, "schema.json"), "utf8")) as ReturnType<
      typeof providerSchemaJson
    >
    expect(schema).toStrictEqual(providerSchemaJson())
    // The generator adds `alias` to the provider block it is given; the plugin's schema has none.
    expect(Object.keys(schema.provider_schemas[PROVIDER_SOURCE].provider.block.attributes)).not.toContain("alias")
    const sources = (await listFiles(committed)).filter((f) => f.endsWith(".ts"))
    expect(sources.length).toBeGreaterThanOrEqual(2)
    const other = flavour.library === "cdktf" ? "cdktn" : "cdktf"
    for (const file of sources) {
      const text = await readFile(join(committed, file), "utf8")
      expect(text).toMatch(/^\/\/ GENERATED FILE, DO NOT EDIT\./)
      expect(text, file).not.toMatch(new RegExp(`from ['"]${other}['"]`))
    }
    const provider = await readFile(join(binding, "provider/index.ts"), "utf8")
    expect(provider).toContain(`from '${flavour.library}'`)
    expect(provider).toContain(`terraformProviderSource: '${PROVIDER_SOURCE}'`)
    expect(provider).toContain(`terraformResourceType: '${PROVIDER_LOCAL_NAME}'`)
    const dataSource = await readFile(join(binding, "data-mongodbatlas-flex-restore-job/index.ts"), "utf8")
    expect(dataSource).toContain(`tfResourceType = "${DATA_SOURCE_TYPE}"`)
    // The ephemeral resource's binding, where the library has ephemeral blocks (cdktn), and only there.
    const ephemeral = (await listFiles(binding)).includes("ephemeral-mongodbatlas-flex-restore-job/index.ts")
    expect(ephemeral).toBe(flavour.ephemeral)
    if (ephemeral) {
      const text = await readFile(join(binding, "ephemeral-mongodbatlas-flex-restore-job/index.ts"), "utf8")
      expect(text).toContain(`extends ${flavour.library}.TerraformEphemeralResource`)
      expect(text).toContain(`tfResourceType = "${DATA_SOURCE_TYPE}"`)
    }
  })
})

describe.each(FLAVOURS.filter((flavour) => flavour.fromTemplates))("the templates, for $library", (flavour) => {
  const committed = join(root, flavour.dir)

  it("are copied from src/cdktf with the library swapped", async () => {
    for (const file of TEMPLATES) {
      const template = await readFile(join(root, "src/cdktf", file), "utf8")
      const whole = await readFile(join(committed, file), "utf8")
      // The entry of a flavour with ephemeral blocks ends with their exports, and only it.
      const withEphemeral = flavour.ephemeral && file === "index.ts"
      expect(whole.endsWith(EPHEMERAL_EXPORTS)).toBe(withEphemeral)
      const copy = withEphemeral ? whole.slice(0, -EPHEMERAL_EXPORTS.length) : whole
      expect(template).toMatch(/ from "cdktf"|export /)
      expect(copy).not.toContain('from "cdktf"')
      expect(copy).not.toContain("template")
      // Every relative import of the copy resolves to the module the template's does.
      const imports = (text: string) => [...text.matchAll(/ from "(\.[^"]+)"/g)].map((m) => m[1]!)
      expect(imports(copy).map((spec) => join(committed, spec))).toStrictEqual(
        imports(template).map((spec) => {
          const local = spec.startsWith("./generated/") || TEMPLATES.includes(spec.slice(2).replace(/\.js$/, ".ts"))
          return join(root, "src/cdktf", local ? flavour.library : "", spec)
        }),
      )
    }
  })
})
