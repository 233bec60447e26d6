import { defineConfig } from "vitest/config"
import { selectRooms } from "./scripts/mutationRooms.js"
import "./vitest.config.js"

// The fast in-process suites of the rooms being mutated (MUTATE_ROOMS, set by scripts/mutate.ts; every room when
// unset): no terraform, no built dist/, no CDK CLI. (Importing vitest.config.ts installs its Node 20 shim; its
// include is not merged.) Stryker runs the covering tests once per mutant, so every second here counts.
export default defineConfig({
  test: {
    include: [...new Set(selectRooms(process.env["MUTATE_ROOMS"]).flatMap((room) => room.tests))],
    // A room without a suite of its own (release) still runs with the others.
    passWithNoTests: true,
    reporters: ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
