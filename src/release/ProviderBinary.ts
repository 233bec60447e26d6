/**
 * Packs the provider plugin's bundles (`dist/provider/`) into one
 * self-contained executable for Linux on x64 or arm64: a Node 24 single
 * executable application (SEA) made from the pinned `node-linux-*` binaries
 * (`NodeBinary.ts`). `npm run release` (`scripts/release/`) and
 * `atlas-flex-restore provider install` both build it this way.
 *
 * - The main script is `src/provider/sea.ts`, with V8's code cache
 *   (`useCodeCache`); the plugin and reader bundles and their code caches are
 *   assets. A code cache only loads in the Node build and on the platform
 *   that compiled it, so every step that compiles (writing the bundles'
 *   caches, making the blob) runs that platform's Node: natively, or under
 *   qemu-user for the other architecture (`qemu-aarch64-static -L
 *   /usr/aarch64-linux-gnu`, no binfmt_misc registration).
 * - The Node binary is stripped of its symbol table (the npm builds are not
 *   stripped: 127 MB → 109 MB on x64) when a strip tool for that
 *   architecture is on PATH, then `postject` injects the blob.
 *
 * @since 0.1.0
 */
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { arch as hostArch, tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { NODE_BINARIES, nodeBinary } from "./NodeBinary.js"

/**
 * The architectures a binary is built for, by Node's name.
 *
 * @since 0.1.0
 * @category models
 */
export type Arch = "x64" | "arm64"

/**
 * Terraform's name of each architecture (`linux_amd64`, `linux_arm64`).
 *
 * @since 0.1.0
 * @category constants
 */
export const terraformArch: Record<Arch, string> = { x64: "amd64", arm64: "arm64" }

/**
 * The sentinel Node looks for to know that a blob was injected.
 *
 * @since 0.1.0
 * @category constants
 */
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2"

/**
 * Where the arm64 cross libraries live (Debian's `libc6-arm64-cross`), for qemu-user.
 *
 * @since 0.1.0
 * @category constants
 */
export const AARCH64_PREFIX = "/usr/aarch64-linux-gnu"

const onPath = (command: string): string | undefined => {
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, command))) return join(dir, command)
  }
  return undefined
}

/**
 * How to run a program built for `arch` on this machine: directly, or under
 * qemu-user; `undefined` (with the reason) when neither is possible.
 *
 * @since 0.1.0
 * @category emulation
 */
export const runnerFor = (
  arch: Arch,
): { readonly prefix: ReadonlyArray<string> } | { readonly prefix?: undefined; readonly missing: string } => {
  if (arch === hostArch()) return { prefix: [] }
  if (arch === "arm64") {
    const qemu = onPath("qemu-aarch64-static") ?? onPath("qemu-aarch64")
    if (qemu === undefined || !existsSync(join(AARCH64_PREFIX, "lib"))) {
      return {
        missing:
          "running arm64 binaries here needs qemu-user and the arm64 C libraries: apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross",
      }
    }
    return { prefix: [qemu, "-L", AARCH64_PREFIX] }
  }
  return { missing: `no way to run ${arch} binaries on ${hostArch()}` }
}

const stripTool = (arch: Arch): string | undefined =>
  onPath("llvm-strip") ??
  (arch === hostArch() ? onPath("strip") : undefined) ??
  (arch === "arm64" ? onPath("aarch64-linux-gnu-strip") : onPath("x86_64-linux-gnu-strip"))

const run = (argv: ReadonlyArray<string>, options: { cwd: string; env?: NodeJS.ProcessEnv }, what: string) => {
  const result = spawnSync(argv[0]!, argv.slice(1), {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env["PATH"] ?? "" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  })
  if (result.status !== 0) {
    throw new Error(`${what} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr.trim()}`)
  }
}

/**
 * What a build did, for its caller to print.
 *
 * @since 0.1.0
 * @category models
 */
export interface BuiltBinary {
  readonly outFile: string
  readonly bytes: number
  readonly stripped: boolean
  readonly nodeVersion: string
}

/**
 * The options Node starts the executable with (its `execArgv`):
 * - `--use-openssl-ca`, as the launcher: no parsing of Node's bundled root
 *   store at start (the Atlas client is given its roots explicitly);
 * - `--min-semi-space-size=16` (MB): a start allocates ~7 MB, which overflows
 *   the default first young generation once, a scavenge of ~3 ms of CPU
 *   before the handshake; a heap-size flag, it leaves the code caches valid.
 *
 * @since 0.1.0
 * @category constants
 */
export const SEA_EXEC_ARGV: ReadonlyArray<string> = ["--use-openssl-ca", "--min-semi-space-size=16"]

/**
 * The files of a plugin bundle directory the executable is made from
 * (`scripts/bundle-provider.ts` writes them to `dist/provider/`).
 *
 * @since 0.1.0
 * @category constants
 */
export const BUNDLE_FILES = ["launch.cjs", "plugin.cjs", "reader.cjs", "sea-main.cjs"] as const

/**
 * Packs the plugin bundles of `bundleDir` into the executable for `arch`,
 * written to `outFile` (last, after everything else succeeded). `bundleDir`
 * is only read: the code caches are written in a temporary copy.
 *
 * @since 0.1.0
 * @category build
 */
export const packProviderBinary = async (options: {
  readonly arch: Arch
  readonly bundleDir: string
  readonly outFile: string
  /** @default true when a strip tool for `arch` is on PATH */
  readonly strip?: boolean
  /** Where the pinned Node binaries are kept (default: the package's `.cache/node`). */
  readonly nodeCacheDir?: string
}): Promise<BuiltBinary> => {
  const { arch } = options
  const runner = runnerFor(arch)
  if (runner.prefix === undefined) {
    throw new Error(`cannot build the linux_${terraformArch[arch]} binary: ${runner.missing}`)
  }
  const key = arch === "x64" ? "linux-x64-24" : "linux-arm64-24"
  const node = options.nodeCacheDir === undefined ? nodeBinary(key) : nodeBinary(key, options.nodeCacheDir)
  const work = mkdtempSync(join(tmpdir(), `provider-sea-${arch}-`))
  try {
    const bundle = join(work, "bundle")
    mkdirSync(bundle)
    for (const file of BUNDLE_FILES) copyFileSync(join(options.bundleDir, file), join(bundle, file))
    // The bundles' caches, compiled by this platform's Node 24.
    run(
      [...runner.prefix, node, join(bundle, "launch.cjs")],
      { cwd: bundle, env: { PATH: process.env["PATH"] ?? "", ATLAS_PROVIDER_WRITE_CODE_CACHE: "1" } },
      `writing the ${arch} code caches`,
    )
    const assets: Record<string, string> = {}
    for (const key of ["plugin.cjs", "reader.cjs"]) {
      assets[key] = join(bundle, key)
      assets[`${key}.cache`] = join(bundle, `${key}.cache`)
    }
    const config = {
      main: join(bundle, "sea-main.cjs"),
      output: join(work, "sea.blob"),
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: true,
      execArgv: SEA_EXEC_ARGV,
      // NODE_OPTIONS meant for other Node programs must not change the plugin.
      execArgvExtension: "none",
      assets,
    }
    writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2))
    run(
      [...runner.prefix, node, "--experimental-sea-config", "sea-config.json"],
      { cwd: work },
      `making the ${arch} blob`,
    )

    const exe = join(work, "terraform-provider-mongodbatlas")
    const strip = options.strip === false ? undefined : stripTool(arch)
    if (options.strip === true && strip === undefined) throw new Error(`no strip tool for ${arch} on PATH`)
    if (strip !== undefined) run([strip, "-o", exe, node], { cwd: work }, `stripping the ${arch} Node binary`)
    else copyFileSync(node, exe)
    chmodSync(exe, 0o755)
    // CommonJS: its exports are `default` once bundled as ES module (the CLI), named under Node.
    const postject: typeof import("postject") & { default?: typeof import("postject") } = await import("postject")
    const inject = postject.default?.inject ?? postject.inject
    // postject reports a harmless LIEF warning on stripped binaries through console.warn.
    const warn = console.warn
    console.warn = () => {}
    try {
      await inject(exe, "NODE_SEA_BLOB", readFileSync(join(work, "sea.blob")), { sentinelFuse: SEA_FUSE })
    } finally {
      console.warn = warn
    }
    const outFile = resolve(options.outFile)
    mkdirSync(dirname(outFile), { recursive: true })
    const temp = `${outFile}.${process.pid}.tmp`
    copyFileSync(exe, temp)
    chmodSync(temp, 0o755)
    renameSync(temp, outFile)
    return {
      outFile,
      bytes: statSync(outFile).size,
      stripped: strip !== undefined,
      nodeVersion: NODE_BINARIES[key].version,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
