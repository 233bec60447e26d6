/**
 * The first module the plugin's bundle evaluates: it notes how long Node took
 * to boot (to the launcher if there is one, else to this line), for the
 * start-up breakdown.
 *
 * @since 0.1.0
 */
import { uptimeMillis } from "./Clock.js"
import { Launch } from "./LaunchHooks.js"

/**
 * Milliseconds from process start to the first line of the plugin's code.
 *
 * @since 0.1.0
 * @category timing
 */
export const bootMillis: number = Launch.get()?.launchedAt ?? uptimeMillis()
