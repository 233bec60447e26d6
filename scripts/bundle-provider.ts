/**
 * Bundles the provider plugin with esbuild into `dist/provider/`, part of
 * `npm run build`. Terraform starts the plugin three times per plan, so the
 * layout is chosen for start-up:
 * - `launch.cjs`, which `bin/terraform-provider-mongodbatlas` loads: loads
 *   the bundles below through V8's code cache (`src/provider/host/CodeCache.ts`);
 * - `plugin.cjs` (`src/provider/main.ts`): everything that answers the
 *   schema and validation (the host: gRPC over `node:http2`; tfplugin6:
 *   protobuf, msgpack, the generic server; this provider's values);
 * - `reader.cjs` (`src/datasource/plugin/Session.ts`): Effect and the
 *   service, loaded only by a start that configures and reads;
 * - `*.cjs.cache`: the code caches, written by running the launcher once with
 *   `ATLAS_PROVIDER_WRITE_CODE_CACHE=1` under this Node;
 * - `sea-main.cjs`: the main script of the single executable
 *   (`src/provider/sea.ts`), which loads the same bundles from its assets
 *   (`src/release/ProviderBinary.ts` packs them).
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { rm } from "node:fs/promises"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as esbuild from "esbuild"

/**
 * The launcher's file name, in the output directory.
 *
 * @since 0.1.0
 * @category constants
 */
export const LAUNCHER = "launch.cjs"

/**
 * What the bundles have written in at build time: the package's version, for
 * the User-Agent (`src/atlas/UserAgent.ts`).
 *
 * @since 0.1.0
 * @category build
 */
export const versionDefine = (root: string): Record<string, string> => ({
  __ATLAS_FLEX_RESTORE_VERSION__: JSON.stringify(
    (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version,
  ),
})

/**
 * Bundles the plugin into `outdir` (relative to `root`, the package root) and
 * writes its code caches.
 *
 * @since 0.1.0
 * @category build
 */
export const bundleProvider = async (
  options: {
    readonly root?: string
    readonly outdir?: string
    readonly minify?: boolean
    /** @default true */
    readonly codeCache?: boolean
  } = {},
): Promise<esbuild.Metafile> => {
  const root = options.root ?? process.cwd()
  const outdir = resolve(root, options.outdir ?? "dist/provider")
  await rm(outdir, { recursive: true, force: true })
  const common: esbuild.BuildOptions = {
    absWorkingDir: root,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20",
    minify: options.minify ?? false,
    metafile: true,
    logLevel: "warning",
    // Module paths are written into the bundle (comments, CommonJS keys):
    // as seen from the package, so a symlinked node_modules (a shared one, a
    // workspace) changes no byte of the executable.
    preserveSymlinks: true,
    // The version is written in; CommonJS has no `import.meta`, which only
    // UserAgent's fallback (unreached in a bundle) would read.
    define: { ...versionDefine(root), "import.meta.url": "undefined" },
  }
  const results = await Promise.all([
    esbuild.build({ ...common, entryPoints: ["src/provider/launch.ts"], outfile: join(outdir, LAUNCHER) }),
    esbuild.build({
      ...common,
      entryPoints: ["src/provider/main.ts"],
      outfile: join(outdir, "plugin.cjs"),
      // Loaded lazily through the launcher, from reader.cjs.
      external: ["./Session.js"],
    }),
    esbuild.build({
      ...common,
      entryPoints: ["src/datasource/plugin/Session.ts"],
      outfile: join(outdir, "reader.cjs"),
    }),
    esbuild.build({ ...common, entryPoints: ["src/provider/sea.ts"], outfile: join(outdir, "sea-main.cjs") }),
  ])
  if (options.codeCache ?? true) {
    const run = spawnSync(process.execPath, [join(outdir, LAUNCHER)], {
      env: { PATH: process.env["PATH"] ?? "", ATLAS_PROVIDER_WRITE_CODE_CACHE: "1" },
      encoding: "utf8",
    })
    if (run.status !== 0) throw new Error(`writing the plugin's code cache failed: ${run.stderr}`)
  }
  return {
    inputs: Object.assign({}, ...results.map((r) => r.metafile!.inputs)),
    outputs: Object.assign({}, ...results.map((r) => r.metafile!.outputs)),
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const metafile = await bundleProvider()
  const outputs = Object.entries(metafile.outputs).map(([file, o]) => `${file} ${(o.bytes / 1024).toFixed(0)} KiB`)
  console.error(`bundled the provider plugin (and wrote its code caches):\n  ${outputs.join("\n  ")}`)
}
