/**
 * The rooms of the project's architecture (restated in src/provider/README.md),
 * checked on every import specifier of every module under src/: relative
 * imports by the room they reach, packages by name. Type-only imports count:
 * a room that names another's types depends on it.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join, normalize, relative } from "node:path"
import { describe, expect, it } from "vitest"

const root = join(import.meta.dirname, "..")

type Room =
  | "atlas"
  | "datasource"
  | "datasource/plugin"
  | "provider"
  | "provider/host"
  | "provider/tfplugin6"
  | "cdktf"
  | "cli"
  | "emulator"
  | "release"
  | "index"

/** The room of a file under src/, by its longest matching folder. */
const roomOf = (file: string): Room => {
  const path = file.replace(/\\/g, "/")
  for (const room of ["provider/host", "provider/tfplugin6", "datasource/plugin"] as const) {
    if (path.startsWith(`src/${room}/`)) return room
  }
  for (const room of ["atlas", "datasource", "provider", "cdktf", "cli", "emulator", "release"] as const) {
    if (path.startsWith(`src/${room}/`)) return room
  }
  if (path === "src/index.ts") return "index"
  throw new Error(`${file} is in no room`)
}

/** What each room may import: rooms (its own always), and packages. */
const rules: Record<Room, { readonly rooms: ReadonlyArray<Room>; readonly packages: "node" | "any" }> = {
  // The service: nothing from cdktf, the plugin, the CLI, and not the data source that builds on it.
  atlas: { rooms: [], packages: "any" },
  // A fake must not share the client's schemas.
  emulator: { rooms: [], packages: "any" },
  // The schema's types are the protocol's (type-only).
  datasource: { rooms: ["atlas", "provider/tfplugin6"], packages: "any" },
  // This provider's Atlas part: what the generic server is handed.
  "datasource/plugin": { rooms: ["datasource", "atlas", "provider/tfplugin6"], packages: "any" },
  // go-plugin hosting: Node built-ins and itself.
  "provider/host": { rooms: [], packages: "node" },
  // The protocol: no Atlas, no data source, no cdktf, cli or emulator.
  "provider/tfplugin6": { rooms: ["provider/host"], packages: "any" },
  // The composition root and the launcher.
  provider: { rooms: ["provider/host", "provider/tfplugin6", "datasource/plugin", "datasource"], packages: "any" },
  cdktf: { rooms: ["datasource", "atlas"], packages: "any" },
  cli: { rooms: ["atlas", "datasource", "emulator", "provider", "release"], packages: "any" },
  // The plugin packed as one executable (provider install, npm run release): it packs the bundles, never imports the plugin.
  release: { rooms: ["atlas", "datasource"], packages: "any" },
  index: { rooms: ["atlas", "datasource"], packages: "any" },
}

/** Import specifiers of a module: static imports and re-exports (type-only included), and dynamic imports. */
const specifiersOf = (source: string): Array<string> => {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|\s)\/\/.*$/gm, "$1")
  const found: Array<string> = []
  for (const m of code.matchAll(/^\s*(?:import|export)\s(?:[^;'"`]*?\sfrom\s*)?["']([^"']+)["']/gm)) found.push(m[1]!)
  for (const m of code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!)
  return found
}

/** The broken rules among `files` (path under the package root -> source). */
const violations = (files: ReadonlyMap<string, string>): Array<string> => {
  const problems: Array<string> = []
  for (const [file, source] of files) {
    const from = roomOf(file)
    const rule = rules[from]
    for (const specifier of specifiersOf(source)) {
      if (specifier.startsWith(".")) {
        const target = normalize(join(dirname(file), specifier)).replace(/\\/g, "/")
        if (!target.startsWith("src/")) {
          problems.push(`${file} imports ${specifier}, outside src/`)
          continue
        }
        const to = roomOf(target)
        if (to !== from && !rule.rooms.includes(to)) problems.push(`${file} (${from}) imports ${specifier} (${to})`)
      } else if (rule.packages === "node" && !specifier.startsWith("node:")) {
        problems.push(`${file} (${from}) imports the package ${specifier}; it may import only node: built-ins`)
      }
    }
  }
  return problems
}

const sources = (): Map<string, string> => {
  const files = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(path)
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.set(path, readFileSync(join(root, path), "utf8"))
      }
    }
  }
  walk("src")
  return files
}

describe("the rooms", () => {
  const files = sources()

  it("import only what ARCHITECTURE.md allows them", () => {
    expect(files.size).toBeGreaterThan(60)
    expect(violations(files)).toEqual([])
  })

  it("catch a forbidden import of each kind (the check can fail)", () => {
    const fake = new Map([
      ["src/provider/host/X.ts", `import { a } from "../tfplugin6/Protocol.js"\nimport b from "protobufjs"`],
      ["src/provider/tfplugin6/X.ts", `import type { A } from "../../datasource/model.js"`],
      ["src/provider/tfplugin6/Y.ts", `export { a } from "../../atlas/AtlasError.js"`],
      ["src/atlas/X.ts", `const m = await import("../cli/main.js")`],
      ["src/emulator/X.ts", `import {\n  FlexRestoreJob,\n} from "../atlas/FlexRestoreJob.js"`],
      ["src/datasource/plugin/X.ts", `import { Launch } from "../../provider/host/LaunchHooks.js"`],
      // Not imports: a string, a comment.
      ["src/provider/host/Y.ts", `const words = [\n  "from",\n  "x"]\n// import { a } from "../tfplugin6/Protocol.js"`],
    ])
    expect(violations(fake)).toEqual([
      "src/provider/host/X.ts (provider/host) imports ../tfplugin6/Protocol.js (provider/tfplugin6)",
      "src/provider/host/X.ts (provider/host) imports the package protobufjs; it may import only node: built-ins",
      "src/provider/tfplugin6/X.ts (provider/tfplugin6) imports ../../datasource/model.js (datasource)",
      "src/provider/tfplugin6/Y.ts (provider/tfplugin6) imports ../../atlas/AtlasError.js (atlas)",
      "src/atlas/X.ts (atlas) imports ../cli/main.js (cli)",
      "src/emulator/X.ts (emulator) imports ../atlas/FlexRestoreJob.js (atlas)",
      "src/datasource/plugin/X.ts (datasource/plugin) imports ../../provider/host/LaunchHooks.js (provider/host)",
    ])
  })

  it("keep Atlas's name out of the protocol", () => {
    const named = [...files]
      .filter(([file, source]) => roomOf(file) === "provider/tfplugin6" && /atlas|mongodb/i.test(source))
      .map(([file]) => file)
    expect(named).toEqual([])
  })

  it("name module files in PascalCase in the provider's rooms, entry points aside", () => {
    const rooms: ReadonlyArray<Room> = ["provider/host", "provider/tfplugin6", "datasource/plugin"]
    const entries = ["src/provider/main.ts", "src/provider/launch.ts", "src/provider/sea.ts"]
    const misnamed = [...files.keys()].filter((file) => {
      if (entries.includes(file)) return false
      const room = roomOf(file)
      if (room !== "provider" && !rooms.includes(room)) return false
      const name = relative(dirname(file), file)
      // Generated code is named for what generated it.
      return !/^[A-Z][A-Za-z0-9]*\.ts$/.test(name) && !file.endsWith("/proto/codec.ts")
    })
    expect(misnamed).toEqual([])
  })
})
