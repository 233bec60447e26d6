import type * as Schema from "effect/Schema"
import { describe, expectTypeOf, it } from "vitest"
import { FlexRestoreJob } from "../../src/atlas/FlexRestoreJob.js"

describe("FlexRestoreJob", () => {
  it("the written-out interface is exactly the schema's type (checked by the type check, npm run check)", () => {
    expectTypeOf<FlexRestoreJob>().toEqualTypeOf<Schema.Schema.Type<typeof FlexRestoreJob>>()
    expectTypeOf<Schema.Schema.Type<typeof FlexRestoreJob>>().toEqualTypeOf<FlexRestoreJob>()
  })
})
