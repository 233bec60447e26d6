// GENERATED FILE, DO NOT EDIT. Written by `npm run generate` (scripts/generate.ts) from
// src/datasource/schema.ts with @cdktn/provider-generator 0.24.0; compiled under the relaxed
// profile src/cdktf/tsconfig.generated.json.
// https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktn from 'cdktn';

// Configuration

export interface EphemeralMongodbatlasFlexRestoreJobConfig extends cdktn.TerraformEphemeralMetaArguments {
  /**
  * Human-readable label that identifies the flex cluster.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job#name EphemeralMongodbatlasFlexRestoreJob#name}
  */
  readonly name: string;
  /**
  * Unique 24-hexadecimal digit string that identifies the project from which the restore job originated.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job#project_id EphemeralMongodbatlasFlexRestoreJob#project_id}
  */
  readonly projectId: string;
  /**
  * Unique 24-hexadecimal digit string that identifies the restore job.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job#restore_job_id EphemeralMongodbatlasFlexRestoreJob#restore_job_id}
  */
  readonly restoreJobId: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job mongodbatlas_flex_restore_job}
*/
export class EphemeralMongodbatlasFlexRestoreJob extends cdktn.TerraformEphemeralResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "mongodbatlas_flex_restore_job";

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/atlas-flex/mongodbatlas/latest/docs/ephemeral-resources/flex_restore_job mongodbatlas_flex_restore_job} Ephemeral Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options EphemeralMongodbatlasFlexRestoreJobConfig
  */
  public constructor(scope: Construct, id: string, config: EphemeralMongodbatlasFlexRestoreJobConfig) {
    super(scope, id, {
      terraformResourceType: 'mongodbatlas_flex_restore_job',
      terraformGeneratorMetadata: {
        providerName: 'mongodbatlas'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      forEach: config.forEach
    });
    this._name = config.name;
    this._projectId = config.projectId;
    this._restoreJobId = config.restoreJobId;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // delivery_type - computed: true, optional: false, required: false
  public get deliveryType() {
    return this.getStringAttribute('delivery_type');
  }

  // expiration_date - computed: true, optional: false, required: false
  public get expirationDate() {
    return this.getStringAttribute('expiration_date');
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
  }

  // project_id - computed: false, optional: false, required: true
  private _projectId?: string; 
  public get projectId() {
    return this.getStringAttribute('project_id');
  }
  public set projectId(value: string) {
    this._projectId = value;
  }
  // Temporarily expose input value. Use with caution.
  public get projectIdInput() {
    return this._projectId;
  }

  // restore_finished_date - computed: true, optional: false, required: false
  public get restoreFinishedDate() {
    return this.getStringAttribute('restore_finished_date');
  }

  // restore_job_id - computed: false, optional: false, required: true
  private _restoreJobId?: string; 
  public get restoreJobId() {
    return this.getStringAttribute('restore_job_id');
  }
  public set restoreJobId(value: string) {
    this._restoreJobId = value;
  }
  // Temporarily expose input value. Use with caution.
  public get restoreJobIdInput() {
    return this._restoreJobId;
  }

  // restore_scheduled_date - computed: true, optional: false, required: false
  public get restoreScheduledDate() {
    return this.getStringAttribute('restore_scheduled_date');
  }

  // snapshot_finished_date - computed: true, optional: false, required: false
  public get snapshotFinishedDate() {
    return this.getStringAttribute('snapshot_finished_date');
  }

  // snapshot_id - computed: true, optional: false, required: false
  public get snapshotId() {
    return this.getStringAttribute('snapshot_id');
  }

  // snapshot_url - computed: true, optional: false, required: false
  public get snapshotUrl() {
    return this.getStringAttribute('snapshot_url');
  }

  // status - computed: true, optional: false, required: false
  public get status() {
    return this.getStringAttribute('status');
  }

  // target_deployment_item_name - computed: true, optional: false, required: false
  public get targetDeploymentItemName() {
    return this.getStringAttribute('target_deployment_item_name');
  }

  // target_project_id - computed: true, optional: false, required: false
  public get targetProjectId() {
    return this.getStringAttribute('target_project_id');
  }

  // =========
  // SYNTHESIS
  // =========

  protected synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktn.stringToTerraform(this._name),
      project_id: cdktn.stringToTerraform(this._projectId),
      restore_job_id: cdktn.stringToTerraform(this._restoreJobId),
    };
  }

  protected synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktn.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      project_id: {
        value: cdktn.stringToHclTerraform(this._projectId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      restore_job_id: {
        value: cdktn.stringToHclTerraform(this._restoreJobId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
