import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { reasonProblem } from '../../contracts/suppression-reason';
import { repoRoot } from '../../scripts/lib/paths';

/**
 * The layer order of .dependency-cruiser.cjs (contracts ← configuration ← infrastructure; the tools and the rules read
 * contracts and configuration only; no cycles), checked by dependency-cruiser's `cruise` API. scripts/lib/layers.mjs
 * runs it in a Node process of its own: the package is ES modules only, which Jest's CommonJS runtime cannot load.
 */
interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
  readonly cycle?: string[];
}
interface LayerReport {
  readonly modules: number;
  readonly violations: Violation[];
  readonly acceptedCycles: { via: string; reason: string }[];
}

const FIXTURE = join(__dirname, '..', 'fixtures', 'layers');

function cruise(...args: string[]): LayerReport {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'lib', 'layers.mjs'), ...args], { cwd: repoRoot(), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`layers.mjs exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as LayerReport;
}

/** One line per violation, as a reviewer reads it: the rule, then the import (or the whole cycle). */
function lines(report: LayerReport): string[] {
  return report.violations.map((v) => `${v.rule}: ${v.cycle ? [v.from, ...v.cycle].join(' → ') : `${v.from} → ${v.to}`}`);
}

describe('layers', () => {
  let real: LayerReport | undefined;
  /** The real tree, cruised once for the tests that read it. */
  const project = () => (real ??= cruise());

  test('the project imports in layer order and has no import cycle', () => {
    // GIVEN the real tree (main.ts, contracts, environments, modules, stacks, src, rules, scripts)
    // WHEN dependency-cruiser checks it with the project's rules
    const report = project();
    // THEN nothing is reported (a failure lists every violating import), and the tree really was read
    expect(lines(report)).toEqual([]);
    expect(report.modules).toBeGreaterThan(150);
  });

  test('a cycle accepted for now carries a written reason', () => {
    // GIVEN the accepted cycles of .dependency-cruiser.cjs / WHEN listed / THEN each says why, like a suppression
    const { acceptedCycles } = project();
    for (const c of acceptedCycles) expect([c.via, reasonProblem(c.reason)]).toEqual([c.via, undefined]);
  });

  test('a cycle hidden behind await import() and imports against the layer order are each reported', () => {
    // GIVEN a small tree laid out like the project with a cycle (type one way, `await import()` back) and three
    // imports against the layers (contracts → src, modules → src, rules → environments/schema)
    // WHEN the same rules check it
    const report = cruise('--base', FIXTURE, 'contracts', 'environments', 'modules', 'src', 'rules');
    // THEN every one of them is reported, under its rule
    expect(lines(report).sort()).toEqual([
      'contracts-import-nothing: contracts/shape.ts → src/deploy.ts',
      'infrastructure-never-reads-tools: modules/service.ts → src/deploy.ts',
      'no-cycles: src/deploy.ts → src/wait.ts → src/deploy.ts',
      'no-dynamic-import-in-cycle: src/wait.ts → src/deploy.ts → src/wait.ts',
      'rules-never-read-the-schema: rules/tls.ts → environments/schema.ts',
    ]);
  });
});
