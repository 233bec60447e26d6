/**
 * The rooms of `npm run mutate`: which hand-written modules each one mutates
 * and which fast in-process suites judge its mutants. Read by scripts/mutate
 * (Stryker's `--mutate`), vitest.mutate.config.ts (the suites of the rooms
 * being run, through `MUTATE_ROOMS`) and scripts/mutationScore (the score per
 * room). Suites that drive a built executable, terraform or a CDK CLI cannot
 * see a mutant in `src/` and are left out; so are generated modules (the
 * tfplugin6 codec, the CDKTF bindings). What survives each room's last run,
 * and why it may, is listed in test/mutation-survivors.md.
 *
 * @since 0.1.0
 */

/**
 * One room: folders it mutates (`dirs`, minus the folders or files in
 * `skip`), and the suites run against its mutants.
 *
 * @since 0.1.0
 * @category models
 */
export interface MutationRoom {
  readonly name: string
  readonly dirs: ReadonlyArray<string>
  readonly skip?: ReadonlyArray<string>
  readonly tests: ReadonlyArray<string>
}

/**
 * Every room, in the order `npm run mutate` with no argument runs them.
 *
 * @since 0.1.0
 * @category rooms
 */
export const mutationRooms: ReadonlyArray<MutationRoom> = [
  {
    name: "atlas",
    dirs: ["src/atlas/"],
    tests: [
      "test/atlas/AtlasAuth.test.ts",
      "test/atlas/AtlasConfig.test.ts",
      "test/atlas/AtlasError.test.ts",
      "test/atlas/AtlasResponse.test.ts",
      "test/atlas/AtlasRetry.test.ts",
      "test/atlas/AtlasTransport.test.ts",
      "test/atlas/DigestChallenge.test.ts",
      "test/atlas/FlexRestoreJobRef.test.ts",
      "test/atlas/NodeHttpClient.test.ts",
      "test/atlas/UserAgent.test.ts",
      "test/atlas/echoedSecrets.test.ts",
      "test/atlas/freshClients.test.ts",
      "test/atlas/freshParsing.test.ts",
      "test/atlas/layer.test.ts",
      "test/atlas/maskSecrets.test.ts",
      "test/atlas/wait.test.ts",
      "test/hardening/properties.test.ts",
      "test/cli/format.test.ts",
    ],
  },
  {
    name: "datasource",
    dirs: ["src/datasource/"],
    tests: [
      "test/datasource/**/*.test.ts",
      "test/hardening/properties.test.ts",
      "test/cli/format.test.ts",
      "test/provider/tfplugin6/providerServer.test.ts",
    ],
  },
  {
    name: "provider",
    dirs: ["src/provider/host/", "src/provider/tfplugin6/"],
    skip: ["src/provider/tfplugin6/proto/"],
    // test/release/units.test.ts judges the code cache's folder and file writes (src/provider/host/CodeCache.ts),
    // which the release installs and the single executable uses.
    tests: ["test/provider/host/**/*.test.ts", "test/provider/tfplugin6/**/*.test.ts", "test/release/units.test.ts"],
  },
  {
    name: "release",
    dirs: ["src/release/"],
    // The in-process suites; test/release/release.test.ts and install.test.ts drive the built release and CLI
    // with terraform, which no mutant of src/ reaches.
    tests: ["test/release/units.test.ts", "test/release/unit/**/*.test.ts"],
  },
  {
    name: "cdktf",
    dirs: ["src/cdktf/"],
    skip: ["src/cdktf/generated/", "src/cdktf/cdktn/generated/"],
    tests: [
      "test/cdktf/cdktn.test.ts",
      "test/cdktf/construct.test.ts",
      "test/cdktf/lookup.test.ts",
      "test/cdktf/twoProviders.test.ts",
      "test/cdktf/binding.test.ts",
      "test/cdktf/flavours.test.ts",
    ],
  },
  {
    name: "cli",
    dirs: ["src/cli/"],
    // The executable's entry (process streams, signals, exit): only test/cli/cli.test.ts, which runs the built
    // bundle, exercises it.
    skip: ["src/cli/main.ts"],
    tests: ["test/cli/format.test.ts", "test/cli/hints.test.ts", "test/cli/inProcess.test.ts"],
  },
  {
    name: "emulator",
    dirs: ["src/emulator/"],
    tests: ["test/emulator/**/*.test.ts"],
  },
]

/**
 * The rooms named in `names` (comma-separated, as `MUTATE_ROOMS` holds them),
 * or every room for none. Throws on an unknown name, listing the known ones.
 *
 * @since 0.1.0
 * @category rooms
 */
export const selectRooms = (names: string | undefined): ReadonlyArray<MutationRoom> => {
  if (names === undefined || names.trim() === "") return mutationRooms
  return names.split(",").map((name) => {
    const room = mutationRooms.find((r) => r.name === name.trim())
    if (room === undefined)
      throw new Error(`Unknown mutation room "${name}": one of ${mutationRooms.map((r) => r.name).join(", ")}.`)
    return room
  })
}

/**
 * Stryker's `mutate` globs of some rooms: every `.ts` file of their folders
 * but declaration files and the skipped folders.
 *
 * @since 0.1.0
 * @category rooms
 */
export const mutateGlobs = (rooms: ReadonlyArray<MutationRoom>): Array<string> => [
  ...rooms.flatMap((r) => r.dirs.map((dir) => `${dir}**/*.ts`)),
  ...rooms.flatMap((r) => (r.skip ?? []).map((dir) => `!${dir}**`)),
  "!**/*.d.ts",
]

/**
 * The room a mutated file belongs to (its path relative to the repository).
 *
 * @since 0.1.0
 * @category rooms
 */
export const roomOf = (file: string): string =>
  mutationRooms.find(
    (r) => r.dirs.some((dir) => file.startsWith(dir)) && !(r.skip ?? []).some((dir) => file.startsWith(dir)),
  )?.name ?? "other"
