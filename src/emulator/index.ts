/**
 * The local Atlas emulator: `startEmulator()` runs a real HTTP server that
 * answers the flex restore-job endpoint and the OAuth endpoints like Atlas,
 * with seeded jobs (ids in `EmulatorSeed`), fault injection and counters.
 *
 * ```ts
 * import { EmulatorSeed, startEmulator } from "atlas-flex-restore/emulator"
 *
 * const emulator = await startEmulator()
 * // emulator.url, emulator.credentials.{publicKey, privateKey, clientId, clientSecret, accessToken}
 * await emulator.stop()
 * ```
 *
 * @since 0.1.0
 */
export {
  defaultCredentials,
  startEmulator,
  type EmulatorCredentials,
  type EmulatorOptions,
  type EmulatorStats,
  type RunningEmulator,
} from "./Emulator.js"
export type { FaultRule } from "./FaultRule.js"
export type { RateLimitOptions } from "./TokenBucket.js"
export { ApiVersion, VersionedContentType } from "./Reply.js"
export { DigestRealm } from "./DigestAuth.js"
export { EmulatorSeed } from "./seed.js"
