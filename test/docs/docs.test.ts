/**
 * The registry documentation (`docs/`): up to date with the schema and the
 * examples, in tfplugindocs' layout, and its examples correct: those that
 * need only this provider are planned by terraform against the emulator, the
 * one composed with the official provider (which cannot be installed
 * offline) is format-checked.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  DATA_SOURCE_EXAMPLES,
  EPHEMERAL_RESOURCE_EXAMPLES,
  PROVIDER_EXAMPLE,
  renderDocs,
  TEST_EXAMPLES,
} from "../../scripts/docs.js"
import { flexRestoreJobDataSource, providerConfig } from "../../src/datasource/schema.js"
import { EmulatorSeed, startEmulator } from "../../src/emulator/index.js"
import type { RunningEmulator } from "../../src/emulator/index.js"
import { buildPlugin, repoRoot } from "../provider/pluginProcess.js"
import type { BuiltPlugin } from "../provider/pluginProcess.js"
import { baseEnv, cliConfig, runTerraform, terraformVersion } from "../provider/terraform.js"

const version = terraformVersion()
if (version === undefined) {
  console.warn(
    "\n!!! terraform is not on PATH: the registry docs' examples are NOT planned or format-checked. Install terraform >= 1.11 to run them. !!!\n",
  )
}

const docsDir = join(repoRoot, "docs")
const committed = (path: string) => readFileSync(join(repoRoot, path), "utf8")

describe("docs/", () => {
  it("is what `npm run generate` writes from the schema and the examples", async () => {
    const pages = await renderDocs(repoRoot)
    const files = readdirSync(docsDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(repoRoot, join(entry.parentPath, entry.name)))
      .sort()
    expect(files).toStrictEqual(Object.keys(pages).sort())
    expect(files).toStrictEqual([
      "docs/data-sources/flex_restore_job.md",
      "docs/ephemeral-resources/flex_restore_job.md",
      "docs/index.md",
    ])
    // On a difference, run `npm run generate` and commit the result.
    for (const [file, text] of Object.entries(pages)) expect(committed(file), `${file} is out of date`).toBe(text)
  })

  it("has the registry's layout: front matter, Example Usage, Schema by Required / Optional / Read-Only", () => {
    const page = committed("docs/data-sources/flex_restore_job.md")
    expect(page).toMatch(
      /^---\n#[^\n]*\npage_title: "mongodbatlas_flex_restore_job Data Source - terraform-provider-mongodbatlas"\nsubcategory: ""\ndescription: \|-\n {2}Returns one restore job for one flex cluster from the specified project\.\n---\n\n# mongodbatlas_flex_restore_job \(Data Source\)\n/,
    )
    const sections = [...page.matchAll(/^(#{2,3}) (.+)$/gm)].map((m) => `${m[1]} ${m[2]}`)
    expect(sections).toStrictEqual([
      "## Example Usage",
      "### Check that the restore completed",
      "### With a flex cluster of the official provider",
      "## Testing with terraform test",
      "### The configuration under test",
      "### Against Atlas",
      "### Without Atlas: override_data",
      "### Without the provider: mock_provider",
      "## Schema",
      "### Required",
      "### Read-Only",
    ])
    const attributes = flexRestoreJobDataSource.block.attributes
    const required = page.slice(page.indexOf("### Required"), page.indexOf("### Read-Only"))
    const readOnly = page.slice(page.indexOf("### Read-Only"))
    for (const [name, attribute] of Object.entries(attributes)) {
      const line = `- \`${name}\` (String${attribute.sensitive ? ", Sensitive" : ""}) ${attribute.description}\n`
      expect(attribute.required ? required : readOnly).toContain(line)
    }
    expect(readOnly).toContain("- `snapshot_url` (String, Sensitive) ")
    for (const example of [...DATA_SOURCE_EXAMPLES, ...TEST_EXAMPLES])
      expect(page).toContain("```terraform\n" + committed(example.file).trimEnd() + "\n```")

    const index = committed("docs/index.md")
    expect(index).toMatch(/^---\n#[^\n]*\npage_title: "mongodbatlas Provider"\nsubcategory: ""\ndescription: \|-\n/)
    expect(index).toContain("```terraform\n" + committed(PROVIDER_EXAMPLE.file).trimEnd() + "\n```")
    for (const [name, attribute] of Object.entries(providerConfig.block.attributes))
      expect(index).toContain(
        `- \`${name}\` (String${attribute.sensitive ? ", Sensitive" : ""}) ${attribute.description}\n`,
      )
    expect(index).not.toContain("`alias`")
  })

  it("documents the ephemeral resource in the registry's layout, with the data source's schema", () => {
    const page = committed("docs/ephemeral-resources/flex_restore_job.md")
    expect(page).toMatch(
      /^---\n#[^\n]*\npage_title: "mongodbatlas_flex_restore_job Ephemeral Resource - terraform-provider-mongodbatlas"\n/,
    )
    expect(page).toContain("\n# mongodbatlas_flex_restore_job (Ephemeral Resource)\n")
    expect([...page.matchAll(/^(#{2,3}) (.+)$/gm)].map((m) => `${m[1]} ${m[2]}`)).toStrictEqual([
      "## Example Usage",
      "## Schema",
      "### Required",
      "### Read-Only",
    ])
    const dataSourcePage = committed("docs/data-sources/flex_restore_job.md")
    expect(page.slice(page.indexOf("## Schema"))).toBe(dataSourcePage.slice(dataSourcePage.indexOf("## Schema")))
    expect(page).toContain("```terraform\n" + committed(EPHEMERAL_RESOURCE_EXAMPLES[0]!.file).trimEnd() + "\n```")
    expect(committed("docs/index.md")).toContain("(ephemeral-resources/flex_restore_job.md)")
  })

  it("says how to get the provider, which no public registry serves, and writes its source in full", () => {
    const index = committed("docs/index.md")
    const install = index.slice(index.indexOf("## Installing the provider"), index.indexOf("## Example Usage"))
    expect(install).toContain("No public registry serves `registry.terraform.io/atlas-flex/mongodbatlas`")
    expect(install).toContain("`npx atlas-flex-restore provider install`")
    expect(install).toContain("network_mirror {")
    expect(install).toContain("`filesystem_mirror`")
    expect(install).toContain("**A private registry**")
    expect(install).toContain("`--skip-provider-lock`")
    for (const example of [PROVIDER_EXAMPLE, ...DATA_SOURCE_EXAMPLES, ...TEST_EXAMPLES])
      expect(committed(example.file)).not.toMatch(/source\s*=\s*"atlas-flex\//)
  })

  it("shows both required_providers entries and provider = atlasflex in the composed example", () => {
    const composed = committed(DATA_SOURCE_EXAMPLES[2]!.file)
    expect(composed).toMatch(/mongodbatlas = \{\s+source\s+= "mongodb\/mongodbatlas"/)
    expect(composed).toMatch(/atlasflex = \{\s+source = "registry\.terraform\.io\/atlas-flex\/mongodbatlas"/)
    expect(composed).toMatch(/data "mongodbatlas_flex_restore_job" "this" \{\s+provider\s+= atlasflex\n/)
    expect(composed).toContain('resource "mongodbatlas_flex_cluster" "this"')
  })
})

describe.skipIf(version === undefined)(`the docs' examples through terraform ${version}`, () => {
  let plugin: BuiltPlugin
  let emulator: RunningEmulator
  let root: string
  const examples = [PROVIDER_EXAMPLE, ...DATA_SOURCE_EXAMPLES.slice(0, 2), ...EPHEMERAL_RESOURCE_EXAMPLES]

  beforeAll(async () => {
    ;[plugin, emulator] = await Promise.all([buildPlugin(), startEmulator({ host: "127.0.0.1", port: 0 })])
    root = mkdtempSync(join(tmpdir(), "atlas-flex-docs-"))
    mkdirSync(join(root, "home"))
  })
  afterAll(async () => {
    await emulator?.stop()
    plugin?.cleanup()
    if (root) rmSync(root, { recursive: true, force: true })
  })

  /** Plans one example as written, in a folder of its own, our plugin served through dev_overrides. */
  const plan = async (file: string, args: Array<string> = []) => {
    const dir = mkdtempSync(join(root, "example-"))
    writeFileSync(join(dir, "main.tf"), committed(file))
    return runTerraform(dir, ["plan", "-input=false", "-no-color", ...args], {
      ...baseEnv(cliConfig(dir, plugin.binDir), dir),
      HOME: join(root, "home"),
      MONGODB_ATLAS_BASE_URL: emulator.url,
      MONGODB_ATLAS_ACCESS_TOKEN: emulator.credentials.accessToken,
    })
  }

  it.each(examples.map((e) => e.file))("plans %s against the emulator", async (file) => {
    const before = emulator.stats().apiRequests
    const result = await plan(file)
    expect(result.stderr.replace(/╷[^]*?Provider development overrides are in effect[^]*?╵\n*/, "")).toBe("")
    expect(result.code).toBe(0)
    if (file.startsWith("examples/data-sources/"))
      expect(result.stdout).toContain("data.mongodbatlas_flex_restore_job.this: Read complete")
    if (file.startsWith("examples/ephemeral-resources/")) {
      expect(result.stdout).toContain("ephemeral.mongodbatlas_flex_restore_job.download: Opening...")
      expect(result.stdout).not.toContain("https://")
    }
    if (file !== PROVIDER_EXAMPLE.file) expect(emulator.stats().apiRequests).toBeGreaterThan(before)
    if (file.endsWith("data-source.tf")) expect(result.stdout).toMatch(/status\s+= "COMPLETED"/)
    if (file.endsWith("check.tf")) expect(result.stdout).not.toContain("Check block assertion failed")
  })

  it("warns through the check block when the job has not completed", async () => {
    const result = await plan(DATA_SOURCE_EXAMPLES[1]!.file, ["-var", `restore_job_id=${EmulatorSeed.jobs.running}`])
    expect(result.code).toBe(0)
    expect(result.stdout + result.stderr).toContain("Check block assertion failed")
    expect(result.stdout + result.stderr).toMatch(
      new RegExp(`Restore job ${EmulatorSeed.jobs.running} is RUNNING, not COMPLETED\\.`),
    )
  })

  it("format-checks every example, the composed one included (it needs the official provider, which cannot be installed offline, so it is not planned)", async () => {
    console.warn(
      `\n!!! ${DATA_SOURCE_EXAMPLES[2]!.file} is only format-checked: it needs the official mongodb/mongodbatlas provider from the registry, which cannot be installed offline. !!!\n`,
    )
    const result = await runTerraform(repoRoot, ["fmt", "-check", "-diff", "-recursive", "examples"], {
      ...baseEnv("/dev/null", root),
      HOME: join(root, "home"),
    })
    expect(result.stdout).toBe("")
    expect(result.code).toBe(0)
  })
})
