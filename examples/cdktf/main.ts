/**
 * The example CDKTF app (the root `cdktf.json` points at its build):
 * `npm run synth` writes `cdktf.out/stacks/flex-restore/cdk.tf.json`.
 * Inputs default to the emulator's seed; see `propsFromEnv`.
 *
 * @since 0.1.0
 */
import { App } from "cdktf"
import { propsFromEnv, RestoreJobStack } from "./RestoreJobStack.js"

const app = new App()
new RestoreJobStack(app, "flex-restore", propsFromEnv())
app.synth()
