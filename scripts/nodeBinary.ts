/**
 * `node dist/scripts/nodeBinary.js <key>` prints the path of a pinned Node
 * binary, fetching it first if needed. The pins and the fetching live in
 * `src/release/NodeBinary.ts`, which `provider install` uses at run time.
 *
 * @since 0.1.0
 */
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { NODE_BINARIES, nodeBinary } from "../src/release/NodeBinary.js"
import type { NodeBinaryKey } from "../src/release/NodeBinary.js"

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const key = process.argv[2]
  if (key === undefined || !(key in NODE_BINARIES)) {
    console.error(`usage: nodeBinary.js <${Object.keys(NODE_BINARIES).join("|")}>`)
    process.exit(2)
  }
  console.log(nodeBinary(key as NodeBinaryKey))
}
