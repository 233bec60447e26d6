/**
 * The version constraint the provider constructs write into
 * `required_providers` by default: `~> ` and the version in package.json.
 */
import { readFileSync } from "node:fs"

export const defaultVersion = `~> ${(JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version}`
