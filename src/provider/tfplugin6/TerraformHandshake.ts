/**
 * What Terraform's go-plugin client expects of a protocol 6 provider: the
 * magic cookie it sets for every provider plugin it starts, the protocol
 * version, and what a person who runs the executable by hand reads.
 *
 * @since 0.1.0
 */
import type { MagicCookie } from "../host/Handshake.js"

/**
 * The cookie Terraform sets for every provider plugin it starts.
 *
 * @since 0.1.0
 * @category constants
 */
export const TerraformMagicCookie: MagicCookie = {
  key: "TF_PLUGIN_MAGIC_COOKIE",
  value: "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
}

/**
 * The Terraform plugin protocol spoken here.
 *
 * @since 0.1.0
 * @category constants
 */
export const ProtocolVersion = 6

/**
 * What a person who runs the provider at `source` by hand reads (go-plugin
 * servers say much the same, and exit 1).
 *
 * @since 0.1.0
 * @category constants
 */
export const notStartedByTerraform = (source: string): string =>
  `This binary is a plugin. These are not meant to be executed directly.
It is the Terraform provider ${source}, started by Terraform itself.
To use it, put it where terraform init finds it: a provider mirror such as the implied
~/.terraform.d/plugins/${source}/<version>/<os>_<arch>/. Or, while developing,
point Terraform at its directory with a dev_overrides block in a CLI configuration file:

  provider_installation {
    dev_overrides {
      "${source}" = "<directory holding terraform-provider-${source.split("/").pop() ?? ""}>"
    }
    direct {}
  }

then set TF_CLI_CONFIG_FILE to that file and run terraform plan.
`
