/**
 * A toy data source, with no Atlas in it: `toy_shout` reads `text` and
 * answers it upper-cased, with the session's greeting. It is one file; the
 * provider serves it through one line in its list (`ToyProvider.ts`).
 */
import { errorDiagnostic } from "../../../../src/provider/tfplugin6/Diagnostic.js"
import type { DataSource, ProviderSession } from "../../../../src/provider/tfplugin6/Provider.js"

/** What the toy provider's configuration makes. */
export interface ToySession extends ProviderSession {
  readonly greeting: string
}

export const shout: DataSource<ToySession> = {
  typeName: "toy_shout",
  schema: {
    version: 0,
    block: {
      attributes: {
        text: { type: "string", description: "What to shout.", description_kind: "plain", required: true },
        loud: { type: "string", description: "The text, shouted.", description_kind: "plain", computed: true },
      },
      description: "Shouts.",
      description_kind: "plain",
    },
  },
  validate: (known) =>
    known["text"] === "" ? [errorDiagnostic("Nothing to shout", "text must not be empty.", "text")] : [],
  read: async (session, config) => ({
    _tag: "State",
    state: { text: config["text"]!, loud: `${session.greeting} ${config["text"]!.toUpperCase()}!` },
  }),
}
