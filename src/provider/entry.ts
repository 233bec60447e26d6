/**
 * The entry of the plugin's bundle (`dist/provider/terraform-provider-mongodbatlas.mjs`),
 * which `bin/terraform-provider-mongodbatlas` loads.
 *
 * @since 0.1.0
 */
import { main } from "./main.js"

await main()
