/**
 * Builds `release/` (when missing or stale) before any test file runs, so the
 * build's CPU (esbuild, the arm64 Node under qemu-user, zipping ~215 MB) does
 * not compete with the other files' tests on a small machine. A run limited
 * to files none of which needs it skips it; the release suite's
 * own beforeAll builds whatever is still missing.
 */
import { ensureRelease } from "./support.js"

export default async function setup(): Promise<void> {
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith("-") && arg !== "run" && arg !== "vitest")
  const needs = ["test/release/release.test.ts", "test/release/install.test.ts"]
  if (filters.length > 0 && !filters.some((f) => needs.some((n) => n.includes(f) || f.includes(n)))) return
  await ensureRelease()
}
