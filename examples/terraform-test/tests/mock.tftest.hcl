# No Atlas and no provider process: mock_provider stands in for the provider,
# answering every read of the data source with these values.
mock_provider "atlasflex" {
  mock_data "mongodbatlas_flex_restore_job" {
    defaults = {
      status      = "COMPLETED"
      snapshot_id = "66b0000000000000000000a2"
    }
  }
}

run "a_completed_restore_is_restored" {
  command = plan

  assert {
    condition     = output.restored
    error_message = "A COMPLETED restore did not count as restored."
  }

  assert {
    condition     = output.snapshot_id == "66b0000000000000000000a2"
    error_message = "The snapshot id is not the mocked one."
  }
}
