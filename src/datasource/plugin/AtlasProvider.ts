/**
 * This provider as the generic tfplugin6 server is handed it: its source
 * address, its provider block, `configure` (a session per configuration,
 * whose Effect side loads lazily), its data sources and its ephemeral
 * resources (the same restore job, read the same way, kept out of plan and
 * state by Terraform). A data source is one
 * file exporting a `DataSource` value and one line in `dataSources` below
 * (and, if it reads through a new Effect program, one line in `Session.ts`'s
 * `programs`).
 *
 * @since 0.1.0
 */
import type { DataSource, EphemeralResource, Provider, ProviderSession } from "../../provider/tfplugin6/Provider.js"
import type { Diagnostic } from "../../provider/tfplugin6/Diagnostic.js"
import { PROVIDER_SOURCE, providerConfig } from "../schema.js"
import { fromAtlasError, scrubber } from "./AtlasDiagnostics.js"
import { flexRestoreJob } from "./FlexRestoreJobDataSource.js"
import type { ProviderSettings } from "./ProviderConfig.js"
import type * as SessionModule from "./Session.js"
import type { LayerFactory, Session } from "./Session.js"

/**
 * The data sources this provider serves.
 *
 * @since 0.1.0
 * @category data sources
 */
export const dataSources: ReadonlyArray<DataSource<AtlasSession>> = [flexRestoreJob]

/**
 * The ephemeral resources this provider serves (Terraform 1.10 or later):
 * `mongodbatlas_flex_restore_job` with the data source's arguments,
 * attributes and read, for a `snapshot_url` that must not be stored.
 *
 * @since 0.1.0
 * @category ephemeral resources
 */
export const ephemeralResources: ReadonlyArray<EphemeralResource<AtlasSession>> = [flexRestoreJob]

/**
 * A configuration's session, as the data sources see it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AtlasSession extends ProviderSession {
  readonly run: Session["run"]
}

/**
 * @since 0.1.0
 * @category models
 */
export interface AtlasProviderOptions {
  /** The environment credentials fall back to. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Makes the service layer of a configuration; tests pass a fake. @default FlexRestoreJobsLive.layerNode */
  readonly layer?: LayerFactory
  /** Loads the session module (the launcher's lazy bundle). @default import("./Session.js") */
  readonly loadSession?: () => typeof SessionModule | Promise<typeof SessionModule>
  /** Whether the session module came from a code cache, for the log. */
  readonly sessionCached?: () => boolean
  readonly log?: (level: "debug" | "warn", message: string, fields?: Readonly<Record<string, unknown>>) => void
}

/**
 * The provider.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeAtlasProvider = (options: AtlasProviderOptions = {}): Provider<AtlasSession> => {
  const env = options.env ?? process.env
  const log = options.log ?? (() => {})
  const load = options.loadSession ?? (() => import("./Session.js"))
  return {
    source: PROVIDER_SOURCE,
    schema: providerConfig,
    dataSources,
    ephemeralResources,
    configure: async (settings) => {
      const { makeSession } = await load()
      log("debug", "loaded the reader", { code_cache: options.sessionCached?.() ?? false })
      const session = makeSession(settings as ProviderSettings, env, options.layer, (message) => log("warn", message))
      return {
        scrub: scrubber(session.secrets),
        run: session.run,
        dispose: session.dispose,
        check: async (complete) => {
          const diagnostics: Array<Diagnostic> = session.warnings.map((detail) => ({
            severity: "WARNING",
            summary: "Setting ignored",
            detail,
          }))
          if (session.baseUrlProblem !== undefined) {
            diagnostics.push(
              ...fromAtlasError(session.baseUrlProblem).map((d) => ({
                ...d,
                attribute: { steps: [{ attribute_name: "base_url" }] },
              })),
            )
          }
          // With part of the block unknown, or no credentials at all, the service is built at the first read
          // (which then fails naming the variables to set): what reads nothing runs without credentials.
          if (complete && session.hasCredentials) {
            const problem = await session.ready()
            if (problem !== undefined) diagnostics.push(...fromAtlasError(problem))
          }
          return diagnostics
        },
      }
    },
  }
}
