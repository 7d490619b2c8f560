import type { Service } from '@aws-sdk/client-ecs';
import { identityDrift, type IdentityFinding } from './identity-drift';
import { fieldChanges, isReleaseField, registerable, type FieldChange } from './revision';
import type { Target } from './target';
import { describeRevision, type DescribedRevision } from './describe';

/**
 * The running revision against Terraform's, field by field: what `status` summarises and `diff` prints. Everything
 * but the image is Terraform's; the image is ecs-release's (listed apart, never counted as drift).
 */
export interface Drift {
  readonly running: DescribedRevision;
  readonly terraform: DescribedRevision;
  /** Fields that differ besides the image: IaC drift, shipped by `ecs-release rollout`. */
  readonly fields: FieldChange[];
  /** Image fields that differ: expected (ecs-release ships images), shown for completeness. */
  readonly images: FieldChange[];
  /** What the deploy identity could change and IAM cannot stop (docs/guardrails.md). */
  readonly identity: IdentityFinding[];
}

/** Reads the running and Terraform's revisions (one DescribeTaskDefinition when they are the same) and compares them. */
export async function readDrift(target: Target, service: Service): Promise<Drift> {
  const runningArn = service.taskDefinition ?? '';
  const running = await describeRevision(target, runningArn);
  const terraformArn = target.descriptor.taskDefinitionArn;
  const terraform = runningArn === terraformArn ? running : await describeRevision(target, terraformArn);
  const before = registerable(running.definition);
  const after = registerable(terraform.definition);
  const fields = fieldChanges(before, after, isReleaseField);
  const images = fieldChanges(before, after, (f) => !isReleaseField(f));
  return { running, terraform, fields, images, identity: identityDrift(fields, running.definition, service, target.descriptor) };
}

/** "memory: Terraform declares "1024", the running revision has "512"; ..." (at most `max` fields, then a count). */
export function describeDrift(drift: readonly FieldChange[], max = 8): string {
  const shown = drift.slice(0, max).map(describeChange);
  return shown.join('; ') + (drift.length > max ? `; and ${drift.length - max} more` : '');
}

export function describeChange(c: FieldChange): string {
  if (c.before === undefined) return `${c.field}: Terraform declares ${c.after}, the running revision lacks it`;
  if (c.after === undefined) return `${c.field}: the running revision has ${c.before}, Terraform does not declare it`;
  return `${c.field}: Terraform declares ${c.after}, the running revision has ${c.before}`;
}
