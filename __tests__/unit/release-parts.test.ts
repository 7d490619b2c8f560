import { refuseRepeatedOptions } from '../../src/release/flags';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';
import { parseDuration } from '../../src/release/context';
import { looksMutable, parseImage } from '../../src/release/image';
import { READ_ONLY_KEYS, fieldChanges, registerable, renderDiff } from '../../src/release/revision';
import { parseRevision } from '../../src/release/commands/rollback';
import { deployedRevisionOf, lifecycleEventsUnavailable } from '../../src/release/codedeploy';
import type { Target } from '../../src/release/target';
import { MOTO_GAPS } from '../e2e/moto-gaps';

const REPO = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp';
const D = `sha256:${'a'.repeat(64)}`;

describe('image references', () => {
  test.each([
    [`${REPO}:3f2a9c1`, { repositoryUri: REPO, tag: '3f2a9c1' }],
    [`${REPO}@${D}`, { repositoryUri: REPO, digest: D }],
    [`${REPO}:1.4.2@${D}`, { repositoryUri: REPO, tag: '1.4.2', digest: D }],
    ['localhost:5000/team/app:v1.2.3', { repositoryUri: 'localhost:5000/team/app', tag: 'v1.2.3' }],
  ])('parseImage accepts %s', (text, expected) => {
    expect(parseImage(text)).toEqual({ tag: undefined, digest: undefined, ...expected });
  });

  test.each([REPO, `${REPO}:`, `${REPO}@sha256:abc`, 'webapp:1.0.0', `${REPO}:bad tag`, `${REPO}@${D}@${D}`])('parseImage rejects %s', (text) => {
    expect(parseImage(text)).toBeUndefined();
  });

  test.each(['latest', 'LATEST', 'main', 'prod', 'stable', '3.12-latest', '2', 'v1', '1.4', 'nightly'])('%s looks mutable', (tag) => {
    expect(looksMutable(tag)).toBe(true);
  });

  test.each(['3f2a9c1', '1.4.2', 'v1.4.2', 'build-1234', '1234', '0000000', '2026-01-02.3', 'release-1.4.2'])('%s looks immutable', (tag) => {
    expect(looksMutable(tag)).toBe(false);
  });
});

describe('revisions', () => {
  test('registerable strips exactly the read-only keys and deep-copies the rest', () => {
    const described: Record<string, unknown> = { family: 'f', containerDefinitions: [{ name: 'app', image: 'x' }], brandNewField: { a: 1 } };
    for (const k of READ_ONLY_KEYS) described[k] = 'read-only';
    const input = registerable(described as never) as unknown as Record<string, unknown>;
    expect(input).toEqual({ family: 'f', containerDefinitions: [{ name: 'app', image: 'x' }], brandNewField: { a: 1 } });
    (input.containerDefinitions as { image: string }[])[0].image = 'changed';
    expect((described.containerDefinitions as { image: string }[])[0].image).toBe('x');
  });

  test('field changes key named array entries by name, so a new variable is one change', () => {
    const a = { containerDefinitions: [{ name: 'app', environment: [{ name: 'A', value: '1' }] }] };
    const b = { containerDefinitions: [{ name: 'app', environment: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] }] };
    expect(fieldChanges(a, b).map((c) => c.field)).toEqual(['containerDefinitions[app].environment[B].name', 'containerDefinitions[app].environment[B].value']);
    expect(renderDiff(a, b)).toBe('+ containerDefinitions[app].environment[B].name = "B"\n+ containerDefinitions[app].environment[B].value = "2"');
  });
});

describe('option parsing', () => {
  test.each([['90s', 90_000], ['15m', 900_000], ['1h', 3_600_000], ['500ms', 500], ['soon', undefined], ['5', undefined]])('parseDuration(%s)', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each([['12', { revision: 12 }], ['webapp-dev-web:12', { family: 'webapp-dev-web', revision: 12 }], ['arn:aws:ecs:eu-west-1:111111111111:task-definition/webapp-dev-web:7', { family: 'webapp-dev-web', revision: 7 }]])('parseRevision(%s)', (text, expected) => {
    expect(parseRevision(text)).toEqual({ family: undefined, ...expected });
  });

  test('parseRevision rejects anything else with a usage error', () => {
    expect(() => parseRevision('previous')).toThrow('--to: received "previous"; allowed: a revision number');
  });
});

describe('the moto gap list', () => {
  test('every tolerated gap has a reason and a handling, and docs/release-cli.md names each one', () => {
    const doc = readFileSync(join(repoRoot(), 'docs', 'release-cli.md'), 'utf8');
    expect(new Set(MOTO_GAPS.map((g) => g.id)).size).toBe(MOTO_GAPS.length);
    for (const g of MOTO_GAPS) {
      expect(g.gap.length).toBeGreaterThan(20);
      expect(g.handling.length).toBeGreaterThan(20);
      expect(doc).toContain(`\`${g.id}\``);
    }
  });
});

describe('CodeDeploy helpers', () => {
  const target = { descriptor: { region: 'eu-west-1', accountId: '111111111111', family: 'webapp-dev-web' } } as unknown as Target;
  const arn = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/webapp-dev-web:8';

  test('the revision a deployment ships comes from its AppSpec, else from the description ecs-release gives it', () => {
    const content = JSON.stringify({ version: 0, Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: { TaskDefinition: arn } } }] });
    expect(deployedRevisionOf(target, { revision: { revisionType: 'AppSpecContent', appSpecContent: { content } } })).toBe(arn);
    expect(deployedRevisionOf(target, { description: `ecs-release webapp-dev-web:8 sha256:${'3'.repeat(60)}` })).toBe(arn);
    // another family's revision, or a deployment someone else described: unknown
    expect(deployedRevisionOf(target, { description: 'ecs-release other-web:8 sha256:3' })).toBeUndefined();
    expect(deployedRevisionOf(target, { description: 'manual deployment' })).toBeUndefined();
  });

  test('lifecycle events count as unavailable only for "not there (yet)" errors and moto\'s HTML error page', () => {
    const error = (name: string, httpStatusCode: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });
    for (const name of ['UnknownOperationException', 'DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException']) expect(lifecycleEventsUnavailable(error(name, 400))).toBe(true);
    // moto: an operation it does not implement answers HTTP 500 with HTML, which the SDK fails to parse
    expect(lifecycleEventsUnavailable(error('SyntaxError', 500))).toBe(true);
    for (const name of ['AccessDeniedException', 'ThrottlingException', 'InvalidDeploymentIdException']) expect(lifecycleEventsUnavailable(error(name, 400))).toBe(false);
    expect(lifecycleEventsUnavailable(error('InternalFailure', 500))).toBe(false);
  });
});

describe('repeated single-value options', () => {
  test('an option repeated after -- belongs to run\'s command and is not refused', () => {
    // GIVEN run's command line with --env inside the command / WHEN checked / THEN nothing is refused
    expect(() => refuseRepeatedOptions(['run', '--env', 'dev', '--service', 'web', '--', 'echo', '--env', 'prod', '--service', 'web'])).not.toThrow();
  });

  test('an option given as --name=value and --name value is one option given twice', () => {
    expect(() => refuseRepeatedOptions(['status', '--role-arn=a', '--role-arn', 'b'])).toThrow('--role-arn: received ["a","b"]; allowed: --role-arn once (given 2 times; nothing was done)');
  });

  test('flags without values may repeat', () => {
    expect(() => refuseRepeatedOptions(['deploy', '--json', '--json', '--dry-run', '--dry-run'])).not.toThrow();
  });
});
