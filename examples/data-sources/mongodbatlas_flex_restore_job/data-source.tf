terraform {
  required_providers {
    atlasflex = {
      source = "registry.terraform.io/atlas-flex/mongodbatlas"
    }
  }
}

provider "atlasflex" {}

data "mongodbatlas_flex_restore_job" "this" {
  provider       = atlasflex
  project_id     = "6650f1a2b3c4d5e6f7a8b9c0"
  name           = "flex-demo"
  restore_job_id = "66a0000000000000000000c1"
}

output "status" {
  value = data.mongodbatlas_flex_restore_job.this.status
}

output "restore_finished_date" {
  value = data.mongodbatlas_flex_restore_job.this.restore_finished_date
}
