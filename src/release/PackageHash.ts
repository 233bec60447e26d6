/**
 * Terraform's `h1:` package hash: the Go module "dirhash" Hash1 of a
 * provider package's unpacked contents (what `.terraform.lock.hcl` records and
 * a provider mirror lists). Each file contributes the line
 * `<sha256 hex>  <name>\n`, in byte order of the names; the hash is the
 * base64 SHA-256 of those lines. It does not depend on how a zip was
 * compressed or what else was appended to it.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { constants, createReadStream, openSync } from "node:fs"

/**
 * One file of a package: its name inside the package (`/`-separated) and
 * where to read it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PackageFile {
  readonly name: string
  readonly path: string
}

const sha256File = (path: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    let fd: number
    try {
      // Never through a symlink: a package's files are its own.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
    } catch (error) {
      return reject(error)
    }
    createReadStream(path, { fd })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")))
  })

/**
 * The `h1:` hash of a package made of `files`.
 *
 * @since 0.1.0
 * @category hashing
 */
export const packageHashH1 = async (files: ReadonlyArray<PackageFile>): Promise<string> => {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
  const summary = createHash("sha256")
  for (const file of sorted) {
    if (file.name.includes("\n"))
      throw new Error(`a package file name cannot hold a newline: ${JSON.stringify(file.name)}`)
    summary.update(`${await sha256File(file.path)}  ${file.name}\n`)
  }
  return "h1:" + summary.digest("base64")
}

/**
 * The `zh:` hash of a zip archive: the hex SHA-256 of its bytes (what the
 * registry protocol and `…_SHA256SUMS` list).
 *
 * @since 0.1.0
 * @category hashing
 */
export const zipHash = async (path: string): Promise<string> => "zh:" + (await sha256File(path))

/**
 * The hex SHA-256 of a file, as `sha256sum` prints it.
 *
 * @since 0.1.0
 * @category hashing
 */
export const sha256Hex = sha256File
