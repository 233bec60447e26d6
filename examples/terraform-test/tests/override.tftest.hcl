# No Atlas at all, no credentials: the real provider is configured, but the
# data source is never read; override_data gives its values.
override_data {
  target = data.mongodbatlas_flex_restore_job.this
  values = {
    status      = "RUNNING"
    snapshot_id = "66b0000000000000000000a1"
  }
}

run "an_unfinished_restore_is_not_restored" {
  command = plan

  assert {
    condition     = output.restored == false
    error_message = "A RUNNING restore counted as restored."
  }

  assert {
    condition     = output.snapshot_id == "66b0000000000000000000a1"
    error_message = "The snapshot id is not the data source's."
  }
}
