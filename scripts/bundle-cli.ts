/**
 * Bundles the `atlas-flex-restore` CLI with esbuild into `dist/cli/`: an
 * entry with the parser and the help texts, and chunks for what only some
 * commands load (the service, the emulator, the schema). Loading one bundle
 * instead of Effect's hundreds of modules halves the start-up CPU of every
 * invocation. Part of `npm run build`; `bin/atlas-flex-restore.js` loads the
 * entry, or the unbundled `dist/src/cli/main.js` when there is no bundle.
 *
 * @since 0.1.0
 */
import { rm } from "node:fs/promises"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import * as esbuild from "esbuild"
import { versionDefine } from "./bundle-provider.js"

/**
 * @since 0.1.0
 * @category build
 */
export const bundleCli = async (root: string = process.cwd()): Promise<esbuild.Metafile> => {
  const outdir = resolve(root, "dist/cli")
  // Chunk names carry content hashes: clear the old ones.
  await rm(outdir, { recursive: true, force: true })
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { "atlas-flex-restore": "src/cli/main.ts" },
    outdir,
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    metafile: true,
    logLevel: "warning",
    define: versionDefine(root),
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
  })
  return result.metafile
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const metafile = await bundleCli()
  const bytes = Object.values(metafile.outputs).reduce((n, o) => n + o.bytes, 0)
  console.error(`bundled the CLI: ${Object.keys(metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB`)
}
