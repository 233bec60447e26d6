terraform {
  required_providers {
    atlasflex = {
      source  = "registry.terraform.io/atlas-flex/mongodbatlas"
      version = "~> 0.1.0"
    }
  }
}

provider "atlasflex" {}

variable "restore_job_id" {
  type        = string
  description = "The restore job to read, in flex cluster flex-demo of project 6650f1a2b3c4d5e6f7a8b9c0."
  default     = "66a0000000000000000000c1"
}

data "mongodbatlas_flex_restore_job" "this" {
  provider       = atlasflex
  project_id     = "6650f1a2b3c4d5e6f7a8b9c0"
  name           = "flex-demo"
  restore_job_id = var.restore_job_id
}

output "restored" {
  value = data.mongodbatlas_flex_restore_job.this.status == "COMPLETED"
}

output "snapshot_id" {
  value = data.mongodbatlas_flex_restore_job.this.snapshot_id
}
