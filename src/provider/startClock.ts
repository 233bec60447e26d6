/**
 * The first module the plugin's bundle evaluates: it notes how long Node took
 * to boot, before any other module was loaded, for the start-up breakdown.
 *
 * @since 0.1.0
 */

/**
 * Milliseconds from process start to the first line of the plugin's code.
 *
 * @since 0.1.0
 * @category timing
 */
export const bootMillis: number = performance.now()
