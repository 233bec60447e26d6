/**
 * Builds the provider executable for one architecture from a checkout: the
 * plugin bundles (`scripts/bundle-provider.ts`, in a temporary folder, so
 * `dist/` is left alone) packed into a Node 24 single executable
 * (`src/release/ProviderBinary.ts`).
 *
 * `node dist/scripts/release/sea.js [x64|arm64] [OUT]` builds one.
 *
 * @since 0.1.0
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { arch as hostArch, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { bundleProvider } from "../bundle-provider.js"
import { packProviderBinary } from "../../src/release/ProviderBinary.js"
import type { Arch, BuiltBinary } from "../../src/release/ProviderBinary.js"

/**
 * Builds the self-contained provider executable for `arch` into `outFile` (a
 * new file); `root` is the package root (default: the working directory).
 *
 * @since 0.1.0
 * @category build
 */
export const buildProviderBinary = async (options: {
  readonly arch: Arch
  readonly outFile: string
  readonly root?: string
  /** @default true when a strip tool for `arch` is on PATH */
  readonly strip?: boolean
  readonly signal?: AbortSignal
}): Promise<BuiltBinary> => {
  const root = resolve(options.root ?? process.cwd())
  const bundleDir = mkdtempSync(join(tmpdir(), "provider-bundle-"))
  try {
    await bundleProvider({ root, outdir: bundleDir, codeCache: false })
    mkdirSync(dirname(resolve(options.outFile)), { recursive: true })
    return await packProviderBinary({
      arch: options.arch,
      bundleDir,
      outFile: resolve(options.outFile),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      nodeCacheDir: join(root, ".cache", "node"),
      ...(options.strip === undefined ? {} : { strip: options.strip }),
    })
  } finally {
    rmSync(bundleDir, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const arch = (process.argv[2] ?? hostArch()) as Arch
  const outFile = process.argv[3] ?? `terraform-provider-mongodbatlas-linux-${arch}`
  rmSync(outFile, { force: true })
  const built = await buildProviderBinary({ arch, outFile })
  console.error(
    `${built.outFile}: ${(built.bytes / 1e6).toFixed(1)} MB (Node ${built.nodeVersion}${built.stripped ? ", stripped" : ""})`,
  )
}
