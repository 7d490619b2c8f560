import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getPriority } from 'node:os';
import { Testing } from 'cdktf';
import { scalingEnvironment, scalingStack } from '../../scripts/lib/bench/scaling-stack';
import { listenerRulePriority } from '../../environments/schema/routing';
import type { WebServiceConfig } from '../../environments/schema';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { linkImpliedMirror } from '../../scripts/lib/terraform';
import { REQUIRED_TERRAFORM_VERSION } from '../../stacks/environment-stack';
import { dev, prod, resources, synth, type TerraformJson } from '../helpers/stacks';

// The module object itself (an ES import would give a copy whose spies cdktf never sees).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const childProcess = require('child_process') as typeof import('child_process');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jestConfig = require('../../jest.config.js') as { transform: Record<string, [string, { jsc: { parser: { syntax: string }; target: string }; module: { type: string } }]> };

describe('synthesis does only what it must (no process spawned, no type check)', () => {
  test('synthesizing both environments starts no process (no `terraform version` probe per service)', () => {
    // GIVEN spies on every way cdktf could start a process
    const spies = (['execSync', 'execFileSync', 'spawnSync', 'spawn', 'exec', 'execFile'] as const).map((name) => jest.spyOn(childProcess, name));
    const out = scratchDir('synth-no-spawn');
    try {
      // WHEN synthesizing with validation on, exactly as main.ts does
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

describe('the cdktf app (cdktf.json) and `npm run synth`', () => {
  const root = join(__dirname, '..', '..');
  const APP = 'node --require ./scripts/lib/swc-register.js main.ts';

  test('run main.ts through SWC’s type stripping, never a compile or type check of the project', () => {
    // GIVEN the command cdktf runs for synth, list, diff, plan and deploy, and the npm script
    const cdktf = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')) as { app: string; language: string };
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // THEN both are the same transpile-only command, and neither builds (tsc would check the tests on every synth)
    expect(cdktf).toMatchObject({ language: 'typescript', app: APP });
    expect(pkg.scripts.synth).toBe(APP);
    for (const command of [cdktf.app, pkg.scripts.synth]) expect(command).not.toMatch(/\btsc\b|npm run|build|ts-node/);
    // AND npm test keeps the full type check
    expect(pkg.scripts.test).toMatch(/^npm run --silent build && /);
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.json');
  });

  test('the register hook loads TypeScript by stripping types, and caches what it transpiled', () => {
    // GIVEN a TypeScript file with types, a class field and an import of a TypeScript module
    const scratch = scratchDir('swc-register');
    try {
      writeFileSync(join(scratch.dir, 'lib.ts'), 'export const twice = (n: number): number => n * 2;\n');
      writeFileSync(
        join(scratch.dir, 'main.ts'),
        "import { twice } from './lib';\ninterface Shape { readonly n: number }\nclass Box implements Shape { readonly n: number = twice(21); }\n" +
          'if (require.main === module) process.stdout.write(JSON.stringify({ n: new Box().n }));\n',
      );
      const cache = join(scratch.dir, 'cache');
      const run = () =>
        childProcess.execFileSync(process.execPath, ['--require', join(root, 'scripts', 'lib', 'swc-register.js'), join(scratch.dir, 'main.ts')], {
          env: { ...process.env, SWC_REGISTER_CACHE: cache },
          encoding: 'utf8',
        });
      // WHEN run as cdktf runs the app / THEN it runs as the entry module
      expect(JSON.parse(run())).toEqual({ n: 42 });
      // AND both files were transpiled once and served from the cache the second time
      expect(readdirSync(cache).filter((f) => f.endsWith('.js'))).toHaveLength(2);
      expect(JSON.parse(run())).toEqual({ n: 42 });
      expect(readdirSync(cache)).toHaveLength(2);
    } finally {
      scratch.remove();
    }
  });
});

describe('the provider mirror in a synthesized stack folder (what `cdktf diff/plan/deploy` run Terraform in)', () => {
  const PROVIDER = 'registry.terraform.io/hashicorp/aws';

  function fixture(requiredVersion: string) {
    const scratch = scratchDir('mirror-link');
    const mirror = join(scratch.dir, 'mirror');
    mkdirSync(join(mirror, PROVIDER, '5.100.0', 'linux_amd64'), { recursive: true });
    const stack = join(scratch.dir, 'stacks', 'dev');
    mkdirSync(stack, { recursive: true });
    writeFileSync(join(stack, 'cdk.tf.json'), JSON.stringify({ terraform: { required_providers: { aws: { source: 'aws', version: requiredVersion } } } }));
    return { scratch, mirror, stack, env: { TF_PROVIDER_MIRROR: mirror } };
  }

  test('links the mirror as terraform.d/plugins and seeds a lock file naming the pinned version (no checksums: init adds them)', () => {
    const { scratch, mirror, stack, env } = fixture('5.100.0');
    try {
      // WHEN / THEN
      expect(linkImpliedMirror(stack, env)).toBe(mirror);
      expect(lstatSync(join(stack, 'terraform.d', 'plugins')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(stack, 'terraform.d', 'plugins'))).toBe(mirror);
      const lock = readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8');
      expect(lock).toContain(`provider "${PROVIDER}" {\n  version     = "5.100.0"\n  constraints = "5.100.0"\n}\n`);
      expect(lock).not.toContain('hashes');
      // AND a second synthesis relinks without error and leaves the (by then Terraform-maintained) lock file alone
      writeFileSync(join(stack, '.terraform.lock.hcl'), '# maintained by terraform\n');
      expect(linkImpliedMirror(stack, env)).toBe(mirror);
      expect(readFileSync(join(stack, '.terraform.lock.hcl'), 'utf8')).toBe('# maintained by terraform\n');
    } finally {
      scratch.remove();
    }
  });

  test('seeds no lock entry for a version the mirror does not hold or a range (cdktf then locks as it always does)', () => {
    for (const version of ['5.99.0', '~> 5.100']) {
      const { scratch, stack, env } = fixture(version);
      try {
        linkImpliedMirror(stack, env);
        expect(() => readFileSync(join(stack, '.terraform.lock.hcl'))).toThrow(/ENOENT/);
      } finally {
        scratch.remove();
      }
    }
  });

  test('a TF_PROVIDER_MIRROR that is no mirror is refused in one line naming it', () => {
    const { scratch, stack } = fixture('5.100.0');
    try {
      expect(() => linkImpliedMirror(stack, { TF_PROVIDER_MIRROR: join(scratch.dir, 'nothing') })).toThrow(
        `TF_PROVIDER_MIRROR: received "${join(scratch.dir, 'nothing')}"; allowed: a folder laid out as <host>/<namespace>/<type>/... (a Terraform filesystem mirror)`,
      );
    } finally {
      scratch.remove();
    }
  });
});

describe('npm test’s file order', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Sequencer = require('../helpers/test-sequencer.js') as (new () => { sort(tests: unknown[]): { path: string }[] }) & {
    plan(tests: { path: string }[], estimate: (t: { path: string }) => number, workers: number): { path: string }[];
    prioritize(testPath: string, setPriority?: (pid: number, nice: number) => void): number | null;
    FILLER_NICE: number;
  };
  const test_ = (path: string) => ({ path: `/repo/__tests__/${path}`, context: { config: { cacheDirectory: '/nonexistent-jest-cache', name: 'seq', rootDir: '/repo' } } });
  const names = (tests: { path: string }[]) => tests.map((t) => t.path.replace('/repo/__tests__/', ''));

  test('planned for 4 workers: the three longest end-to-end files start at once, the fourth worker takes CPU-bound files, the last end-to-end file waits for it', () => {
    // GIVEN end-to-end files of 300, 250, 200 and 100 s and CPU-bound files of 60, 30 and 3 s
    const seconds: Record<string, number> = { 'e2e/a.test.ts': 300, 'e2e/b.test.ts': 250, 'e2e/c.test.ts': 200, 'e2e/d.test.ts': 100, 'terraform/t.test.ts': 60, 'unit/u.test.ts': 30, 'unit/v.test.ts': 3 };
    const files = Object.keys(seconds).reverse().map(test_);
    // WHEN planned for 4 workers, each taking the next file when free
    const order = names(Sequencer.plan(files, (t) => seconds[t.path.replace('/repo/__tests__/', '')] * 1000, 4));
    // THEN at most 3 end-to-end files run at once: d starts only when the fourth worker has run out of CPU-bound files
    expect(order).toEqual(['e2e/a.test.ts', 'e2e/b.test.ts', 'e2e/c.test.ts', 'terraform/t.test.ts', 'unit/u.test.ts', 'unit/v.test.ts', 'e2e/d.test.ts']);
  });

  test('when an end-to-end file ends, the next end-to-end file takes its worker', () => {
    const seconds: Record<string, number> = { 'e2e/a.test.ts': 300, 'e2e/short.test.ts': 20, 'e2e/next.test.ts': 100, 'unit/u.test.ts': 250 };
    const order = names(Sequencer.plan(Object.keys(seconds).map(test_), (t) => seconds[t.path.replace('/repo/__tests__/', '')] * 1000, 3));
    // 3 workers: a and next (2 waiting at most), u on the third; short starts when next ends (at 100 s)
    expect(order).toEqual(['e2e/a.test.ts', 'e2e/next.test.ts', 'unit/u.test.ts', 'e2e/short.test.ts']);
  });

  test('on a fresh clone (no durations cached) the longest scenario starts first and CPU-bound files start beside the end-to-end ones', () => {
    // GIVEN files of every tier in Jest's discovery order, nothing cached
    const files = ['unit/a.test.ts', 'e2e/moto-harness.test.ts', 'e2e/blue-green.test.ts', 'terraform/checkov.test.ts', 'e2e/coexistence.test.ts', 'e2e/services.test.ts', 'e2e/pipelines.test.ts', 'e2e/sandbox.test.ts', 'e2e/registry-release.test.ts', 'e2e/state-continuity.test.ts', 'bench/bench.test.ts'];
    // WHEN sorted by the suite's sequencer
    const order = names(new Sequencer().sort(files.map(test_)));
    // THEN blue-green first, every file once, and the first `workers` files are not all end-to-end
    const workers = (jestConfig as unknown as { maxWorkers: number }).maxWorkers;
    expect(order[0]).toBe('e2e/blue-green.test.ts');
    expect([...order].sort()).toEqual([...files].sort());
    expect(order.slice(0, workers).filter((f) => f.startsWith('e2e/')).length).toBeLessThan(workers);
    // AND jest.config.js uses it
    expect((jestConfig as unknown as { testSequencer: string }).testSequencer).toBe('<rootDir>/__tests__/helpers/test-sequencer.js');
  });
});

describe('npm test’s worker priorities', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { prioritize, FILLER_NICE } = require('../helpers/test-sequencer.js') as {
    prioritize(testPath: string, setPriority?: (pid: number, nice: number) => void): number | null;
    FILLER_NICE: number;
  };

  test('an end-to-end file’s worker runs at nice 0, a unit, terraform or bench file’s at the filler value', () => {
    // GIVEN a recorder in place of os.setPriority
    const asked: [string, number, number][] = [];
    for (const path of ['/r/__tests__/e2e/blue-green.test.ts', '/r/__tests__/unit/a.test.ts', '/r/__tests__/terraform/t.test.ts', '/r/__tests__/bench/bench.test.ts']) {
      // WHEN each file starts
      prioritize(path, (pid, nice) => asked.push([path.split('__tests__/')[1], pid, nice]));
    }
    // THEN the worker itself (pid 0) is set, end-to-end first
    expect(FILLER_NICE).toBeGreaterThan(0);
    expect(asked).toEqual([
      ['e2e/blue-green.test.ts', 0, 0],
      ['unit/a.test.ts', 0, FILLER_NICE],
      ['terraform/t.test.ts', 0, FILLER_NICE],
      ['bench/bench.test.ts', 0, FILLER_NICE],
    ]);
  });

  test('without the privilege to raise a worker back to 0, the file runs at the worker’s priority and nothing throws', () => {
    const refused = () => {
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    };
    expect(prioritize('/r/__tests__/e2e/coexistence.test.ts', refused)).toBeNull();
  });

  test('this unit file’s worker runs at the filler priority or lower (the setup applied it)', () => {
    // Lower, not only equal: a run started under `nice -n 15` cannot be raised to 10 without privilege.
    expect(getPriority()).toBeGreaterThanOrEqual(FILLER_NICE);
  });
});

describe('benchmark stack with N services', () => {
  test('is real configuration: N services of the three kinds in turn, each with its own names, web ones routed by path with distinct priorities', () => {
    // GIVEN dev's configuration grown to 5 services (web, then svc02 web, svc03 worker, svc04 scheduled, svc05 web)
    const env = scalingEnvironment(dev, 5);
    expect(Object.fromEntries(Object.entries(env.services).map(([n, s]) => [n, s.kind]))).toEqual({ web: 'web', svc02: 'web', svc03: 'worker', svc04: 'scheduled', svc05: 'web' });
    // WHEN synthesized by the real stack
    const tf = JSON.parse(Testing.synth(scalingStack(Testing.app(), dev, 5))) as TerraformJson;
    // THEN the web services share the one listener with distinct, allocated priorities
    const rules = Object.values(resources(tf, 'aws_lb_listener_rule'));
    expect(rules.map((r) => r.priority).sort()).toEqual(Object.entries(env.services).filter(([, s]) => s.kind === 'web').map(([n, s]) => listenerRulePriority(n, (s as WebServiceConfig).routing)).sort());
    expect(new Set(rules.map((r) => r.priority)).size).toBe(3);
    expect(rules.map((r) => (r.condition as { path_pattern: { values: string[] } }[])[0].path_pattern.values[0]).sort()).toEqual(['/*', '/svc02/*', '/svc05/*']);
    expect(new Set(rules.map((r) => r.listener_arn)).size).toBe(1);
    expect(Object.keys(resources(tf, 'aws_lb'))).toHaveLength(1);
    for (const [type, field] of [['aws_ecs_service', 'name'], ['aws_lb_target_group', 'name'], ['aws_ssm_parameter', 'name'], ['aws_iam_role', 'name'], ['aws_security_group', 'name']] as const) {
      const names = Object.values(resources(tf, type)).map((r) => r[field]);
      expect(new Set(names).size).toBe(names.length);
    }
    expect(Object.values(resources(tf, 'aws_ecs_service')).map((s) => s.name).sort()).toEqual(['svc02', 'svc03', 'svc05', 'web']);
    expect(Object.values(resources(tf, 'aws_scheduler_schedule')).map((s) => s.name)).toEqual(['webapp-dev-svc04']);
  });

  test('synthesizes 1, 5 and 20 services, each adding its resources and nothing shared twice (correctness only; time is npm run bench\'s)', () => {
    const count = (n: number) => {
      const tf = JSON.parse(Testing.synth(scalingStack(Testing.app(), dev, n))) as TerraformJson;
      return { resources: Object.values(tf.resource).reduce((k, byId) => k + Object.keys(byId).length, 0), clusters: Object.keys(resources(tf, 'aws_ecs_cluster')).length, lbs: Object.keys(resources(tf, 'aws_lb')).length };
    };
    const [one, five, twenty] = [count(1), count(5), count(20)];
    for (const c of [one, five, twenty]) expect([c.clusters, c.lbs]).toEqual([1, 1]);
    expect(five.resources).toBeGreaterThan(one.resources);
    expect(twenty.resources).toBeGreaterThan(five.resources);
  });

  test('refuses a service count it cannot name', () => {
    expect(() => scalingStack(Testing.app(), dev, 0)).toThrow('services: received 0; allowed: an integer from 1 to 99');
    expect(() => scalingStack(Testing.app(), dev, 100)).toThrow('services: received 100; allowed: an integer from 1 to 99');
  });
});
