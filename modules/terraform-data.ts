import { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

export interface TerraformDataProps {
  /** Value stored in state; a change shows in the plan (and triggers `replace_triggered_by` on dependents). */
  readonly input: unknown;
}

/**
 * Terraform's built-in `terraform_data` resource (Terraform >= 1.4), synthesized exactly like cdktf's `DataResource`.
 *
 * Why not `DataResource`: its constructor registers a validation that runs `terraform version` in a shell during
 * every synthesis, once per instance. That costs about 0.1 s per service (a third of `npm run synth`, and most of the
 * per-service synthesis time), and it makes synthesis fail on a machine without Terraform, although synthesis never
 * needs it. The version requirement belongs to Terraform itself: the stack declares `required_version`, which every
 * `terraform init`/`plan`/`apply` enforces against the binary that actually runs.
 */
export class TerraformData extends TerraformResource {
  public static readonly tfResourceType = 'terraform_data';
  private readonly inputValue: unknown;

  constructor(scope: Construct, id: string, props: TerraformDataProps) {
    super(scope, id, { terraformResourceType: TerraformData.tfResourceType, terraformGeneratorMetadata: { providerName: 'terraform' } });
    this.inputValue = props.input;
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: this.inputValue };
  }

  // Same shape as DataResource's, so `SYNTH_HCL_OUTPUT=true` keeps working.
  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { input: this.inputValue };
  }
}
