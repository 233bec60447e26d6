terraform {
  required_providers {
    # The official provider manages the cluster...
    mongodbatlas = {
      source  = "mongodb/mongodbatlas"
      version = "~> 1.41"
    }
    # ...and this one reads its restore jobs, under its own local name.
    atlasflex = {
      source = "registry.terraform.io/atlas-flex/mongodbatlas"
    }
  }
}

provider "mongodbatlas" {}

provider "atlasflex" {}

variable "project_id" {
  type = string
}

variable "restore_job_id" {
  type = string
}

resource "mongodbatlas_flex_cluster" "this" {
  project_id = var.project_id
  name       = "flex-demo"
  provider_settings = {
    backing_provider_name = "AWS"
    region_name           = "US_EAST_1"
  }
}

data "mongodbatlas_flex_restore_job" "this" {
  provider       = atlasflex
  project_id     = mongodbatlas_flex_cluster.this.project_id
  name           = mongodbatlas_flex_cluster.this.name
  restore_job_id = var.restore_job_id
}

output "restore_status" {
  value = data.mongodbatlas_flex_restore_job.this.status
}
