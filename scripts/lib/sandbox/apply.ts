import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentConfig } from '../../../environments/schema';
import { synthEnvironments } from '../synth';
import { leaseProvider } from '../provider-pool';
import { logTerraformCommand } from '../terraform-log';
import { terraformSetup } from '../terraform';

/**
 * Applying a stack into the emulator: one code path for the end-to-end tier (__tests__/helpers/emulator.ts) and
 * `npm run sandbox`. The moto gaps it works around are listed, with their reasons, in __tests__/e2e/moto-gaps.ts.
 */

/** Where Terraform keeps the state of an applied stack. */
export type EmulatorState =
  /** `terraform.tfstate` in the stack folder (the tests: copied, resynthesized and thrown away with the folder). */
  | { readonly kind: 'local' }
  /**
   * The environment's own S3 backend (bucket, key, region of its configuration), served by the emulator: what
   * `npx cdktf plan <env>` reads when AWS_ENDPOINT_URL points at the emulator. The bucket must exist.
   */
  | { readonly kind: 's3' };

/** Runs terraform without blocking the event loop (two stacks apply side by side, moto answers meanwhile). */
export function terraformAsync(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const setup = terraformSetup();
  const merged = { ...setup.env, ...env };
  const lease = leaseProvider(args, cwd, merged);
  // Never throws (a log must not fail a run, nor keep the leased server busy).
  const log = logTerraformCommand(args, cwd, lease?.env.TF_REATTACH_PROVIDERS);
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(log?.command ?? 'terraform', log?.args ?? [...args, '-no-color'], { cwd, env: { ...merged, ...lease?.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ code: -1, stdout, stderr: `${stderr}${e.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  }).then((r) => (log ? { ...r, code: log.finish(r.code) } : r)).finally(() => lease?.release());
}

/** Synthesizes `env` for the emulator target (local state, no Application Auto Scaling) into `outdir`. */
export function synthForEmulator(env: EnvironmentConfig, outdir: string, state: EmulatorState = { kind: 'local' }, options: { quiet?: boolean } = {}): string {
  const dir = options.quiet ? withoutStderr(() => synthEnvironments([env], outdir, 'emulator'))[env.name] : synthEnvironments([env], outdir, 'emulator')[env.name];
  if (state.kind === 's3') useS3Backend(dir, env);
  return dir;
}

/**
 * Runs `fn` with stdout and stderr held back: the policy report that synthesis prints (on stdout, so cdktf does not
 * show it as errors; also written to policy-report.json next to cdk.tf.json) is noise in the sandbox's output, whose
 * stdout is the environment to `eval`. What was held back goes to stderr when `fn` throws.
 */
function withoutStderr<T>(fn: () => T): T {
  const write = process.stderr.write.bind(process.stderr);
  const writeOut = process.stdout.write.bind(process.stdout);
  let held = '';
  const hold = ((chunk: string | Uint8Array) => {
    held += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  process.stderr.write = hold;
  process.stdout.write = hold;
  try {
    return fn();
  } catch (e) {
    write(held);
    throw e;
  } finally {
    process.stderr.write = write;
    process.stdout.write = writeOut;
  }
}

/**
 * Points a synthesized emulator stack at the environment's S3 state (the `aws` target's backend), so the state the
 * sandbox writes is the one `npx cdktf plan <env>` reads. Same bucket, key and region as stacks/environment-stack.ts.
 */
function useS3Backend(dir: string, env: EnvironmentConfig): void {
  const file = join(dir, 'cdk.tf.json');
  const tf = JSON.parse(readFileSync(file, 'utf8')) as { terraform: { backend?: Record<string, unknown> } };
  tf.terraform.backend = {
    s3: {
      bucket: env.state.bucket,
      key: env.state.key,
      region: env.state.region,
      encrypt: true,
      use_lockfile: true,
      ...(env.state.kmsKeyArn ? { kms_key_id: env.state.kmsKeyArn } : {}),
    },
  };
  writeFileSync(file, JSON.stringify(tf, null, 2));
}

/**
 * init, apply, then a second apply targeting only the resources of the create-service-fields gap (moto drops some
 * CreateService fields and rule descriptions; the second apply stores them through UpdateService /
 * ModifySecurityGroupRules, as AWS keeps them on create). Targeting refreshes only those resources, not the stack.
 * A CODE_DEPLOY service (blue/green) takes no such UpdateService: its plans tolerate those fields instead, so only its
 * security-group rules are re-applied.
 */
export async function applyIntoEmulator(dir: string, env: EnvironmentConfig, emulatorEnv: Record<string, string>): Promise<void> {
  // The emulator's environment reaches init too: an S3 backend is configured there.
  const init = await terraformAsync(['init', '-input=false'], dir, emulatorEnv);
  if (init.code !== 0) throw new Error(`terraform init of ${env.name} failed (exit ${init.code}): ${tail(init.stderr || init.stdout)}`);
  const blueGreen = Object.values(env.services).some((s) => s.kind === 'web' && s.deployment.strategy === 'blue-green');
  for (const targets of [[], gapTargets(dir, { services: !blueGreen })]) {
    const args = ['apply', '-auto-approve', '-input=false', ...targets.map((t) => `-target=${t}`)];
    // Gap `sdk-resend-after-answer` (__tests__/e2e/moto-gaps.ts) is handled by the emulator itself: no retry here.
    const r = await terraformAsync(args, dir, emulatorEnv);
    if (r.code !== 0) throw new Error(`terraform apply of ${env.name} into the emulator failed (exit ${r.code}): ${tail(r.stderr || r.stdout)}`);
  }
}

/** The resources of the create-service-fields gap in a synthesized stack: ECS services and rules between security groups. */
export function gapTargets(dir: string, options: { services: boolean } = { services: true }): string[] {
  const tf = JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')) as { resource?: Record<string, Record<string, Record<string, unknown>>> };
  const out: string[] = [];
  for (const [type, resources] of Object.entries(tf.resource ?? {})) {
    for (const [name, body] of Object.entries(resources)) {
      const sgRule = /^aws_vpc_security_group_(ingress|egress)_rule$/.test(type) && 'referenced_security_group_id' in body;
      if ((options.services && type === 'aws_ecs_service') || sgRule) out.push(`${type}.${name}`);
    }
  }
  if (options.services && !out.some((t) => t.startsWith('aws_ecs_service.'))) throw new Error(`${dir}: no aws_ecs_service to re-apply (create-service-fields gap)`);
  return out;
}

/** The last meaningful lines of Terraform's output, joined into one line. */
function tail(text: string): string {
  return text.trim().split('\n').map((l) => l.trim()).filter((l) => l && !/^[│╷╵]\s*$/.test(l)).slice(-6).join(' | ');
}
