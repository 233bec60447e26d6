/**
 * Config values as Terraform sends them: msgpack objects holding every
 * attribute of the schema, unset ones null.
 */
import { encode } from "@msgpack/msgpack"
import { flexRestoreJobDataSource, providerConfig } from "../../src/datasource/schema.js"
import type { Block } from "../../src/datasource/schema.js"

const allNull = (block: Block): Record<string, unknown> =>
  Object.fromEntries(Object.keys(block.block.attributes).map((name) => [name, null]))

/** The data source's config `DynamicValue`. */
export const dataConfig = (values: Record<string, unknown>) => ({
  msgpack: encode({ ...allNull(flexRestoreJobDataSource), ...values }),
})

/** The provider block's `DynamicValue`. */
export const providerBlock = (values: Record<string, string | null>) => ({
  msgpack: encode({ ...allNull(providerConfig), ...values }),
})
