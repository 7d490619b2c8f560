import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { cdktfBin } from '../../scripts/lib/bench/user-commands';
import { startMoto, type Moto } from '../../scripts/lib/moto';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { findProviderMirror, mirrorProviders, terraformInit, terraformSetup } from '../../scripts/lib/terraform';
import { dev } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/**
 * The cdktf CLI path, as the cdktf documentation has users run it: `npx cdktf synth`, `list`, `diff <env>` from a plain
 * shell, with no TF_CLI_CONFIG_FILE and no wrapper of ours around Terraform. The registry is made unreachable (every
 * HTTPS request goes to a dead proxy), so a provider that does not come from the mirror fails the test. The default
 * `aws` target is used as is: S3 backend and assume-role, both served by moto.
 */
const DEAD_PROXY = 'http://127.0.0.1:9';
const AWS_PROVIDER = 'registry.terraform.io/hashicorp/aws';

describe('npx cdktf synth / list / diff, offline with the provider mirror', () => {
  const scratch = scratchDir('cdktf-cli');
  const out = join(scratch.dir, 'cdktf.out');
  let moto: Moto;
  let mirror: string;
  let env: NodeJS.ProcessEnv;

  /** The cdktf CLI in a child process (async: moto answers from this process's children, never blocked). */
  function cdktf(args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [cdktfBin(repoRoot()), ...args], { cwd: repoRoot(), env });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('close', (code) => resolve({ code: code ?? -1, output }));
    });
  }

  beforeAll(async () => {
    requireTerraform();
    mirror = findProviderMirror() ?? seededCacheAsMirror(scratch.dir);
    moto = await startMoto();
    // The dev stack's state bucket, in the account the ambient (moto) credentials belong to.
    const bucket = dev.state.bucket;
    const created = await fetch(`${moto.endpoint}/${bucket}`, {
      method: 'PUT',
      body: `<CreateBucketConfiguration><LocationConstraint>${dev.state.region}</LocationConstraint></CreateBucketConfiguration>`,
    });
    expect(created.status).toBe(200);
    env = {
      PATH: process.env.PATH,
      HOME: scratch.dir,
      ...moto.env,
      TF_PROVIDER_MIRROR: mirror,
      HTTPS_PROXY: DEAD_PROXY,
      HTTP_PROXY: DEAD_PROXY,
      NO_PROXY: '127.0.0.1,localhost',
      CHECKPOINT_DISABLE: '1',
      CI: '1',
      FORCE_COLOR: '0',
    };
  }, 300_000);

  afterAll(async () => {
    await moto?.stop();
    scratch.remove();
  });

  test('npx cdktf synth writes both stacks, each with the mirror as Terraform’s implied plugin folder and a lock file of its versions', async () => {
    // WHEN synthesizing as the cdktf docs say
    const r = await cdktf(['synth', '--output', out]);
    // THEN both stacks exist
    expect({ code: r.code, tail: r.output.slice(-600) }).toEqual({ code: 0, tail: expect.stringContaining('dev, prod') });
    for (const name of ['dev', 'prod']) {
      const dir = join(out, 'stacks', name);
      expect(existsSync(join(dir, 'cdk.tf.json'))).toBe(true);
      // AND Terraform, started in that folder by anyone, finds the mirror there
      const plugins = join(dir, 'terraform.d', 'plugins');
      expect(lstatSync(plugins).isSymbolicLink()).toBe(true);
      expect(readlinkSync(plugins)).toBe(mirror);
      // AND cdktf finds a lock file, so it never runs `terraform providers lock` (which ignores mirrors)
      expect(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8')).toMatch(new RegExp(`provider "${AWS_PROVIDER}" \\{\\n  version     = "\\d+\\.\\d+\\.\\d+"`));
    }
  }, 300_000);

  test('terraform init, as cdktf runs it in cdktf.out/stacks/dev (S3 backend, no CLI configuration), installs the provider from the mirror', () => {
    // GIVEN the synthesized dev stack / WHEN terraform init runs there with the plain environment
    const dir = join(out, 'stacks', 'dev');
    const r = spawnSync('terraform', ['init', '-input=false', '-no-color'], { cwd: dir, env, encoding: 'utf8' });
    // THEN it succeeds without the registry, and the provider is the mirror's
    expect({ code: r.status, output: r.status === 0 ? '' : `${r.stdout}\n${r.stderr}` }).toEqual({ code: 0, output: '' });
    expect(r.stdout).toContain('Successfully configured the backend "s3"');
    const version = /version\s+=\s+"([\d.]+)"/.exec(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8'))![1];
    const installed = join(dir, '.terraform', 'providers', AWS_PROVIDER, version, 'linux_amd64');
    expect(realpathSync(installed)).toBe(realpathSync(join(mirror, AWS_PROVIDER, version, 'linux_amd64')));
    // AND Terraform recorded the mirror's checksum in the lock file
    expect(readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8')).toMatch(/hashes = \[\n\s+"h1:/);
  }, 300_000);

  test('npx cdktf list names the stacks', async () => {
    const r = await cdktf(['list', '--output', join(scratch.dir, 'list.out')]);
    expect(r.code).toBe(0);
    expect(r.output).toMatch(/^dev\b/m);
    expect(r.output).toMatch(/^prod\b/m);
  }, 300_000);

  test('npx cdktf diff dev reaches a full plan: providers from the mirror, state in S3, the Terraform role assumed', async () => {
    // GIVEN a fresh output folder (cdktf initializes it itself) / WHEN diffing as a user would
    const r = await cdktf(['diff', 'dev', '--output', join(scratch.dir, 'diff.out')]);
    // THEN the plan of an empty account: every resource to add
    expect({ code: r.code, tail: r.code === 0 ? '' : r.output.slice(-2000) }).toEqual({ code: 0, tail: '' });
    expect(r.output).toMatch(/Plan: \d+ to add, 0 to change, 0 to destroy/);
    expect(r.output).not.toMatch(/registry\.terraform\.io: failed|Could not retrieve providers/);
  }, 300_000);
});

/** On a machine without a mirror: the plugin cache that the terraform tiers fill, used as a filesystem mirror. */
function seededCacheAsMirror(dir: string): string {
  const stack = synthEnvironments([dev], join(dir, 'seed'), 'offline').dev;
  terraformInit(stack, { backend: false });
  const cache = terraformSetup().env.TF_PLUGIN_CACHE_DIR!;
  if (!mirrorProviders(cache).includes(AWS_PROVIDER)) throw new Error(`no provider mirror found and ${cache} holds no ${AWS_PROVIDER}`);
  return cache;
}
