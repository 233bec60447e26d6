terraform {
  required_providers {
    atlasflex = {
      source = "registry.terraform.io/atlas-flex/mongodbatlas"
    }
  }
}

provider "atlasflex" {}

variable "project_id" {
  type    = string
  default = "6650f1a2b3c4d5e6f7a8b9c0"
}

variable "cluster_name" {
  type    = string
  default = "flex-demo"
}

variable "restore_job_id" {
  type    = string
  default = "66a0000000000000000000c1"
}

# Read on every plan and apply; a job that has not completed is reported as a
# warning, without blocking the run.
check "restore_completed" {
  data "mongodbatlas_flex_restore_job" "this" {
    provider       = atlasflex
    project_id     = var.project_id
    name           = var.cluster_name
    restore_job_id = var.restore_job_id
  }

  assert {
    condition     = data.mongodbatlas_flex_restore_job.this.status == "COMPLETED"
    error_message = "Restore job ${var.restore_job_id} is ${data.mongodbatlas_flex_restore_job.this.status}, not COMPLETED."
  }
}
