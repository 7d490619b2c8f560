import { ALL_RULES } from '../../rules';
import type { PolicyDocument } from '../helpers/iam-evaluator';
import { evaluate, evaluatePrincipal } from '../helpers/iam-evaluator';
import { edited, editPolicy, factsOf, one } from '../helpers/policy';
import { deployRolePolicy } from '../helpers/release-permissions';
import { dev, policy, resource, resources, synth, variant } from '../helpers/stacks';

/**
 * Issue 16 on a real stack: dev's release group "app" pulling from a private registry. The task definition names the
 * pull secret in repositoryCredentials, the execution role reads exactly that secret (and decrypts with its key only
 * through Secrets Manager), the workload boundary admits it, the deploy identity may read it to resolve tags, and the
 * rule ecs-registry-credentials-scoped judges the synthesized stack. Dev as shipped (ECR) gets none of it.
 */

const SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/registry-pull-AbC123';
const OTHER_SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/other-XyZ789';
const KEY = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const REGISTRY = 'registry.gitlab.com';
const viaSecretsManager = (secret: string) => ({ 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': secret });

const source = { registry: REGISTRY, pullCredentials: { secretArn: SECRET, kmsKeyArn: KEY } };
const each = { bootstrapImage: `${REGISTRY}/team/app:bootstrap`, imageSource: source };
const privateDev = variant(dev, { services: { web: each, worker: each, nightly: each } });
const out = synth(privateDev);
const shipped = synth(dev);

const executionPolicy = (tf: typeof out.tf, service = 'web') => policy(resource(tf, 'aws_iam_role_policy', `services/${service}/task-definition/execution-role/policy`).policy) as unknown as PolicyDocument;
const containerSpec = (tf: typeof out.tf, service = 'web') => resource(tf, 'terraform_data', `services/${service}/task-definition/container-spec`).input as Record<string, unknown>;
const boundary = (tf: typeof out.tf) => JSON.parse(String(Object.values(resources(tf, 'aws_iam_policy')).find((p) => String(p.name).endsWith('-workload-boundary'))!.policy)) as PolicyDocument;

describe('a service pulling from a private registry, synthesized', () => {
  test('its application container names the pull secret in repositoryCredentials; dev as shipped names none', () => {
    // GIVEN dev's group on a private registry / WHEN synthesized / THEN every member's container carries the secret
    for (const name of ['web', 'worker', 'nightly']) expect(containerSpec(out.tf, name).repositoryCredentials).toEqual({ credentialsParameter: SECRET });
    // AND the shipped stack's container definitions are untouched
    expect(JSON.stringify(shipped.tf)).not.toMatch(/repositoryCredentials|registry-pull|ReadRegistryCredentials/);
  });

  test('the execution role reads exactly the pull secret and decrypts only through Secrets Manager for it; ECR stays the environment\'s repository only', () => {
    // GIVEN the web service's execution role
    const role = executionPolicy(out.tf);
    const can = (action: string, resource: string, context: Record<string, string> = {}) => evaluate(role, { action, resource, context }).allowed;
    // WHEN requests are evaluated / THEN only the grant's own pass
    expect(can('secretsmanager:GetSecretValue', SECRET)).toBe(true);
    expect(can('secretsmanager:GetSecretValue', OTHER_SECRET)).toBe(false);
    expect(can('secretsmanager:GetSecretValue', SECRET.replace(/-AbC123$/, ''))).toBe(false);
    expect(can('kms:Decrypt', KEY, viaSecretsManager(SECRET))).toBe(true);
    expect(can('kms:Decrypt', KEY, viaSecretsManager(OTHER_SECRET))).toBe(false);
    expect(can('kms:Decrypt', KEY, {})).toBe(false);
    // The environment's own repository stays pullable (a service switching its source keeps starting the running
    // image until the first release from the new registry), and no other repository is
    const ecrPull = role.Statement.filter((st) => [st.Action].flat().some((a) => String(a).startsWith('ecr:Batch')));
    expect(ecrPull.map((st) => st.Resource)).toEqual([expect.stringMatching(/^\$\{aws_ecr_repository\.[\w-]+\.arn\}$/)]);
    expect(can('ecr:BatchGetImage', 'arn:aws:ecr:eu-west-1:111111111111:repository/other')).toBe(false);
    // AND the shipped (ECR) execution role reads no secret of Secrets Manager at all, but pulls from ECR
    const ecrRole = executionPolicy(shipped.tf);
    expect(evaluate(ecrRole, { action: 'secretsmanager:GetSecretValue', resource: SECRET, context: {} }).allowed).toBe(false);
    expect(evaluate(ecrRole, { action: 'ecr:GetAuthorizationToken', resource: '*', context: {} }).allowed).toBe(true);
  });

  test('the workload boundary admits the grant (and nothing wider)', () => {
    // GIVEN the execution role under the stack's permissions boundary
    const principal = { identity: [executionPolicy(out.tf)], boundary: boundary(out.tf) };
    // WHEN its pull is evaluated / THEN allowed through both; another secret stays denied
    expect(evaluatePrincipal(principal, { action: 'secretsmanager:GetSecretValue', resource: SECRET, context: {} }).allowed).toBe(true);
    expect(evaluatePrincipal(principal, { action: 'kms:Decrypt', resource: KEY, context: viaSecretsManager(SECRET) }).allowed).toBe(true);
    expect(evaluate(boundary(out.tf), { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET, context: {} }).allowed).toBe(false);
  });

  test('the deploy identity may read exactly the pull secret (tags are resolved with it in CI); as shipped, no secret', () => {
    // GIVEN the deploy role of each stack / WHEN GetSecretValue is evaluated
    const deploy = deployRolePolicy(privateDev);
    const can = (doc: PolicyDocument, action: string, resource: string, context: Record<string, string> = {}) => evaluate(doc, { action, resource, context }).allowed;
    // THEN the private stack's reads its pull secret only, decrypting only through Secrets Manager
    expect(can(deploy, 'secretsmanager:GetSecretValue', SECRET)).toBe(true);
    expect(can(deploy, 'secretsmanager:GetSecretValue', OTHER_SECRET)).toBe(false);
    expect(can(deploy, 'kms:Decrypt', KEY, viaSecretsManager(SECRET))).toBe(true);
    expect(can(deploy, 'kms:Decrypt', KEY, {})).toBe(false);
    expect(can(deploy, 'secretsmanager:PutSecretValue', SECRET)).toBe(false);
    // AND the shipped one's reads none
    expect(can(deployRolePolicy(dev), 'secretsmanager:GetSecretValue', SECRET)).toBe(false);
  });

  test('the release descriptor carries the image source, so ecs-release needs nothing else; as shipped it carries none', () => {
    const descriptor = (tf: typeof out.tf) => JSON.parse(String(resource(tf, 'aws_ssm_parameter', 'services/web/descriptor').insecure_value)) as Record<string, unknown>;
    expect(descriptor(out.tf).imageSource).toEqual({ registry: REGISTRY, credentialsSecretArn: SECRET });
    expect(descriptor(shipped.tf)).not.toHaveProperty('imageSource');
  });
});

describe('a sidecar pulling from a private registry', () => {
  test('gets its own repositoryCredentials, and the execution role reads exactly the two secrets (ECR stays for the app)', () => {
    // GIVEN dev's web service on ECR with a sidecar in a private registry, pulled with another secret
    const agentSecret = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:webapp/dev/agent-pull-QwE456';
    const withAgent = variant(dev, { services: { web: { sidecars: { agent: { image: `harbor.example.com:8443/ops/agent:1.2.3@sha256:${'a'.repeat(64)}`, pullCredentials: { secretArn: agentSecret } } } } } });
    // WHEN synthesized
    const tf = synth(withAgent).tf;
    const sidecars = resource(tf, 'terraform_data', 'services/web/task-definition/sidecar-spec').input as Record<string, unknown>[];
    // THEN the sidecar names its secret, the application container none
    expect(sidecars.find((c) => c.name === 'agent')!.repositoryCredentials).toEqual({ credentialsParameter: agentSecret });
    expect(containerSpec(tf)).not.toHaveProperty('repositoryCredentials');
    // AND the execution role reads the agent's secret, not the other, and still pulls the app from ECR
    const role = executionPolicy(tf);
    expect(evaluate(role, { action: 'secretsmanager:GetSecretValue', resource: agentSecret, context: {} }).allowed).toBe(true);
    expect(evaluate(role, { action: 'secretsmanager:GetSecretValue', resource: SECRET, context: {} }).allowed).toBe(false);
    expect(evaluate(role, { action: 'ecr:GetAuthorizationToken', resource: '*', context: {} }).allowed).toBe(true);
  });
});

describe('rule ecs-registry-credentials-scoped on the synthesized stack', () => {
  const rule = ALL_RULES.find((r) => r.id === 'ecs-registry-credentials-scoped')!;
  const facts = factsOf(privateDev);
  const task = one(facts, 'aws_ecs_task_definition', 'services/web/task-definition/task');
  const grant = one(facts, 'aws_iam_role_policy', 'services/web/task-definition/execution-role/policy');

  test('accepts the stack as built: the task pulls with a complete ARN its execution role reads, and reads nothing else', () => {
    expect(rule.evaluate(task, facts).status).toBe('compliant');
  });

  test('refuses the same stack once the execution role may read every secret', () => {
    // GIVEN the grant widened to a wildcard / WHEN evaluated / THEN non-compliant, naming the statement
    const g = edited(facts, grant, editPolicy('policy', (doc) => {
      doc.Statement.find((s) => s.Sid === 'ReadRegistryCredentials')!.Resource = '*';
    }));
    const result = rule.evaluate(task, g.facts);
    expect(result.status).toBe('non-compliant');
    expect(result.status === 'non-compliant' && result.findings.map((f) => f.reason).join(' | ')).toMatch(/statement ReadRegistryCredentials of the execution role lets it read \*/);
  });

  test('refuses the same stack once the execution role lost the grant', () => {
    const g = edited(facts, grant, editPolicy('policy', (doc) => {
      doc.Statement = doc.Statement.filter((s) => s.Sid !== 'ReadRegistryCredentials');
    }));
    const result = rule.evaluate(task, g.facts);
    expect(result.status).toBe('non-compliant');
    expect(result.status === 'non-compliant' && result.findings[0].reason).toMatch(/may not read its registry credentials/);
  });
});
