/**
 * A toy provider for the generic server: a `token` attribute that is a
 * secret (masked in every answer), and its data sources and ephemeral
 * resources, one line each.
 */
import type { Provider } from "../../../../src/provider/tfplugin6/Provider.js"
import { probe } from "./ProbeDataSource.js"
import { shout } from "./ShoutDataSource.js"
import type { ToySession } from "./ShoutDataSource.js"

export const toyProvider = (disposed: Array<string> = []): Provider<ToySession> => ({
  source: "registry.terraform.io/example/toy",
  schema: {
    version: 0,
    block: {
      attributes: {
        token: { type: "string", description: "A secret.", description_kind: "plain", optional: true, sensitive: true },
      },
      description: "A toy.",
      description_kind: "plain",
    },
  },
  configure: async (settings) => {
    const token = settings["token"]
    return {
      greeting: token === undefined ? "hey" : `hey ${token}`,
      scrub: (text) => (token === undefined ? text : text.replaceAll(token, "<redacted>")),
      check: async (complete) =>
        complete && token === "bad" ? [{ severity: "ERROR", summary: "Bad token", detail: `token ${token}` }] : [],
      dispose: async () => void disposed.push(token ?? "(none)"),
    }
  },
  dataSources: [shout, probe],
  // The same value as a data source and an ephemeral resource: one read, two ways of keeping its result.
  ephemeralResources: [shout],
})
