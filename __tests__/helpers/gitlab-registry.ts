import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../environments/schema';
import { repoRoot } from '../../scripts/lib/paths';
import { installCli } from './pipeline';
import { prod } from './stacks';

/**
 * What the GitLab template needs around it to push to a real registry in shell mode: an application repository that
 * includes it, the release CLI with the applied dev configuration, and a `docker` stand-in whose push is a real one.
 */

/** An application repository including the template (shell executor: no Docker-in-Docker service), on main with an origin. */
export function gitlabAppRepository(dir: string): string {
  mkdirSync(join(dir, 'ci'), { recursive: true });
  copyFileSync(join(repoRoot(), 'ci', 'gitlab', 'ecs-release.gitlab-ci.yml'), join(dir, 'ci', 'ecs-release.gitlab-ci.yml'));
  writeFileSync(join(dir, '.gitlab-ci.yml'), 'include:\n  - local: ci/ecs-release.gitlab-ci.yml\necs-release:build:\n  services: []\n');
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', 'https://gitlab.example.com/acme/webapp.git');
  git('add', '-A');
  git('commit', '-q', '-m', 'app');
  return git('rev-parse', 'HEAD');
}

/**
 * The built CLI as a pipeline installs it, with `devEnv` as its compiled dev configuration (a child process cannot be
 * handed a configuration object; the registry's port and the secret's ARN exist only at run time). Returns cli.js.
 */
export function installCliWithDev(dir: string, devEnv: EnvironmentConfig): string {
  mkdirSync(dir, { recursive: true });
  const cli = installCli(dir, prod);
  writeFileSync(join(dir, 'dist', 'environments', 'dev.js'), `"use strict";\nexports.default = ${JSON.stringify(devEnv)};\n`);
  return cli;
}

/**
 * A `docker` stand-in (no daemon here) that pushes for real: `login` keeps the credentials it is given per registry
 * host, `build` is recorded, `push <host>/<repo>:<tag>` copies the OCI layout `layout` there with skopeo using the
 * credentials of that host's login (no login, no push), and `inspect` reports `<ref>@<digest skopeo wrote>` as Docker's
 * RepoDigests does. Every call is appended to `calls`; any other call fails the job.
 */
export function registryDockerShim(bin: string, calls: string, layout: string): { digestFile: (ref: string) => string } {
  const logins = join(bin, 'logins');
  const pushed = join(bin, 'pushed');
  mkdirSync(logins, { recursive: true });
  mkdirSync(pushed, { recursive: true });
  const q = JSON.stringify;
  writeFileSync(
    join(bin, 'docker'),
    [
      '#!/bin/sh',
      'set -eu',
      `echo "docker $*" >> ${q(calls)}`,
      `key() { printf '%s' "$1" | od -An -tx1 | tr -d ' \\n'; }`,
      'case "$1" in',
      // docker login --username <user> --password-stdin <host>
      `  login) [ "$2 $4" = "--username --password-stdin" ] || { echo "docker shim: unexpected login: $*" >&2; exit 1; }; printf '%s:%s' "$3" "$(cat)" > ${q(logins)}/"$(key "$5")"; echo "Login Succeeded" ;;`,
      '  build) exit 0 ;;',
      '  push)',
      `    creds=${q(logins)}/"$(key "\${2%%/*}")"`,
      '    [ -f "$creds" ] || { echo "docker shim: push $2: not logged in to ${2%%/*}" >&2; exit 1; }',
      `    skopeo --insecure-policy copy --quiet --dest-tls-verify=false --dest-creds "$(cat "$creds")" --digestfile ${q(pushed)}/"$(key "$2")" oci:${q(layout)} "docker://$2" ;;`,
      `  inspect) printf '%s@%s\\n' "\${4%:*}" "$(cat ${q(pushed)}/"$(key "$4")")" ;;`,
      '  *) echo "docker shim: unexpected call: $*" >&2; exit 1 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'docker'), 0o755);
  return { digestFile: (ref) => join(pushed, Buffer.from(ref).toString('hex')) };
}

/** A GitLab-shaped id_token: moto's AssumeRoleWithWebIdentity reads neither its signature nor its claims (gap sts-web-identity-unverified). */
export function gitlabIdToken(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'test' })}.${b64({ iss: 'https://gitlab.example.com', aud: 'sts.amazonaws.com', iat: now, nbf: now, exp: now + 300, ...claims })}.${randomBytes(64).toString('base64url')}`;
}
