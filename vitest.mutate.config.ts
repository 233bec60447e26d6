import { defineConfig } from "vitest/config"
import "./vitest.config.js"

// The fast in-process suites that exercise the mutated modules (see stryker.config.mjs): no terraform,
// no subprocess, no built dist/. (Importing vitest.config.ts installs its Node 20 shim; its include is not merged.)
// Stryker runs them once per mutant, so every second here counts: the emulator suites (test/atlas/emulator,
// test/hardening/faults) are left out, their real sockets and waits made a run take hours on two cores.
export default defineConfig({
  test: {
    include: [
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
      "test/atlas/layer.test.ts",
      "test/atlas/maskSecrets.test.ts",
      "test/atlas/wait.test.ts",
      "test/datasource/**/*.test.ts",
      "test/hardening/properties.test.ts",
      "test/cli/format.test.ts",
      "test/provider/tfplugin6/ctyMsgpack.test.ts",
      "test/provider/tfplugin6/providerServer.test.ts",
    ],
    reporters: ["default"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
