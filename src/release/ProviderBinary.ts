/**
 * Packs the provider plugin's bundles (`dist/provider/`) into one
 * self-contained executable for Linux on x64 or arm64: a Node 24 single
 * executable application (SEA) made from the pinned `node-linux-*` binaries
 * (`NodeBinary.ts`). `npm run release` (`scripts/release/`) and
 * `atlas-flex-restore provider install` both build it this way.
 *
 * The same sources and pinned Node give the same bytes wherever and whenever
 * it runs (another folder, user, HOME, TMPDIR, umask, day):
 * - The main script is `src/provider/sea.ts`; the plugin and reader bundles
 *   are assets, with no V8 code cache: a code cache's bytes differ at every
 *   compile (V8's random hash seed; a fixed `--hash-seed` makes them equal,
 *   but V8 then accepts them only in a process started with that same seed,
 *   which would fix the seed of every user's provider). The executable writes
 *   its caches itself at its first start, into the user's cache folder
 *   (`src/provider/sea.ts`). The blob is made by the target's own Node:
 *   natively, or under qemu-user for the other architecture
 *   (`qemu-aarch64-static -L /usr/aarch64-linux-gnu`, no binfmt_misc
 *   registration).
 * - The pinned Node binary is checked against its SHA-256 when the build
 *   reads it, and every later step uses the bytes it checked.
 * - It is stripped of its symbol table and debugging sections by
 *   `ElfStrip.ts` (127 MB → 109 MB on x64), not by whichever `strip` is on
 *   PATH (GNU strip and llvm-strip write different bytes), then `postject`
 *   injects the blob.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { arch as hostArch, tmpdir } from "node:os"
import { join } from "node:path"
import { stripElf } from "./ElfStrip.js"
import { fetchNodeBinary, NODE_BINARIES, readVerifiedNode } from "./NodeBinary.js"
import { checkInterrupted, runStep, writeNewFile } from "./Step.js"

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
 * qemu-user with the arm64 C libraries of `crossRoot`; `undefined` (with the
 * reason) when neither is possible.
 *
 * @since 0.1.0
 * @category emulation
 */
export const runnerFor = (
  arch: Arch,
  crossRoot: string = AARCH64_PREFIX,
): { readonly prefix: ReadonlyArray<string> } | { readonly prefix?: undefined; readonly missing: string } => {
  if (arch === hostArch()) return { prefix: [] }
  if (arch === "arm64") {
    const qemu = onPath("qemu-aarch64-static") ?? onPath("qemu-aarch64")
    if (qemu === undefined || !existsSync(join(crossRoot, "lib"))) {
      return {
        missing:
          "running arm64 binaries here needs qemu-user and the arm64 C libraries: apt-get install -y qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross",
      }
    }
    return { prefix: [qemu, "-L", crossRoot] }
  }
  return { missing: `no way to run ${arch} binaries on ${hostArch()}` }
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
export const BUNDLE_FILES = ["plugin.cjs", "reader.cjs", "sea-main.cjs"] as const

/**
 * The asset that identifies the executable's code (a SHA-256 of the pinned
 * Node binary, the bundles and the options): the key of the code caches it
 * writes (`src/provider/sea.ts`).
 *
 * @since 0.1.0
 * @category constants
 */
export const BUILD_ID_ASSET = "build-id"

/**
 * The build id of an executable (its {@link BUILD_ID_ASSET}): a SHA-256 of the
 * pinned Node binary's SHA-256, the `execArgv` and each bundle, named (so that
 * bytes moved from one bundle to the next give another id).
 *
 * @since 0.1.0
 * @category build
 */
export const seaBuildId = (options: {
  readonly nodeSha256: string
  readonly execArgv: ReadonlyArray<string>
  readonly sources: Readonly<Record<(typeof BUNDLE_FILES)[number], Uint8Array>>
}): string => {
  const buildId = createHash("sha256")
  buildId.update(options.nodeSha256).update(JSON.stringify(options.execArgv))
  for (const file of BUNDLE_FILES) buildId.update(`\n${file}\n`).update(options.sources[file])
  return buildId.digest("hex")
}

/**
 * Packs the plugin bundles of `bundleDir` into the executable for `arch`,
 * written to `outFile`, a new file (refused if it exists or is a symlink),
 * mode 0755, once everything else succeeded. `bundleDir` is only read; the
 * work happens in a temporary folder under `workParent` (default: TMPDIR),
 * removed before this returns or throws. An aborted `signal` stops the
 * running step and rejects with `Interrupted`.
 *
 * @since 0.1.0
 * @category build
 */
export const packProviderBinary = async (options: {
  readonly arch: Arch
  readonly bundleDir: string
  readonly outFile: string
  /** @default true */
  readonly strip?: boolean
  /** Where the pinned Node binaries are kept (default: the package's `.cache/node`). */
  readonly nodeCacheDir?: string
  readonly workParent?: string
  readonly signal?: AbortSignal
}): Promise<BuiltBinary> => {
  const { arch, signal } = options
  const what = `building the linux_${terraformArch[arch]} executable`
  const runner = runnerFor(arch)
  if (runner.prefix === undefined)
    throw new Error(`cannot build the linux_${terraformArch[arch]} binary: ${runner.missing}`)
  const key = arch === "x64" ? "linux-x64-24" : "linux-arm64-24"
  const pinned = options.nodeCacheDir === undefined ? fetchNodeBinary(key) : fetchNodeBinary(key, options.nodeCacheDir)
  const node = readVerifiedNode(key, pinned)
  const work = mkdtempSync(join(options.workParent ?? tmpdir(), `.provider-sea-${arch}-`))
  try {
    // The checked bytes, not the cache's file, make the blob and the executable.
    const checkedNode = join(work, "node")
    // Executable whatever the umask.
    writeFileSync(checkedNode, node)
    chmodSync(checkedNode, 0o755)
    const sources = Object.fromEntries(
      BUNDLE_FILES.map((file) => [file, readFileSync(join(options.bundleDir, file))] as const),
    ) as Record<(typeof BUNDLE_FILES)[number], Buffer>
    const assets: Record<string, string> = {}
    for (const file of BUNDLE_FILES) {
      writeFileSync(join(work, file), sources[file])
      if (file !== "sea-main.cjs") assets[file] = file
    }
    writeFileSync(
      join(work, BUILD_ID_ASSET),
      seaBuildId({ nodeSha256: NODE_BINARIES[key].sha256, execArgv: SEA_EXEC_ARGV, sources }),
    )
    assets[BUILD_ID_ASSET] = BUILD_ID_ASSET
    // Relative to the work folder: the blob records the main script's path as given.
    const config = {
      main: "sea-main.cjs",
      output: "sea.blob",
      disableExperimentalSEAWarning: true,
      useSnapshot: false,
      useCodeCache: false,
      execArgv: SEA_EXEC_ARGV,
      // NODE_OPTIONS meant for other Node programs must not change the plugin.
      execArgvExtension: "none",
      assets,
    }
    writeFileSync(join(work, "sea-config.json"), JSON.stringify(config, null, 2))
    await runStep(
      [...runner.prefix, checkedNode, "--experimental-sea-config", "sea-config.json"],
      // Nothing from the caller's environment (NODE_OPTIONS and the like) reaches the blob.
      { cwd: work, env: {}, signal },
      `making the ${arch} blob`,
    )
    const stripped = options.strip === false ? undefined : stripElf(node)
    if (stripped !== undefined && "refused" in stripped && options.strip === true) {
      throw new Error(`${what}: cannot strip ${pinned}: ${stripped.refused}`)
    }
    const exe = join(work, "executable")
    // Only read and written here; the output file gets its mode when it is written.
    writeFileSync(exe, stripped !== undefined && "stripped" in stripped ? stripped.stripped : node)
    checkInterrupted(signal, what)
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
    checkInterrupted(signal, what)
    const bytes = readFileSync(exe)
    writeNewFile(options.outFile, bytes, 0o755)
    return {
      outFile: options.outFile,
      bytes: bytes.length,
      stripped: stripped !== undefined && "stripped" in stripped,
      nodeVersion: NODE_BINARIES[key].version,
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
