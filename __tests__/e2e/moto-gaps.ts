/**
 * Every place where the end-to-end tier tolerates or works around moto (pinned in tools/requirements-moto.txt).
 * Nothing else is tolerated: a test that needs a new exception adds an entry here, with its reason, and names it by
 * id (`gap('...')`), so this list is the complete account of where the emulator differs from AWS.
 */
export interface MotoGap {
  readonly id: string;
  /** What moto does differently from AWS. */
  readonly gap: string;
  /** What the tests do about it, and where the behaviour is covered instead. */
  readonly handling: string;
  /**
   * Attributes a plan may show as an in-place update because of this gap (`<resource type>.<attribute>`, optionally
   * only on resources where `onlyWhen` is set). Tests that tolerate plan changes take them from here and nowhere else.
   */
  readonly tolerates?: readonly ToleratedField[];
}

export interface ToleratedField {
  readonly field: string;
  readonly onlyWhen?: string;
}

export const MOTO_GAPS: readonly MotoGap[] = [
  {
    id: 'application-auto-scaling',
    gap: 'Application Auto Scaling lacks ListTagsForResource; the provider retries the HTTP 500 for many minutes.',
    handling: 'The emulator target of the stack leaves the scaling target and policies out (stacks/environment-stack.ts); they are covered by the synth and plan tiers.',
  },
  {
    id: 'sdk-resend-after-answer',
    gap: 'The AWS SDK for Go v2 in the Terraform provider sometimes closes the connection while it reads a 200 answer, then resends the call as a closed connection (aws-sdk-go-v2 issues 1825 and 2737, reported against AWS and against local emulators); moto, answering in milliseconds on a fresh connection per call, is hit often enough to matter. moto carries the resend out a second time: a create answers InvalidPermission.Duplicate or EntityAlreadyExists, a revoke InvalidPermission.NotFound, and the apply fails. Seen in 2 of 5 sandbox starts beside a CPU hog; a packet capture of one start showed the provider close the connection between an answer\'s headers and its body on 3 of 849 calls.',
    handling: 'Every emulator of the tests and the sandbox (scripts/lib/moto_server_launcher.py) answers a resend (amz-sdk-request attempt 2 or later) of a call it answered 2xx (same amz-sdk-invocation-id, method, path and query) with that answer, as if the first had arrived; a resend after an error is carried out. Nothing else is retried. __tests__/e2e/moto-resend.test.ts proves both against the launcher.',
  },
  {
    id: 'create-service-fields',
    gap: 'CreateService does not keep enableExecuteCommand, healthCheckGracePeriodSeconds, enableECSManagedTags and availabilityZoneRebalancing, and security-group rules referencing a group lose their description on create.',
    handling: 'Rolling stacks (release tier) are applied twice: the second apply, targeted at the services and those rules, stores them through UpdateService/ModifySecurityGroupRules, as AWS keeps them on create, and only plans after it are asserted. The blue/green tier tolerates exactly the fields below in its plans instead (a CODE_DEPLOY service takes no such UpdateService), and asserts that each shows up, so the list cannot go stale.',
    tolerates: [
      { field: 'aws_ecs_service.availability_zone_rebalancing' },
      { field: 'aws_ecs_service.enable_ecs_managed_tags' },
      { field: 'aws_ecs_service.health_check_grace_period_seconds' },
      { field: 'aws_vpc_security_group_ingress_rule.description', onlyWhen: 'referenced_security_group_id' },
      { field: 'aws_vpc_security_group_egress_rule.description', onlyWhen: 'referenced_security_group_id' },
    ],
  },
  {
    id: 'codedeploy-alarm-configuration',
    gap: 'GetDeploymentGroup returns alarmConfiguration as {} (a TODO in moto/codedeploy/responses.py) and there is no UpdateDeploymentGroup, so the rollback alarms never read back.',
    handling: 'The blue/green tier tolerates exactly that attribute in its plans (plan exits 2 on moto even right after apply); the alarms are asserted by the synth and plan tiers.',
    tolerates: [{ field: 'aws_codedeploy_deployment_group.alarm_configuration' }],
  },
  {
    id: 'codedeploy-static-deployment',
    gap: 'CreateDeployment is recorded with status Created and never progresses: no task set, no traffic shift, no lifecycle events (ListDeploymentTargets is not implemented), no Continue/StopDeployment.',
    handling: 'ListDeploymentTargets is not implemented either, so ecs-release shows "lifecycle events unavailable" there (lifecycle events are progress detail; GetDeployment decides every outcome). The blue/green tier starts the deployment with ecs-release deploy --no-wait, then performs exactly CodeDeploy\'s ECS and ELBv2 calls itself; the in-flight refusal is proven on moto with that Created deployment. Holding for approval, failure, stop with rollback and timeout are covered with client mocks (__tests__/unit/release-blue-green.test.ts).',
  },
  {
    id: 'codedeploy-task-set-scale',
    gap: 'With a scale parameter, CreateTaskSet starts tasks and fails on Fargate task definitions without container-level cpu/memory.',
    handling: 'The blue/green tier replays CodeDeploy\'s CreateTaskSet without scale (moto\'s default is the 100 % CodeDeploy sends).',
  },
  {
    id: 'ecs-deployment-model',
    gap: 'moto keeps one static deployment per service: its rolloutState is fixed at creation from MOTO_ECS_SERVICE_RUNNING (the harness sets 3, so services of up to 3 tasks report COMPLETED), UpdateService only renews its id (with forceNewDeployment), its taskDefinition stays the creation-time revision and runningCount is that number.',
    handling: 'The end-to-end tests assert the service\'s taskDefinition (which moto does update), never a deployment\'s taskDefinition or counts. Rollouts that do not complete (circuit-breaker rollback, FAILED, timeout, SIGINT) are covered with client mocks (__tests__/unit/release-cli.test.ts); "deployment in progress" is produced by a service created with more tasks than that number.',
  },
  {
    id: 'service-deployments',
    gap: 'ListServiceDeployments and DescribeServiceDeployments are not implemented (moto/ecs/responses.py has neither): moto answers an HTML 500 page, which the SDK reports as a SyntaxError.',
    handling: 'ecs-release asks for the typed status only when a deployment left the service\'s list; an endpoint that answers UnknownOperationException, 501 or such a 500 is marked unable once per run (src/release/service-deployments.ts) and the service events decide, as before. moto\'s deployments never leave the list (gap ecs-deployment-model), so the e2e tier does not reach it; every typed status (SUCCESSFUL, ROLLBACK_SUCCESSFUL, ROLLBACK_FAILED, STOPPED) and the once-per-run fallback are covered with client mocks (__tests__/unit/release-cli.test.ts).',
  },
  {
    id: 'run-task-container-memory',
    gap: 'RunTask fails with HTTP 500 for a Fargate task whose container has no container-level memory or memoryReservation (AWS uses the task-level memory).',
    handling: 'The run test first points the service at a revision of the same family that adds memoryReservation to the container, then runs ecs-release run against it. The services tier (services.test.ts) first asserts that the schedule\'s target resolves to the released revision, then registers such a copy of it (now the family\'s newest) and runs the target: the task runs the copy, proving the target takes the newest revision.',
  },
  {
    id: 'task-exit-code',
    gap: 'Stopped tasks always report exitCode 0; there is no way to set another.',
    handling: 'Against moto the test proves exit code 0 passes through; non-zero codes and tasks that never started are covered with client mocks.',
  },
  {
    id: 'ecr-replication',
    gap: 'The registry replication configuration is stored, but pushed images are not copied to the destination registry.',
    handling: 'The promote test pushes the same manifest into prod\'s repository itself; moto derives the digest from the manifest\'s layers, so the digest is identical, as replication keeps it.',
  },
  {
    id: 'acm-certificate',
    gap: 'The emulator holds no certificate at the ARN prod\'s configuration names, and ELBv2 checks that a listener\'s certificate exists in ACM.',
    handling: 'The prod stack is applied with a certificate requested from moto\'s ACM in the prod account (variant of environments/prod.ts, certificateArn only); ecs-release never reads the certificate.',
  },
  {
    id: 'ecs-service-launches-no-tasks',
    gap: 'A service launches no tasks (MOTO_ECS_SERVICE_RUNNING only sets runningCount) and ListTasks ignores serviceName, listing every task of the cluster.',
    handling: 'The operate tier (release-operate.test.ts) starts the service\'s tasks with RunTask and group `service:<name>`, as ECS groups a service\'s tasks; the serviceName filter is asserted with client mocks (release-operate.test.ts in unit).',
  },
  {
    id: 'ecs-execute-command',
    gap: 'ExecuteCommand is not implemented (no session, no Session Manager), and RunTask does not keep enableExecuteCommand.',
    handling: '`exec --dry-run` runs against moto up to the task check, which refuses the task as ECS would one started with Exec off, and prod is refused before any call; the session and the plugin hand-off are proven with client mocks and an injected program runner (__tests__/unit/release-operate.test.ts).',
  },
  {
    id: 'scheduler-never-runs',
    gap: 'EventBridge Scheduler stores a schedule and its target as given and never invokes the target; and ECS resolves a task-definition ARN without a revision (DescribeTaskDefinition, RunTask) to the highest revision even when it is INACTIVE, where AWS takes the latest ACTIVE one (moto/ecs/models.py describe_task_definition).',
    handling: 'The services tier (__tests__/e2e/services.test.ts) reads the schedule\'s target with GetSchedule and calls RunTask itself with exactly that cluster, task definition, launch type and network configuration, as the scheduler would at its next run. No test deregisters a revision of a scheduled family, so the INACTIVE difference never decides a result.',
  },
  {
    id: 'logs-stream-name-prefix',
    gap: 'FilterLogEvents ignores logStreamNamePrefix and returns events of every stream of the group.',
    handling: 'The log group holds only the service\'s streams, so the result is the same; the prefix sent is asserted with client mocks (__tests__/unit/release-operate.test.ts).',
  },
  {
    id: 'sts-web-identity-unverified',
    gap: 'AssumeRoleWithWebIdentity accepts any token for any role ARN, existing or not: no signature, issuer, audience or trust-policy check (moto/sts/models.py assumes the role as AssumeRole does).',
    handling: 'The GitLab run (__tests__/e2e/pipelines.test.ts) applies dev with ci.gitlab, reads the deploy role\'s trust policy back from the emulated IAM and evaluates the job\'s token claims against it with the IAM evaluator before the jobs run (and a token of another environment against it: refused); the jobs then assume that role through the SDK\'s web-identity provider. Trust decisions for every claim are covered in __tests__/unit/ci-gitlab-trust.test.ts.',
  },
];

/** The plan attributes the named gaps tolerate (see `MotoGap.tolerates`). */
export function toleratedFields(...ids: string[]): ToleratedField[] {
  return ids.flatMap((id) => gap(id).tolerates ?? []);
}

/** The entry a test relies on; throws when a test cites a gap that is not listed. */
export function gap(id: string): MotoGap {
  const found = MOTO_GAPS.find((g) => g.id === id);
  if (!found) throw new Error(`moto gap "${id}" is not listed in __tests__/e2e/moto-gaps.ts`);
  return found;
}
