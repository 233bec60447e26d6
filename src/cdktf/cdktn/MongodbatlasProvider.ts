// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from src/cdktf/MongodbatlasProvider.ts
// for cdktn: edit that one.
/**
 * The provider block of this package's Terraform plugin as a cdktn construct:
 * the class generated from the provider schema in `src/datasource/schema.ts`,
 * plus the source address and version options and the registration through
 * which the stack's data sources bind to it.
 *
 * @since 0.1.0
 */
import { TerraformStack } from "cdktn"
import type { Construct } from "constructs"
import { packageVersion } from "../../atlas/UserAgent.js"
import { checkSourceAddress, checkVersionConstraint, defaultVersionConstraint } from "../check.js"
import { PROVIDER_SOURCE } from "../../datasource/schema.js"
import * as generated from "./generated/provider/index.js"
import { registerProvider } from "../providerBinding.js"

/**
 * The provider's configuration: `baseUrl`, `publicKey` / `privateKey`,
 * `clientId` / `clientSecret`, `accessToken`, `alias`, `source` and `version`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MongodbatlasProviderConfig extends generated.AtlasflexProviderConfig {
  /**
   * The provider's source address in `required_providers`, for a team that
   * publishes the plugin to its own registry (`app.terraform.io/acme/atlasflex`):
   * `[HOSTNAME/]NAMESPACE/TYPE`.
   *
   * @default "registry.terraform.io/atlas-flex/mongodbatlas"
   */
  readonly source?: string
  /**
   * The provider's version constraint in `required_providers`, which the
   * cdktf and cdktn CLIs require of every provider (`terraform init` then
   * picks the newest installed or published version that meets it).
   *
   * @default "~> <this package's version>", e.g. "~> 0.1.0": this release and its patch releases
   */
  readonly version?: string
}

/**
 * Declares this package's provider under the local name `atlasflex`, with
 * source `registry.terraform.io/atlas-flex/mongodbatlas` (or `source`), beside
 * the official `mongodb/mongodbatlas` provider (local name `mongodbatlas`) if
 * the stack has one. The stack's `DataMongodbatlasFlexRestoreJob`s bind to it
 * (`provider = atlasflex`) unless they name another provider.
 *
 * A literal secret given here is written as is into `cdk.tf.json`: leave the
 * secrets unset (the plugin reads `MONGODB_ATLAS_*`) or pass a sensitive
 * `TerraformVariable`.
 *
 * @since 0.1.0
 * @category constructs
 */
export class MongodbatlasProvider extends generated.AtlasflexProvider {
  override readonly terraformProviderSource: string
  override readonly terraformGeneratorMetadata: { readonly providerName: string; readonly providerVersion: string }

  /**
   * @throws TypeError when `source` is not a provider source address, or
   * `version` not a version constraint.
   */
  constructor(scope: Construct, id: string, config: MongodbatlasProviderConfig = {}) {
    const { source, version, ...settings } = config
    const path = scope.node.path === "" ? id : `${scope.node.path}/${id}`
    if (source !== undefined) checkSourceAddress(path, source)
    if (version !== undefined) checkVersionConstraint(path, version)
    super(scope, id, settings)
    this.terraformProviderSource = source ?? PROVIDER_SOURCE
    this.terraformGeneratorMetadata = {
      providerName: "mongodbatlas",
      providerVersion: version ?? defaultVersionConstraint(packageVersion()),
    }
    registerProvider(TerraformStack.of(this), this)
  }
}
