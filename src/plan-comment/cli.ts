#!/usr/bin/env node
/**
 * `plan-comment`: Terraform plans as pull-request comments, one per environment, and the apply gate.
 *
 *   plan-comment --env dev --plan-json plan.json [--post]      render (and post) the plan comment
 *   plan-comment --env dev --error-log plan.log [--post]       render (and post) a failed plan
 *   plan-comment verify --env dev --plan-json plan.json        exit 0 only if this plan is the one reviewed on the PR
 *   plan-comment apply-result --env dev --status success ...   report the apply on the merged PR (--plan-json masks
 *                                                              the plan's secrets in the log)
 *   plan-comment hash --plan-json plan.json                    print the plan fingerprint
 *
 * Every input is read, checked and rendered before the first request to GitHub: bad input exits 1 with one line and
 * posts nothing.
 */
import { writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { commitOption, DEFAULT_AUTHOR, headSha, loadPlan, maskConfig, planSecrets, prFromOptions, readInput, repository, token, type CommonOptions } from './cli-inputs';
import { planHash } from './hash';
import { maskerFor, secretsFor } from './mask';
import { ownershipFor } from './ownership';
import { PlanInputError } from './plan';
import { renderApplyResult, renderPlan, renderPlanFailure, runUrlFromEnv, type ApplyStatus } from './render';
import { gateRefusal } from './review';

/** A failure the user can act on: printed as one line, exit 1. */
class CliError extends Error {}

const ownership = ownershipFor;

/** Loads the GitHub client lazily: nothing about GitHub is touched before the inputs are known to be good. */
async function github(o: CommonOptions) {
  const mod = await import('./github');
  return { mod, octokit: mod.githubClient({ token: token(), baseUrl: o.apiUrl ?? process.env.GITHUB_API_URL }) };
}

async function resolvePr(o: CommonOptions, gh: Awaited<ReturnType<typeof github>>): Promise<{ owner: string; repo: string; number: number; headSha?: string }> {
  const repo = repository(o);
  const direct = prFromOptions(o);
  if (direct !== undefined) return { ...repo, number: direct };
  const sha = commitOption(o);
  if (!sha) throw new PlanInputError('--pr', 'nothing (no --pr, no --commit, no pull_request event)', 'a pull-request number, or --commit <sha> of a merge commit');
  const merged = await gh.mod.mergedPullRequestFor(gh.octokit, repo.owner, repo.repo, sha);
  if (merged === undefined) throw new CliError(`--commit: received ${sha}; allowed: a commit merged through a pull request (applies follow reviewed plans only)`);
  return { ...repo, number: merged.number, headSha: merged.headSha };
}

function addCommon(cmd: Command): Command {
  return cmd
    .option('--repo <owner/name>', 'repository of the pull request (default: GITHUB_REPOSITORY)')
    .option('--pr <number>', 'pull-request number (default: the pull_request event of the workflow)')
    .option('--config <file>', 'JSON file: {"masks": {"attributes": [globs], "values": [regular expressions]}}')
    .option('--mask-attribute <glob>', 'hide attributes matching this path glob, e.g. "*password*" (repeatable)', collect)
    .option('--mask-value <regex>', 'replace every match of this regular expression by *** (repeatable)', collect)
    .option('--comment-author <login>', 'only comments by this login are this tool\'s', process.env.PLAN_COMMENT_AUTHOR ?? DEFAULT_AUTHOR)
    .option('--api-url <url>', 'GitHub REST API base URL (default: GITHUB_API_URL or https://api.github.com)');
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function program(): Command {
  const root = new Command('plan-comment')
    .description('Terraform plans as pull-request comments, one per environment, and the gate that applies only the reviewed plan')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  addCommon(
    root
      .command('render', { isDefault: true })
      .description('render a `terraform show -json` plan (or a failed plan\'s log) as Markdown; print it, and with --post create or update the environment\'s comment')
      .requiredOption('--env <name>', 'environment (a file in environments/)')
      .option('--plan-json <file>', 'output of `terraform show -json <planfile>` (with --error-log: only masks the plan\'s secrets in the log)')
      .option('--error-log <file>', 'log of a plan that failed (synth, init or plan): posts the error instead')
      .option('--post', 'create or update the comment on the pull request (needs GITHUB_TOKEN)')
      .option('--output <file>', 'also write the Markdown to this file')
      .option('--full-output <file>', 'also write the untrimmed comment (no size limit, masked the same way) to this file, for the workflow to keep')
      .option('--head-sha <sha>', 'pull-request head commit the plan was made for, carried in the marker (default: the pull_request event\'s head)')
      .option('--max-length <chars>', 'comment size limit', String(65_536)),
  ).action(async (o: CommonOptions & { planJson?: string; errorLog?: string; post?: boolean; output?: string; fullOutput?: string; headSha?: string; maxLength: string }) => {
    const env = o.env!;
    const own = ownership(env);
    const masks = maskConfig(o);
    const head = headSha(o);
    if (o.post) {
      // Checked before anything is rendered or requested.
      repository(o);
      token();
    }
    const maxLength = Number(o.maxLength);
    if (!Number.isInteger(maxLength) || maxLength < 2_000) throw new PlanInputError('--max-length', JSON.stringify(o.maxLength), 'an integer >= 2000');
    let markdown: string;
    let full: string | undefined;
    if (o.errorLog !== undefined) {
      // Terraform and providers echo attribute values into errors; with the plan at hand its secrets are scrubbed too.
      markdown = renderPlanFailure(readInput(o.errorLog, '--error-log'), { env, masks, runUrl: runUrlFromEnv(), secrets: planSecrets(o.planJson, masks) });
      full = markdown;
    } else if (o.planJson !== undefined) {
      const plan = loadPlan(o.planJson);
      const started = process.hrtime.bigint();
      const options = { env, ownership: own, masks, runUrl: runUrlFromEnv(), headSha: head };
      const r = renderPlan(plan, { ...options, maxLength });
      markdown = r.markdown;
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      process.stderr.write(`plan-comment: ${env}: ${r.summary.planLine ?? 'no changes'} (${r.status}, ${markdown.length.toLocaleString('en-US')} characters, rendered in ${ms.toFixed(0)} ms)\n`);
      const t = r.trimmed;
      const trimmed = t.detailsOmitted > 0 || t.groupedLists.length > 0 || t.truncatedLists.length > 0 || t.listsOmitted;
      if (o.fullOutput) full = trimmed ? renderPlan(plan, { ...options, maxLength: Number.POSITIVE_INFINITY }).markdown : r.markdown;
    } else {
      throw new PlanInputError('--plan-json', 'nothing', 'a plan JSON file (or --error-log <file> for a failed plan)');
    }
    if (o.output) writeFileSync(o.output, markdown);
    if (o.fullOutput) writeFileSync(o.fullOutput, full ?? markdown);
    process.stdout.write(markdown);
    if (o.post) {
      const gh = await github(o);
      const pr = await resolvePr(o, gh);
      const r = await gh.mod.upsertComment(gh.octokit, pr, markdown, o.commentAuthor);
      process.stderr.write(`plan-comment: ${r.action} comment ${r.id} on ${pr.owner}/${pr.repo}#${pr.number}: ${r.url}\n`);
    }
  });

  addCommon(
    root
      .command('verify')
      .description('the apply gate: exit 0 only when this plan has the fingerprint shown in the pull request\'s comment for the environment')
      .requiredOption('--env <name>', 'environment')
      .requiredOption('--plan-json <file>', 'output of `terraform show -json` for the plan about to be applied')
      .option('--commit <sha>', 'merge commit whose pull request to check (default: GITHUB_SHA)')
      .option('--post', 'when refusing, say so on the pull request (apply-result comment)'),
  ).action(async (o: CommonOptions & { planJson: string; post?: boolean }) => {
    const env = o.env!;
    const own = ownership(env);
    const masks = maskConfig(o);
    repository(o);
    token();
    const plan = loadPlan(o.planJson);
    const masker = maskerFor(plan, masks);
    const hash = planHash(plan, masker);
    const gh = await github(o);
    const pr = await resolvePr(o, gh);
    const found = await gh.mod.findComment(gh.octokit, pr, 'plan-comment', env, o.commentAuthor);
    const ref = `${pr.owner}/${pr.repo}#${pr.number}`;
    const { refusal, head } = await gateRefusal({
      env,
      ref,
      found,
      hash,
      // Only asked when a fingerprint is there to compare (--pr gave no merge lookup that carried it).
      prHead: async () => pr.headSha ?? (await gh.mod.pullRequestHead(gh.octokit, pr)),
      render: (headSha) => renderPlan(plan, { env, ownership: own, masks, headSha }).markdown,
    });
    if (refusal) {
      if (o.post) {
        const body = renderApplyResult('', { env, masks, secrets: secretsFor(plan, masks), status: 'refused', reason: `Refusing to apply: ${refusal}.`, runUrl: runUrlFromEnv(), commit: commitOption(o) });
        await gh.mod.upsertComment(gh.octokit, pr, body, o.commentAuthor);
      }
      throw new CliError(`refusing to apply: ${refusal}`);
    }
    process.stdout.write(`plan for ${env} matches the plan reviewed on ${ref} (fingerprint ${hash.slice(0, 12)}, planned at its head ${head!.slice(0, 12)})\n`);
  });

  addCommon(
    root
      .command('apply-result')
      .description('report an apply on the merged pull request (one comment per environment, updated in place)')
      .requiredOption('--env <name>', 'environment')
      .addOption(new Option('--status <status>', 'outcome of the apply').choices(['success', 'failure']).makeOptionMandatory())
      .option('--log <file>', 'output of terraform apply')
      .option('--plan-json <file>', 'the applied plan (`terraform show -json`): its secrets are masked in the log too')
      .option('--commit <sha>', 'merge commit whose pull request gets the comment (default: GITHUB_SHA)')
      .option('--post', 'create or update the comment on the pull request (needs GITHUB_TOKEN)'),
  ).action(async (o: CommonOptions & { status: ApplyStatus; log?: string; planJson?: string; post?: boolean }) => {
    const env = o.env!;
    ownership(env);
    const masks = maskConfig(o);
    if (o.post) {
      repository(o);
      token();
    }
    const log = o.log !== undefined ? readInput(o.log, '--log') : '';
    // The apply log goes to the merged pull request: Terraform prints values it does not know are secret (outputs,
    // ids, provider errors), and only the plan knows which literals are.
    const body = renderApplyResult(log, { env, masks, secrets: planSecrets(o.planJson, masks), status: o.status, runUrl: runUrlFromEnv(), commit: commitOption(o) });
    process.stdout.write(body);
    if (o.post) {
      const gh = await github(o);
      const pr = await resolvePr(o, gh);
      const r = await gh.mod.upsertComment(gh.octokit, pr, body, o.commentAuthor);
      process.stderr.write(`plan-comment: ${r.action} apply result ${r.id} on ${pr.owner}/${pr.repo}#${pr.number}\n`);
    }
  });

  root
    .command('hash')
    .description('print the plan fingerprint the comment marker carries')
    .requiredOption('--plan-json <file>', 'output of `terraform show -json`')
    .option('--config <file>', 'the same mask configuration the comment used')
    .option('--mask-attribute <glob>', 'as for render (repeatable)', collect)
    .option('--mask-value <regex>', 'as for render (repeatable)', collect)
    .action((o: CommonOptions & { planJson: string }) => {
      const masks = maskConfig({ ...o, commentAuthor: DEFAULT_AUTHOR });
      const plan = loadPlan(o.planJson);
      process.stdout.write(`${planHash(plan, maskerFor(plan, masks))}\n`);
    });

  return root;
}

function oneLine(e: unknown): string {
  const err = e as Error & { status?: number; request?: { method?: string; url?: string } };
  if (typeof err.status === 'number' && err.request) {
    return `GitHub API ${err.request.method} ${err.request.url} answered ${err.status}: ${err.message.split('\n')[0]}`;
  }
  if (err instanceof Error && 'cause' in err && err.cause instanceof Error && /fetch failed/.test(err.message)) {
    return `GitHub API unreachable: ${err.cause.message}`;
  }
  return String(err?.message ?? err).split('\n')[0];
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1; // commander printed its one line already
    process.stderr.write(`plan-comment: ${oneLine(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
