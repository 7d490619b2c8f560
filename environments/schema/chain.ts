import type { EnvironmentConfig } from '../schema';
import { ConfigError } from './errors';

/**
 * The promotion chain: the environments in the order an image travels (dev -> staging -> prod), read from the one
 * list of environments. The first environment receives `ecs-release deploy`; every other one is promoted from the
 * environment before it (deploy.yml, `ecs-release promote`).
 *
 * A new environment is usually written by copying another one, so every value that names an environment, an account
 * or a state object is checked here against the others instead of being trusted: a copied value fails with one line
 * naming the field, not at the first apply in the wrong account.
 */

/** The environment before `name` in the chain (where its image is promoted from), or undefined for the first. */
export function previousEnvironment(chain: readonly string[], name: string): string | undefined {
  const at = chain.indexOf(name);
  if (at < 0) throw new ConfigError(name, 'environment', name, `one of ${chain.join(', ')} (the promotion chain)`);
  return at === 0 ? undefined : chain[at - 1];
}

/** The fields of a configuration these checks read (the rest of the configuration does not matter here). */
type ChainView = Pick<EnvironmentConfig, 'name' | 'project' | 'production' | 'accountId' | 'region' | 'state' | 'registry' | 'ci' | 'tags' | 'services'>;

/** `[field path, ARN]` of every secret the environment's services reference. */
function secretArns(env: ChainView): [string, string][] {
  return Object.entries(env.services).flatMap(([name, s]) => Object.entries(s.secrets).map(([variable, arn]): [string, string] => [`services.${name}.secrets.${variable}`, arn]));
}

/**
 * Checks of one environment on its own and against the environments before it (in the chain, or built before it in
 * one app): what a copied file would get wrong. Used by the stack for its siblings, and by checkPromotionChain.
 */
export function checkAgainstEarlier(env: ChainView, earlier: readonly ChainView[]): void {
  const fail = (field: string, received: unknown, allowed: string): never => {
    throw new ConfigError(env.name, field, received, allowed);
  };
  const tagged = env.tags.Environment;
  if (tagged !== undefined && tagged !== env.name) fail('tags.Environment', tagged, `"${env.name}" (the environment's name)`);
  if (env.ci.githubEnvironment !== env.name) {
    fail('ci.githubEnvironment', env.ci.githubEnvironment, `"${env.name}" (the GitHub Environment the workflows apply and deploy ${env.name} in)`);
  }
  // A state bucket named after another account (the usual `<project>-terraform-state-<account>`), copied from the
  // file of an environment in that account. (Secrets of another account are refused by the schema.)
  const bucketAccount = /(?<!\d)\d{12}(?!\d)/.exec(env.state.bucket)?.[0];
  if (bucketAccount !== undefined && bucketAccount !== env.accountId) {
    fail('state.bucket', env.state.bucket, `a bucket of this environment's account ${env.accountId}, not of account ${bucketAccount}`);
  }

  for (const other of earlier) {
    if (other.name === env.name) fail('name', env.name, `a name not already used in the chain (${earlier.map((e) => e.name).join(', ')})`);
    const notOthers = `a value not used by environment "${other.name}"`;
    if (other.state.key === env.state.key) fail('state.key', env.state.key, notOthers);
    for (const [field, arn] of secretArns(env)) {
      const path = arn.split(':').slice(5).join(':');
      const theirs = `${other.project}/${other.name}/`;
      if (path.includes(`/${theirs}`) || path.includes(`secret:${theirs}`)) {
        fail(field, arn, `a secret under this environment's path (${env.project}/${env.name}/), not under "${other.name}"'s (${theirs})`);
      }
    }
    if (other.accountId !== env.accountId) continue;
    // Sharing an account: IAM allows one GitHub OIDC provider per URL, and a registry is one per account and region.
    if (env.ci.createOidcProvider) {
      fail('ci.createOidcProvider', true, `false: environment "${other.name}" creates the GitHub OIDC provider of account ${env.accountId} (one per account)`);
    }
    const gitlab = env.ci.gitlab;
    if (gitlab?.createOidcProvider && other.ci.gitlab?.createOidcProvider && other.ci.gitlab.issuerUrl === gitlab.issuerUrl) {
      fail('ci.gitlab.createOidcProvider', true, `false: environment "${other.name}" creates the OIDC provider for ${gitlab.issuerUrl} in account ${env.accountId} (one per URL)`);
    }
    if (other.region === env.region && other.registry.repositoryName === env.registry.repositoryName) {
      fail('region', env.region, `a region other than ${other.region}: environment "${other.name}" owns ECR repository "${env.registry.repositoryName}" in account ${env.accountId} there (promotion needs the image replicated into this environment's own registry)`);
    }
  }
}

/**
 * The whole chain, in order: every environment checked against the ones before it, production environments last, and
 * images able to travel along it: every environment after the first receives the first environment's pushes by ECR
 * replication (digest unchanged), and nothing replicates backwards or outside the chain.
 */
export function checkPromotionChain(envs: readonly ChainView[]): void {
  if (envs.length === 0) throw new ConfigError('(chain)', 'environments', [], 'at least one environment');
  envs.forEach((env, i) => checkAgainstEarlier(env, envs.slice(0, i)));
  const registry = (e: ChainView) => `${e.accountId}/${e.region}`;
  envs.forEach((env, i) => {
    const fail = (field: string, received: unknown, allowed: string): never => {
      throw new ConfigError(env.name, field, received, allowed);
    };
    const production = envs.slice(0, i).find((e) => e.production);
    if (production && !env.production) fail('production', false, `true: a non-production environment cannot follow "${production.name}" in the promotion chain`);
    const later = envs.slice(i + 1);
    env.registry.replicateTo.forEach((t, j) => {
      if (!later.some((l) => l.accountId === t.accountId && l.region === t.region)) {
        const names = later.map((l) => `${l.name} ${registry(l)}`).join(', ') || 'none';
        fail(`registry.replicateTo.${j}`, t, `the registry of a later environment of the chain (${names})`);
      }
    });
    if (i === 0) return;
    const first = envs[0];
    const sources = envs.slice(0, i).filter((e) => e.registry.replicateTo.some((t) => t.accountId === env.accountId && t.region === env.region));
    if (sources.length === 0) {
      fail('registry', `no replication into ${registry(env)}`, `a registry an earlier environment replicates to: add { accountId: '${env.accountId}', region: '${env.region}' } to ${first.name}'s registry.replicateTo`);
    }
    const crossAccount = sources.find((s) => s.accountId !== env.accountId);
    if (crossAccount && env.registry.acceptReplicationFrom !== crossAccount.accountId) {
      fail('registry.acceptReplicationFrom', env.registry.acceptReplicationFrom, `"${crossAccount.accountId}" (environment "${crossAccount.name}" replicates into this account)`);
    }
  });
}
