/**
 * `npm run rollout-bounds [-- <env>... | --json]`: per environment, the lower bound of a deployment's duration implied
 * by its configuration (health-check interval and threshold, deregistration delay, deployment percentages), next to
 * what AWS's defaults imply for the same service. The model is documented in src/rollout/bounds.ts.
 */
import { Command } from 'commander';
import { environmentNames, loadEnvironment } from '../environments';
import { AWS_DEFAULT_TIMING, environmentRolloutBounds, type EnvironmentRolloutBounds } from '../src/rollout/bounds';

const seconds = (s: number) => (Number.isFinite(s) ? `${s} s` : 'never');

export function renderRolloutBounds(rows: EnvironmentRolloutBounds[]): string {
  const header = ['environment', 'strategy', 'tasks', 'ours', 'AWS defaults', 'target', 'met'];
  const body = rows.map((r) => [
    r.environment,
    r.strategy,
    r.taskCounts.length > 1 ? `${r.taskCounts[0]}-${r.taskCounts[r.taskCounts.length - 1]}` : String(r.taskCounts[0]),
    `${seconds(r.ours.lowerBound)} (${seconds(r.ours.conservative)})`,
    `${seconds(r.awsDefaults.lowerBound)} (${seconds(r.awsDefaults.conservative)})`,
    `<= ${r.targetSeconds} s`,
    r.meetsTarget ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const settings = rows.map((r) => {
    const t = r.timing;
    const extra = r.strategy === 'blue-green'
      ? `\n    blue/green: "ours" is the new tasks turning healthy; then ${r.deliberateWaitSeconds} s of traffic shifting (chosen: ` +
        `all traffic on the new tasks after ${r.fullTrafficSeconds} s at the earliest)` +
        (r.approvalTimeoutSeconds ? `, with an approval hold of up to ${r.approvalTimeoutSeconds} s before it (ecs-release approve)` : '') +
        `, then a ${r.rollbackWindowSeconds} s rollback window (old tasks kept); none of these counted`
      : '';
    const stuck = r.stuck ? `\n    ${r.environment}: a rolling deployment can stall: ${r.stuck}` : '';
    return `  ${r.environment}: health check every ${t.healthCheckIntervalSeconds} s, healthy after ${t.healthyThresholdCount}, ` +
      `deregistration delay ${t.deregistrationDelaySeconds} s, ${t.minimumHealthyPercent}/${t.maximumPercent} %${extra}${stuck}`;
  });
  const d = AWS_DEFAULT_TIMING;
  return [
    'Lower bound of a deployment, implied by configuration (worst over the task counts the service can run with)',
    '',
    line(header),
    ...body.map(line),
    '',
    ...settings,
    `  AWS defaults: health check every ${d.healthCheckIntervalSeconds} s, healthy after ${d.healthyThresholdCount}, ` +
      `deregistration delay ${d.deregistrationDelaySeconds} s, ${d.minimumHealthyPercent}/${d.maximumPercent} %`,
    '',
    'First figure: a new target is healthy after its first passing check (current ALB behaviour).',
    'In brackets: if the ALB waited for the healthy threshold; the target is checked against this one.',
    'Task start-up, image pull and ECS polling come on top: they are not implied by configuration.',
  ].join('\n');
}

function main(argv: string[]): number {
  const program = new Command('rollout-bounds')
    .description('Lower bound of a deployment per environment, ours vs AWS defaults')
    .argument('[environments...]', `environments (default: all of ${environmentNames().join(', ')})`)
    .option('--json', 'print JSON instead of a table')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  program.parse(argv, { from: 'user' });
  const names = program.args.length ? program.args : environmentNames();
  const rows = names.map((n) => environmentRolloutBounds(loadEnvironment(n)));
  process.stdout.write(program.opts<{ json?: boolean }>().json ? `${JSON.stringify(rows, null, 2)}\n` : `${renderRolloutBounds(rows)}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) {
      process.exitCode = err.exitCode ?? 1;
    } else {
      process.stderr.write(`rollout-bounds: ${err.message}\n`);
      process.exitCode = 1;
    }
  }
}
