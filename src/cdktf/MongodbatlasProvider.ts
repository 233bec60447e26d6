/**
 * The provider block of this package's Terraform plugin
 * (`registry.terraform.io/atlas-flex/mongodbatlas`) as a CDKTF construct,
 * generated from the provider schema in `src/datasource/schema.ts`. Every
 * attribute is optional and falls back to the environment variables the
 * official provider reads.
 *
 * @since 0.1.0
 */
export {
  /**
   * Declares the `mongodbatlas` provider with source
   * `registry.terraform.io/atlas-flex/mongodbatlas`: `baseUrl`, `publicKey` /
   * `privateKey`, `clientId` / `clientSecret`, `accessToken`, `alias`.
   * A literal secret given here is written as is into `cdk.tf.json`: leave
   * the secrets unset (the plugin reads `MONGODB_ATLAS_*`) or pass a
   * sensitive `TerraformVariable`.
   *
   * @since 0.1.0
   * @category constructs
   */
  MongodbatlasProvider,
} from "./generated/provider/index.js"
export type {
  /**
   * @since 0.1.0
   * @category models
   */
  MongodbatlasProviderConfig,
} from "./generated/provider/index.js"
