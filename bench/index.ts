/**
 * `npm run bench`: runs every room's benchmark in one process, one after the
 * other, then prints one summary table of every figure with its target.
 * Pass room names to run only those (`npm run bench -- atlas provider`).
 */
import type { BenchRow } from "./row.js"

const rooms: ReadonlyArray<string> = ["atlas", "cdktf", "provider", "release", "cli", "load"]

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))

const main = async () => {
  const only = process.argv.slice(2)
  const rows: Array<BenchRow> = []
  for (const room of rooms) {
    if (only.length > 0 && !only.includes(room)) continue
    let mod: { run: () => Promise<Array<BenchRow>> }
    try {
      mod = await import(`./${room}.js`)
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String(e).includes(`${room}.js`)) {
        console.error(`bench: no bench/${room}.ts yet, skipped`)
        continue
      }
      throw e
    }
    console.error(`bench: ${room} ...`)
    rows.push(...(await mod.run()))
  }
  const table = rows.map((r) => [
    `#${r.issue}`,
    r.name,
    `${Number.isInteger(r.value) ? r.value : r.value.toFixed(r.value < 10 ? 3 : 1)} ${r.unit}`,
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "met" : "NOT MET",
    r.note ?? "",
  ])
  const header = ["issue", "figure", "value", "target", "", "note"]
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)))
  console.log("\nSummary (all figures measured side by side in this run)")
  for (const row of [header, ...table])
    console.log(
      row
        .map((c, i) => pad(c, widths[i]!))
        .join("  ")
        .trimEnd(),
    )
}

await main()
