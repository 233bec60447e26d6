/**
 * README.md's fenced blocks, each with the `<!-- readme-test: <mode> — <reason> -->`
 * directive on the line before it (see test/readme.test.ts's header), and the
 * rewriting of an `npm install atlas-flex-restore` line to the packed tarball:
 * shared by test/readme.test.ts and the suites that run blocks it leaves to
 * them (test/package/cdkCli.test.ts).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { repoRoot } from "./package/packed.js"

/** One fenced block of the README. */
export interface Block {
  readonly line: number
  readonly lang: string
  readonly code: string
  readonly mode: string | undefined
  readonly reason: string | undefined
}

const directive = /^<!--\s*readme-test:\s*([\w-]+)\s*(?:[—–-]+\s*(.*?))?\s*-->$/

/** The fenced blocks of a markdown text, each with the directive just before it. */
export const readmeBlocks = (markdown: string): Array<Block> => {
  const lines = markdown.split("\n")
  const blocks: Array<Block> = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!)
    if (open === null) continue
    let end = i + 1
    while (end < lines.length && lines[end] !== "```") end++
    let before = i - 1
    while (before >= 0 && lines[before]!.trim() === "") before--
    const d = before >= 0 ? directive.exec(lines[before]!.trim()) : null
    blocks.push({
      line: i + 1,
      lang: open[1]!,
      code: lines.slice(i + 1, end).join("\n") + "\n",
      mode: d?.[1],
      reason: d?.[2],
    })
    i = end
  }
  return blocks
}

/** The blocks of this repository's README.md. */
export const readme = (): Array<Block> => readmeBlocks(readFileSync(join(repoRoot, "README.md"), "utf8"))

/** An sh block with the word `atlas-flex-restore` of its `npm install` (or `npm i`) lines made `tarball`. */
export const withTarball = (code: string, tarball: string): string =>
  code
    .split("\n")
    .map((line) =>
      /^\s*npm (install|i)\s/.test(line)
        ? line
            .split(" ")
            .map((word) => (word === "atlas-flex-restore" ? tarball : word))
            .join(" ")
        : line,
    )
    .join("\n")
