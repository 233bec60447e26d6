#!/usr/bin/env node
// The `atlas-flex-restore` command. `npm run build` compiles it to dist/src/cli/
// and bundles it to dist/cli/ (one file to load instead of hundreds: half the start-up).
import("../dist/cli/atlas-flex-restore.mjs").catch((error) => {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("atlas-flex-restore.mjs")) {
    return import("../dist/src/cli/main.js")
  }
  throw error
})
