terraform {
  required_providers {
    # Any local name works; atlasflex leaves mongodbatlas to the official provider.
    atlasflex = {
      source = "registry.terraform.io/atlas-flex/mongodbatlas"
    }
  }
}

# Every setting is optional and falls back to the variables the official provider reads:
# MONGODB_ATLAS_BASE_URL, then an access token (MONGODB_ATLAS_ACCESS_TOKEN), a service
# account (MONGODB_ATLAS_CLIENT_ID, MONGODB_ATLAS_CLIENT_SECRET) or an API key
# (MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PRIVATE_API_KEY).
provider "atlasflex" {}
