import { DescribeTaskDefinitionCommand, type Tag, type TaskDefinition } from '@aws-sdk/client-ecs';
import type { Target } from './target';

/** A revision and its tags, as DescribeTaskDefinition(include TAGS) returns them. */
export interface DescribedRevision {
  readonly definition: TaskDefinition;
  readonly tags: Tag[];
}

/** One revision (an ARN, `family:revision`, or a family for its latest ACTIVE revision) with its tags. One call. */
export async function describeRevision(target: Target, arn: string): Promise<DescribedRevision> {
  const r = await target.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn, include: ['TAGS'] }));
  if (!r.taskDefinition) throw new Error(`ecs:DescribeTaskDefinition ${arn} returned nothing`);
  return { definition: r.taskDefinition, tags: r.tags ?? [] };
}
