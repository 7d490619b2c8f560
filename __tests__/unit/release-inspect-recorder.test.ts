import { requireBuild } from '../helpers/terraform';
import { releaseCli, startRecorder } from '../helpers/aws-recorder';

/**
 * Bad input to the compiled `ecs-release` inspect and adopt commands, each in a child process whose every AWS endpoint
 * is a recorder on 127.0.0.1: the exact one-line refusal, exit 2, and zero requests.
 */
const CASES: { title: string; args: string[]; line: string }[] = [
  { title: 'prune --keep 0', args: ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '0'], line: '--keep: received "0"; allowed: a whole number from 1 to 100' },
  { title: 'prune --keep twice', args: ['revisions', 'prune', '--env', 'dev', '--service', 'web', '--keep', '5', '--keep', '1'], line: '--keep: received ["5","1"]; allowed: --keep once (given 2 times; nothing was done)' },
  { title: 'prune of an unknown environment', args: ['revisions', 'prune', '--env', 'qa', '--keep', '3'], line: '--env: invalid environment "qa": environment: received "qa"; allowed: one of dev, prod (a file in environments/)' },
  { title: 'revisions --limit all', args: ['revisions', '--env', 'dev', '--service', 'web', '--limit', 'all'], line: '--limit: received "all"; allowed: a whole number from 1 to 500' },
  { title: 'verify with an image of another registry', args: ['verify', '--env', 'dev', '--service', 'web', '--image', 'docker.io/library/nginx:1.27.1'], line: '--image: received "docker.io/library/nginx:1.27.1"; allowed: an image of 111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp (the environment\'s repository; its tasks can pull nothing else)' },
  { title: 'init with a region holding a newline', args: ['init', '--cluster', 'c', '--service', 's', '--region', 'eu-west-1\nx'], line: '--region: received "eu-west-1\\nx"; allowed: an AWS region such as eu-west-1' },
];

describe('inspect and adopt commands refuse bad input with zero AWS requests (compiled CLI, request recorder)', () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    requireBuild();
    recorder = await startRecorder();
  });
  afterAll(async () => recorder.close());

  test.each(CASES)('$title', async (c) => {
    const before = recorder.requests.length;
    const r = await releaseCli(c.args, recorder.url);
    expect(r.stderr).toBe(`ecs-release: ${c.line}\n`);
    expect(r.code).toBe(2);
    expect(recorder.requests.slice(before)).toEqual([]);
  });
});
