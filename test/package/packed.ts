/**
 * The package as npm would ship it, installed the way a user installs it:
 * `npm pack` into a temporary folder, then a temporary project (its own HOME,
 * never the real one) where the tests run `npm install` on the tarball.
 *
 * npm reads the registry for the package's dependencies (effect, and cdktf +
 * constructs for the CDKTF entry) through a cache kept in this repository's
 * `.cache/npm`, `--prefer-offline`, so only the first run downloads them.
 */
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

export const repoRoot = resolve(import.meta.dirname, "../..")

/** What `npm pack --json` says about the tarball. */
export interface Packed {
  readonly tarball: string
  readonly size: number
  readonly unpackedSize: number
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>
}

/** Packs the built package (no build: `npm ci` built it) into a fresh folder. */
export const pack = (): Packed => {
  const dir = mkdtempSync(join(tmpdir(), "atlas-flex-restore-pack-"))
  const ran = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], {
    cwd: repoRoot,
    encoding: "utf8",
    env: npmEnv(dir),
    timeout: 120_000,
  })
  if (ran.status !== 0) throw new Error(`npm pack failed:\n${ran.stderr}`)
  const [info] = JSON.parse(ran.stdout) as Array<Omit<Packed, "tarball"> & { filename: string }>
  return { ...info!, tarball: join(dir, info!.filename) }
}

/**
 * The environment of a user's shell: the test's own, without npm's lifecycle
 * variables or any Atlas configuration, with `home` as HOME and npm pointed at
 * the repository's cache.
 */
export const npmEnv = (home: string): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|MONGODB_ATLAS_|MCLI_|ATLAS_FLEX_|TF_|VITEST|NODE_OPTIONS$)/i.test(name)) continue
    env[name] = value
  }
  return {
    ...env,
    HOME: home,
    CHECKPOINT_DISABLE: "1",
    npm_config_cache: join(repoRoot, ".cache", "npm"),
    npm_config_prefer_offline: "true",
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
  }
}

/** A fresh project folder with its own HOME beside it; returns both. */
export const userProject = (name: string): { readonly dir: string; readonly home: string } => {
  const root = mkdtempSync(join(tmpdir(), `atlas-flex-restore-${name}-`))
  const dir = join(root, "project")
  const home = join(root, "home")
  mkdirSync(dir)
  mkdirSync(home)
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, private: true, type: "module" }, null, 2) + "\n")
  return { dir, home }
}

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs a command to its end without blocking the event loop (an emulator may
 * be answering from this process), killed after `timeoutMillis`.
 */
export const run = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv; readonly timeoutMillis?: number },
): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: options.timeoutMillis ?? 180_000,
      killSignal: "SIGKILL",
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

/** The repository's TypeScript compiler, for checking code against the installed package. */
export const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc")

/**
 * A strict tsconfig in `dir` that compiles `files` to `out/` as ES modules,
 * with Node's types from this repository.
 */
export const writeTsconfig = (dir: string, files: ReadonlyArray<string>): void =>
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: true,
          types: ["node"],
          typeRoots: [join(repoRoot, "node_modules", "@types")],
          rootDir: ".",
          outDir: "out",
        },
        files,
      },
      null,
      2,
    ),
  )
