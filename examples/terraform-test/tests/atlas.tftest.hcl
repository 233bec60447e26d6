# Reads the job from Atlas (or the local emulator): MONGODB_ATLAS_BASE_URL and
# credentials from the environment, as for terraform plan.
run "reads_the_completed_job" {
  command = plan

  assert {
    condition     = data.mongodbatlas_flex_restore_job.this.status == "COMPLETED"
    error_message = "The restore job is ${data.mongodbatlas_flex_restore_job.this.status}, not COMPLETED."
  }

  assert {
    condition     = output.restored
    error_message = "The restored output is false for a completed job."
  }
}
