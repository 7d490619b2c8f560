import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { reasonProblem } from '../../contracts/suppression-reason';
import { environmentNames } from '../../environments';
import pipelinesExample from '../../environments/examples/pipelines';
import { repoRoot } from './paths';
import { pythonTool } from './python-tools';

/** The one reviewed list of checkov findings accepted on purpose. */
export const CHECKOV_SKIPS_FILE = join('tools', 'checkov-skips.yaml');

export interface CheckovFinding {
  readonly environment: string;
  readonly checkId: string;
  readonly checkName: string;
  /** Terraform address in the plan (`aws_lb.load-balancer_alb_15AADC07`). */
  readonly resource: string;
}

export interface CheckovScan {
  readonly environment: string;
  readonly passed: number;
  readonly failed: readonly CheckovFinding[];
}

interface CheckovResult {
  check_id: string;
  check_name: string;
  resource: string;
  file_path: string;
}

interface CheckovReport {
  check_type: string;
  results: { passed_checks?: CheckovResult[]; failed_checks?: CheckovResult[]; skipped_checks?: CheckovResult[]; parsing_errors?: string[] };
  summary: { parsing_errors: number; checkov_version: string };
}

/**
 * Scans plan JSON files (`terraform show -json`), one per environment, with the pinned checkov in one run.
 * No finding is skipped here: skips are applied afterwards from the reviewed list, so the list is the only place
 * where a finding can disappear. Throws one line when checkov cannot run or could not parse a plan.
 */
export function scanPlans(planFiles: Record<string, string>): { version: string; scans: CheckovScan[] } {
  const bin = pythonTool('checkov');
  const entries = Object.entries(planFiles);
  const dirs = new Set(entries.map(([, f]) => dirname(f)));
  if (dirs.size !== 1) throw new Error(`checkov: plan files must share one folder, received ${[...dirs].join(', ')}`);
  const args = ['--framework', 'terraform_plan', '-o', 'json', '--compact', '--skip-download', '--soft-fail'];
  for (const [, file] of entries) args.push('-f', basename(file));
  const r = spawnSync(bin, args, {
    cwd: [...dirs][0],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No telemetry, no calls to the vendor's API: the scan is offline and reproducible.
    env: { ...process.env, BC_SKIP_MAPPING: 'TRUE', CHECKOV_RUN_SCA_PACKAGE_SCAN_V2: 'false', PYTHONWARNINGS: 'ignore' },
  });
  if (r.status !== 0) throw new Error(`checkov exited with ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' | ')}`);
  const parsed = JSON.parse(r.stdout) as CheckovReport | CheckovReport[];
  const reports = (Array.isArray(parsed) ? parsed : [parsed]).filter((p) => p.check_type === 'terraform_plan');
  if (reports.length !== 1) throw new Error(`checkov: expected one terraform_plan report, received ${reports.length}`);
  const report = reports[0];
  if (report.summary.parsing_errors > 0) throw new Error(`checkov could not parse: ${(report.results.parsing_errors ?? []).join(', ')}`);
  const envOf = (path: string) => entries.find(([, f]) => basename(f) === basename(path))?.[0];
  const scans = entries.map(([environment]) => ({
    environment,
    passed: (report.results.passed_checks ?? []).filter((c) => envOf(c.file_path) === environment).length,
    failed: (report.results.failed_checks ?? [])
      .filter((c) => envOf(c.file_path) === environment)
      .map((c) => ({ environment, checkId: c.check_id, checkName: c.check_name, resource: c.resource })),
  }));
  if ((report.results.skipped_checks ?? []).length > 0) {
    throw new Error('checkov skipped checks on its own (inline suppressions?): every skip belongs in tools/checkov-skips.yaml');
  }
  return { version: report.summary.checkov_version, scans };
}

/**
 * The environments an entry of the reviewed list may name: main.ts's, and the example whose offline plan
 * __tests__/terraform/delivery-pipeline.test.ts scans (environments/examples/pipelines.ts, the delivery pipeline on).
 */
export function reviewedEnvironments(): string[] {
  return [...environmentNames(), pipelinesExample.name];
}

/** One reviewed exception. */
export interface CheckovSkip {
  readonly check: string;
  /** Environments it applies to. @default every scanned environment */
  readonly environments?: readonly string[];
  /** Glob (`*` only) on the plan address. @default every resource */
  readonly resource?: string;
  /** Why the finding is accepted: at least a sentence. */
  readonly reason: string;
}

/** Reads and validates the reviewed list; a bad entry throws one line naming entry, field, value and what is allowed. */
export function loadCheckovSkips(file = join(repoRoot(), CHECKOV_SKIPS_FILE), knownEnvironments?: readonly string[]): CheckovSkip[] {
  return validateCheckovSkips(parse(readFileSync(file, 'utf8')), knownEnvironments);
}

export function validateCheckovSkips(data: unknown, knownEnvironments?: readonly string[]): CheckovSkip[] {
  if (!Array.isArray(data)) throw new Error(`${CHECKOV_SKIPS_FILE}: received ${typeof data}; allowed: a list of {check, environments?, resource?, reason}`);
  return data.map((entry: Record<string, unknown>, i) => {
    const where = `${CHECKOV_SKIPS_FILE} entry ${i + 1}`;
    const fail = (field: string, allowed: string): never => {
      throw new Error(`${where}: ${field}: received ${JSON.stringify(entry?.[field])}; allowed: ${allowed}`);
    };
    if (!entry || typeof entry !== 'object') throw new Error(`${where}: received ${JSON.stringify(entry)}; allowed: an object`);
    const unknown = Object.keys(entry).filter((k) => !['check', 'environments', 'resource', 'reason'].includes(k));
    if (unknown.length > 0) fail(unknown[0], 'only check, environments, resource and reason');
    if (typeof entry.check !== 'string' || !/^CKV2?_[A-Z0-9]+_\d+$/.test(entry.check)) fail('check', 'a checkov check id such as CKV_AWS_91');
    if (entry.environments !== undefined) {
      const envs = entry.environments;
      if (!Array.isArray(envs) || envs.length === 0 || envs.some((e) => typeof e !== 'string' || (knownEnvironments && !knownEnvironments.includes(e)))) {
        fail('environments', `a non-empty list of ${knownEnvironments ? knownEnvironments.join(', ') : 'environment names'}`);
      }
    }
    if (entry.resource !== undefined && (typeof entry.resource !== 'string' || !/^[\w.*[\]"-]+$/.test(entry.resource))) fail('resource', 'a plan address, `*` as wildcard');
    const problem = reasonProblem(entry.reason);
    if (problem) fail('reason', problem);
    return entry as unknown as CheckovSkip;
  });
}

function globMatches(glob: string, text: string): boolean {
  return new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(text);
}

export function skipMatches(skip: CheckovSkip, finding: CheckovFinding): boolean {
  return (
    skip.check === finding.checkId &&
    (skip.environments === undefined || skip.environments.includes(finding.environment)) &&
    (skip.resource === undefined || globMatches(skip.resource, finding.resource))
  );
}

export interface ReviewedScan {
  readonly environment: string;
  readonly passed: number;
  /** Findings no reviewed entry covers: each fails the test. */
  readonly failed: readonly CheckovFinding[];
  /** Findings covered by a reviewed entry. */
  readonly skipped: readonly { finding: CheckovFinding; skip: CheckovSkip }[];
}

/**
 * Applies the reviewed list. `stale` names every entry (per environment it names) that matched nothing: the list must
 * shrink when a module is fixed, or it would keep hiding the next finding of that check.
 */
export function reviewScans(scans: readonly CheckovScan[], skips: readonly CheckovSkip[]): { reviewed: ReviewedScan[]; stale: string[] } {
  const reviewed = scans.map((scan) => {
    const skipped: { finding: CheckovFinding; skip: CheckovSkip }[] = [];
    const failed: CheckovFinding[] = [];
    for (const finding of scan.failed) {
      const skip = skips.find((s) => skipMatches(s, finding));
      if (skip) skipped.push({ finding, skip });
      else failed.push(finding);
    }
    return { environment: scan.environment, passed: scan.passed, failed, skipped };
  });
  const stale: string[] = [];
  skips.forEach((skip, i) => {
    for (const scan of scans) {
      if (skip.environments && !skip.environments.includes(scan.environment)) continue;
      if (!scan.failed.some((f) => skipMatches(skip, f))) {
        stale.push(`${CHECKOV_SKIPS_FILE} entry ${i + 1} (${skip.check}${skip.resource ? ` ${skip.resource}` : ''}) matches no finding in ${scan.environment}`);
      }
    }
  });
  return { reviewed, stale };
}

export function formatFindingLine(f: CheckovFinding): string {
  return `${f.environment}: ${f.checkId} ${f.resource}: ${f.checkName}`;
}
