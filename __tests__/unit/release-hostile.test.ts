import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeRepositoriesCommand } from '@aws-sdk/client-ecr';
import { DescribeLoadBalancersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ApiCallCounter, awsClientFactory } from '../../src/release/aws';
import { describeAwsError } from '../../src/release/aws-errors';
import { requireBuild } from '../helpers/terraform';
import { releaseCli, startRecorder, startSilentEndpoint, type CliProcess } from '../helpers/aws-recorder';

/**
 * Hostile and broken input to the compiled `ecs-release`, each case in a child process whose every AWS endpoint is a
 * recorder on 127.0.0.1: the exact one-line refusal, exit 2, and ZERO requests (not even sts:GetCallerIdentity), since
 * configuration and the command line alone decide them.
 */

const REPO = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp';
const IMG = `${REPO}:abc1234`;
const ENV_ONE_OF = 'allowed: one of dev, prod (a file in environments/)';

interface HostileCase {
  readonly title: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  /** The whole of stderr, after `ecs-release: `. */
  readonly line: string;
}

const CASES: HostileCase[] = [
  { title: 'two --env (acted on the last one before)', args: ['deploy', '--env', 'dev', '--service', 'web', '--env', 'prod', '--service', 'web', '--image', IMG], line: '--env: received ["dev","prod"]; allowed: --env once (given 2 times; nothing was done)' },
  { title: '--env= and --env mixed', args: ['status', '--env=dev', '--env', 'prod', '--service', 'web'], line: '--env: received ["dev","prod"]; allowed: --env once (given 2 times; nothing was done)' },
  { title: 'a second --image hiding latest', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:latest`, '--image', IMG], line: `--image: received ["${REPO}:latest","${REPO}:ab...; allowed: --image once (given 2 times; nothing was done)` },
  { title: 'two --timeout', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--timeout', '1m', '--timeout', '2m'], line: '--timeout: received ["1m","2m"]; allowed: --timeout once (given 2 times; nothing was done)' },
  { title: 'two --to on promote', args: ['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--to', 'dev'], line: '--to: received ["prod","dev"]; allowed: --to once (given 2 times; nothing was done)' },
  { title: 'image of another account', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', '222222222222.dkr.ecr.eu-west-1.amazonaws.com/webapp:abc1234'], line: `--image: received "222222222222.dkr.ecr.eu-west-1.amazonaws.com/webapp:abc1234"; allowed: an image of ${REPO} (the environment's repository; its tasks can pull nothing else)` },
  { title: 'image of another region', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', '111111111111.dkr.ecr.us-east-1.amazonaws.com/webapp:abc1234'], line: `--image: received "111111111111.dkr.ecr.us-east-1.amazonaws.com/webapp:abc1234"; allowed: an image of ${REPO} (the environment's repository; its tasks can pull nothing else)` },
  { title: 'image of another registry', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', 'docker.io/library/nginx:1.27.0'], line: `--image: received "docker.io/library/nginx:1.27.0"; allowed: an image of ${REPO} (the environment's repository; its tasks can pull nothing else)` },
  { title: 'image of another repository', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}-evil:abc1234`], line: `--image: received "${REPO}-evil:abc1234"; allowed: an image of ${REPO} (the environment's repository; its tasks can pull nothing else)` },
  { title: 'moving tag', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:latest`], line: `--image: received "${REPO}:latest"; allowed: an immutable reference: a commit or full-version tag, or @sha256:<digest> (--allow-mutable-tag to override)` },
  { title: 'empty image', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', ''], line: '--image: received ""; allowed: <repository-uri>:<tag> or <repository-uri>@sha256:<64 hex digits>' },
  { title: 'image with a shell payload', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', `${REPO}:$(reboot)`], line: `--image: received "${REPO}:$(reboot)"; allowed: <repository-uri>:<tag> or <repository-uri>@sha256:<64 hex digits>` },
  { title: 'approve on a rolling service', args: ['approve', '--env', 'dev', '--service', 'web'], line: '--service: received "web"; allowed: a blue/green web service (approve lets a CodeDeploy deployment shift traffic; "web" is a web service that deploys rolling)' },
  { title: 'approve on a worker of a blue/green environment', args: ['approve', '--env', 'prod', '--service', 'worker'], line: '--service: received "worker"; allowed: a blue/green web service (approve lets a CodeDeploy deployment shift traffic; "worker" is a worker service that deploys rolling)' },
  { title: 'no --service where the environment has several', args: ['deploy', '--env', 'dev', '--image', IMG], line: '--service: received nothing; allowed: one of the services of environment "dev": web (web), worker (worker), nightly (scheduled) (it has 3; name one, or a release group with --group)' },
  { title: 'an unknown --service', args: ['status', '--env', 'dev', '--service', 'api'], line: '--service: received "api"; allowed: one of the services of environment "dev": web (web), worker (worker), nightly (scheduled)' },
  { title: 'a --service with shell metacharacters', args: ['rollout', '--env', 'dev', '--service', 'web;reboot'], line: '--service: received "web;reboot"; allowed: one of the services of environment "dev": web (web), worker (worker), nightly (scheduled)' },
  { title: 'an unknown --group', args: ['deploy', '--env', 'dev', '--group', 'api', '--image', IMG], line: '--group: received "api"; allowed: a release group of environment "dev": app (web, worker, nightly)' },
  { title: '--service and --group together', args: ['deploy', '--env', 'dev', '--service', 'web', '--group', 'app', '--image', IMG], line: '--group: received "app"; allowed: either --service or --group, not both (--service web was given too)' },
  { title: 'two --group', args: ['deploy', '--env', 'dev', '--group', 'app', '--group', 'x', '--image', IMG], line: '--group: received ["app","x"]; allowed: --group once (given 2 times; nothing was done)' },
  { title: 'scale of a scheduled service', args: ['scale', '3', '--env', 'dev', '--service', 'nightly'], line: '--service: received "nightly"; allowed: a web or worker service for `scale`: a scheduled service runs one task per schedule, it has no desired count (change services.<name>.schedule)' },
  { title: 'restart of a scheduled service', args: ['restart', '--env', 'dev', '--service', 'nightly'], line: '--service: received "nightly"; allowed: a web or worker service for `restart`: a scheduled service has no long-running tasks to restart (its next run starts fresh)' },
  { title: 'rollback of a group to one revision', args: ['rollback', '--env', 'dev', '--group', 'app', '--to', '12'], line: "--to: received \"12\"; allowed: no --to with --group (a revision belongs to one service's family; roll the group back to each one's previous image without --to, or name --service)" },
  { title: 'deploy --container (removed: a release changes only the application container)', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--container', 'log-router'], line: "unknown option '--container' (see ecs-release --help)" },
  { title: 'rollout --container (removed)', args: ['rollout', '--env', 'dev', '--service', 'web', '--container', 'app'], line: "unknown option '--container' (see ecs-release --help)" },
  { title: 'promote to a path', args: ['promote', '--from', 'dev', '--service', 'web', '--to', '../prod'], line: `--to: invalid environment "../prod": environment: received "../prod"; ${ENV_ONE_OF}` },
  { title: 'promote from an unknown environment', args: ['promote', '--from', 'staging', '--to', 'prod'], line: `--from: invalid environment "staging": environment: received "staging"; ${ENV_ONE_OF}` },
  { title: 'promote to itself', args: ['promote', '--from', 'dev', '--service', 'web', '--to', 'dev'], line: '--to: received "dev"; allowed: an environment other than --from (dev)' },
  { title: 'promote with a --to-role-arn of the source account', args: ['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--to-role-arn', 'arn:aws:iam::111111111111:role/x'], line: '--to-role-arn: received "arn:aws:iam::111111111111:role/x"; allowed: a role in account 222222222222 (environment "prod")' },
  { title: 'environment given as a path', args: ['status', '--env', '../dev'], line: `--env: invalid environment "../dev": environment: received "../dev"; ${ENV_ONE_OF}` },
  { title: 'environment in capitals', args: ['status', '--env', 'DEV'], line: `--env: invalid environment "DEV": environment: received "DEV"; ${ENV_ONE_OF}` },
  { title: 'environment that is a schema file', args: ['status', '--env', 'schema'], line: `--env: invalid environment "schema": environment: received "schema"; ${ENV_ONE_OF}` },
  { title: '--role-arn of another account', args: ['status', '--env', 'dev', '--service', 'web', '--role-arn', 'arn:aws:iam::222222222222:role/x'], line: '--role-arn: received "arn:aws:iam::222222222222:role/x"; allowed: a role in account 111111111111 (environment "dev")' },
  { title: 'malformed --role-arn', args: ['status', '--env', 'dev', '--service', 'web', '--role-arn', 'admin'], line: '--role-arn: received "admin"; allowed: an IAM role ARN such as arn:aws:iam::111111111111:role/webapp-dev-ci-deploy' },
  { title: 'unbounded --timeout', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--timeout', '1000000h'], line: '--timeout: received "1000000h"; allowed: a duration from 1s to 24h, such as 90s, 15m or 1h' },
  { title: 'non-numeric --timeout', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--timeout', 'soon'], line: '--timeout: received "soon"; allowed: a duration from 1s to 24h, such as 90s, 15m or 1h' },
  { title: 'negative --timeout', args: ['rollout', '--env', 'dev', '--service', 'web', '--timeout=-5m'], line: '--timeout: received "-5m"; allowed: a duration from 1s to 24h, such as 90s, 15m or 1h' },
  { title: '--poll-interval longer than --timeout', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--poll-interval', '2m', '--timeout', '1m'], line: '--poll-interval: received "2m"; allowed: at most --timeout (1m)' },
  { title: 'run with an empty program', args: ['run', '--env', 'dev', '--service', 'web', '--', ''], line: 'command[0]: received ""; allowed: a non-empty argument (an empty program or argument is a quoting mistake)' },
  { title: 'run with an empty argument', args: ['run', '--env', 'dev', '--service', 'web', '--', './manage.py', ' '], line: 'command[1]: received " "; allowed: a non-empty argument (an empty program or argument is a quoting mistake)' },
  { title: 'run without a command', args: ['run', '--env', 'dev', '--service', 'web'], line: 'command: received []; allowed: a command after --, such as: -- ./manage.py migrate' },
  { title: '--dry-run with --no-wait', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--dry-run', '--no-wait'], line: '--no-wait: received true; allowed: not with --dry-run (a dry run starts nothing to wait for)' },
  { title: 'empty --container', args: ['run', '--env', 'dev', '--service', 'web', '--container', '', '--', 'true'], line: '--container: received ""; allowed: a container name (letters, digits, _ and -), such as app' },
  { title: '--container with a space', args: ['logs', '--env', 'dev', '--service', 'web', '--container', 'app x'], line: '--container: received "app x"; allowed: a container name (letters, digits, _ and -), such as app' },
  { title: 'rollback to another family', args: ['rollback', '--env', 'dev', '--service', 'web', '--to', 'other:3'], line: '--to: received "other:3"; allowed: a revision of family webapp-dev-web (a number such as 12, webapp-dev-web:12 or its ARN)' },
  { title: 'rollback to a revision ARN of another account', args: ['rollback', '--env', 'dev', '--service', 'web', '--to', 'arn:aws:ecs:eu-west-1:999999999999:task-definition/webapp-dev-web:3'], line: '--to: received "arn:aws:ecs:eu-west-1:999999999999:task-definition/webapp-dev-web:3"; allowed: a revision of family webapp-dev-web (a number such as 12, webapp-dev-web:12 or its ARN)' },
  { title: 'rollback to a word', args: ['rollback', '--env', 'dev', '--service', 'web', '--to', 'previous'], line: '--to: received "previous"; allowed: a revision number such as 12, family:12 or a task-definition ARN' },
  { title: 'commit with a newline', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--commit', 'abc\ndef'], line: '--commit: received "abc\\ndef"; allowed: up to 256 letters, digits and _ . : / = + @ - (a commit id)' },
  { title: 'unusable request timeout', args: ['status', '--env', 'dev', '--service', 'web'], env: { ECS_RELEASE_REQUEST_TIMEOUT: 'forever' }, line: 'ECS_RELEASE_REQUEST_TIMEOUT: received "forever"; allowed: a duration from 100ms to 300s, such as 30s' },
  { title: 'unknown option', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--force'], line: "unknown option '--force' (see ecs-release --help)" },
  { title: 'an unknown --registry-credentials source', args: ['deploy', '--env', 'dev', '--service', 'web', '--image', IMG, '--registry-credentials', 'vault'], line: '--registry-credentials: received "vault"; allowed: secret or docker' },
  { title: '--registry-credentials with a shell payload on promote', args: ['promote', '--from', 'dev', '--service', 'web', '--to', 'prod', '--registry-credentials', '$(reboot)'], line: '--registry-credentials: received "$(reboot)"; allowed: secret or docker' },
];

/** Refused cleanly: non-zero, exactly one stderr line, no stack frame, nothing on stdout. */
function refusedCleanly(r: CliProcess, requests: number): boolean {
  return r.code !== 0 && r.code !== null && r.stderr.split('\n').filter(Boolean).length === 1 && !/\n\s+at /.test(r.stderr) && r.stdout === '' && requests === 0;
}

describe('ecs-release hostile input: one line, exit 2, zero AWS requests (compiled CLI, recorder on 127.0.0.1)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  const outcomes: boolean[] = [];
  beforeAll(async () => {
    requireBuild();
    recorder = await startRecorder();
  });
  afterAll(async () => {
    await recorder.close();
    const refused = outcomes.filter(Boolean).length;
    process.stdout.write(`hostile input (ecs-release): tried ${outcomes.length}, refused cleanly ${refused}, accepted ${outcomes.length - refused}\n`);
  });

  test.each(CASES)('$title', async (c) => {
    // GIVEN an endpoint that records every request / WHEN the CLI runs with the hostile input
    const before = recorder.requests.length;
    const r = await releaseCli(c.args, recorder.url, c.env);
    const requests = recorder.requests.length - before;
    outcomes.push(refusedCleanly(r, requests));
    // THEN exactly the expected line, exit 2, and nothing reached AWS
    expect(r.stderr).toBe(`ecs-release: ${c.line}\n`);
    expect(r.code).toBe(2);
    expect(recorder.requests.slice(before)).toEqual([]);
    expect(r.stdout).toBe('');
  });
});

describe('ecs-release against endpoints that misbehave', () => {
  test('a non-JSON 500 keeps its HTTP status and names the call, without the SDK\'s Node-version warning', async () => {
    // GIVEN an endpoint answering every request with an HTML error page
    requireBuild();
    const recorder = await startRecorder();
    try {
      // WHEN status runs (the first call is sts:GetCallerIdentity)
      const r = await releaseCli(['status', '--env', 'dev', '--service', 'web'], recorder.url, { ECS_RELEASE_REQUEST_TIMEOUT: '5s' });
      // THEN one line with the status and the call, exit 1, and the SDK retried a bounded number of times
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('ecs-release: AWS error: UnreadableResponse: the response body could not be read (HTTP 500, STS:GetCallerIdentity)\n');
      expect(recorder.requests.length).toBe(3);
      expect(r.stderr).not.toContain('NodeVersionSupportWarning');
    } finally {
      await recorder.close();
    }
  });

  test('a non-JSON 500 from a JSON-protocol service (ECS) keeps its status and code instead of a SyntaxError', async () => {
    // GIVEN the real SDK client of the CLI pointed at the HTML-500 endpoint
    const recorder = await startRecorder();
    const counter = new ApiCallCounter();
    const clients = awsClientFactory({ endpoint: recorder.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestTimeoutMs: 5000, maxAttempts: 1 })({ region: 'eu-west-1', sessionName: 's', counter });
    try {
      // WHEN a call fails on the unreadable body
      const error = await clients.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] })).then(() => undefined, (e: unknown) => e);
      // THEN the one line keeps the HTTP status and names the call, not "SyntaxError: Unexpected token '<'"
      expect(describeAwsError(error, counter.calls.at(-1))).toBe('AWS error: UnreadableResponse: the response body could not be read (HTTP 500, ECS:DescribeServices)');
    } finally {
      await recorder.close();
    }
  });

  test('after SIGINT reads are aborted before they leave, writes (and compensating writes) are still sent', async () => {
    // GIVEN clients whose abort signal has fired (the first Ctrl-C)
    const recorder = await startRecorder();
    const controller = new AbortController();
    controller.abort();
    const clients = awsClientFactory({ endpoint: recorder.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 })({ region: 'eu-west-1', sessionName: 's', counter: new ApiCallCounter(), signal: controller.signal });
    try {
      // WHEN a read and a write are sent
      const read = await clients.ssm.send(new GetParameterCommand({ Name: '/p' })).then(() => undefined, (e: Error) => e.name);
      const write = await clients.ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Overwrite: true })).then(() => undefined, (e: Error) => e.name);
      // THEN the read never reached the endpoint; the write did (a restore of the release pointer must not be cancelled)
      expect(read).toBe('AbortError');
      expect(write).not.toBe('AbortError');
      expect(recorder.requests.map((r) => r.operation)).toEqual(['AmazonSSM.PutParameter']);
    } finally {
      await recorder.close();
    }
  });

  test('every client the factory builds gives up on a silent endpoint with a timeout (none waits forever)', async () => {
    // GIVEN the six clients of one environment pointed at an endpoint that never answers, 300 ms per attempt
    const silent = await startSilentEndpoint();
    const clients = awsClientFactory({ endpoint: silent.url, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestTimeoutMs: 300, maxAttempts: 1 })({ region: 'eu-west-1', sessionName: 's', counter: new ApiCallCounter() });
    try {
      // WHEN each makes one read
      const calls: [string, Promise<unknown>][] = [
        ['ecs', clients.ecs.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }))],
        ['ecr', clients.ecr.send(new DescribeRepositoriesCommand({}))],
        ['ssm', clients.ssm.send(new GetParameterCommand({ Name: '/p' }))],
        ['sts', clients.sts.send(new GetCallerIdentityCommand({}))],
        ['codedeploy', clients.codedeploy.send(new ListApplicationsCommand({}))],
        ['elbv2', clients.elbv2.send(new DescribeLoadBalancersCommand({}))],
      ];
      const outcomes = await Promise.all(calls.map(async ([name, p]) => [name, await p.then(() => 'answered', (e: Error & { code?: string }) => e.code ?? e.name)]));
      // THEN every one ends with the request timeout
      expect(Object.fromEntries(outcomes)).toEqual({ ecs: 'ETIMEDOUT', ecr: 'ETIMEDOUT', ssm: 'ETIMEDOUT', sts: 'ETIMEDOUT', codedeploy: 'ETIMEDOUT', elbv2: 'ETIMEDOUT' });
    } finally {
      await silent.close();
    }
  });

  test('an endpoint that accepts connections and never answers ends in the request-timeout error, exit 1', async () => {
    // GIVEN a TCP endpoint that never answers, and a 1 s request timeout
    requireBuild();
    const silent = await startSilentEndpoint();
    try {
      // WHEN status runs
      const r = await releaseCli(['status', '--env', 'dev', '--service', 'web'], silent.url, { ECS_RELEASE_REQUEST_TIMEOUT: '1s' });
      // THEN the timeout error in one line, after the bounded attempts
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('ecs-release: AWS error: STS:GetCallerIdentity: no answer within the request timeout (ETIMEDOUT, after every attempt); set ECS_RELEASE_REQUEST_TIMEOUT to wait longer\n');
      expect(silent.connections()).toBe(3);
    } finally {
      await silent.close();
    }
  });

  test('the first SIGINT aborts the call in flight: exit 130 with one line saying so', async () => {
    // GIVEN a call hanging on an endpoint that never answers (request timeout far away)
    requireBuild();
    const silent = await startSilentEndpoint();
    try {
      const r = await releaseCli(['status', '--env', 'dev', '--service', 'web'], silent.url, { ECS_RELEASE_REQUEST_TIMEOUT: '300s' }, (child) => {
        // WHEN the endpoint holds the connection, the user presses Ctrl-C once
        const poll = setInterval(() => {
          if (silent.connections() > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 50);
        child.once('close', () => clearInterval(poll));
      });
      // THEN exit 130, the interrupt notice and the abort line, and no second attempt was made
      expect(r.code).toBe(130);
      expect(r.stderr.split('\n').filter(Boolean)).toEqual([
        'ecs-release: interrupt received: aborting the call in flight, no more waiting (press Ctrl-C again to quit at once)',
        'ecs-release: interrupted (SIGINT): the read in flight (STS:GetCallerIdentity) was aborted and nothing further was sent; anything already started goes on in AWS (see ecs-release status)',
      ]);
      expect(silent.connections()).toBe(1);
    } finally {
      await silent.close();
    }
  });
});
