/**
 * Prints the mutation score per room (scripts/mutationRooms) from Stryker's
 * JSON report (`reports/mutation/all.json`, or `<room>.json` for a run of one
 * room, written by `npm run mutate`): killed and
 * timed-out mutants over those that ran or had no test (static mutants, left
 * out by `ignoreStatic`, are not counted), and every survivor, by file and line.
 *
 * `node dist/scripts/mutationScore.js [report]`
 *
 * @since 0.1.0
 */
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { roomOf } from "./mutationRooms.js"

interface Mutant {
  readonly mutatorName: string
  readonly status: string
  readonly replacement?: string
  readonly location: { readonly start: { readonly line: number; readonly column: number } }
}

interface Report {
  readonly files: Readonly<Record<string, { readonly mutants: ReadonlyArray<Mutant> }>>
}

const detected = new Set(["Killed", "Timeout"])
const undetected = new Set(["Survived", "NoCoverage"])

const path = resolve(process.argv[2] ?? "reports/mutation/all.json")
const report = JSON.parse(readFileSync(path, "utf8")) as Report
const root = process.cwd()

const rooms = new Map<string, { killed: number; total: number; ignored: number }>()
const survivors: Array<string> = []
for (const [file, { mutants }] of Object.entries(report.files)) {
  const room = roomOf(resolve(root, file).slice(root.length + 1))
  const row = rooms.get(room) ?? { killed: 0, total: 0, ignored: 0 }
  for (const m of mutants) {
    if (detected.has(m.status)) row.killed++
    if (detected.has(m.status) || undetected.has(m.status)) row.total++
    else row.ignored++
    if (undetected.has(m.status)) {
      const where = `${file}:${m.location.start.line}:${m.location.start.column}`
      survivors.push(
        `${m.status.padEnd(10)} ${where} ${m.mutatorName}${m.replacement ? ` → ${m.replacement.replace(/\s+/g, " ").slice(0, 60)}` : ""}`,
      )
    }
  }
  rooms.set(room, row)
}

const pct = (killed: number, total: number) => (total === 0 ? "n/a" : `${((100 * killed) / total).toFixed(1)}%`)
let killed = 0
let total = 0
console.log(
  `${"room".padEnd(20)} ${"score".padStart(7)} ${"killed".padStart(7)} ${"of".padStart(5)} ${"static".padStart(7)}`,
)
for (const [room, row] of [...rooms].sort(([a], [b]) => a.localeCompare(b))) {
  killed += row.killed
  total += row.total
  console.log(
    `${room.padEnd(20)} ${pct(row.killed, row.total).padStart(7)} ${String(row.killed).padStart(7)} ${String(row.total).padStart(5)} ${String(row.ignored).padStart(7)}`,
  )
}
console.log(
  `${"all".padEnd(20)} ${pct(killed, total).padStart(7)} ${String(killed).padStart(7)} ${String(total).padStart(5)}`,
)
if (survivors.length > 0) console.log(`\nSurvivors (${survivors.length}):\n${survivors.join("\n")}`)
