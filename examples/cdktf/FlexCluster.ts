/**
 * A stand-in for a flex cluster resource: the example needs a construct whose
 * `projectId` and `name` are tokens, as a real `mongodbatlas_flex_cluster`'s
 * would be. Offline there is no such resource, so the values are Terraform
 * variables (known at plan time, overridable with `-var` or `TF_VAR_...`)
 * whose defaults are given at synth time.
 *
 * @since 0.1.0
 */
import { TerraformVariable } from "cdktf"
import { Construct } from "constructs"

/**
 * @since 0.1.0
 * @category models
 */
export interface FlexClusterProps {
  /** Default of the `<id>_project_id` variable. */
  readonly projectId: string
  /** Default of the `<id>_name` variable. */
  readonly name: string
}

/**
 * @since 0.1.0
 * @category constructs
 */
export class FlexCluster extends Construct {
  /** `${var.<id>_project_id}`. */
  readonly projectId: string
  /** `${var.<id>_name}`. */
  readonly name: string

  constructor(scope: Construct, id: string, props: FlexClusterProps) {
    super(scope, id)
    const projectId = new TerraformVariable(this, "project_id", {
      type: "string",
      default: props.projectId,
      description: "Project (group) of the flex cluster: 24 hexadecimal digits.",
    })
    const name = new TerraformVariable(this, "name", {
      type: "string",
      default: props.name,
      description: "Name of the flex cluster.",
    })
    // Readable variable names for `-var`, instead of hashed logical ids.
    projectId.overrideLogicalId(`${id}_project_id`)
    name.overrideLogicalId(`${id}_name`)
    this.projectId = projectId.stringValue
    this.name = name.stringValue
  }
}
