/**
 * Writes `.github/workflows/deploy.yml` from the promotion chain: the environment list (main.ts) in its order, one job
 * per environment: `deploy` into the first, `promote --from <previous>` into each next one, and an approval job after
 * an environment whose blue/green deployment holds before its traffic shift. GitHub Actions cannot create jobs from
 * data at run time, so the file is generated and a test compares it with this output.
 *
 *   npm run workflows            # rewrites .github/workflows/deploy.yml
 *   node dist/scripts/deploy-workflow.js --check   # exit 1 when the file differs
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENVIRONMENTS, loadEnvironment, type EnvironmentConfig } from '../environments';
import { checkPromotionChain } from '../environments/schema/chain';
import { repoRoot } from './lib/paths';

/** What the workflow needs to know about one environment of the chain. */
export interface ChainStep {
  readonly name: string;
  /** Blue/green with an approval wait: the promotion ends holding (exit 5) and an approval job shifts traffic. */
  readonly holds: boolean;
  /** Blue/green: the promotion also waits for CodeDeploy's replacement tasks, so it gets the longer timeout. */
  readonly blueGreen: boolean;
  /** The blue/green web service (at most one per environment): the one `approve` lets shift traffic. */
  readonly blueGreenService?: string;
}

/**
 * The one digest a deploy, promote or status document reports: a group document lists its services, each with its
 * digest, and they must all be one (a group runs one image); otherwise empty, which the workflow refuses.
 */
const ONE_DIGEST = `node -p 'const d = require(process.argv[1]); const all = new Set([d.digest, ...(d.services || []).map((s) => s.digest)].filter(Boolean)); all.size === 1 ? [...all][0] : ""'`;

export const DEPLOY_WORKFLOW = join('.github', 'workflows', 'deploy.yml');
const TEMPLATES = join('scripts', 'templates', 'deploy-workflow');

/** The chain as the workflow sees it, from the configurations (checked as a chain first). */
export function chainSteps(envs: readonly EnvironmentConfig[]): ChainStep[] {
  checkPromotionChain(envs);
  return envs.map((env) => {
    // Releases go through every web service; a blue/green one (at most one per environment) sets the pace.
    const [blue] = Object.entries(env.services).flatMap(([name, s]) => (s.kind === 'web' && s.deployment.strategy === 'blue-green' ? [{ name, deployment: s.deployment }] : []));
    return { name: env.name, blueGreen: blue !== undefined, blueGreenService: blue?.name, holds: blue !== undefined && blue.deployment.approvalWaitMinutes > 0 };
  });
}

/**
 * The workflow text. Environment names reach YAML keys, expressions and shell lines: they are checked against the
 * configuration's name pattern here, the one place they are pasted, so nothing else needs escaping.
 */
export function renderDeployWorkflow(chain: readonly ChainStep[], root = repoRoot()): string {
  if (chain.length === 0) throw new Error('deploy workflow: chain: received []; allowed: at least one environment');
  for (const step of chain) {
    for (const [field, name] of [['environment', step.name], ['service', step.blueGreenService ?? 'none']]) {
      if (!/^[a-z][a-z0-9-]{1,31}$/.test(name)) throw new Error(`deploy workflow: ${field}: received ${JSON.stringify(name)}; allowed: lowercase letters, digits and hyphens`);
    }
  }
  chain.forEach((step, i) => {
    if (step.holds && i < chain.length - 1) {
      // The next promotion would have to wait for a person's traffic approval: not supported, say so.
      throw new Error(`deploy workflow: ${step.name}: received a blue/green hold (approvalWaitMinutes > 0) before ${chain[i + 1].name}; allowed: a hold in the last environment of the chain only (set approvalWaitMinutes: 0 in ${step.name})`);
    }
  });
  const template = (file: string) => readFileSync(join(root, TEMPLATES, file), 'utf8');
  const first = chain[0].name;
  const common = { FIRST: first, DIGEST_VAR: `${first.toUpperCase().replace(/-/g, '_')}_DIGEST`, ONE_DIGEST };
  const holding = chain.filter((s) => s.holds);

  const header = fill(template('header.yml').replace('#@HOLDS_TEXT@\n', holding.map((s) => fill(template('hold-note.txt'), { ENV: s.name })).join('')), {
      ...common,
      CHAIN: chain.map((s) => s.name).join(' -> '),
      ENVIRONMENTS: chain.map((s) => `\`${s.name}\``).join(', '),
      APPROVE_TEXT: holding.map((s) => `\n# In \`${s.name}-approve\` a variable APPROVE_ROLE_ARN (the stack's \`approve_role_arn\` output).`).join(''),
    });
  const parts: string[] = [];
  chain.forEach((step, i) => {
    const next = chain[i + 1]?.name;
    const flags = { next: next !== undefined, holds: step.holds };
    if (i === 0) {
      parts.push(fill(blocks(template('first.yml'), flags), { ...common, ENV: step.name, NEXT: next ?? '' }));
      return;
    }
    const prev = chain[i - 1].name;
    const timeout = step.blueGreen ? 45 : 30;
    parts.push(fill(blocks(template('promote.yml'), flags), {
      ...common,
      ENV: step.name,
      PREV: prev,
      NEXT: next ?? '',
      NEEDS: prev === first ? first : `[${first}, ${prev}]`,
      TIMEOUT: String(timeout),
    }));
    if (step.holds) parts.push(fill(template('traffic.yml'), { ...common, ENV: step.name, NEEDS: `[${first}, ${step.name}]`, BLUE_GREEN_SERVICE: step.blueGreenService! }));
  });
  // One blank line between jobs, none after `jobs:`.
  return header + parts.map((p) => p.replace(/\n+$/, '\n')).join('\n');
}

/** Keeps or drops the lines between `#<if flag>` / `#<if !flag>` and `#</if>` (whole lines, not nested). */
function blocks(text: string, flags: Record<string, boolean>): string {
  return text.replace(/^#<if (!?)(\w+)>\n([\s\S]*?)^#<\/if>\n/gm, (_, not: string, flag: string, body: string) => {
    if (!(flag in flags)) throw new Error(`deploy workflow template: unknown condition ${flag}`);
    return flags[flag] !== (not === '!') ? body : '';
  });
}

/** Replaces every `@NAME@`; a placeholder without a value is an error, not an empty string in the workflow. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    if (!(key in values)) throw new Error(`deploy workflow template: no value for ${whole}`);
    return values[key];
  });
}

if (require.main === module) {
  try {
    const text = renderDeployWorkflow(chainSteps(ENVIRONMENTS.map((name) => loadEnvironment(name))));
    const path = join(repoRoot(), DEPLOY_WORKFLOW);
    if (process.argv.includes('--check')) {
      if (readFileSync(path, 'utf8') !== text) throw new Error(`${DEPLOY_WORKFLOW}: received a file that differs from the environment list; allowed: the output of \`npm run workflows\``);
    } else {
      writeFileSync(path, text);
      process.stdout.write(`${DEPLOY_WORKFLOW}: ${ENVIRONMENTS.join(' -> ')}\n`);
    }
  } catch (e) {
    process.stderr.write(`deploy-workflow: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
