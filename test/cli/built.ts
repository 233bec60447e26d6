/**
 * The CLI tests drive the built executable, as users run it. This rebuilds
 * `dist` when any compiled source is newer than the CLI's bundle.
 */
import { spawn, spawnSync } from "node:child_process"
import { existsSync, readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

export const root = fileURLToPath(new URL("../..", import.meta.url))
export const bin = join(root, "bin", "atlas-flex-restore.js")
const entry = join(root, "dist", "cli", "atlas-flex-restore.mjs")

const newestSource = (dir: string): number => {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path))
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs)
  }
  return newest
}

const mtime = (path: string) => (existsSync(path) ? statSync(path).mtimeMs : 0)

/** Builds `dist` if the CLI's bundle is missing or older than `src/` or `scripts/`. */
export const ensureBuilt = (): void => {
  const sources = Math.max(newestSource(join(root, "src")), newestSource(join(root, "scripts")))
  if (mtime(entry) >= sources) return
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" })
  if (mtime(entry) >= sources) return
  // Another room's half-written file can fail the type check, which stops the
  // build before the bundle step while tsc has still emitted our modules.
  spawnSync(process.execPath, [join(root, "dist", "scripts", "bundle-cli.js")], { cwd: root, encoding: "utf8" })
  if (mtime(entry) < sources) throw new Error(`npm run build did not produce ${entry}:\n${build.stdout}${build.stderr}`)
}

export interface Ran {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the CLI with exactly `env` (plus PATH), so nothing leaks in from the machine running the tests. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env["PATH"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })
