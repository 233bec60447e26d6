// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from
// src/datasource/schema.ts with @cdktn/provider-generator 0.24.0; compiled under the relaxed
// profile src/cdktf/tsconfig.generated.json.
// https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktn from 'cdktn';

// Configuration

export interface AtlasflexProviderConfig {
  /**
  * Atlas access token (bearer). Default: MONGODB_ATLAS_ACCESS_TOKEN.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#access_token AtlasflexProvider#access_token}
  */
  readonly accessToken?: string;
  /**
  * Atlas base URL. Default: MONGODB_ATLAS_BASE_URL, then MCLI_OPS_MANAGER_URL, then https://cloud.mongodb.com.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#base_url AtlasflexProvider#base_url}
  */
  readonly baseUrl?: string;
  /**
  * Service account client ID. Default: MONGODB_ATLAS_CLIENT_ID.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#client_id AtlasflexProvider#client_id}
  */
  readonly clientId?: string;
  /**
  * Service account client secret. Default: MONGODB_ATLAS_CLIENT_SECRET.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#client_secret AtlasflexProvider#client_secret}
  */
  readonly clientSecret?: string;
  /**
  * Programmatic API private key. Default: MONGODB_ATLAS_PRIVATE_API_KEY, MONGODB_ATLAS_PRIVATE_KEY, then MCLI_PRIVATE_API_KEY.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#private_key AtlasflexProvider#private_key}
  */
  readonly privateKey?: string;
  /**
  * Programmatic API public key. Default: MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PUBLIC_KEY, then MCLI_PUBLIC_API_KEY.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#public_key AtlasflexProvider#public_key}
  */
  readonly publicKey?: string;
  /**
  * Alias name
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#alias AtlasflexProvider#alias}
  */
  readonly alias?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs atlasflex}
*/
export class AtlasflexProvider extends cdktn.TerraformProvider {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "atlasflex";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTN code for importing a AtlasflexProvider resource upon running "cdktn plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the AtlasflexProvider to import
  * @param importFromId The id of the existing AtlasflexProvider that should be imported. Refer to the {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the AtlasflexProvider to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktn.TerraformProvider) {
        return new cdktn.ImportableResource(scope, importToId, { terraformResourceType: "atlasflex", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs atlasflex} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options AtlasflexProviderConfig = {}
  */
  public constructor(scope: Construct, id: string, config: AtlasflexProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'atlasflex',
      terraformGeneratorMetadata: {
        providerName: 'mongodbatlas'
      },
      terraformProviderSource: 'registry.terraform.io/atlas-flex/mongodbatlas'
    });
    this._accessToken = config.accessToken;
    this._baseUrl = config.baseUrl;
    this._clientId = config.clientId;
    this._clientSecret = config.clientSecret;
    this._privateKey = config.privateKey;
    this._publicKey = config.publicKey;
    this._alias = config.alias;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // access_token - computed: false, optional: true, required: false
  private _accessToken?: string; 
  public get accessToken() {
    return this._accessToken;
  }
  public set accessToken(value: string | undefined) {
    this._accessToken = value;
  }
  public resetAccessToken() {
    this._accessToken = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get accessTokenInput() {
    return this._accessToken;
  }

  // base_url - computed: false, optional: true, required: false
  private _baseUrl?: string; 
  public get baseUrl() {
    return this._baseUrl;
  }
  public set baseUrl(value: string | undefined) {
    this._baseUrl = value;
  }
  public resetBaseUrl() {
    this._baseUrl = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get baseUrlInput() {
    return this._baseUrl;
  }

  // client_id - computed: false, optional: true, required: false
  private _clientId?: string; 
  public get clientId() {
    return this._clientId;
  }
  public set clientId(value: string | undefined) {
    this._clientId = value;
  }
  public resetClientId() {
    this._clientId = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get clientIdInput() {
    return this._clientId;
  }

  // client_secret - computed: false, optional: true, required: false
  private _clientSecret?: string; 
  public get clientSecret() {
    return this._clientSecret;
  }
  public set clientSecret(value: string | undefined) {
    this._clientSecret = value;
  }
  public resetClientSecret() {
    this._clientSecret = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get clientSecretInput() {
    return this._clientSecret;
  }

  // private_key - computed: false, optional: true, required: false
  private _privateKey?: string; 
  public get privateKey() {
    return this._privateKey;
  }
  public set privateKey(value: string | undefined) {
    this._privateKey = value;
  }
  public resetPrivateKey() {
    this._privateKey = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get privateKeyInput() {
    return this._privateKey;
  }

  // public_key - computed: false, optional: true, required: false
  private _publicKey?: string; 
  public get publicKey() {
    return this._publicKey;
  }
  public set publicKey(value: string | undefined) {
    this._publicKey = value;
  }
  public resetPublicKey() {
    this._publicKey = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get publicKeyInput() {
    return this._publicKey;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string; 
  public get alias() {
    return this._alias;
  }
  public set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      access_token: cdktn.stringToTerraform(this._accessToken),
      base_url: cdktn.stringToTerraform(this._baseUrl),
      client_id: cdktn.stringToTerraform(this._clientId),
      client_secret: cdktn.stringToTerraform(this._clientSecret),
      private_key: cdktn.stringToTerraform(this._privateKey),
      public_key: cdktn.stringToTerraform(this._publicKey),
      alias: cdktn.stringToTerraform(this._alias),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      access_token: {
        value: cdktn.stringToHclTerraform(this._accessToken),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      base_url: {
        value: cdktn.stringToHclTerraform(this._baseUrl),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      client_id: {
        value: cdktn.stringToHclTerraform(this._clientId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      client_secret: {
        value: cdktn.stringToHclTerraform(this._clientSecret),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      private_key: {
        value: cdktn.stringToHclTerraform(this._privateKey),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      public_key: {
        value: cdktn.stringToHclTerraform(this._publicKey),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      alias: {
        value: cdktn.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
