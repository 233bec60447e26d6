/**
 * The Terraform plugin protocol 6 service (`tfplugin6.Provider`), over the
 * static protobuf code that `pbjs` generated from our subset of
 * `tfplugin6.proto` (`proto/codec.ts`): nothing is parsed or compiled at
 * start-up. Messages cross as plain objects with the
 * proto's field names; int64 as strings, enums by name, bytes as `Buffer`,
 * unset fields absent.
 *
 * @since 0.1.0
 */
import $protobuf from "protobufjs/minimal.js"
import { unaryMethod } from "../host/GrpcServer.js"
import type { MethodDefinition, ServiceDefinition } from "../host/GrpcServer.js"
import type { Diagnostic } from "./Diagnostic.js"
import type { DynamicValue } from "./CtyMsgpack.js"
import * as codec from "./proto/codec.js"

/**
 * The fully qualified name of the service.
 *
 * @since 0.1.0
 * @category constants
 */
export const ServiceName = "tfplugin6.Provider"

interface StaticType {
  fromObject(object: object): unknown
  encode(message: unknown): { finish(): Uint8Array }
  decode(reader: $protobuf.Reader): unknown
  toObject(message: unknown, options: object): any
}

const conversion = { longs: String, enums: String, oneofs: true }

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * protobufjs's reader of a Buffer with strings read as the Go protobuf
 * runtime reads them: a length past the end of the message is an error
 * (protobufjs clamps it, so `0a ff ff ff ff 0f` decoded as an empty
 * `type_name`), and so is invalid UTF-8 (proto3 strings are UTF-8).
 */
class StrictReader extends $protobuf.BufferReader {
  override string(): string {
    const length = this.uint32()
    const end = this.pos + length
    if (end > this.len) throw new RangeError(`a string field of ${length} bytes runs past the end of the message`)
    const text = strictUtf8.decode(this.buf.subarray(this.pos, end))
    this.pos = end
    return text
  }
}

/**
 * The codec of one message type, by its fully qualified name.
 *
 * @since 0.1.0
 * @category codecs
 */
export const messageCodec = (name: string) => {
  const type = name.split(".").reduce<any>((ns, part) => ns?.[part], codec) as StaticType | undefined
  if (type === undefined || typeof type.encode !== "function") throw new Error(`no message type ${name}`)
  return {
    encode: (value: object): Buffer => {
      const bytes = type.encode(type.fromObject(value)).finish()
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    },
    decode: (bytes: Uint8Array): any =>
      type.toObject(
        type.decode(new StrictReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))),
        conversion,
      ),
  }
}

/**
 * The definition of the service (every method unary), or of another service
 * in the codec by name.
 *
 * @since 0.1.0
 * @category codecs
 */
export const serviceDefinition = (serviceName: string = ServiceName): ServiceDefinition => {
  const methods = (codec.services as unknown as Record<string, Record<string, readonly [string, string]>>)[serviceName]
  if (methods === undefined) throw new Error(`no service ${serviceName}`)
  const definition: Record<string, MethodDefinition> = {}
  for (const [name, [requestType, responseType]] of Object.entries(methods)) {
    definition[name] = unaryMethod(serviceName, name, messageCodec(requestType), messageCodec(responseType))
  }
  return definition
}

/**
 * The names of the provider RPCs in the subset.
 *
 * @since 0.1.0
 * @category models
 */
export type ProviderRpc =
  | "GetMetadata"
  | "GetProviderSchema"
  | "ValidateProviderConfig"
  | "ValidateResourceConfig"
  | "ValidateDataResourceConfig"
  | "UpgradeResourceState"
  | "ConfigureProvider"
  | "ReadResource"
  | "PlanResourceChange"
  | "ApplyResourceChange"
  | "ImportResourceState"
  | "MoveResourceState"
  | "ReadDataSource"
  | "ValidateEphemeralResourceConfig"
  | "OpenEphemeralResource"
  | "RenewEphemeralResource"
  | "CloseEphemeralResource"
  | "GetFunctions"
  | "CallFunction"
  | "StopProvider"

/**
 * A schema attribute as the protocol carries it (`type` is JSON bytes).
 *
 * @since 0.1.0
 * @category models
 */
export interface SchemaAttribute {
  readonly name: string
  readonly type: Buffer
  readonly description: string
  readonly description_kind: "PLAIN" | "MARKDOWN"
  readonly required?: boolean
  readonly optional?: boolean
  readonly computed?: boolean
  readonly sensitive?: boolean
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Schema {
  readonly version: number | string
  readonly block: {
    readonly version: number | string
    readonly attributes: ReadonlyArray<SchemaAttribute>
    readonly description: string
    readonly description_kind: "PLAIN" | "MARKDOWN"
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ServerCapabilities {
  readonly plan_destroy?: boolean
  readonly get_provider_schema_optional?: boolean
  readonly move_resource_state?: boolean
}

/**
 * The requests and responses of the provider RPCs, by RPC name.
 *
 * @since 0.1.0
 * @category models
 */
export interface Messages {
  GetMetadata: {
    request: {}
    response: {
      server_capabilities?: ServerCapabilities
      diagnostics?: ReadonlyArray<Diagnostic>
      data_sources?: ReadonlyArray<{ type_name: string }>
      ephemeral_resources?: ReadonlyArray<{ type_name: string }>
    }
  }
  GetProviderSchema: {
    request: {}
    response: {
      provider?: Schema
      data_source_schemas?: Readonly<Record<string, Schema>>
      ephemeral_resource_schemas?: Readonly<Record<string, Schema>>
      diagnostics?: ReadonlyArray<Diagnostic>
      server_capabilities?: ServerCapabilities
    }
  }
  ValidateProviderConfig: {
    request: { config?: DynamicValue }
    response: { diagnostics?: ReadonlyArray<Diagnostic> }
  }
  ValidateDataResourceConfig: {
    request: { type_name?: string; config?: DynamicValue }
    response: { diagnostics?: ReadonlyArray<Diagnostic> }
  }
  ConfigureProvider: {
    request: { terraform_version?: string; config?: DynamicValue }
    response: { diagnostics?: ReadonlyArray<Diagnostic> }
  }
  ReadDataSource: {
    request: { type_name?: string; config?: DynamicValue }
    response: { state?: DynamicValue; diagnostics?: ReadonlyArray<Diagnostic> }
  }
  ValidateEphemeralResourceConfig: {
    request: { type_name?: string; config?: DynamicValue }
    response: { diagnostics?: ReadonlyArray<Diagnostic> }
  }
  OpenEphemeralResource: {
    request: { type_name?: string; config?: DynamicValue }
    response: { result?: DynamicValue; private?: Buffer; diagnostics?: ReadonlyArray<Diagnostic> }
  }
  CloseEphemeralResource: {
    request: { type_name?: string; private?: Buffer }
    response: { diagnostics?: ReadonlyArray<Diagnostic> }
  }
  StopProvider: {
    request: {}
    response: { Error?: string }
  }
}

/**
 * The RPCs this provider does not support, which answer with a diagnostic
 * (`CallFunction` with a function error).
 *
 * @since 0.1.0
 * @category constants
 */
export const UnsupportedRpcs = [
  "ValidateResourceConfig",
  "UpgradeResourceState",
  "ReadResource",
  "PlanResourceChange",
  "ApplyResourceChange",
  "ImportResourceState",
  "MoveResourceState",
  // Never called: Open sets no renew_at.
  "RenewEphemeralResource",
  "CallFunction",
] as const satisfies ReadonlyArray<ProviderRpc>
