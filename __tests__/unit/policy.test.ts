import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Testing } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { checkStack, POLICY_REPORT_FILE, PolicyViolation, RULE_IDS, suppress, type PolicyReport } from '../../rules';
import { ALL_RULES } from '../../rules';
import { decodeJsonencode } from '../../rules/lib/hcl-literal';
import { EnvironmentStack, TARGET_CONTEXT_KEY } from '../../stacks/environment-stack';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { dev, prod, variant } from '../helpers/stacks';

function stackOf(env: typeof dev): EnvironmentStack {
  return new EnvironmentStack(Testing.app({ context: { [TARGET_CONTEXT_KEY]: 'aws' } }), env);
}

function report(stack: EnvironmentStack): PolicyReport {
  return checkStack(stack, { production: stack.env.production, target: stack.target, rules: ALL_RULES });
}

const summary = (r: PolicyReport) => ({
  errors: r.errors.map((f) => `${f.ruleId} ${f.path}`),
  warnings: r.warnings.map((f) => `${f.ruleId} ${f.path}`),
  accepted: r.accepted.map((a) => `${a.ruleId} ${a.path}${a.findingId ? ` [${a.findingId}]` : ''}`),
});

describe('policy checks on the shipped environments', () => {
  test('prod synthesizes with no error and no warning; every accepted risk is listed', () => {
    // GIVEN the prod environment / WHEN the rules run / THEN only reviewed risks remain, each with its reason
    const r = report(stackOf(prod));
    expect(summary(r)).toEqual({
      errors: [],
      warnings: [],
      accepted: [
        'iam-no-wildcard-resources prod/services/web/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources prod/services/web/blue-green/codedeploy/policy [ReadLoadBalancing]',
        'iam-no-wildcard-resources prod/services/worker/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources prod/services/nightly/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources prod/ci/plan/policy [RefreshDeclaredResourceTypes]',
        'iam-no-wildcard-resources prod/ci/deploy/policy [DescribeWithoutResourceScope]',
        'iam-no-wildcard-resources prod/ci/deploy/policy [VerifySecretsExist]',
        'iam-no-wildcard-resources prod/ci/deploy/policy [StopAndFollowDeployments]',
        'iam-no-wildcard-resources prod/ci/deploy/policy [ReadTrafficRouting]',
        'iam-no-wildcard-resources prod/ci/approve/policy [DescribeWithoutResourceScope]',
        'iam-no-wildcard-resources prod/ci/approve/policy [ApproveStopAndFollowDeployments]',
        'iam-no-wildcard-resources prod/ci/approve/policy [ReadTrafficRouting]',
        'iam-no-wildcard-resources prod/ci/operator/policy [OperatorReadScalingBounds]',
        'iam-aws-managed-policy prod/ci/apply/managed-0 [PowerUserAccess]',
        'iam-no-wildcard-resources prod/ci/boundary/policy [ServicesWebTaskDefinitionExecutionRoleEcrAuthToken]',
        'iam-no-wildcard-resources prod/ci/boundary/policy [ServicesWebBlueGreenCodedeployReadLoadBalancing]',
      ],
    });
    expect(r.unusedSuppressions).toEqual([]);
    for (const a of r.accepted) expect(a.justification.split(/\s+/).length).toBeGreaterThanOrEqual(4);
  });

  test('dev passes with warnings for plain HTTP (no certificate) and lists its accepted risks', () => {
    const r = report(stackOf(dev));
    expect(summary(r)).toEqual({
      errors: [],
      warnings: ['alb-https dev/load-balancer/alb', 'alb-http-redirect dev/load-balancer/production'],
      accepted: [
        'iam-no-wildcard-resources dev/services/web/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources dev/services/web/task-definition/task-role/policy [EcsExecChannels]',
        'iam-no-wildcard-resources dev/services/worker/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources dev/services/nightly/task-definition/execution-role/policy [EcrAuthToken]',
        'iam-no-wildcard-resources dev/ci/plan/policy [RefreshDeclaredResourceTypes]',
        'iam-no-wildcard-resources dev/ci/deploy/policy [DescribeWithoutResourceScope]',
        'iam-no-wildcard-resources dev/ci/deploy/policy [VerifySecretsExist]',
        'iam-no-wildcard-resources dev/ci/operator/policy [OperatorReadScalingBounds]',
        'iam-aws-managed-policy dev/ci/apply/managed-0 [PowerUserAccess]',
        'iam-no-wildcard-resources dev/ci/boundary/policy [ServicesWebTaskDefinitionExecutionRoleEcrAuthToken]',
        'iam-no-wildcard-resources dev/ci/boundary/policy [ServicesWebTaskDefinitionTaskRoleEcsExecChannels]',
      ],
    });
  });

  test('the same gap is a warning in dev and an error in production', () => {
    // GIVEN dev's resources (plain HTTP, no deletion protection) / WHEN judged as production / THEN they are errors
    const devAsProd = stackOf(dev);
    const r = checkStack(devAsProd, { production: true, target: 'aws', rules: ALL_RULES });
    expect(r.errors.map((f) => f.ruleId)).toEqual(expect.arrayContaining(['alb-https', 'alb-http-redirect', 'alb-deletion-protection']));
  });

  test('ecs-tasks-private stops production synthesis and only warns in dev', () => {
    // GIVEN both environments with a public IP on every task
    const findings = (env: typeof dev) => {
      const stack = stackOf(env);
      stack.services.get('web')!.service!.networkConfiguration.assignPublicIp = true;
      // WHEN the rules run with the environment's own production flag
      const r = report(stack);
      const of = (list: typeof r.errors) => list.filter((f) => f.ruleId === 'ecs-tasks-private').map((f) => f.path);
      return { errors: of(r.errors), warnings: of(r.warnings) };
    };
    // THEN prod has an error (synthesis stops), dev a warning (printed, synthesis goes on)
    expect(findings(prod)).toEqual({ errors: ['prod/services/web/service'], warnings: [] });
    expect(findings(dev)).toEqual({ errors: [], warnings: ['dev/services/web/service'] });
  });

  test('an ECS Exec reason in the configuration becomes the accepted risk of ecs-exec-production', () => {
    const reason = 'Incident response needs a shell while the tracing rollout is incomplete (ticket OPS-42).';
    const r = report(stackOf(variant(prod, { services: { web: { enableExecuteCommand: true, executeCommandReason: reason, readonlyRootFilesystem: false } } })));
    expect(r.errors).toEqual([]);
    expect(r.accepted.find((a) => a.ruleId === 'ecs-exec-production')).toMatchObject({ path: 'prod/services/web/service', justification: reason });
  });
});

describe('policy checks stop synthesis', () => {
  test('an error-level finding stops synthesis with one line naming rule, resource path and reason; nothing is written', () => {
    // GIVEN prod plus a log group without retention
    const scratch = scratchDir('policy-stop');
    try {
      const app = new App({ outdir: scratch.dir, context: { [TARGET_CONTEXT_KEY]: 'aws' } });
      const stack = new EnvironmentStack(app, prod);
      new CloudwatchLogGroup(stack, 'audit', { name: '/audit' });
      // WHEN it is synthesized / THEN synthesis fails with one line per finding
      let error: unknown;
      try {
        app.synth();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PolicyViolation);
      const lines = (error as Error).message.split('\n');
      expect(lines[0]).toBe('policy check failed for stack "prod": 1 error(s); fix each, or accept it with suppress() and a written reason (docs/guardrails.md)');
      expect(lines.slice(1)).toEqual(['  error logs-retention at prod/audit: retention_in_days is unset: logs are kept forever (AWS default); set logRetentionDays']);
      expect(existsSync(join(scratch.dir, 'stacks', 'prod', 'cdk.tf.json'))).toBe(false);
    } finally {
      scratch.remove();
    }
  });

  test('rules read resolved values: a change made after construction is seen (ECS Exec switched on in prod)', () => {
    const stack = stackOf(prod);
    stack.services.get('web')!.service!.enableExecuteCommand = true;
    expect(() => Testing.synth(stack)).toThrow(/error ecs-exec-production at prod\/services\/web\/service: ECS Exec is enabled in production/);
  });

  test('a suppression covers only the statements it names: a new wildcard statement in the same policy fails', () => {
    // GIVEN the execution role, whose EcrAuthToken statement is accepted, gains another "*" statement
    const stack = stackOf(prod);
    stack.services.get('web')!.task.executionRole.addStatements({ Sid: 'DescribeEverything', Effect: 'Allow', Action: ['ec2:DescribeInstances'], Resource: '*' });
    // THEN only the new statement is reported, in the role and in its copy in the workload boundary
    const r = report(stack);
    expect(r.errors.map((f) => `${f.ruleId} ${f.path} [${f.findingId}]`)).toEqual([
      'iam-no-wildcard-resources prod/services/web/task-definition/execution-role/policy [DescribeEverything]',
      'iam-no-wildcard-resources prod/ci/boundary/policy [ServicesWebTaskDefinitionExecutionRoleDescribeEverything]',
    ]);
  });
});

describe('suppressions', () => {
  const stack = () => stackOf(prod);

  test.each([
    ['a reason shorter than a sentence', { ruleId: 'logs-retention', reason: 'not needed' }, 'reason: received "not needed"; allowed: a written reason of at least one sentence'],
    ['a placeholder reason', { ruleId: 'logs-retention', reason: 'TODO: explain this later on when time allows' }, 'allowed: a reason, not a placeholder'],
    ['a multi-line reason', { ruleId: 'logs-retention', reason: 'These logs are short lived.\nThey hold nothing personal at all.' }, 'allowed: a single line'],
    ['an unknown rule id', { ruleId: 'logs-retentoin', reason: 'Audit logs are exported to the archive account every night.' }, 'ruleId: received "logs-retentoin"; allowed: one of'],
    ['an empty appliesTo', { ruleId: 'iam-no-wildcard-resources', reason: 'The actions below have no resource-level permission in AWS.', appliesTo: [] }, 'appliesTo: received []'],
  ])('refuses %s with a one-line error naming the construct', (_t, s, message) => {
    const scope = stack().services.get('web')!;
    let error: unknown;
    try {
      suppress(scope, s);
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).toContain(`suppression at prod/services/web`);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  test('a suppression that covers nothing is reported as unused', () => {
    const s = stack();
    suppress(s.cluster, { ruleId: 'logs-retention', reason: 'The cluster has no log group of its own; nothing to keep.' });
    expect(report(s).unusedSuppressions).toEqual([expect.objectContaining({ ruleId: 'logs-retention', attachedTo: 'prod/cluster' })]);
  });

  test('a suppression on a parent construct covers the resources under it and says where it is attached', () => {
    const s = stack();
    const extra = new CloudwatchLogGroup(s.services.get('web')!, 'debug-logs', { name: '/debug' });
    suppress(s.services.get('web')!, { ruleId: 'logs-retention', reason: 'Debug logs are deleted by the nightly clean-up job.' });
    const r = report(s);
    expect(r.errors).toEqual([]);
    expect(r.accepted.find((a) => a.path === extra.node.path)).toMatchObject({ ruleId: 'logs-retention', attachedTo: 'prod/services/web' });
  });

  test('every rule file under rules/ can be suppressed by its id and is documented in docs/guardrails.md', () => {
    // GIVEN the rule files on disk (not the registry, which this test checks)
    const ids = readdirSync(join(repoRoot(), 'rules'))
      .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
      .map((f) => f.replace(/\.ts$/, ''));
    expect(ids.length).toBeGreaterThan(0);
    const doc = readFileSync(join(repoRoot(), 'docs', 'guardrails.md'), 'utf8');
    const s = stack();
    for (const ruleId of ids) {
      // WHEN a risk is accepted for the rule / THEN suppress() knows it, and the rules table has its row
      expect(() => suppress(s.cluster, { ruleId, reason: `The cluster accepts this risk for a test of rule ${ruleId}.` })).not.toThrow();
      expect(doc).toContain(`| \`${ruleId}\` |`);
    }
    // AND an id that is not a rule file is refused
    expect(() => suppress(s.cluster, { ruleId: 'no-such-rule', reason: 'A reason that is long enough to be a sentence.' })).toThrow('ruleId: received "no-such-rule"');
  });
});

describe('report at synthesis', () => {
  test('real synthesis writes policy-report.json per stack and prints warnings and accepted risks', () => {
    const scratch = scratchDir('policy-report');
    const printed: string[] = [];
    // stdout: the cdktf CLI shows an app's stderr as [ERROR] lines (policy-report-output.test.ts)
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    try {
      // GIVEN dev and prod in one app / WHEN synthesized
      const app = new App({ outdir: scratch.dir, context: { [TARGET_CONTEXT_KEY]: 'aws' } });
      new EnvironmentStack(app, dev);
      new EnvironmentStack(app, prod);
      app.synth();
    } finally {
      write.mockRestore();
    }
    try {
      // THEN each stack folder holds its report, and the output lists every warning and accepted risk
      const devReport = JSON.parse(readFileSync(join(scratch.dir, 'stacks', 'dev', POLICY_REPORT_FILE), 'utf8')) as PolicyReport;
      const prodReport = JSON.parse(readFileSync(join(scratch.dir, 'stacks', 'prod', POLICY_REPORT_FILE), 'utf8')) as PolicyReport;
      expect(devReport.warnings).toHaveLength(2);
      expect(prodReport.accepted).toHaveLength(16);
      expect(prodReport.rules).toEqual(RULE_IDS);
      const text = printed.join('');
      expect(text).toMatch(/^policy dev: 23 rules, \d+ resources, 0 errors, 2 warnings, 11 accepted risks/m);
      expect(text).toMatch(/^policy prod: 23 rules, \d+ resources, 0 errors, 0 warnings, 16 accepted risks/m);
      expect(text).toContain('  warning alb-https at dev/load-balancer/alb: no HTTPS listener');
      expect(text).toContain('  accepted iam-aws-managed-policy at prod/ci/apply/managed-0 [PowerUserAccess]: terraform apply manages');
    } finally {
      scratch.remove();
    }
  });
});

describe('reading jsonencode() as Terraform will', () => {
  test('container definitions decode to JSON with references kept as ${...}', () => {
    const expr = '${jsonencode([{"name" = "app", "environment" = [{"name" = "A", "value" = "$${literal}"}], "port" = 8080, "essential" = true, "image" = aws_ssm_parameter.p_1.insecure_value, "list" = [], "nothing" = null}])}';
    expect(JSON.parse(decodeJsonencode(expr)!)).toEqual([
      { name: 'app', environment: [{ name: 'A', value: '${literal}' }], port: 8080, essential: true, image: '${aws_ssm_parameter.p_1.insecure_value}', list: [], nothing: null },
    ]);
  });

  test.each([
    ['a function call', '${jsonencode([tostring(var.x)])}'],
    ['an operator', '${jsonencode({"a" = 1 + 2})}'],
    ['trailing text', '${jsonencode({"a" = 1})}-suffix'],
    ['no jsonencode', '${var.x}'],
  ])('returns undefined for %s (rules then fail closed)', (_t, expr) => {
    expect(decodeJsonencode(expr)).toBeUndefined();
  });
});
