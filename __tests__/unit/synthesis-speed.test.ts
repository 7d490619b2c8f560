import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { scalingStack } from '../../scripts/lib/bench/scaling-stack';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { REQUIRED_TERRAFORM_VERSION } from '../../stacks/environment-stack';
import { dev, prod, resources, synth, type TerraformJson } from '../helpers/stacks';

// The module object itself (an ES import would give a copy whose spies cdktf never sees).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require('child_process') as typeof import('child_process');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig = require('../../jest.config.js') as { transform: Record<string, [string, { jsc: { parser: { syntax: string }; target: string }; module: { type: string } }]> };

describe('synthesis stays fast', () => {
  test('synthesizing both environments starts no process (no `terraform version` probe per service)', () => {
    // GIVEN spies on every way cdktf could start a process
    const spies = (['execSync', 'execFileSync', 'spawnSync', 'spawn', 'exec', 'execFile'] as const).map((name) => jest.spyOn(childProcess, name));
    const out = scratchDir('synth-no-spawn');
    try {
      // WHEN synthesizing with validation on, exactly as `npm run synth` does
      const stacks = synthEnvironments([dev, prod], out.dir, 'aws');
      // THEN both stacks exist and nothing was spawned
      expect(Object.keys(stacks)).toEqual(['dev', 'prod']);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      spies.forEach((s) => s.mockRestore());
      out.remove();
    }
  });

  test('the Terraform version is enforced by Terraform itself, through required_version, and admits no version without S3 locking', () => {
    const { terraform } = synth(prod).tf as TerraformJson & { terraform: { required_version?: string } };
    expect(terraform.required_version).toBe(REQUIRED_TERRAFORM_VERSION);
    // The backend locks state with use_lockfile, which Terraform has since 1.10: the lower bound must not be older.
    expect(terraform.backend!.s3.use_lockfile).toBe(true);
    const floor = /^>=\s*(\d+)\.(\d+)(?:\.\d+)?$/.exec(terraform.required_version!);
    expect(floor).not.toBeNull();
    const [major, minor] = [Number(floor![1]), Number(floor![2])];
    expect(major > 1 || (major === 1 && minor >= 10)).toBe(true);
  });

  test('the unit tier only transpiles: type checking is its own step (`tsc`), not repeated per test file', () => {
    // SWC strips types and never type-checks; npm test runs `tsc` once before Jest.
    const [transformer, options] = jestConfig.transform['^.+\\.ts$'];
    expect(transformer).toBe('@swc/jest');
    expect(options).toMatchObject({ jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.test).toMatch(/^npm run --silent build && jest/);
    // AND the target SWC compiles for is tsconfig's, so class fields behave in tests as in the build
    const tsconfig = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tsconfig.json'), 'utf8')) as { compilerOptions: { target: string } };
    expect(tsconfig.compilerOptions.target.toLowerCase()).toBe(options.jsc.target);
  });
});

describe('benchmark stack with N services', () => {
  test('gives every service its own names, listener-rule priority and path, behind the one load balancer', () => {
    // GIVEN the dev stack with 3 services
    const tf = JSON.parse(Testing.synth(scalingStack(Testing.app(), dev, 3))) as TerraformJson;
    // THEN
    const rules = Object.values(resources(tf, 'aws_lb_listener_rule'));
    expect(rules.map((r) => r.priority).sort()).toEqual([100, 2, 3].sort());
    expect(rules.map((r) => (r.condition as { path_pattern: { values: string[] } }[])[0].path_pattern.values[0]).sort()).toEqual(['/*', '/svc02/*', '/svc03/*']);
    expect(new Set(rules.map((r) => r.listener_arn)).size).toBe(1);
    expect(Object.keys(resources(tf, 'aws_lb'))).toHaveLength(1);
    for (const [type, field] of [['aws_ecs_service', 'name'], ['aws_lb_target_group', 'name'], ['aws_ssm_parameter', 'name'], ['aws_iam_role', 'name'], ['aws_security_group', 'name']] as const) {
      const names = Object.values(resources(tf, type)).map((r) => r[field]);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(Object.values(resources(tf, 'aws_ecs_service')).map((s) => s.name).sort()).toEqual(['svc02', 'svc03', 'web']);
  });

  test('refuses a service count it cannot name', () => {
    expect(() => scalingStack(Testing.app(), dev, 0)).toThrow('services: received 0; allowed: an integer from 1 to 99');
    expect(() => scalingStack(Testing.app(), dev, 100)).toThrow('services: received 100; allowed: an integer from 1 to 99');
  });
});
