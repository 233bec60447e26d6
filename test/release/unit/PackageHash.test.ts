/**
 * Terraform's package hashes, computed here independently with node:crypto:
 * `h1:` (the base64 SHA-256 of the sorted `<sha256 hex>  <name>\n` lines of a
 * package's files), `zh:` and the hex SHA-256 of a file, which never reads
 * through a symlink.
 */
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { packageHashH1, sha256Hex, zipHash } from "../../../src/release/PackageHash.js"
import { loadFresh } from "../../fresh.js"

const root = mkdtempSync(join(tmpdir(), "package-hash-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const folder = () => {
  const dir = join(root, `p${++n}`)
  mkdirSync(dir)
  return dir
}
const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex")
const openFds = () => readdirSync("/proc/self/fd").length

// Names whose UTF-8 byte order differs from JavaScript's UTF-16 order: "～" (U+FF5E, bytes EF BD 9E) comes before
// "😀" (U+1F600, bytes F0 9F 98 80) in bytes, after it in UTF-16 code units (FF5E > D83D).
const contents: Record<string, string> = {
  "b.txt": "bee\n",
  B: "capital\n",
  "dir/c": "nested\n",
  "～": "tilde\n",
  "😀": "smile\n",
}
const inByteOrder = ["B", "b.txt", "dir/c", "～", "😀"]

describe("packageHashH1: Terraform's h1: of a package's files", () => {
  const dir = folder()
  mkdirSync(join(dir, "dir"))
  for (const [name, data] of Object.entries(contents)) writeFileSync(join(dir, name), data)
  const files = Object.keys(contents).map((name) => ({ name, path: join(dir, name) }))
  const expected =
    "h1:" +
    createHash("sha256")
      .update(inByteOrder.map((name) => `${sha256(contents[name]!)}  ${name}\n`).join(""))
      .digest("base64")

  it("is the base64 SHA-256 of the '<sha256 hex>  <name>' lines in byte order of the names", async () => {
    expect(await packageHashH1(files)).toBe(expected)
    expect(await packageHashH1([...files].reverse())).toBe(expected)
  })

  it("one file's h1: is the known value (sha256sum, then openssl dgst -sha256 -binary | base64, of its one line)", async () => {
    const one = folder()
    writeFileSync(join(one, "terraform-provider-x"), "x")
    // The line is "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  terraform-provider-x\n".
    expect(await packageHashH1([{ name: "terraform-provider-x", path: join(one, "terraform-provider-x") }])).toBe(
      "h1:nnS0wXSrg6ZgWZsYI+iNRd04l6QA8jPnrKCppxo84/s=",
    )
  })

  it("changes when a file's bytes change, and covers every file given", async () => {
    const other = folder()
    writeFileSync(join(other, "a"), "one")
    writeFileSync(join(other, "b"), "two")
    const both = await packageHashH1([
      { name: "a", path: join(other, "a") },
      { name: "b", path: join(other, "b") },
    ])
    writeFileSync(join(other, "b"), "tw0")
    expect(
      await packageHashH1([
        { name: "a", path: join(other, "a") },
        { name: "b", path: join(other, "b") },
      ]),
    ).not.toBe(both)
  })

  it("an empty package hashes the empty summary", async () => {
    expect(await packageHashH1([])).toBe(`h1:${createHash("sha256").update("").digest("base64")}`)
  })

  it("refuses a name with a newline, which would forge a line of the summary", async () => {
    const bad = folder()
    writeFileSync(join(bad, "a"), "a")
    await expect(packageHashH1([{ name: "a\nb", path: join(bad, "a") }])).rejects.toThrow(
      'a package file name cannot hold a newline: "a\\nb"',
    )
  })

  it("refuses a file that is a symlink, and one that cannot be read", async () => {
    const linked = folder()
    writeFileSync(join(linked, "real"), "real")
    symlinkSync(join(linked, "real"), join(linked, "link"))
    await expect(packageHashH1([{ name: "link", path: join(linked, "link") }])).rejects.toMatchObject({
      code: "ELOOP",
    })
    await expect(packageHashH1([{ name: "gone", path: join(linked, "gone") }])).rejects.toMatchObject({
      code: "ENOENT",
    })
  })
})

describe("zipHash and sha256Hex", () => {
  const dir = folder()
  const zip = join(dir, "provider.zip")
  // Larger than one read of a stream (64 KiB), so that every chunk counts.
  const data = Buffer.alloc(200_000, 7)
  data.write("PK\u0003\u0004")
  writeFileSync(zip, data)

  it("zipHash is zh: and the hex SHA-256 of the file's bytes", async () => {
    expect(await zipHash(zip)).toBe(`zh:${sha256(data)}`)
  })

  it("sha256Hex is the hex SHA-256 of a file, as sha256sum prints it", async () => {
    writeFileSync(join(dir, "empty"), "")
    expect(await sha256Hex(join(dir, "empty"))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(await sha256Hex(zip)).toBe(sha256(data))
  })

  it("never reads through a symlink, and says why a file cannot be read", async () => {
    symlinkSync(zip, join(dir, "link.zip"))
    await expect(zipHash(join(dir, "link.zip"))).rejects.toMatchObject({ code: "ELOOP" })
    await expect(sha256Hex(dir)).rejects.toMatchObject({ code: "EISDIR" })
  })

  it("leaves no file open", async () => {
    const before = openFds()
    for (let i = 0; i < 20; i++) await sha256Hex(zip)
    await expect(sha256Hex(dir)).rejects.toThrow()
    expect(openFds()).toBe(before)
  })
})

describe("PackageHash loaded afresh (its module-level functions evaluated inside the test)", () => {
  it("hashes as the module loaded once does", async () => {
    const fresh = await loadFresh<typeof import("../../../src/release/PackageHash.js")>(
      new URL("../../../src/release/PackageHash.ts", import.meta.url),
    )
    expect(fresh.zipHash).not.toBe(zipHash)
    const dir = folder()
    writeFileSync(join(dir, "f"), "fresh")
    expect(await fresh.zipHash(join(dir, "f"))).toBe(`zh:${sha256("fresh")}`)
    expect(await fresh.sha256Hex(join(dir, "f"))).toBe(sha256("fresh"))
  })
})
