terraform {
  required_version = ">= 1.10"
  required_providers {
    atlasflex = {
      source = "atlas-flex/mongodbatlas"
    }
  }
}

provider "atlasflex" {}

# Read at each plan and apply; neither the plan nor the state holds its values.
ephemeral "mongodbatlas_flex_restore_job" "download" {
  provider       = atlasflex
  project_id     = "6650f1a2b3c4d5e6f7a8b9c0"
  name           = "flex-demo"
  restore_job_id = "66a0000000000000000000d1"
}

# An ephemeral value may feed only ephemeral contexts (provider blocks,
# provisioners, locals used there, ephemeral outputs): here a provisioner
# that downloads the snapshot while the link is valid.
resource "terraform_data" "download" {
  provisioner "local-exec" {
    command     = "curl --fail --silent --show-error --output snapshot.tar.gz \"$SNAPSHOT_URL\""
    environment = { SNAPSHOT_URL = ephemeral.mongodbatlas_flex_restore_job.download.snapshot_url }
  }
}
