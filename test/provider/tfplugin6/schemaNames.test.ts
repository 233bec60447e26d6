/**
 * The attribute lists the server derives from a schema (sorted, inputs being
 * the required and optional ones), and a diagnostic with no attribute path.
 */
import { describe, expect, it } from "vitest"
import { errorDiagnostic } from "../../../src/provider/tfplugin6/Diagnostic.js"
import { attributeNames, inputNames, requiredNames } from "../../../src/provider/tfplugin6/Schema.js"
import type { Block } from "../../../src/provider/tfplugin6/Schema.js"

const attribute = (flags: object) => ({ type: "string", description: "", description_kind: "plain", ...flags })
const block = {
  version: 0,
  block: {
    attributes: {
      zeta: attribute({ required: true }),
      out: attribute({ computed: true }),
      beta: attribute({ optional: true }),
      alpha: attribute({ required: true }),
      both: attribute({ optional: true, computed: true }),
    },
    description: "",
    description_kind: "plain",
  },
} as unknown as Block

describe("a schema's names", () => {
  it("are sorted; inputs are the required and optional ones; required ones alone", () => {
    expect(attributeNames(block)).toEqual(["alpha", "beta", "both", "out", "zeta"])
    expect(inputNames(block)).toEqual(["alpha", "beta", "both", "zeta"])
    expect(requiredNames(block)).toEqual(["alpha", "zeta"])
  })
})

describe("errorDiagnostic", () => {
  it("has no attribute path unless given one", () => {
    expect(errorDiagnostic("S", "D")).toStrictEqual({ severity: "ERROR", summary: "S", detail: "D" })
    expect(errorDiagnostic("S", "D", "name").attribute).toStrictEqual({ steps: [{ attribute_name: "name" }] })
  })
})
