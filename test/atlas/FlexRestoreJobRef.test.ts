import { assert, describe, it } from "@effect/vitest"
import { checkRef, PatternRules } from "../../src/atlas/FlexRestoreJobRef.js"
import { REF } from "./fake.js"

describe("checkRef", () => {
  it("skips a field that is absent or explicitly undefined (not yet known), checks the others", () => {
    assert.deepStrictEqual(checkRef({}), [])
    assert.deepStrictEqual(checkRef({ groupId: undefined, name: undefined, restoreJobId: undefined }), [])
    assert.deepStrictEqual(checkRef({ groupId: undefined, name: "-x", restoreJobId: REF.restoreJobId }), [
      { field: "name", value: "-x", rule: PatternRules.name },
    ])
  })

  it("describes a value that String() cannot print without throwing", () => {
    const noPrototype = Object.create(null) as object
    assert.deepStrictEqual(checkRef({ groupId: noPrototype, name: [noPrototype], restoreJobId: { toString: 0 } }), [
      { field: "groupId", value: "[object]", rule: PatternRules.groupId },
      { field: "name", value: "[array]", rule: PatternRules.name },
      { field: "restoreJobId", value: "[object]", rule: PatternRules.restoreJobId },
    ])
  })

  it("prints other non-strings with String()", () => {
    assert.deepStrictEqual(
      checkRef({ groupId: 42, name: null, restoreJobId: ["a", "b"] }).map((p) => p.value),
      ["42", "null", "a,b"],
    )
  })
})
