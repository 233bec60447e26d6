/**
 * The ELF stripper on small synthetic 64-bit little-endian ELF files, each laid
 * out to show one rule: what is removed, what is kept and renumbered, where
 * the section names and the section header table go, and every layout it
 * refuses (with its reason).
 */
import { beforeEach, describe, expect, it } from "vitest"
import { stripElf } from "../../../src/release/ElfStrip.js"

const SHT = { NULL: 0, PROGBITS: 1, SYMTAB: 2, STRTAB: 3, RELA: 4, NOBITS: 8, DYNSYM: 11 } as const
const SHF = { WRITE: 1n, ALLOC: 2n, EXEC: 4n, INFO_LINK: 0x40n } as const

interface SectionSpec {
  readonly name: string
  readonly type: number
  readonly flags?: bigint
  /** The section's bytes in the file (a NOBITS section takes `size` and no bytes). */
  readonly data?: Buffer
  readonly size?: number
  /** Section names, resolved to their index when the file is made. */
  readonly link?: string
  readonly info?: string | number
}

interface ElfSpec {
  /** Sections after the null one, in index order; `.shstrtab`'s bytes are made from the names. */
  readonly sections: ReadonlyArray<SectionSpec>
  /** The order of the sections' bytes in the file (default: index order). */
  readonly fileOrder?: ReadonlyArray<string>
  /** Loaded segments: `end` names the section whose end the segment reaches (or a number of bytes past it). */
  readonly segments?: ReadonlyArray<{ readonly end: string; readonly extra?: number }>
  /** The null section's header type (0 in every real file). */
  readonly nullType?: number
}

const bytes = (text: string) => Buffer.from(text, "latin1")

/**
 * Makes the file: ELF header, program headers, section bytes (unaligned, in
 * `fileOrder`), then the section header table at an 8-byte boundary. Returns
 * it with each section's index and offset.
 */
const makeElf = (spec: ElfSpec) => {
  const all = [{ name: "", type: spec.nullType ?? SHT.NULL } as SectionSpec, ...spec.sections]
  const index = new Map(all.map((s, i) => [s.name, i]))
  const nameAt = new Map<string, number>()
  const names: Array<Buffer> = []
  let namesLength = 0
  for (const s of all) {
    nameAt.set(s.name, namesLength)
    names.push(bytes(`${s.name}\0`))
    namesLength += s.name.length + 1
  }
  const shstrtab = Buffer.concat(names)
  const dataOf = (s: SectionSpec) =>
    s.name === ".shstrtab" ? shstrtab : s.type === SHT.NOBITS ? Buffer.alloc(0) : (s.data ?? Buffer.alloc(0))
  const phnum = spec.segments?.length ?? 0
  let at = 64 + phnum * 56
  const offsets = new Map<string, number>([["", 0]])
  const body: Array<Buffer> = []
  for (const name of spec.fileOrder ?? spec.sections.map((s) => s.name)) {
    const s = all[index.get(name)!]!
    offsets.set(name, at)
    body.push(dataOf(s))
    at += dataOf(s).length
  }
  const shoff = Math.ceil(at / 8) * 8
  const file = Buffer.alloc(shoff + all.length * 64)
  file.write("\x7fELF", 0, "latin1")
  file[4] = 2 // ELFCLASS64
  file[5] = 1 // ELFDATA2LSB
  file[6] = 1
  file.writeUInt16LE(2, 0x10) // ET_EXEC
  file.writeUInt16LE(62, 0x12) // x86-64
  file.writeBigUInt64LE(64n, 0x20)
  file.writeBigUInt64LE(BigInt(shoff), 0x28)
  file.writeUInt16LE(64, 0x34)
  file.writeUInt16LE(56, 0x36)
  file.writeUInt16LE(phnum, 0x38)
  file.writeUInt16LE(64, 0x3a)
  file.writeUInt16LE(all.length, 0x3c)
  file.writeUInt16LE(index.get(".shstrtab") ?? 0, 0x3e)
  for (const [i, segment] of (spec.segments ?? []).entries()) {
    const p = 64 + i * 56
    const end = offsets.get(segment.end)! + dataOf(all[index.get(segment.end)!]!).length + (segment.extra ?? 0)
    file.writeUInt32LE(1, p) // PT_LOAD
    file.writeBigUInt64LE(0n, p + 8)
    file.writeBigUInt64LE(BigInt(end), p + 32)
  }
  Buffer.concat(body).copy(file, 64 + phnum * 56)
  const resolve = (ref: string | number | undefined) =>
    typeof ref === "number" ? ref : ref === undefined ? 0 : index.get(ref)!
  for (const [i, s] of all.entries()) {
    const h = shoff + i * 64
    file.writeUInt32LE(nameAt.get(s.name)!, h)
    file.writeUInt32LE(s.type, h + 4)
    file.writeBigUInt64LE(s.flags ?? 0n, h + 8)
    file.writeBigUInt64LE(BigInt(i === 0 ? 0 : offsets.get(s.name)!), h + 24)
    file.writeBigUInt64LE(BigInt(s.type === SHT.NOBITS ? (s.size ?? 0) : dataOf(s).length), h + 32)
    file.writeUInt32LE(resolve(s.link), h + 40)
    file.writeUInt32LE(resolve(s.info), h + 44)
  }
  return { file, offsets, index, shoff, shstrtab }
}

/** The section headers of an ELF file, read independently of the stripper. */
const readSections = (elf: Buffer) => {
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shnum = elf.readUInt16LE(0x3c)
  const shstrndx = elf.readUInt16LE(0x3e)
  const headers = Array.from({ length: shnum }, (_, i) => elf.subarray(shoff + i * 64, shoff + (i + 1) * 64))
  const namesAt = Number(headers[shstrndx]!.readBigUInt64LE(24))
  return headers.map((h) => {
    const nameAt = namesAt + h.readUInt32LE(0)
    return {
      name: elf.toString("latin1", nameAt, elf.indexOf(0, nameAt)),
      type: h.readUInt32LE(4),
      offset: Number(h.readBigUInt64LE(24)),
      size: Number(h.readBigUInt64LE(32)),
      link: h.readUInt32LE(40),
      info: h.readUInt32LE(44),
      header: h,
    }
  })
}

/**
 * A small executable as a linker lays it out, but with the removed sections
 * numbered among the kept ones (so that every link and info must be renumbered):
 * loaded code, a dynamic symbol table and its strings, relocations that name
 * both, a `.bss` that extends past the file, an unloaded `.comment` kept, then
 * the debugging sections, the symbol table, its strings and the section names.
 */
const linked: ElfSpec = {
  sections: [
    { name: ".text", type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXEC, data: bytes("\x90\x90\xc3code") },
    { name: ".debug_info", type: SHT.PROGBITS, data: bytes("DWARF info, not loaded") },
    { name: ".symtab", type: SHT.SYMTAB, data: Buffer.alloc(48, 0x51), link: ".strtab", info: 1 },
    { name: ".strtab", type: SHT.STRTAB, data: bytes("\0main\0helper\0") },
    // Its info is the number of local symbols, not a section: it stays 3, though section 3 goes.
    { name: ".dynsym", type: SHT.DYNSYM, flags: SHF.ALLOC, data: Buffer.alloc(24, 0x44), link: ".dynstr", info: 3 },
    // A string table that is loaded stays.
    { name: ".dynstr", type: SHT.STRTAB, flags: SHF.ALLOC, data: bytes("\0libc.so.6\0") },
    { name: ".got", type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.WRITE, data: Buffer.alloc(10, 0x47) },
    {
      name: ".rela.got",
      type: SHT.RELA,
      flags: SHF.ALLOC | SHF.INFO_LINK,
      data: Buffer.alloc(24, 0x52),
      link: ".dynsym",
      info: ".got",
    },
    { name: ".bss", type: SHT.NOBITS, flags: SHF.ALLOC | SHF.WRITE, size: 4096 },
    { name: ".comment", type: SHT.PROGBITS, data: bytes("GCC: (Debian) 14") },
    { name: ".debug_line", type: SHT.PROGBITS, data: bytes("line table") },
    { name: ".shstrtab", type: SHT.STRTAB },
  ],
  fileOrder: [
    ".text",
    ".dynsym",
    ".dynstr",
    ".got",
    ".rela.got",
    ".bss",
    ".comment",
    ".debug_info",
    ".debug_line",
    ".symtab",
    ".strtab",
    ".shstrtab",
  ],
  // The loaded segment ends exactly where the removed sections begin.
  segments: [{ end: ".rela.got" }, { end: ".comment" }],
}

const stripped = (elf: Buffer): Buffer => {
  const result = stripElf(elf)
  if (!("stripped" in result)) throw new Error(`refused: ${result.refused}`)
  return result.stripped
}

describe("stripping a linked executable", () => {
  const { file, offsets, shstrtab } = makeElf(linked)
  const cut = offsets.get(".debug_info")!
  // Stripped in each test, not when the file is collected: Stryker counts only what a test runs.
  let out: Buffer = Buffer.alloc(0)
  let sections: ReturnType<typeof readSections> = []
  beforeEach(() => {
    out = stripped(file)
    sections = readSections(out)
  })
  const byName = (name: string) => sections.find((s) => s.name === name)!

  it("cuts the file where the removed sections begin and appends the names, then the section headers at 8 bytes", () => {
    // The names follow the cut at once; the table starts at the next multiple of 8.
    expect(cut % 8).not.toBe(0)
    const tableOffset = Math.ceil((cut + shstrtab.length) / 8) * 8
    expect(tableOffset).toBeGreaterThan(cut + shstrtab.length)
    expect(out.length).toBe(tableOffset + 9 * 64)
    expect(out.subarray(0x40, cut).equals(file.subarray(0x40, cut))).toBe(true)
    expect(out.subarray(cut, cut + shstrtab.length).equals(shstrtab)).toBe(true)
    expect(
      out.subarray(cut + shstrtab.length, tableOffset).equals(Buffer.alloc(tableOffset - cut - shstrtab.length)),
    ).toBe(true)
    expect(Number(out.readBigUInt64LE(0x28))).toBe(tableOffset)
    expect(out.readUInt16LE(0x3c)).toBe(9)
    expect(out.readUInt16LE(0x3e)).toBe(8)
    // The rest of the ELF header is the input's.
    expect(out.subarray(0, 0x28).equals(file.subarray(0, 0x28))).toBe(true)
    expect(out.subarray(0x30, 0x3c).equals(file.subarray(0x30, 0x3c))).toBe(true)
  })

  it("keeps the loaded sections, the unloaded .comment and the names, in their order, with their bytes in place", () => {
    // The kept sections are numbered as they lie in the file, up to .comment.
    const kept = linked.fileOrder!.slice(0, linked.fileOrder!.indexOf(".comment") + 1)
    expect(kept).toEqual([".text", ".dynsym", ".dynstr", ".got", ".rela.got", ".bss", ".comment"])
    expect(sections.map((s) => s.name)).toEqual(["", ...kept, ".shstrtab"])
    for (const name of kept) {
      expect(byName(name).offset).toBe(offsets.get(name))
    }
    expect(byName(".shstrtab").offset).toBe(cut)
    expect(byName(".shstrtab").size).toBe(shstrtab.length)
    expect(byName(".bss").size).toBe(4096)
    expect(out.toString("latin1", byName(".comment").offset, byName(".comment").offset + 16)).toBe("GCC: (Debian) 14")
  })

  it("renumbers links, and info when it names a section, to the sections' new indexes", () => {
    expect(sections[byName(".rela.got").link]!.name).toBe(".dynsym")
    expect(sections[byName(".rela.got").info]!.name).toBe(".got")
    expect(sections[byName(".dynsym").link]!.name).toBe(".dynstr")
    // A count, not a section: unchanged.
    expect(byName(".dynsym").info).toBe(3)
    expect(byName(".text").link).toBe(0)
    expect(byName(".text").info).toBe(0)
  })

  it("gives the same bytes for the same input, and leaves the input as it was", () => {
    expect(stripped(file).equals(out)).toBe(true)
    expect(makeElf(linked).file.equals(file)).toBe(true)
  })

  it("keeps the null section's header as it is, whatever its type", () => {
    const odd = makeElf({ ...linked, nullType: SHT.SYMTAB }).file
    const kept = readSections(stripped(odd))
    expect(kept.length).toBe(9)
    expect(kept[0]!.type).toBe(SHT.SYMTAB)
    expect(kept[0]!.offset).toBe(0)
  })
})

describe("what it refuses (the binary is then used as it is)", () => {
  const good = makeElf(linked).file
  const patched = (at: number, write: (b: Buffer) => void) => {
    const b = Buffer.from(good)
    write(b.subarray(at))
    return b
  }

  it("anything but an ELF file, or one shorter than an ELF header", () => {
    expect(stripElf(Buffer.from("#!/bin/sh\necho not an executable, but long enough to hold a header\n"))).toEqual({
      refused: "not an ELF file",
    })
    expect(stripElf(good.subarray(0, 63))).toEqual({ refused: "not an ELF file" })
    expect(stripElf(Buffer.alloc(0))).toEqual({ refused: "not an ELF file" })
  })

  it("a 32-bit or a big-endian file", () => {
    expect(stripElf(patched(4, (b) => (b[0] = 1)))).toEqual({ refused: "not a 64-bit little-endian ELF file" })
    expect(stripElf(patched(5, (b) => (b[0] = 2)))).toEqual({ refused: "not a 64-bit little-endian ELF file" })
  })

  it("a section header table of another entry size, with no entries, or whose names index is out of range", () => {
    const refused = { refused: "unexpected section header table" }
    expect(stripElf(patched(0x3a, (b) => b.writeUInt16LE(40)))).toEqual(refused)
    expect(stripElf(patched(0x3c, (b) => b.writeUInt16LE(0)))).toEqual(refused)
    // shstrndx equal to the number of sections is one past the last.
    expect(stripElf(patched(0x3e, (b) => b.writeUInt16LE(13)))).toEqual(refused)
    expect(stripElf(patched(0x3e, (b) => b.writeUInt16LE(14)))).toEqual(refused)
  })

  it("a file with nothing to remove: loaded symbol tables and the section names stay", () => {
    const loaded = makeElf({
      sections: [
        { name: ".text", type: SHT.PROGBITS, flags: SHF.ALLOC | SHF.EXEC, data: bytes("code") },
        { name: ".symtab", type: SHT.SYMTAB, flags: SHF.ALLOC, data: Buffer.alloc(24) },
        { name: ".strtab", type: SHT.STRTAB, flags: SHF.ALLOC, data: bytes("\0s\0") },
        { name: ".debug_str", type: SHT.PROGBITS, flags: SHF.ALLOC, data: bytes("loaded") },
        { name: ".comment", type: SHT.PROGBITS, data: bytes("kept") },
        { name: ".shstrtab", type: SHT.STRTAB },
      ],
    }).file
    expect(stripElf(loaded)).toEqual({ refused: "no symbol table or debugging sections" })
  })

  it("a kept section whose bytes lie after the symbol table, or reach into it", () => {
    const after = makeElf({ ...linked, fileOrder: [...linked.fileOrder!.filter((n) => n !== ".comment"), ".comment"] })
    expect(stripElf(after.file)).toEqual({ refused: "section .comment lies after the symbol table" })
    // .comment ends one byte into .debug_info: its offset plus its size passes the cut.
    const overlapping = makeElf(linked)
    const comment = overlapping.index.get(".comment")!
    overlapping.file.writeBigUInt64LE(BigInt(16 + 1), overlapping.shoff + comment * 64 + 32)
    expect(stripElf(overlapping.file)).toEqual({ refused: "section .comment lies after the symbol table" })
  })

  it("a loaded segment that reaches past where the removed sections begin", () => {
    // The second segment is one byte longer than the kept sections.
    const long = makeElf({ ...linked, segments: [{ end: ".rela.got" }, { end: ".comment", extra: 1 }] })
    expect(stripElf(long.file)).toEqual({ refused: "a loaded segment lies after the symbol table" })
  })

  it("a kept section whose link, or info, names a removed section", () => {
    const linksSymtab = makeElf({
      ...linked,
      sections: linked.sections.map((s) => (s.name === ".rela.got" ? { ...s, link: ".symtab" } : s)),
    })
    expect(stripElf(linksSymtab.file)).toEqual({ refused: "section .rela.got links to a removed section" })
    const infoDebug = makeElf({
      ...linked,
      sections: linked.sections.map((s) => (s.name === ".rela.got" ? { ...s, info: ".debug_line" } : s)),
    })
    expect(stripElf(infoDebug.file)).toEqual({ refused: "section .rela.got refers to a removed section" })
  })
})
