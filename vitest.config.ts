import { availableParallelism } from "node:os"
import { defineConfig } from "vitest/config"
import type { Reporter } from "vitest/node"

// vitest 5 targets Node 22; on Node 20 its reporter calls `Map.groupBy` (ES2024) when printing failures
// and crashes instead of showing them. The config loads in the reporter's process, so the shim goes here.
const mapWithGroupBy = Map as unknown as { groupBy?: unknown }
if (typeof mapWithGroupBy.groupBy !== "function") {
  mapWithGroupBy.groupBy = <K, V>(items: Iterable<V>, key: (item: V, index: number) => K): Map<K, Array<V>> => {
    const groups = new Map<K, Array<V>>()
    let index = 0
    for (const item of items) {
      const k = key(item, index++)
      const group = groups.get(k)
      if (group) group.push(item)
      else groups.set(k, [item])
    }
    return groups
  }
}

// One plain closing line, "N passed, N failed, N skipped", that any CI reader understands.
const plainSummary: Reporter = {
  onTestRunEnd(modules, unhandledErrors) {
    // A file that fails to load, or an error outside any test, fails the run without failing a test: count it.
    const counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 }
    for (const module of modules) {
      if (module.errors().length > 0) counts.failed++
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === "passed") counts.passed++
        else if (state === "failed") counts.failed++
        else counts.skipped++
      }
    }
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  },
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The release (npm run release's output) is built once, before the tests, when missing or stale.
    globalSetup: ["test/release/globalSetup.ts"],
    reporters: ["default", plainSummary],
    // vitest's default is one worker less than the cores: one worker on a two-core CI machine, where most of the
    // slow files wait on subprocesses (terraform, npm, the CDK CLIs). At least two: there, the Node 20 pass took
    // 405 s instead of 512 s, side by side on the same busy machine.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
