import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * What one Jest run makes in the temporary folder goes with the run (__tests__/helpers/global-setup.js and
 * global-teardown.js): cdktf's Testing helpers make a folder per call and never remove it. The run is played in a
 * child process: os.tmpdir() reads the real environment, which a Jest sandbox's process.env is only a copy of.
 */
const HELPERS = join(__dirname, '..', 'helpers');
const RUN = `
const setup = require(${JSON.stringify(join(HELPERS, 'global-setup.js'))});
const teardown = require(${JSON.stringify(join(HELPERS, 'global-teardown.js'))});
const { writeFileSync } = require('node:fs');
async function run() {
  await setup();
  const made = {
    tmp: process.env.TMPDIR,
    plans: process.env.ECS_COEXIST_PLAN_CACHE,
    applied: process.env.ECS_COEXIST_APPLIED_CACHE,
    testing: require('cdktf').Testing.app().outdir,
  };
  writeFileSync(made.plans + '/plan', '{}');
  await teardown();
  return made;
}
(async () => {
  const runs = [];
  for (let i = 0; i < Number(process.env.RUNS || 1); i++) runs.push(await run());
  const after = { tmp: process.env.TMPDIR, plans: process.env.ECS_COEXIST_PLAN_CACHE ?? null, applied: process.env.ECS_COEXIST_APPLIED_CACHE ?? null };
  process.stdout.write(JSON.stringify({ runs, after }));
})();
`;

type Made = Record<'tmp' | 'plans' | 'applied' | 'testing', string>;

function playRuns(env: Record<string, string>, runs = 1): { runs: Made[]; after: Record<'tmp' | 'plans' | 'applied', string | null> } {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ECS_COEXIST_')));
  return JSON.parse(execFileSync(process.execPath, ['-e', RUN], { env: { ...base, ...env, RUNS: String(runs) }, encoding: 'utf8' }));
}

const playRun = (env: Record<string, string>): Made => playRuns(env).runs[0];

describe('the run’s temporary folders', () => {
  let outer: string;
  beforeEach(() => {
    outer = mkdtempSync(join(tmpdir(), 'run-folders-'));
  });
  afterEach(() => rmSync(outer, { recursive: true, force: true }));

  it('GIVEN a machine temporary folder WHEN a run starts and ends THEN its caches and every Testing outdir were made in one folder of its own, and nothing is left', () => {
    // GIVEN / WHEN: a run in `outer`, which synthesizes with cdktf's Testing helpers
    const made = playRun({ TMPDIR: outer });

    // THEN: everything was inside the run's own folder, inside the machine's, and the folder is as it was
    expect(dirname(made.tmp)).toBe(outer);
    expect([made.plans, made.applied, made.testing].map((d) => dirname(d))).toEqual([made.tmp, made.tmp, made.tmp]);
    expect(readdirSync(outer)).toEqual([]);
  });

  it('GIVEN a caller’s own plan cache WHEN the run ends THEN that cache is kept', () => {
    const own = mkdtempSync(join(outer, 'own-cache-'));

    const made = playRun({ TMPDIR: outer, ECS_COEXIST_PLAN_CACHE: own });

    expect(made.plans).toBe(own);
    expect(existsSync(own)).toBe(true);
    expect(readdirSync(outer)).toEqual([own.slice(outer.length + 1)]);
  });

  it('GIVEN a run has ended WHEN a second run starts in the same process (jest --watch) THEN it starts from the machine’s folder, and the variables are given back', () => {
    const { runs, after } = playRuns({ TMPDIR: outer }, 2);

    expect(runs.map((r) => dirname(r.tmp))).toEqual([outer, outer]);
    expect(after).toEqual({ tmp: outer, plans: null, applied: null });
    expect(readdirSync(outer)).toEqual([]);
  });

  it('GIVEN this very run WHEN a test asks for a temporary folder THEN it is inside the run’s own folder', () => {
    expect(tmpdir()).toMatch(/[/\\]ecs-coexist-test-[^/\\]+$/);
  });
});
