/**
 * `npm run generate`: writes the provider schema from `src/datasource/schema.ts`
 * in the shape `terraform providers schema -json` prints, then runs
 * `@cdktf/provider-generator` on it to produce the CDKTF binding in
 * `src/cdktf/generated/`. The output is committed; `test/cdktf/generate.test.ts`
 * regenerates it into a temporary folder and fails on any difference.
 *
 * @since 0.1.0
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { CodeMaker } from "codemaker"
import type * as Commons from "@cdktf/commons"
import type { TerraformProviderGenerator } from "@cdktf/provider-generator/lib/get/generator/provider-generator.js"
import { PROVIDER_SOURCE, providerSchemaJson } from "../src/datasource/schema.js"

/**
 * Where the committed output lives, relative to the package root.
 *
 * @since 0.1.0
 * @category constants
 */
export const GENERATED_DIR = "src/cdktf/generated"

/**
 * The files the generator emits that we keep, by their path in the
 * generator's output, and where they go. The generator's `index.ts` and
 * `lazy-index.ts` are CommonJS-style barrels that do not work as ESM, and its
 * README files only link to registry docs, so they are left out;
 * `src/cdktf/index.ts` is the entry instead.
 */
const kept: ReadonlyArray<readonly [from: string, to: string]> = [
  ["providers/mongodbatlas/data-mongodbatlas-flex-restore-job/index.ts", "data-mongodbatlas-flex-restore-job/index.ts"],
  ["providers/mongodbatlas/provider/index.ts", "provider/index.ts"],
]

const header = (generatorVersion: string) =>
  [
    "// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from",
    `// src/datasource/schema.ts with @cdktf/provider-generator ${generatorVersion}; compiled under the relaxed`,
    "// profile src/cdktf/tsconfig.generated.json.",
    "",
  ].join("\n")

/**
 * Writes `schema.json` and the binding into `outDir` and returns the paths
 * written, relative to `outDir`, sorted.
 *
 * @since 0.1.0
 * @category generation
 */
export const generate = async (outDir: string): Promise<Array<string>> => {
  // Loading @cdktf/commons runs `terraform version -json` as a side effect; the
  // binding does not depend on it, so point it at a binary that exits quietly.
  process.env["TERRAFORM_BINARY_NAME"] ??= "false"
  process.env["CHECKPOINT_DISABLE"] ??= "1"
  // The generator's package root pulls in jsii-pacmak; require the generator
  // module itself, and its dependencies from where it resolves them.
  const require = createRequire(import.meta.url)
  const generatorPackage = require.resolve("@cdktf/provider-generator/package.json")
  const fromGenerator = createRequire(generatorPackage)
  const { version: generatorVersion } = require(generatorPackage) as { version: string }
  const { CodeMaker: CodeMakerClass } = fromGenerator("codemaker") as { CodeMaker: typeof CodeMaker }
  const commons = fromGenerator("@cdktf/commons") as typeof Commons
  const { TerraformProviderGenerator: Generator } = fromGenerator("./lib/get/generator/provider-generator") as {
    TerraformProviderGenerator: typeof TerraformProviderGenerator
  }

  const schema = providerSchemaJson()
  const code = new CodeMakerClass()
  const generator = new Generator(code, schema as unknown as Commons.ProviderSchema)
  // The full address, so the provider construct declares
  // `source = "registry.terraform.io/atlas-flex/mongodbatlas"`.
  const constraint = new commons.TerraformProviderConstraint(PROVIDER_SOURCE)
  generator.generate(new commons.ConstructsMakerProviderTarget(constraint, commons.Language.TYPESCRIPT))

  const scratch = await mkdtemp(join(tmpdir(), "atlas-flex-generate-"))
  try {
    await generator.save(scratch)
    const written: Array<string> = []
    await mkdir(outDir, { recursive: true })
    await writeFile(join(outDir, "schema.json"), JSON.stringify(schema, null, 2) + "\n")
    written.push("schema.json")
    for (const [from, to] of kept) {
      const source = await readFile(join(scratch, from), "utf8")
      await mkdir(dirname(join(outDir, to)), { recursive: true })
      await writeFile(join(outDir, to), header(generatorVersion) + source)
      written.push(to)
    }
    return written.sort()
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = resolve(process.cwd(), GENERATED_DIR)
  const files = await generate(outDir)
  for (const file of files) console.log(`generated ${join(GENERATED_DIR, file)}`)
}
