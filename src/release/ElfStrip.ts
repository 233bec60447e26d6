/**
 * Removes the symbol table and the debugging sections of a 64-bit
 * little-endian ELF executable (the pinned Node binaries: 127 MB → 109 MB on
 * x64), as `strip` does, but the same bytes wherever it runs: GNU strip and
 * llvm-strip lay the same binary out differently (1,394 bytes differ on Node
 * 24.22.3 x64), so a release built with whichever is on PATH could not be
 * rebuilt bit for bit elsewhere.
 *
 * Only sections that nothing loads are removed (`.symtab`, `.strtab`,
 * `.debug_*`, none of them `SHF_ALLOC`), and only when they lie after every
 * loaded segment and every kept section: the file is cut where they begin,
 * then the section names and the section header table are written after it.
 * Any other layout is refused (the binary is then used unstripped).
 *
 * @since 0.1.0
 */

const SHT_SYMTAB = 2
const SHT_STRTAB = 3
const SHT_NOBITS = 8
const SHF_ALLOC = 2n
const SHF_INFO_LINK = 0x40n

interface Section {
  readonly index: number
  readonly name: string
  readonly header: Buffer
  readonly type: number
  readonly flags: bigint
  readonly offset: number
  readonly size: number
}

/**
 * The executable without its symbol table and debugging sections, or a
 * reason why this layout cannot be stripped safely.
 *
 * @since 0.1.0
 * @category build
 */
export const stripElf = (elf: Buffer): { readonly stripped: Buffer } | { readonly refused: string } => {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) return { refused: "not an ELF file" }
  if (elf[4] !== 2 || elf[5] !== 1) return { refused: "not a 64-bit little-endian ELF file" }
  const phoff = Number(elf.readBigUInt64LE(0x20))
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const phentsize = elf.readUInt16LE(0x36)
  const phnum = elf.readUInt16LE(0x38)
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const shstrndx = elf.readUInt16LE(0x3e)
  // No sections (shnum 0) fails the last test too.
  if (shentsize !== 64 || shstrndx >= shnum) return { refused: "unexpected section header table" }
  const headers = Array.from({ length: shnum }, (_, i) => elf.subarray(shoff + i * 64, shoff + (i + 1) * 64))
  const names = headers[shstrndx]!
  const namesAt = Number(names.readBigUInt64LE(24))
  const sections: Array<Section> = headers.map((header, index) => {
    const nameAt = namesAt + header.readUInt32LE(0)
    return {
      index,
      name: elf.toString("latin1", nameAt, elf.indexOf(0, nameAt)),
      header,
      type: header.readUInt32LE(4),
      flags: header.readBigUInt64LE(8),
      offset: Number(header.readBigUInt64LE(24)),
      size: Number(header.readBigUInt64LE(32)),
    }
  })
  const dropped = (s: Section) =>
    s.index !== 0 &&
    s.index !== shstrndx &&
    (s.flags & SHF_ALLOC) === 0n &&
    (s.type === SHT_SYMTAB || s.type === SHT_STRTAB || s.name.startsWith(".debug"))
  const drop = sections.filter(dropped)
  if (drop.length === 0) return { refused: "no symbol table or debugging sections" }
  const cut = Math.min(...drop.map((s) => s.offset))
  const kept = sections.filter((s) => !dropped(s))
  for (const s of kept) {
    if (s.index !== shstrndx && s.type !== SHT_NOBITS && s.offset + s.size > cut) {
      return { refused: `section ${s.name} lies after the symbol table` }
    }
  }
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (Number(elf.readBigUInt64LE(at + 8)) + Number(elf.readBigUInt64LE(at + 32)) > cut) {
      return { refused: "a loaded segment lies after the symbol table" }
    }
  }
  const newIndex = new Map(kept.map((s, i) => [s.index, i]))
  const namesOut = elf.subarray(namesAt, namesAt + sections[shstrndx]!.size)
  const namesOffset = cut
  const tableOffset = Math.ceil((namesOffset + namesOut.length) / 8) * 8
  const out = Buffer.alloc(tableOffset + kept.length * 64)
  elf.copy(out, 0, 0, cut)
  namesOut.copy(out, namesOffset)
  for (const [i, s] of kept.entries()) {
    const header = Buffer.from(s.header)
    const link = header.readUInt32LE(40)
    if (link !== 0) {
      const mapped = newIndex.get(link)
      if (mapped === undefined) return { refused: `section ${s.name} links to a removed section` }
      header.writeUInt32LE(mapped, 40)
    }
    if ((s.flags & SHF_INFO_LINK) !== 0n) {
      const mapped = newIndex.get(header.readUInt32LE(44))
      if (mapped === undefined) return { refused: `section ${s.name} refers to a removed section` }
      header.writeUInt32LE(mapped, 44)
    }
    if (s.index === shstrndx) header.writeBigUInt64LE(BigInt(namesOffset), 24)
    header.copy(out, tableOffset + i * 64)
  }
  out.writeBigUInt64LE(BigInt(tableOffset), 0x28)
  out.writeUInt16LE(kept.length, 0x3c)
  out.writeUInt16LE(newIndex.get(shstrndx)!, 0x3e)
  return { stripped: out }
}
