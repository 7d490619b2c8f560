import { Reporter, type CommandResult, type Context, type WaitFlags } from '../context';
import { EXIT, refusal } from '../errors';
import { resolveTarget } from '../target';

export interface ApproveOptions extends WaitFlags {
  readonly env: string;
  readonly roleArn?: string;
  readonly json?: boolean;
}

/**
 * `ecs-release approve`: a blue/green deployment holds before the traffic shift (the new tasks answer on the test
 * listener); this lets it continue and waits until production traffic is on the new tasks. The people who can run it
 * are those who can assume the environment's deploy role (in CI: the prod GitHub Environment's required reviewers).
 */
export async function approve(ctx: Context, opts: ApproveOptions): Promise<CommandResult> {
  const report = new Reporter(ctx, !!opts.json);
  const target = await resolveTarget(ctx, opts.env, opts.roleArn);
  if (target.descriptor.strategy !== 'blue-green') {
    throw refusal('--env', opts.env, 'an environment whose deployment.strategy is blue-green (rolling deployments never hold)');
  }
  const cd = await import('../codedeploy');
  const holding = await cd.codeDeployInFlight(target, ['Ready']);
  if (holding.length === 0) {
    const busy = await cd.codeDeployInFlight(target);
    throw refusal(
      'deployment',
      busy[0] ?? 'none in flight',
      `a CodeDeploy deployment holding before the traffic shift (status Ready)${busy.length ? '; this one has not reached the hold yet or is past it (see ecs-release status)' : ''}`,
    );
  }
  const deploymentId = holding[0];
  await cd.continueDeployment(target, deploymentId);
  report.info(`approved CodeDeploy deployment ${deploymentId}: shifting production traffic`);
  const waited = await cd.waitForCodeDeploy(ctx, target, report, deploymentId, { ...opts, throughApproval: true });
  const exitCode = waited.outcome === 'completed' ? EXIT.OK : waited.outcome === 'timeout' ? EXIT.TIMEOUT : waited.outcome === 'interrupted' ? EXIT.INTERRUPTED : EXIT.FAILED;
  (exitCode === EXIT.OK ? report.info.bind(report) : report.progress.bind(report))(exitCode === EXIT.OK ? waited.message : `ecs-release: ${waited.message}`);
  return {
    exitCode,
    document: { command: 'approve', environment: target.env.name, deploymentId, outcome: waited.outcome, exitCode, message: waited.message, events: waited.events },
  };
}
