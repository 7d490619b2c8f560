import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renameImports } from '../../scripts/lib/framework-aws6';
import { compareSyntheses, jsonDifferences, planChanges, synthMismatches, VERSION_STAMP } from '../../scripts/lib/framework-compare';
import { cleanCopy, jestFailures, runSteps, type StepResult } from '../../scripts/lib/framework-matrix';
import { cliTemplate } from '../../scripts/lib/framework-template';
import { ensureNode22, isNode22Runtime, NodeRuntimeUnavailable, parseNodeVersion } from '../../scripts/lib/node-runtime';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';
import { frameworkFromManifest, installedFramework } from '../../src/framework';

const stack = (version: string, extra: Record<string, unknown> = {}) => ({
  '//': { metadata: { version, stackName: 'dev', backend: 's3' } },
  resource: { aws_ecs_service: { service: { name: 'webapp', desired_count: 2, ...extra } } },
});
const versions = { left: '0.21.0', right: '0.24.0' };

describe('comparing the rows\' synthesized stacks', () => {
  test('GIVEN stacks that differ only in the version stamp THEN nothing is reported', () => {
    expect(synthMismatches('dev', stack('0.21.0'), stack('0.24.0'), versions)).toEqual([]);
  });

  test('GIVEN any other difference THEN it is reported with its path and both values', () => {
    expect(synthMismatches('dev', stack('0.21.0'), stack('0.24.0', { desired_count: 3 }), versions)).toEqual([
      'dev: resource.aws_ecs_service.service.desired_count differs: 2 vs 3',
    ]);
  });

  test('GIVEN identical stamps THEN the row did not run the framework it claims, and that is reported', () => {
    expect(synthMismatches('dev', stack('0.21.0'), stack('0.21.0'), versions)).toEqual([`dev: ${VERSION_STAMP} is "the same" vs "the same"; expected "0.21.0" vs "0.24.0"`]);
  });

  test('GIVEN a stack only one row synthesized THEN it is reported', () => {
    expect(compareSyntheses({ dev: stack('0.21.0') }, { dev: stack('0.24.0'), prod: stack('0.24.0') }, versions)).toEqual(['stack prod: only in the terrain row']);
  });

  test('key order does not matter, array order does', () => {
    expect(jsonDifferences({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toEqual([]);
    expect(jsonDifferences({ b: [1, 2] }, { b: [2, 1] }).map((d) => d.path)).toEqual(['b.0', 'b.1']);
  });

  test('plans compare by address, actions and planned values', () => {
    const rc = (after: unknown) => ({ address: 'aws_vpc.main', type: 'aws_vpc', name: 'main', mode: 'managed' as const, change: { actions: ['create'], before: null, after } });
    const left = planChanges({ format_version: '1.2', terraform_version: '1.11.4', resource_changes: [rc({ cidr_block: '10.0.0.0/16' })] });
    const right = planChanges({ format_version: '1.2', terraform_version: '1.11.4', resource_changes: [rc({ cidr_block: '10.1.0.0/16' })] });
    expect(jsonDifferences(left, left)).toEqual([]);
    expect(jsonDifferences(left, right).map((d) => d.path)).toEqual(['aws_vpc.main.after.cidr_block']);
  });
});

describe('steps of a matrix row', () => {
  test('GIVEN a failing step THEN later steps do not run and the failure carries its one-line reason', () => {
    const ran: string[] = [];
    const reported: StepResult[] = [];
    const results = runSteps(
      [
        { name: 'a', run: () => void ran.push('a') },
        { name: 'b', run: () => { throw new Error('b broke'); } },
        { name: 'c', run: () => void ran.push('c') },
      ],
      (r) => reported.push(r),
    );
    expect(ran).toEqual(['a']);
    expect(results.map((r) => [r.name, r.ok, r.detail])).toEqual([['a', true, ''], ['b', false, 'b broke']]);
    expect(reported).toEqual(results);
  });

  test('a failed jest run is reported test by test, with the first line of each failure', () => {
    const summary = {
      testResults: [
        { name: '/t/a.test.ts', assertionResults: [{ fullName: 'a works', status: 'passed' }, { fullName: 'a fails', status: 'failed', failureMessages: ['Error: expected 1\n    at x'] }] },
        { name: '/t/b.test.ts', message: 'Cannot find module x\nstack', assertionResults: [] },
      ],
    };
    expect(jestFailures(summary)).toEqual(['a fails: Error: expected 1', '/t/b.test.ts: Cannot find module x']);
  });

  test('a clean copy holds the tree git sees, without node_modules, dist or .work', () => {
    const s = scratchDir('clean-copy');
    try {
      expect(cleanCopy(repoRoot(), s.dir)).toBeGreaterThan(50);
      expect(readFileSync(join(s.dir, 'package.json'), 'utf8')).toBe(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
      for (const ignored of ['node_modules', 'dist', '.work', '.venv']) expect(existsSync(join(s.dir, ignored))).toBe(false);
    } finally {
      s.remove();
    }
  });
});

describe('Node 22 for the terrain row', () => {
  test.each([
    ['v22.19.0', true],
    ['22.22.0', true],
    ['v22.18.9', false],
    ['v20.20.2', false],
    ['v23.0.0', false],
    ['v22', false],
  ])('%s is a Node 22 the terrain row accepts: %s', (v, ok) => {
    expect(isNode22Runtime(v)).toBe(ok);
  });

  test('versions parse only in their full form', () => {
    expect(parseNodeVersion('v22.19.0')).toEqual([22, 19, 0]);
    expect(parseNodeVersion('22.19')).toBeUndefined();
  });

  test('GIVEN NODE22 naming something that is not a Node 22 THEN one line names NODE22, what it is and what is allowed', () => {
    const attempt = (path: string) => () => ensureNode22({ env: { NODE22: path } });
    expect(attempt('/nonexistent/node')).toThrow(NodeRuntimeUnavailable);
    expect(attempt('/nonexistent/node')).toThrow(/^NODE22: received "\/nonexistent\/node" \(not runnable\); allowed: the path of a node binary >= 22\.19\.0 < 23$/);
    if (!isNode22Runtime(process.version)) {
      expect(attempt(process.execPath)).toThrow(new RegExp(`^NODE22: received ".*" \\(${process.version.replace(/\./g, '\\.')}\\); allowed`));
    }
  });
});

describe('which framework is installed', () => {
  test('the package under the module name cdktf says which framework it is', () => {
    expect(frameworkFromManifest({ name: 'cdktf', version: '0.21.0' })).toEqual({ name: 'cdktf', version: '0.21.0', command: 'cdktf', cliPackage: 'cdktf-cli' });
    expect(frameworkFromManifest({ name: 'cdktn', version: '0.24.0' })).toEqual({ name: 'cdktn', version: '0.24.0', command: 'cdktn', cliPackage: 'cdktn-cli' });
    expect(() => frameworkFromManifest({ name: 'left-pad' })).toThrow(/^module cdktf: received package "left-pad"; allowed: "cdktf" \(CDKTF\) or "cdktn" \(CDK Terrain\)$/);
  });

  test('the installed CLI ships the TypeScript template the bench baseline copies, importing the installed module', () => {
    const t = cliTemplate(repoRoot());
    const main = t.toInstalledModule(readFileSync(join(t.dir, 'main.ts'), 'utf8'));
    expect(main).toContain('import { App, TerraformStack } from "cdktf";');
    expect(t.dir).toContain(installedFramework().cliPackage);
  });

  test('CDK Terrain\'s template import is rewritten to the alias, nothing else', () => {
    const t = cliTemplate('/r', frameworkFromManifest({ name: 'cdktn', version: '0.24.0' }));
    expect(t.dir).toBe(join('/r', 'node_modules', 'cdktn-cli', 'bundle', 'templates', 'typescript'));
    expect(t.toInstalledModule('import { App } from "cdktn";\nconst s = "cdktn";\n')).toBe('import { App } from "cdktf";\nconst s = "cdktn";\n');
  });
});

describe('the import rename of the AWS provider 6.x check', () => {
  test('framework and provider imports move to CDK Terrain\'s packages, every form, nothing else', () => {
    const source = [
      "import { App } from 'cdktf';",
      "import 'cdktf/lib/testing/adapters/jest';",
      "import { Vpc } from '@cdktf/provider-aws/lib/vpc';",
      'import * as aws from "@cdktf/provider-aws";',
      "const m = require('cdktf');",
      "import x from 'cdktf-cli';",
      "import { y } from '@cdktf/provider-google/lib/z';",
      "const text = 'cdktf';",
    ].join('\n');
    const r = renameImports(source);
    expect(r.count).toBe(5);
    expect(r.text.split('\n')).toEqual([
      "import { App } from 'cdktn';",
      "import 'cdktn/lib/testing/adapters/jest';",
      "import { Vpc } from '@cdktn/provider-aws/lib/vpc';",
      'import * as aws from "@cdktn/provider-aws";',
      "const m = require('cdktn');",
      "import x from 'cdktf-cli';",
      "import { y } from '@cdktf/provider-google/lib/z';",
      "const text = 'cdktf';",
    ]);
  });
});
