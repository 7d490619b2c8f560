import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentNames, loadEnvironment } from '../../../environments';
import { environmentRolloutBounds } from '../../../src/rollout/bounds';
import { median, round, runNode, type ProcessRun } from './measure';
import type { ScalingRun } from './scaling-stack';
import { createTemplateApp, templateResources, TEMPLATE_STACK } from './template-app';
import { measureSandboxStart } from './sandbox';
import { cdktfCli, preview, testSuite } from './user-commands';
import { figure, type BenchContext, type Figure, type Measurement } from './types';

/**
 * Everything `npm run bench` measures, in table order. To add a figure, add a measurement here: it runs the thing,
 * returns figures (value = median of `ctx.repetitions` samples) and, where it helps, evidence that it really ran.
 */
export const MEASUREMENTS: Measurement[] = [
  { id: 'cdktf', title: 'The cdktf CLI as users run it (`npx cdktf synth`, `npx cdktf list`) vs the compiled app', run: cdktfCli },
  { id: 'preview', title: '`npm run preview`', run: preview },
  { id: 'synth', title: 'Synthesis: the compiled app (dev + prod) vs the cdktf TypeScript template', run: synthVersusTemplate },
  { id: 'compile', title: 'Type check and compile (`npm run build`, the first step of `npm test`)', run: compile },
  { id: 'unit-tier', title: 'Unit tier of `npm test` (`jest __tests__/unit`)', run: unitTier },
  { id: 'synth-scaling', title: 'Synthesis time by number of services (one environment)', run: synthScaling },
  { id: 'rollout', title: 'Deployment lower bound implied by configuration (`npm run rollout-bounds`)', run: rolloutBounds },
  { id: 'deploy', title: 'Release CLI cost per deploy against moto', run: deployCost },
  { id: 'sandbox', title: '`npm run sandbox`: seconds to a usable sandbox (moto, dev and prod applied, images pushed)', run: sandboxStart },
  // Last: it runs the whole suite, whose figures are the ones most sensitive to what else the machine does.
  { id: 'test-suite', title: '`npm test`, whole and by tier', run: testSuite },
];

export const TARGETS = {
  synthWallSeconds: 1.0,
  synthRssMiB: 250,
  templateSpeedup: 5,
  unitTierSeconds: 30,
  /** Per-service cost from 5 to 20 services over the one from 1 to 5: ~1 when linear, ~4 when quadratic. */
  scalingSlopeRatio: 1.5,
  deployApiCalls: 15,
  deployCpuSeconds: 0.5,
};

const mib = (runs: ProcessRun[]) => runs.map((r) => round(r.maxRssMiB, 1));
const wall = (runs: ProcessRun[]) => runs.map((r) => round(r.wallSeconds));

/** `node dist/main.js` (the compiled app) vs the template, interleaved so load hits both. */
async function synthVersusTemplate(ctx: BenchContext) {
  const main = join(ctx.root, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: `npm run bench` compiles first; run `npm run build`');
  const templateDir = join(ctx.scratch, 'template-app');
  mkdirSync(templateDir);
  const template = createTemplateApp(ctx.root, templateDir);
  const project: ProcessRun[] = [];
  const baseline: ProcessRun[] = [];
  let projectStacks: string[] = [];
  let baselineResources: string[] = [];
  for (let i = 0; i < ctx.repetitions; i++) {
    const outdir = join(ctx.scratch, `synth-${i}`);
    project.push(await runNode(main, [], { cwd: ctx.root, env: { ...process.env, CDKTF_OUTDIR: outdir } }));
    projectStacks = Object.keys((JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, unknown> }).stacks);
    baseline.push(await runNode(template.script, template.args, { cwd: template.dir }));
    baselineResources = templateResources(template);
    ctx.log(`  synth run ${i + 1}/${ctx.repetitions}: project ${project[i].wallSeconds.toFixed(2)} s, template ${baseline[i].wallSeconds.toFixed(2)} s`);
  }
  const expected = environmentNames();
  if (expected.some((e) => !projectStacks.includes(e))) throw new Error(`dist/main.js synthesized ${projectStacks.join(', ')}; expected ${expected.join(', ')}`);
  const pw = median(project.map((r) => r.wallSeconds));
  const tw = median(baseline.map((r) => r.wallSeconds));
  const pm = median(project.map((r) => r.maxRssMiB));
  const tm = median(baseline.map((r) => r.maxRssMiB));
  const figures: Figure[] = [
    figure({ id: 'synth.project.wall', label: 'project synth, both environments: wall', unit: 's', value: round(pw), samples: wall(project), target: { op: '<=', value: TARGETS.synthWallSeconds } }),
    figure({ id: 'synth.project.rss', label: 'project synth, both environments: peak RSS', unit: 'MiB', value: round(pm, 1), samples: mib(project), target: { op: '<=', value: TARGETS.synthRssMiB } }),
    figure({ id: 'synth.project.cpu', label: 'project synth, both environments: CPU time', unit: 's', value: round(median(project.map((r) => r.cpuSeconds))) }),
    figure({ id: 'synth.template.wall', label: 'template (ts-node, provider root import), 1 resource: wall', unit: 's', value: round(tw), samples: wall(baseline) }),
    figure({ id: 'synth.template.rss', label: 'template (ts-node, provider root import), 1 resource: peak RSS', unit: 'MiB', value: round(tm, 1), samples: mib(baseline) }),
    figure({ id: 'synth.speedup', label: 'template wall / project wall', unit: 'x', value: round(tw / pw, 1), target: { op: '>=', value: TARGETS.templateSpeedup } }),
    figure({ id: 'synth.memory-ratio', label: 'template peak RSS / project peak RSS', unit: 'x', value: round(tm / pm, 1) }),
  ];
  return {
    figures,
    evidence: { projectStacks, templateStack: TEMPLATE_STACK, templateResources: baselineResources, templateCommand: 'ts-node main.ts (type-checking, tsconfig.json of cdktf-cli\'s typescript template)' },
    notes: [
      'Whole processes, start to exit: `node dist/main.js` (the app compiled by `tsc`; both stacks, compiled',
      'JavaScript, provider classes imported by deep path) against `ts-node main.ts` in a project made from the cdktf',
      'TypeScript template (its tsconfig.json and main.ts from the installed cdktf-cli) declaring one `aws_s3_bucket`',
      'imported from the `@cdktf/provider-aws` package root. The runs alternate so machine load hits both alike.',
    ],
  };
}

/**
 * The type check `npm test` and `npm run build` run. cdktf.json's app ran it before every synthesis until it switched
 * to SWC's type stripping; the loop figures show what that cost, next to the template that type-checks as it runs.
 */
async function compile(ctx: BenchContext) {
  const tsc = join(ctx.root, 'node_modules', 'typescript', 'bin', 'tsc');
  const incremental: ProcessRun[] = [];
  const full: ProcessRun[] = [];
  for (let i = 0; i < ctx.repetitions; i++) {
    incremental.push(await runNode(tsc, ['-p', 'tsconfig.json'], { cwd: ctx.root }));
    full.push(await runNode(tsc, ['-p', 'tsconfig.json', '--noEmit', '--incremental', 'false'], { cwd: ctx.root }));
    ctx.log(`  tsc run ${i + 1}/${ctx.repetitions}: incremental ${incremental[i].wallSeconds.toFixed(2)} s, from scratch ${full[i].wallSeconds.toFixed(2)} s`);
  }
  const inc = median(incremental.map((r) => r.wallSeconds));
  const figures: Figure[] = [
    figure({ id: 'compile.incremental.wall', label: '`tsc -p .`, incremental, as `npm run build` runs it: wall', unit: 's', value: round(inc), samples: wall(incremental) }),
    figure({ id: 'compile.full.wall', label: 'full type check from scratch (`tsc --noEmit`): wall', unit: 's', value: round(median(full.map((r) => r.wallSeconds))), samples: wall(full) }),
    figure({ id: 'compile.full.rss', label: 'full type check from scratch: peak RSS', unit: 'MiB', value: round(median(full.map((r) => r.maxRssMiB)), 1), samples: mib(full) }),
  ];
  const synth = ctx.earlier.find((s) => s.id === 'synth')?.figures;
  const projectWall = synth?.find((f) => f.id === 'synth.project.wall')?.value;
  const templateWall = synth?.find((f) => f.id === 'synth.template.wall')?.value;
  if (projectWall && templateWall) {
    figures.push(
      figure({ id: 'compile.loop.wall', label: 'former cdktf app (`npm run build && node dist/main.js`): incremental tsc + synth (sum of medians)', unit: 's', value: round(inc + projectWall) }),
      figure({ id: 'compile.loop.speedup', label: 'template wall / former cdktf app', unit: 'x', value: round(templateWall / (inc + projectWall), 1) }),
    );
  }
  return {
    figures,
    notes: [
      'The whole project (stacks, scripts, tests) is compiled; `tsc` parses every file even when nothing changed, which is',
      'most of its time. Editors and `npm test` type-check the same way, so a developer pays it once per change.',
    ],
  };
}

/** The unit tier as `npm run test:unit` runs it: warm Jest cache (the edit-test loop) and a cold one (a fresh CI machine). */
async function unitTier(ctx: BenchContext) {
  const jest = join(ctx.root, 'node_modules', 'jest', 'bin', 'jest.js');
  const run = async (label: string, cacheDir?: string) => {
    const report = join(ctx.scratch, `jest-${label}.json`);
    const args = ['__tests__/unit', '--ci', '--silent', '--json', `--outputFile=${report}`, ...(cacheDir ? [`--cacheDirectory=${cacheDir}`] : [])];
    const r = await runNode(jest, args, { cwd: ctx.root });
    const summary = JSON.parse(readFileSync(report, 'utf8')) as { numTotalTests: number; numPassedTests: number; numTotalTestSuites: number };
    if (summary.numTotalTests === 0 || summary.numPassedTests !== summary.numTotalTests) {
      throw new Error(`unit tier: ${summary.numPassedTests}/${summary.numTotalTests} tests passed`);
    }
    ctx.log(`  unit tier ${label}: ${r.wallSeconds.toFixed(2)} s, ${summary.numTotalTests} tests`);
    return { r, summary };
  };
  const cold = await run('cold', join(ctx.scratch, 'jest-cold-cache'));
  const warm = [];
  for (let i = 0; i < ctx.repetitions; i++) warm.push(await run(`warm-${i + 1}`));
  const warmRuns = warm.map((w) => w.r);
  return {
    figures: [
      figure({ id: 'unit.warm.wall', label: 'unit tier, warm Jest cache: wall', unit: 's', value: round(median(warmRuns.map((r) => r.wallSeconds)), 2), samples: wall(warmRuns), target: { op: '<=', value: TARGETS.unitTierSeconds } }),
      figure({ id: 'unit.cold.wall', label: 'unit tier, empty Jest cache (fresh CI machine): wall', unit: 's', value: round(cold.r.wallSeconds, 2), samples: wall([cold.r]), target: { op: '<=', value: TARGETS.unitTierSeconds } }),
      figure({ id: 'unit.tests', label: 'unit tier: tests run', unit: 'tests', value: cold.summary.numTotalTests }),
    ],
    evidence: { suites: cold.summary.numTotalTestSuites, tests: cold.summary.numTotalTests },
    notes: ['`jest __tests__/unit` as `npm run test:unit` runs it; SWC only strips types (type checking is `tsc`, once, before Jest).'],
  };
}

export const SCALING_SERVICE_COUNTS = [1, 5, 20] as const;

/** One process per synthesis (no JIT warm-up carried between sizes); sizes interleaved within each repetition. */
async function synthScaling(ctx: BenchContext) {
  const script = join(ctx.root, 'dist', 'scripts', 'lib', 'bench', 'scaling-stack.js');
  const runs = new Map<number, { p: ProcessRun; s: ScalingRun }[]>(SCALING_SERVICE_COUNTS.map((n) => [n, []]));
  // Runs are short and the linearity check divides small differences: three times the repetitions steady the medians
  // (quick mode: once, only to show it runs).
  const repetitions = ctx.quick ? 1 : ctx.repetitions * 3;
  for (let i = 0; i < repetitions; i++) {
    for (const n of SCALING_SERVICE_COUNTS) {
      const p = await runNode(script, [String(n), join(ctx.scratch, `scaling-${n}-${i}`)], { cwd: ctx.root });
      const s = JSON.parse(p.stdout.trim().split('\n').pop()!) as ScalingRun;
      if (s.services !== n) throw new Error(`scaling stack: asked for ${n} services, got ${s.services}`);
      runs.get(n)!.push({ p, s });
    }
  }
  const inProcess = (n: number) => median(runs.get(n)!.map(({ s }) => s.constructSeconds + s.synthSeconds));
  const [t1, t5, t20] = SCALING_SERVICE_COUNTS.map(inProcess);
  const slope15 = (t5 - t1) / 4;
  const slope520 = (t20 - t5) / 15;
  const figures: Figure[] = [];
  for (const n of SCALING_SERVICE_COUNTS) {
    const r = runs.get(n)!;
    figures.push(
      figure({ id: `scaling.${n}.synth`, label: `${plural(n)}: construct + synth (in process)`, unit: 's', value: round(inProcess(n)), samples: r.map(({ s }) => round(s.constructSeconds + s.synthSeconds)) }),
      figure({ id: `scaling.${n}.wall`, label: `${plural(n)}: whole process wall`, unit: 's', value: round(median(r.map(({ p }) => p.wallSeconds))), samples: wall(r.map(({ p }) => p)) }),
    );
  }
  figures.push(
    figure({ id: 'scaling.per-service', label: 'time per added service (1 -> 20)', unit: 'ms', value: round(((t20 - t1) / 19) * 1000, 1) }),
    figure({
      id: 'scaling.slope-ratio',
      label: 'per-service time 5 -> 20 over 1 -> 5 (linear ~1, quadratic ~4)',
      unit: 'ratio',
      value: round(slope520 / slope15, 2),
      target: { op: '<=', value: TARGETS.scalingSlopeRatio },
    }),
  );
  return {
    figures,
    evidence: { resources: Object.fromEntries(SCALING_SERVICE_COUNTS.map((n) => [n, runs.get(n)![0].s.resources])) },
    notes: [
      'The dev configuration with N services (web, worker, scheduled in turn; defineEnvironment + the real stack, scripts/lib/bench/scaling-stack.ts), one process',
      'per synthesis; "in process" excludes Node start-up and module loading. Linear growth keeps the per-service time',
      'from 5 to 20 services close to the one from 1 to 5 (ratio ≈ 1); quadratic growth would make it about 4.',
    ],
  };
}

/** Pure arithmetic on the configuration: one evaluation is exact, repetitions would add nothing. */
async function rolloutBounds() {
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const name of environmentNames()) {
    const env = loadEnvironment(name);
    const b = environmentRolloutBounds(env);
    const target = { op: '<=' as const, value: b.targetSeconds };
    const what = b.strategy === 'blue-green' ? 'new tasks healthy' : 'whole rollout';
    figures.push(
      figure({ id: `rollout.${name}.ours`, label: `${name} (${b.strategy}, ${what}): ours, first passing check`, unit: 's', value: finite(b.ours.lowerBound), target }),
      figure({ id: `rollout.${name}.ours-conservative`, label: `${name} (${b.strategy}, ${what}): ours, healthy threshold`, unit: 's', value: finite(b.ours.conservative), target }),
      figure({ id: `rollout.${name}.aws`, label: `${name} (${b.strategy}, ${what}): AWS defaults, first passing check`, unit: 's', value: finite(b.awsDefaults.lowerBound) }),
      figure({ id: `rollout.${name}.aws-conservative`, label: `${name} (${b.strategy}, ${what}): AWS defaults, healthy threshold`, unit: 's', value: finite(b.awsDefaults.conservative) }),
    );
    if (b.strategy === 'blue-green') {
      // The same service rolling: what the 450 s of AWS's defaults is usually quoted for, and prod's fallback strategy.
      const rolling = environmentRolloutBounds({ ...env, services: Object.fromEntries(Object.entries(env.services).map(([n, s]) => [n, s.kind === 'web' ? { ...s, deployment: { ...s.deployment, strategy: 'rolling' as const } } : s])) });
      figures.push(
        figure({ id: `rollout.${name}.rolling-ours`, label: `${name} if rolling: ours, healthy threshold`, unit: 's', value: finite(rolling.ours.conservative), target }),
        figure({ id: `rollout.${name}.rolling-aws`, label: `${name} if rolling: AWS defaults, healthy threshold`, unit: 's', value: finite(rolling.awsDefaults.conservative) }),
        figure({ id: `rollout.${name}.full-traffic`, label: `${name}: all production traffic on the new tasks (healthy + chosen traffic shifting)`, unit: 's', value: finite(b.fullTrafficSeconds ?? NaN) }),
      );
      notes.push(
        `${name} deploys blue/green: the target applies to what nobody chose to wait for (the new tasks turning healthy); the ` +
          `${b.deliberateWaitSeconds} s of traffic shifting are chosen (canary/linear), the approval hold (up to ${b.approvalTimeoutSeconds} s) ` +
          `ends when someone runs ecs-release approve, and the ${b.rollbackWindowSeconds} s rollback window comes after all traffic has moved.`,
      );
    }
  }
  return {
    figures,
    notes: [
      'Arithmetic on the configuration (src/rollout/bounds.ts documents the model): new tasks healthy after the first passing',
      'ALB check (one interval) or, conservatively, after the healthy threshold; old tasks drained for the deregistration',
      'delay; batches as maximum/minimum percent allow; worst over the task counts auto scaling allows. Task start-up and',
      'image pull come on top. AWS defaults: interval 30 s, healthy threshold 5, deregistration delay 300 s.',
      ...notes,
    ],
  };
}

const plural = (n: number) => `${n} service${n === 1 ? '' : 's'}`;
const finite = (s: number) => (Number.isFinite(s) ? s : null);

/**
 * The release CLI against moto: the dev stack applied once, then `ecs-release deploy` of distinct images, each the
 * compiled CLI in its own process (as a pipeline runs it), through the deploy role (STS AssumeRole, like OIDC). The
 * figures come from the CLI's own `--json` metrics: its SDK call counter (polls marked apart) and its process CPU time.
 * Quick mode measures two deploys. The release tier (__tests__/e2e/coexistence.test.ts) asserts the API-call budget
 * (behaviour) on each of its deploys; CPU time is only ever reported here.
 */
async function deployCost(ctx: BenchContext) {
  const target = { calls: { op: '<=' as const, value: TARGETS.deployApiCalls }, cpu: { op: '<=' as const, value: TARGETS.deployCpuSeconds } };
  // The emulator helpers of the release tier: one way to apply a stack into moto and to push a fake image.
  const emu = await import('../../../__tests__/helpers/emulator');
  const dev = loadEnvironment('dev');
  const moto = await emu.startEmulator();
  const stack = await emu.applyStack(moto, dev);
  try {
    const calls: number[] = [];
    const cpu: number[] = [];
    const deploys = ctx.quick ? 2 : Math.max(3, ctx.repetitions);
    for (let i = 0; i < deploys; i++) {
      const tag = `bench${i}${Date.now().toString(36)}`;
      const image = await emu.pushImage(moto, dev, tag);
      const r = emu.releaseBin(moto, ['deploy', '--env', 'dev', '--service', 'web', '--image', `${image.uri}:${tag}`, '--role-arn', emu.deployRoleArn(dev), '--json', '--poll-interval', '1s']);
      if (r.code !== 0 || !r.json) throw new Error(`ecs-release deploy exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      const metrics = r.json.metrics as { apiCalls: { excludingPolling: number }; cpuMs: number };
      calls.push(metrics.apiCalls.excludingPolling);
      cpu.push(metrics.cpuMs / 1000);
      ctx.log(`  deploy ${i + 1}/${deploys}: ${calls[i]} calls besides polling, ${cpu[i].toFixed(3)} s CPU`);
    }
    return {
      figures: [
        figure({ id: 'deploy.api-calls', label: 'API calls per deploy, excluding polling', unit: 'calls', value: median(calls), samples: calls, target: target.calls }),
        figure({ id: 'deploy.cpu', label: 'CLI CPU time per deploy (whole process)', unit: 's', value: round(median(cpu)), samples: cpu.map((c) => round(c)), target: target.cpu }),
      ],
      notes: [`${deploys} deploys of distinct images with the compiled CLI against moto (dev stack, deploy role via STS AssumeRole); figures from the CLI's --json metrics.`],
    };
  } finally {
    await moto.stop();
    stack.remove();
  }
}

/** One start of the sandbox as a user runs it (once: it applies two stacks, a repetition would measure the same). */
async function sandboxStart(ctx: BenchContext) {
  const { seconds } = await measureSandboxStart();
  ctx.log(`  sandbox ready in ${seconds} s`);
  return { figures: [figure({ id: 'sandbox.start', label: '`npm run sandbox` (after the build): start to printed environment, wall', unit: 's', value: seconds })] };
}
