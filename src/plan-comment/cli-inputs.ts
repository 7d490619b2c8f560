/** The CLI's inputs: files, configuration, the Actions environment. Each is read and checked before anything else. */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { Masker, secretsFor, type MaskConfig } from './mask';
import { parsePlan, PlanInputError, type TerraformPlan } from './plan';

export const DEFAULT_AUTHOR = 'github-actions[bot]';

export interface CommonOptions {
  env?: string;
  repo?: string;
  pr?: string;
  commit?: string;
  config?: string;
  maskAttribute?: string[];
  maskValue?: string[];
  commentAuthor: string;
  apiUrl?: string;
}

export function readInput(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanInputError(option, `${JSON.stringify(path)} (${code === 'ENOENT' ? 'no such file' : code ?? 'unreadable'})`, 'a readable file');
  }
}

export function loadPlan(path: string): TerraformPlan {
  // The bytes, not a string: the reader decodes only the members it uses (a 55 MB plan is mostly copies of values).
  return parsePlan(readBytes(path, '--plan-json'), `--plan-json ${path}`);
}

export function readBytes(path: string, option: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new PlanInputError(option, `${JSON.stringify(path)} (${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code ?? 'unreadable'})`, 'a readable file');
  }
}

export const configSchema = z.strictObject({
  masks: z.strictObject({ attributes: z.array(z.string()).optional(), values: z.array(z.string()).optional() }).optional(),
});

export function maskConfig(o: CommonOptions): MaskConfig {
  let fromFile: MaskConfig = {};
  if (o.config) {
    let data: unknown;
    try {
      data = JSON.parse(readInput(o.config, '--config'));
    } catch (e) {
      if (e instanceof PlanInputError) throw e;
      throw new PlanInputError(`--config ${o.config}`, `malformed JSON (${(e as Error).message.split('\n')[0]})`, '{"masks": {"attributes": [globs], "values": [regular expressions]}}');
    }
    const r = configSchema.safeParse(data);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      throw new PlanInputError(`--config ${o.config}: ${field}`, issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message, '{"masks": {"attributes": [globs], "values": [regular expressions]}}');
    }
    fromFile = r.data.masks ?? {};
  }
  const config = {
    attributes: [...(fromFile.attributes ?? []), ...(o.maskAttribute ?? [])],
    values: [...(fromFile.values ?? []), ...(o.maskValue ?? [])],
  };
  new Masker(config); // validates the patterns now, before anything else happens
  return config;
}


export function repository(o: CommonOptions): { owner: string; repo: string } {
  const full = o.repo ?? process.env.GITHUB_REPOSITORY;
  const m = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(full ?? '');
  if (!m) throw new PlanInputError('--repo', full ? JSON.stringify(full) : 'nothing (and GITHUB_REPOSITORY is unset)', 'owner/name');
  return { owner: m[1], repo: m[2] };
}

/** The pull_request object of the event that started the workflow, if it was one. */
export function pullRequestEvent(): { number?: number; head?: { sha?: string } } | undefined {
  const eventPath = process.env.GITHUB_EVENT_PATH;
  if (!eventPath || !existsSync(eventPath)) return undefined;
  try {
    return (JSON.parse(readFileSync(eventPath, 'utf8')) as { pull_request?: { number?: number; head?: { sha?: string } } }).pull_request;
  } catch {
    return undefined; // not a pull_request event
  }
}

/** The pull request number: --pr, else the pull_request event that started the workflow. */
export function prFromOptions(o: CommonOptions): number | undefined {
  if (o.pr !== undefined) {
    if (!/^[1-9]\d{0,9}$/.test(o.pr)) throw new PlanInputError('--pr', JSON.stringify(o.pr), 'a pull-request number');
    return Number(o.pr);
  }
  const n = pullRequestEvent()?.number;
  return typeof n === 'number' ? n : undefined;
}

/** The head commit the plan was made for: --head-sha, else the pull_request event's head (not GITHUB_SHA, the merge ref). */
export function headSha(o: { headSha?: string }): string | undefined {
  const sha = o.headSha ?? pullRequestEvent()?.head?.sha;
  if (sha !== undefined && !/^[0-9a-f]{40}$/.test(sha)) throw new PlanInputError('--head-sha', JSON.stringify(sha), 'a 40-character commit SHA');
  return sha;
}

/** The plan's secret literals, to scrub free text (logs) with; none without a plan. */
export function planSecrets(planJson: string | undefined, masks: MaskConfig): Set<string> {
  return planJson === undefined ? new Set() : secretsFor(loadPlan(planJson), masks);
}

export function token(): string {
  const t = process.env.GITHUB_TOKEN;
  if (!t) throw new PlanInputError('GITHUB_TOKEN', 'nothing', 'a token allowed to write pull-request comments (pull-requests: write), in the environment');
  return t;
}

export function commitOption(o: CommonOptions): string | undefined {
  const sha = o.commit ?? process.env.GITHUB_SHA;
  if (sha !== undefined && !/^[0-9a-f]{7,40}$/.test(sha)) throw new PlanInputError('--commit', JSON.stringify(sha), 'a commit SHA');
  return sha;
}
