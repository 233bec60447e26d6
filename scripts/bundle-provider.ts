/**
 * Bundles the provider plugin with esbuild into `dist/provider/`: one entry
 * file for everything the plugin needs to answer the schema and validation
 * (gRPC, protobuf, msgpack, the schema), and a chunk with Effect and the
 * service that only a start which configures and reads loads. Terraform starts
 * the plugin three times per plan, so what is not loaded is saved thrice.
 * Part of `npm run build`; `bin/terraform-provider-mongodbatlas` loads the entry.
 *
 * @since 0.1.0
 */
import { rm } from "node:fs/promises"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as esbuild from "esbuild"

/**
 * The bundle's entry file name, in the output directory.
 *
 * @since 0.1.0
 * @category constants
 */
export const ENTRY_FILE = "terraform-provider-mongodbatlas.mjs"

/**
 * Bundles the plugin into `outdir` (relative to `root`, the package root).
 *
 * @since 0.1.0
 * @category build
 */
export const bundleProvider = async (
  options: { readonly root?: string; readonly outdir?: string; readonly minify?: boolean } = {},
): Promise<esbuild.Metafile> => {
  const root = options.root ?? process.cwd()
  const outdir = resolve(root, options.outdir ?? "dist/provider")
  // Chunk names carry content hashes: clear the old ones.
  await rm(outdir, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { "terraform-provider-mongodbatlas": "src/provider/entry.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: options.minify ?? false,
    metafile: true,
    logLevel: "warning",
    // CommonJS dependencies (grpc-js) call require() for Node's own modules.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  })
  return result.metafile
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const metafile = await bundleProvider()
  const outputs = Object.entries(metafile.outputs).map(([file, o]) => `${file} ${(o.bytes / 1024).toFixed(0)} KiB`)
  console.error(`bundled the provider plugin:\n  ${outputs.join("\n  ")}`)
}
