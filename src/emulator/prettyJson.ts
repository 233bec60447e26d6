/**
 * JSON printed the way Atlas pretty-prints it (Jackson's default pretty
 * printer: `"key" : value`, arrays inline, `[ ]` and `{ }` when empty), so
 * clients meet the exact byte shape they will meet in production.
 *
 * @since 0.1.0
 */

/**
 * Serialises a JSON value in Atlas's pretty style.
 *
 * @since 0.1.0
 * @category formatting
 */
export const prettyJson = (value: unknown): string => print(value, 0)

const print = (value: unknown, depth: number): string => {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[ ]"
    return `[ ${value.map((item) => print(item, depth)).join(", ")} ]`
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined)
    if (entries.length === 0) return "{ }"
    const inner = "  ".repeat(depth + 1)
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${print(v, depth + 1)}`)
    return `{\n${lines.join(",\n")}\n${"  ".repeat(depth)}}`
  }
  return JSON.stringify(value) ?? "null"
}
