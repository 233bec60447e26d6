/**
 * What the launcher hands the plugin bundle (two bundles, one process): the
 * launch info under a global symbol that every copy of LaunchHooks shares, and
 * the start clock that begins at the launch. Both are module-level code, so the
 * modules are loaded afresh inside the test (`?fresh`), with any mutant active.
 */
import { afterEach, describe, expect, it } from "vitest"
import { epochMillis, uptimeMillis } from "../../../src/provider/host/Clock.js"
import { Launch } from "../../../src/provider/host/LaunchHooks.js"
import type { LaunchInfo } from "../../../src/provider/host/LaunchHooks.js"
import { loadFresh } from "../../fresh.js"

/** A copy of `src/provider/host/<file>` of its own, evaluated now. */
const fresh = <M>(file: string) => loadFresh<M>(new URL(`../../../src/provider/host/${file}`, import.meta.url))

const before = Launch.get()
afterEach(() => void Launch.set(before as LaunchInfo))

describe("the launch hooks", () => {
  it("hand the launcher's info to another copy of the module (the plugin bundle's)", async () => {
    const info = { launchedAt: 12.5 }
    expect(Launch.set(info)).toBe(info)
    expect(Launch.get()).toBe(info)
    const copy = await fresh<typeof import("../../../src/provider/host/LaunchHooks.js")>("LaunchHooks.ts")
    expect(copy.Launch.get()).toBe(info)
    const other = { launchedAt: 99 }
    copy.Launch.set(other)
    expect(Launch.get()).toBe(other)
  })

  it("start the plugin's clock at the launch, when a launcher noted it", async () => {
    Launch.set({ launchedAt: 12.5 })
    expect((await fresh<typeof import("../../../src/provider/host/StartClock.js")>("StartClock.ts")).bootMillis).toBe(
      12.5,
    )
  })

  it("start the plugin's clock at its own first line without a launcher", async () => {
    Launch.set(undefined as never)
    const earliest = uptimeMillis()
    const { bootMillis } = await fresh<typeof import("../../../src/provider/host/StartClock.js")>("StartClock.ts")
    expect(bootMillis).toBeGreaterThanOrEqual(earliest)
    expect(bootMillis).toBeLessThanOrEqual(uptimeMillis())
  })
})

describe("the wall clock of log lines", () => {
  it("moves forward with the monotonic clock", async () => {
    const first = epochMillis()
    const start = uptimeMillis()
    while (uptimeMillis() - start < 2) await new Promise((r) => setTimeout(r, 1))
    expect(epochMillis()).toBeGreaterThan(first)
  })
})
