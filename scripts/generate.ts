/**
 * `npm run generate`: writes the provider schema from `src/datasource/schema.ts`
 * in the shape `terraform providers schema -json` prints, then runs
 * `@cdktf/provider-generator` on it to produce the CDKTF binding in
 * `src/cdktf/generated/`, and `@cdktn/provider-generator` for the cdktn one in
 * `src/cdktf/cdktn/generated/`, beside the cdktn copies of the hand-written
 * modules that import the library. The output is committed;
 * `test/cdktf/generate.test.ts` regenerates it into a temporary folder and
 * fails on any difference. Last, it writes the registry docs (`docs/`, see
 * `scripts/docs.ts`).
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
import { renderDocs } from "./docs.js"
import { PROVIDER_LOCAL_NAME, PROVIDER_SOURCE, providerSchemaJson } from "../src/datasource/schema.js"

/**
 * One flavour of the binding: which generator writes it, from which package
 * it loads the generator's modules, and where the committed output lives
 * (relative to the package root).
 *
 * @since 0.1.0
 * @category models
 */
export interface Flavour {
  /** The construct library the binding imports: `cdktf` or `cdktn`. */
  readonly library: "cdktf" | "cdktn"
  readonly generatorPackage: string
  /** The generator's module, relative to its package root. */
  readonly generatorModule: string
  readonly commonsPackage: string
  /** Where the committed output lives: this folder holds only generated files. */
  readonly dir: string
  /** Where the binding goes, inside `dir`. */
  readonly bindingDir: string
  /**
   * Whether the hand-written modules of `src/cdktf` that import the library
   * (`TEMPLATES`) are written into `dir` too, for this flavour's library.
   */
  readonly fromTemplates: boolean
  /**
   * Whether the library has ephemeral blocks (`TerraformEphemeralResource`,
   * cdktn): its generator then writes the ephemeral resource's binding too.
   * cdktf 0.21 has none, and its generator ignores the schema's ephemeral
   * resources.
   */
  readonly ephemeral: boolean
}

/**
 * The two flavours: the same schema through `@cdktf/provider-generator` (for
 * `atlas-flex-restore/cdktf`) and through `@cdktn/provider-generator` (for
 * `atlas-flex-restore/cdktn`).
 *
 * @since 0.1.0
 * @category constants
 */
export const FLAVOURS: ReadonlyArray<Flavour> = [
  {
    library: "cdktf",
    generatorPackage: "@cdktf/provider-generator",
    generatorModule: "./lib/get/generator/provider-generator",
    commonsPackage: "@cdktf/commons",
    dir: "src/cdktf/generated",
    bindingDir: ".",
    fromTemplates: false,
    ephemeral: false,
  },
  {
    library: "cdktn",
    generatorPackage: "@cdktn/provider-generator",
    generatorModule: "./build/get/generator/provider-generator",
    commonsPackage: "@cdktn/commons",
    dir: "src/cdktf/cdktn",
    bindingDir: "generated",
    fromTemplates: true,
    ephemeral: true,
  },
]

/**
 * The hand-written modules of `src/cdktf` that import `cdktf`: written once
 * there, and copied for cdktn with the library's name swapped in. Everything
 * else they import (the check, the binding to the provider, the lookup) is
 * shared by both flavours as it is.
 *
 * @since 0.1.0
 * @category constants
 */
export const TEMPLATES: ReadonlyArray<string> = [
  "DataMongodbatlasFlexRestoreJob.ts",
  "MongodbatlasProvider.ts",
  "index.ts",
]

/**
 * What the entry of a flavour with ephemeral blocks exports besides the
 * template's: the ephemeral resource's construct, written for cdktn beside
 * its generated binding (`src/cdktf/ephemeral/`).
 *
 * @since 0.1.0
 * @category constants
 */
export const EPHEMERAL_EXPORTS = [
  "// The ephemeral resource (this library has ephemeral blocks; cdktf 0.21 has none).",
  'export { EphemeralMongodbatlasFlexRestoreJob } from "../ephemeral/EphemeralMongodbatlasFlexRestoreJob.js"',
  'export type { EphemeralMongodbatlasFlexRestoreJobConfig } from "../ephemeral/EphemeralMongodbatlasFlexRestoreJob.js"',
  "",
].join("\n")

/**
 * One template for a flavour one folder down (`src/cdktf/<library>/`): the
 * library's imports and name swapped, every relative import one level further
 * up but those of the binding and of the other templates (which the folder
 * has too), and the note that the file is a template dropped.
 *
 * @since 0.1.0
 * @category generation
 */
export const fromTemplate = (library: string, file: string, source: string): string =>
  [
    `// GENERATED FILE, DO NOT EDIT. Written by \`npm run generate\` (scripts/generate.ts) from src/cdktf/${file}`,
    `// for ${library}: edit that one.`,
    "",
  ].join("\n") +
  source
    .replace(/\n \* This file is also the template[^]*?\n \*\n/, "\n")
    .replace(/ from "cdktf"/g, ` from "${library}"`)
    .replace(/ from "(\.\.?\/)([^"]+)"/g, (_, dots: string, path: string) =>
      dots === "./" && (path.startsWith("generated/") || TEMPLATES.includes(path.replace(/\.js$/, ".ts")))
        ? ` from "./${path}"`
        : ` from "${dots === "./" ? "../" : "../../"}${path}"`,
    )
    .replaceAll("atlas-flex-restore/cdktf", `atlas-flex-restore/${library}`)
    .replaceAll("CDKTF", library)

/**
 * The files the generator emits that we keep, by their path in the
 * generator's output, and where they go. The generator's `index.ts` and
 * `lazy-index.ts` are CommonJS-style barrels that do not work as ESM, and its
 * README files only link to registry docs, so they are left out;
 * `src/cdktf/index.ts` is the entry instead.
 */
const kept: ReadonlyArray<readonly [from: string, to: string]> = [
  [
    `providers/${PROVIDER_LOCAL_NAME}/data-mongodbatlas-flex-restore-job/index.ts`,
    "data-mongodbatlas-flex-restore-job/index.ts",
  ],
  [`providers/${PROVIDER_LOCAL_NAME}/provider/index.ts`, "provider/index.ts"],
]

/** The ephemeral resource's binding, kept for a flavour with ephemeral blocks. */
const keptEphemeral: readonly [from: string, to: string] = [
  `providers/${PROVIDER_LOCAL_NAME}/ephemeral-mongodbatlas-flex-restore-job/index.ts`,
  "ephemeral-mongodbatlas-flex-restore-job/index.ts",
]

const header = (flavour: Flavour, generatorVersion: string) =>
  [
    "// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from",
    `// src/datasource/schema.ts with ${flavour.generatorPackage} ${generatorVersion}; compiled under the relaxed`,
    "// profile src/cdktf/tsconfig.generated.json.",
    "",
  ].join("\n")

/**
 * Writes `schema.json` and one flavour's binding into `outDir` and returns
 * the paths written, relative to `outDir`, sorted.
 *
 * @since 0.1.0
 * @category generation
 */
export const generate = async (
  outDir: string,
  flavour: Flavour = FLAVOURS[0]!,
  root: string = process.cwd(),
): Promise<Array<string>> => {
  // Loading @cdktf/commons runs `terraform version -json` as a side effect; the
  // binding does not depend on it, so point it at a binary that exits quietly.
  process.env["TERRAFORM_BINARY_NAME"] ??= "false"
  process.env["CHECKPOINT_DISABLE"] ??= "1"
  // The generator's package root pulls in jsii-pacmak; require the generator
  // module itself, and its dependencies from where it resolves them.
  const require = createRequire(import.meta.url)
  const generatorPackage = require.resolve(`${flavour.generatorPackage}/package.json`)
  const fromGenerator = createRequire(generatorPackage)
  const { version: generatorVersion } = require(generatorPackage) as { version: string }
  const { CodeMaker: CodeMakerClass } = fromGenerator("codemaker") as { CodeMaker: typeof CodeMaker }
  const commons = fromGenerator(flavour.commonsPackage) as typeof Commons
  const { TerraformProviderGenerator: Generator } = fromGenerator(flavour.generatorModule) as {
    TerraformProviderGenerator: typeof TerraformProviderGenerator
  }

  const schema = providerSchemaJson()
  const code = new CodeMakerClass()
  // The generator adds `alias` to the provider block of the schema it is given: give it a copy, so
  // neither schema.json nor the docs rendered later in this process show an attribute the plugin lacks.
  const generator = new Generator(code, structuredClone(schema) as unknown as Commons.ProviderSchema)
  // The full address, so the provider construct declares
  // `source = "registry.terraform.io/atlas-flex/mongodbatlas"`, under the local
  // name `atlasflex` (the constructs' `terraformResourceType`), which leaves
  // `mongodbatlas` to the official provider in the same stack.
  const constraint = new commons.TerraformProviderConstraint({
    name: PROVIDER_LOCAL_NAME,
    source: PROVIDER_SOURCE,
  } as unknown as string)
  generator.generate(new commons.ConstructsMakerProviderTarget(constraint, commons.Language.TYPESCRIPT))

  const scratch = await mkdtemp(join(tmpdir(), "atlas-flex-generate-"))
  try {
    await generator.save(scratch)
    const written: Array<string> = []
    const write = async (to: string, text: string) => {
      await mkdir(dirname(join(outDir, to)), { recursive: true })
      await writeFile(join(outDir, to), text)
      written.push(to)
    }
    await write(join(flavour.bindingDir, "schema.json"), JSON.stringify(schema, null, 2) + "\n")
    for (const [from, to] of flavour.ephemeral ? [...kept, keptEphemeral] : kept) {
      const source = await readFile(join(scratch, from), "utf8")
      await write(join(flavour.bindingDir, to), header(flavour, generatorVersion) + source)
    }
    if (flavour.fromTemplates)
      for (const file of TEMPLATES) {
        const copy = fromTemplate(flavour.library, file, await readFile(join(root, "src/cdktf", file), "utf8"))
        await write(file, file === "index.ts" && flavour.ephemeral ? copy + EPHEMERAL_EXPORTS : copy)
      }
    return written.sort()
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  for (const flavour of FLAVOURS) {
    const files = await generate(resolve(process.cwd(), flavour.dir), flavour)
    for (const file of files) console.log(`generated ${join(flavour.dir, file)}`)
  }
  for (const [file, text] of Object.entries(await renderDocs(process.cwd()))) {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, text)
    console.log(`generated ${file}`)
  }
}
