/**
 * Time for the plugin's own measurements. The global `performance` loads
 * `perf_hooks` on first touch (~1.8 ms of every start here, and Terraform
 * starts the plugin three times per plan); `process.uptime()` reads the same
 * monotonic clock from the same origin, the process's start, at no cost.
 *
 * @since 0.1.0
 */

/**
 * Milliseconds since the process started (monotonic, sub-millisecond).
 *
 * @since 0.1.0
 * @category time
 */
export const uptimeMillis = (): number => process.uptime() * 1000

/**
 * Milliseconds since the epoch with sub-millisecond digits, for log timestamps.
 *
 * @since 0.1.0
 * @category time
 */
export const epochMillis: () => number = (() => {
  const origin = Date.now() - uptimeMillis()
  return () => origin + uptimeMillis()
})()
