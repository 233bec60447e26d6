/**
 * The data source `mongodbatlas_flex_restore_job` as the generic server is
 * handed it: the twin of the Go provider's `data_source.go`. Validation
 * applies the service's own rule (`checkRef`), so a value the plan accepts is
 * never refused by the read; the read runs `src/datasource/read.ts` in the
 * configuration's session and maps a typed error to its diagnostics.
 *
 * @since 0.1.0
 */
import { checkRef } from "../../atlas/FlexRestoreJobRef.js"
import { errorDiagnostic } from "../../provider/tfplugin6/Diagnostic.js"
import type { DataSource, KnownValues } from "../../provider/tfplugin6/Provider.js"
import { attributeOf, refFieldOf } from "../model.js"
import type { FlexRestoreJobConfig } from "../model.js"
import { DATA_SOURCE_TYPE, flexRestoreJobDataSource } from "../schema.js"
import type { AtlasSession } from "./AtlasProvider.js"
import { fromAtlasError, Summaries } from "./AtlasDiagnostics.js"

const inputs = Object.keys(refFieldOf) as ReadonlyArray<keyof typeof refFieldOf>

/**
 * @since 0.1.0
 * @category data sources
 */
export const flexRestoreJob: DataSource<AtlasSession> = {
  typeName: DATA_SOURCE_TYPE,
  schema: flexRestoreJobDataSource,
  validate: (known: KnownValues) => {
    // An unknown input (undefined until apply) is left to checkRef, which skips it.
    const ref: Partial<Record<"groupId" | "name" | "restoreJobId", string | undefined>> = {}
    for (const input of inputs) ref[refFieldOf[input]] = known[input]
    return checkRef(ref).map((problem) => {
      const attribute = attributeOf[problem.field]!
      return errorDiagnostic(
        Summaries.InvalidRequest,
        `${attribute} ${JSON.stringify(problem.value)} must be ${problem.rule}.`,
        attribute,
      )
    })
  },
  read: async (session, values, signal) => {
    // The server passes every required input, known.
    const config: FlexRestoreJobConfig = {
      project_id: values["project_id"]!,
      name: values["name"]!,
      restore_job_id: values["restore_job_id"]!,
    }
    const result = await session.run("flexRestoreJob", config, signal)
    switch (result._tag) {
      case "Success":
        return { _tag: "State", state: result.state as unknown as KnownValues }
      case "Failure":
        return { _tag: "Diagnostics", diagnostics: fromAtlasError(result.error, config) }
      case "Interrupted":
        return {
          _tag: "Diagnostics",
          diagnostics: [
            errorDiagnostic(
              Summaries.Cancelled,
              "Terraform stopped the provider while the restore job was being read.",
            ),
          ],
        }
      case "Defect":
        return { _tag: "Diagnostics", diagnostics: [errorDiagnostic(Summaries.Internal, result.message)] }
    }
  },
}
