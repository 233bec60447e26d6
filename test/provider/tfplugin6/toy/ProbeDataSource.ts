/**
 * A toy data source that tells what its read saw: whether the call was
 * already cancelled when the read began, and, if not, waits until it is.
 */
import { errorDiagnostic, ProtocolSummaries } from "../../../../src/provider/tfplugin6/Diagnostic.js"
import type { DataSource } from "../../../../src/provider/tfplugin6/Provider.js"
import type { ToySession } from "./ShoutDataSource.js"

export const probe: DataSource<ToySession> = {
  typeName: "toy_probe",
  schema: {
    version: 0,
    block: {
      attributes: {
        id: { type: "string", description: "Any id.", description_kind: "plain", required: true },
        // An optional input, which the read must hand back unchanged.
        note: { type: "string", description: "A note.", description_kind: "plain", optional: true },
      },
      description: "Waits until cancelled.",
      description_kind: "plain",
    },
  },
  validate: () => [],
  read: (_session, config, signal) =>
    new Promise((resolve) => {
      const cancelled = () =>
        resolve({
          _tag: "Diagnostics",
          diagnostics: [errorDiagnostic(ProtocolSummaries.Cancelled, `probe ${config["id"]} cancelled`)],
        })
      if (signal.aborted) return cancelled()
      if (config["id"] === "now") return resolve({ _tag: "State", state: { id: "now", note: "changed" } })
      signal.addEventListener("abort", cancelled, { once: true })
    }),
}
