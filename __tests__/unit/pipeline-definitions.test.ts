import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { repoRoot } from '../../scripts/lib/paths';
import { readBuildspec, runBuildspec } from '../helpers/buildspec';

const ci = (...p: string[]) => join(repoRoot(), 'ci', ...p);
const schema = JSON.parse(readFileSync(ci('codebuild', 'buildspec.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const yamlOf = (file: string) => parse(readFileSync(file, 'utf8')) as Record<string, any>;

describe('CodeBuild buildspecs against the buildspec 0.2 schema', () => {
  test.each(['buildspec.yml', 'promote.buildspec.yml'])('%s is valid', (file) => {
    const ok = validate(yamlOf(ci('codebuild', file)));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test.each([
    ['a misspelt top-level key', { version: 0.2, phase: { build: { commands: ['x'] } } }],
    ['a phase without commands', { version: 0.2, phases: { build: { finally: ['x'] } } }],
    ['an unknown phase', { version: 0.2, phases: { deploy: { commands: ['x'] } } }],
    ['a variable in the reserved CODEBUILD_ namespace', { version: 0.2, env: { variables: { CODEBUILD_X: '1' } }, phases: { build: { commands: ['x'] } } }],
    ['version 0.1 keys', { version: 0.2, environment_variables: {}, phases: { build: { commands: ['x'] } } }],
    ['an empty cache path list', { version: 0.2, phases: { build: { commands: ['x'] } }, cache: { paths: [] } }],
  ])('%s is refused', (_what, doc) => {
    expect(validate(doc)).toBe(false);
  });

  test('the build deploys by the commit-id tag through ecs-release, never a moving tag or a forced redeploy', () => {
    const spec = yamlOf(ci('codebuild', 'buildspec.yml'));
    const build = (spec.phases.build.commands as string[]).join('\n');
    expect(build).toContain('ECS_RELEASE_IMAGE="$ECS_RELEASE_IMAGE_REPOSITORY:$CODEBUILD_RESOLVED_SOURCE_VERSION"');
    expect(build).toMatch(/\$cli deploy --env "\$ECS_RELEASE_ENV" \$\{ECS_RELEASE_SELECT:-\} --image "\$ECS_RELEASE_IMAGE"/);
    expect(build).not.toMatch(/:latest|force-new-deployment/);
    expect(spec.cache.paths).toEqual(['/root/.npm/**/*']);
  });
});

describe('the GitLab CI template', () => {
  const t = yamlOf(ci('gitlab', 'ecs-release.gitlab-ci.yml'));

  test('every AWS job takes its credentials from an id_token for sts.amazonaws.com and unsets static keys', () => {
    expect(t['.ecs-release:aws'].id_tokens).toEqual({ ECS_RELEASE_ID_TOKEN: { aud: 'sts.amazonaws.com' } });
    const setup = (t['.ecs-release:aws'].before_script as string[]).join('\n');
    expect(setup).toContain('unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE');
    for (const job of ['ecs-release:deploy-dev', 'ecs-release:promote-prod', 'ecs-release:approve-prod-traffic']) {
      expect(t[job].extends).toBe('.ecs-release:aws');
    }
  });

  test('prod is promoted only by a person: a manual, blocking job in the protected environment prod, from dev\'s status', () => {
    const promote = t['ecs-release:promote-prod'];
    expect(promote.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', when: 'manual', allow_failure: false }]);
    expect(promote.environment).toEqual({ name: 'prod', deployment_tier: 'production' });
    expect(promote.needs).toEqual(['ecs-release:deploy-dev']);
    expect((promote.script as string[]).join('\n')).toContain('promote --from "$ECS_RELEASE_DEV_ENV" $ECS_RELEASE_SELECT --from-status dev-status.json');
    expect(t['ecs-release:approve-prod-traffic'].environment.name).toBe('prod-approve');
    expect(t['ecs-release:approve-prod-traffic'].variables).toEqual({ ECS_RELEASE_ROLE_ARN: '$ECS_RELEASE_APPROVE_ROLE_ARN' });
  });

  test('the build tags with the full commit id and hands over the pushed digest', () => {
    const script = (t['ecs-release:build'].script as string[]).join('\n');
    expect(script).toContain('image="$ECS_RELEASE_IMAGE_REPOSITORY:$CI_COMMIT_SHA"');
    expect(script).toContain('echo "ECS_RELEASE_IMAGE=$image@$digest" > build.env');
  });
});

describe('the service selection of the pipelines', () => {
  test.each(['--service web; touch pwned', '--group', '--services web', '--service Web'])('ECS_RELEASE_SELECT %j stops the build in pre_build in one line, before any push', async (select) => {
    const dir = mkdtempSync(join(tmpdir(), 'select-'));
    try {
      const r = await runBuildspec(readBuildspec(ci('codebuild', 'buildspec.yml')), dir, {
        PATH: process.env.PATH ?? '',
        ECS_RELEASE_CLI: 'false',
        ECS_RELEASE_SELECT: select,
        ECS_RELEASE_IMAGE_REPOSITORY: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/webapp',
        CODEBUILD_RESOLVED_SOURCE_VERSION: 'a'.repeat(40),
      });
      expect(r.failedPhase).toBe('pre_build');
      expect(r.code).toBe(2);
      expect(r.output).toContain(`ECS_RELEASE_SELECT: received "${select}"; allowed: --service <name>, --group <name> or nothing`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
