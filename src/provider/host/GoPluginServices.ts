/**
 * The two services every go-plugin gRPC server offers beside its
 * application's: go-plugin's controller (`plugin.GRPCController`, whose
 * Shutdown the host calls when it is done with the plugin, waiting 2 s before
 * it kills) and the standard health service (`grpc.health.v1.Health`, asked
 * about the service named "plugin"). Their three messages are coded here by
 * hand, after `proto/plugin.proto` and `proto/health.proto`: so the host
 * needs no protobuf library (`test/provider/host/goPluginServices.test.ts`
 * checks the bytes against protobufjs).
 *
 * @since 0.1.0
 */
import { unaryMethod } from "./GrpcServer.js"
import type { ServiceDefinition } from "./GrpcServer.js"

/**
 * The fully qualified names of the services.
 *
 * @since 0.1.0
 * @category constants
 */
export const GoPluginServiceNames = {
  controller: "plugin.GRPCController",
  health: "grpc.health.v1.Health",
} as const

/**
 * `grpc.health.v1.HealthCheckResponse.ServingStatus`, by number.
 *
 * @since 0.1.0
 * @category constants
 */
export const ServingStatus = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const

/**
 * @since 0.1.0
 * @category models
 */
export type ServingStatus = (typeof ServingStatus)[number]

const varint = (value: number): Array<number> => {
  const bytes: Array<number> = []
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80)
    value >>>= 7
  }
  bytes.push(value)
  return bytes
}

/** Each field of a message as (number, value): varints as numbers, length-delimited as bytes; others skipped. */
const fields = (bytes: Uint8Array): Array<readonly [number, number | Buffer]> => {
  const out: Array<readonly [number, number | Buffer]> = []
  let at = 0
  const readVarint = (): number => {
    let value = 0
    for (let shift = 0; shift < 70; shift += 7) {
      if (at >= bytes.length) throw new Error("truncated protobuf varint")
      const byte = bytes[at++]!
      if (shift < 35) value += (byte & 0x7f) * 2 ** shift
      // The low 32 bits, as protobufjs reads uint32 and enums.
      if ((byte & 0x80) === 0) return value % 2 ** 32
    }
    throw new Error("malformed protobuf varint")
  }
  while (at < bytes.length) {
    const key = readVarint()
    const number = Math.floor(key / 8)
    switch (key & 7) {
      case 0:
        out.push([number, readVarint()])
        break
      case 1:
        at += 8
        break
      case 2: {
        const length = readVarint()
        if (at + length > bytes.length) throw new Error("truncated protobuf field")
        out.push([number, Buffer.from(bytes.subarray(at, at + length))])
        at += length
        break
      }
      case 5:
        at += 4
        break
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`)
    }
    if (at > bytes.length) throw new Error("truncated protobuf field")
  }
  return out
}

const empty = {
  encode: (_value: object): Buffer => Buffer.alloc(0),
  decode: (bytes: Uint8Array): object => (fields(bytes), {}),
}

/**
 * `grpc.health.v1.HealthCheckRequest`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheckRequest {
  readonly service?: string
}

/**
 * `grpc.health.v1.HealthCheckResponse`.
 *
 * @since 0.1.0
 * @category models
 */
export interface HealthCheckResponse {
  readonly status?: ServingStatus
}

const healthCheckRequest = {
  encode: (value: HealthCheckRequest): Buffer => {
    // A field set is written even when it holds the default, as protobufjs's static code does.
    if (value.service === undefined || value.service === null) return Buffer.alloc(0)
    const text = Buffer.from(value.service, "utf8")
    return Buffer.concat([Buffer.from([0x0a, ...varint(text.length)]), text])
  },
  decode: (bytes: Uint8Array): HealthCheckRequest => {
    let service: string | undefined
    for (const [number, value] of fields(bytes)) if (number === 1 && Buffer.isBuffer(value)) service = value.toString()
    return service === undefined ? {} : { service }
  },
}

const healthCheckResponse = {
  encode: (value: HealthCheckResponse): Buffer => {
    if (value.status === undefined || value.status === null) return Buffer.alloc(0)
    const status = ServingStatus.indexOf(value.status)
    if (status < 0) throw new Error(`no serving status ${String(value.status)}`)
    return Buffer.from([0x08, ...varint(status)])
  },
  decode: (bytes: Uint8Array): HealthCheckResponse => {
    let status: number | undefined
    for (const [number, value] of fields(bytes)) if (number === 1 && typeof value === "number") status = value
    // An unknown enum number stays a number in protobufjs's objects; here it reads as UNKNOWN.
    return status === undefined ? {} : { status: ServingStatus[status] ?? "UNKNOWN" }
  },
}

/**
 * go-plugin's controller: `Shutdown(Empty) returns (Empty)`.
 *
 * @since 0.1.0
 * @category definitions
 */
export const controllerDefinition: ServiceDefinition = {
  Shutdown: unaryMethod(GoPluginServiceNames.controller, "Shutdown", empty, empty),
}

/**
 * The health service, unary `Check` only.
 *
 * @since 0.1.0
 * @category definitions
 */
export const healthDefinition: ServiceDefinition = {
  Check: unaryMethod(GoPluginServiceNames.health, "Check", healthCheckRequest, healthCheckResponse),
}
