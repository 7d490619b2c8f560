/**
 * How `plan-comment` scales with the size of the plan: generates realistic plans (`terraform show -json` shape:
 * resource_changes of every kind, JSON-encoded container definitions and policies, drift, planned_values and
 * prior_state copies of the values) of the requested sizes and renders each with the compiled CLI in a child process,
 * measuring wall time and peak RSS. Figures, never assertions: `npm run bench` reports them.
 *
 * Deliberately independent of __tests__ (the bench runs from dist/ without the test helpers).
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths';

export interface PlanCommentScaleRow {
  readonly sizeMB: number;
  readonly bytes: number;
  readonly resources: number;
  readonly ms: number;
  readonly peakRssMiB: number;
  /** User + system CPU of the child: on a busy machine the steadier figure of the two. */
  readonly cpuMs: number;
}

const MB = 1024 * 1024;
const TYPES = ['aws_ecs_task_definition', 'aws_iam_role_policy', 'aws_ssm_parameter', 'aws_security_group', 'terraform_data'] as const;

/** One resource change and its planned/prior values; `i` picks the kind so every size has the same mix. */
function resource(i: number): { change: object; planned: object; prior: object | undefined; drift: object | undefined } {
  // Every type gets every kind of change (the kind cycles over runs of one type each).
  const kind = ['create', 'update', 'replace', 'delete', 'no-op', 'no-op', 'create', 'update'][Math.floor(i / TYPES.length) % 8];
  const family = `svc-${i}`;
  const containers = (image: string, cpu: number) => JSON.stringify([{
    name: 'app',
    image,
    cpu,
    memory: 512,
    essential: true,
    portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    environment: [{ name: 'LOG_LEVEL', value: 'info' }, { name: 'REGION', value: 'eu-west-1' }, { name: 'SERVICE', value: family }],
    logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': `/ecs/${family}`, 'awslogs-region': 'eu-west-1', 'awslogs-stream-prefix': 'app' } },
  }]);
  const policy = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [action, 'logs:PutLogEvents'], Resource: `arn:aws:logs:eu-west-1:111111111111:log-group:/ecs/${family}:*` }] });
  const tags = { Project: 'webapp', Environment: 'dev', Service: family, Owner: 'platform-team', CostCenter: `cc-${i % 97}` };
  const type = TYPES[i % TYPES.length];
  const value = (v: number): Record<string, unknown> => {
    switch (type) {
      case 'aws_ecs_task_definition':
        return { family, cpu: String(256 * v), memory: '512', network_mode: 'awsvpc', requires_compatibilities: ['FARGATE'], skip_destroy: true, container_definitions: containers(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/${family}@sha256:${String(v).repeat(64).slice(0, 64)}`, 256 * v), tags, tags_all: tags };
      case 'aws_iam_role_policy':
        return { name: `${family}-logs`, role: `${family}-task`, policy: policy(v === 1 ? 'logs:CreateLogStream' : 'logs:DescribeLogStreams') };
      case 'aws_ssm_parameter':
        return { name: `/webapp/dev/${family}/setting`, type: 'SecureString', value: `secret-${i}-${v}-${'x'.repeat(12)}`, description: `setting ${i}`, tags, tags_all: tags };
      case 'terraform_data':
        // The container settings a task definition's replace_triggered_by watches, as the project keeps them.
        return { input: { cpu: 256 * v, environment: [{ name: 'LOG_LEVEL', value: v === 1 ? 'info' : 'debug' }] }, output: { cpu: 256 * v } };
      default:
        return { name: family, description: `security group ${i}`, ingress: [{ from_port: 8080, to_port: 8080, protocol: 'tcp', cidr_blocks: [`10.${v}.0.0/16`], description: 'alb' }], egress: [{ from_port: 0, to_port: 0, protocol: '-1', cidr_blocks: ['0.0.0.0/0'] }], tags, tags_all: tags };
    }
  };
  const name = `r${i}`;
  // Terraform marks the parameter's value sensitive: every such value is a secret literal the renderer hunts down.
  const sens = type === 'aws_ssm_parameter' ? { value: true } : {};
  const address = `module.svc_${i % 50}.${type}.${name}`;
  const before = kind === 'create' ? null : value(1);
  const after = kind === 'delete' ? null : kind === 'no-op' ? value(1) : value(2);
  const actions = kind === 'replace' ? ['delete', 'create'] : [kind];
  const change = {
    address, module_address: `module.svc_${i % 50}`, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws',
    change: { actions, before, after, after_unknown: kind === 'create' ? { arn: true, id: true, tags_all: {} } : {}, before_sensitive: before ? sens : false, after_sensitive: after ? sens : false, ...(kind === 'replace' ? { replace_paths: [['cpu']] } : {}) },
    ...(kind === 'replace' ? { action_reason: type === 'aws_ecs_task_definition' ? 'replace_by_triggers' : 'replace_because_cannot_update' } : kind === 'delete' ? { action_reason: 'delete_because_no_resource_config' } : {}),
  };
  const planned = { address, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws', schema_version: 0, values: after ?? {}, sensitive_values: sens };
  const prior = before ? { address, mode: 'managed', type, name, provider_name: 'registry.terraform.io/hashicorp/aws', schema_version: 0, values: before, sensitive_values: sens } : undefined;
  // Drift on every third existing object (tags edited by hand, the release CLI moving images): large plans of real
  // accounts carry a lot of it.
  const drift = i % 3 === 1 && before ? { ...change, change: { ...change.change, actions: ['update'], before: value(3), after: before } } : undefined;
  return { change, planned, prior, drift };
}

/** Writes a plan of about `bytes` to `file`, in chunks (a 55 MB string built in one go would be measured too). */
export function writeSyntheticPlan(file: string, bytes: number): { bytes: number; resources: number } {
  const fd = openSync(file, 'w');
  // Sections are written one after the other, so each pass stops at the same resource count.
  // Bytes per resource over a whole cycle of the mix (kinds, drift every third), so the file comes out near `bytes`.
  const cycle = Array.from({ length: 24 }, (_, i) => resource(i)).reduce((n, r) => n + [r.change, r.planned, r.prior, r.drift].reduce((m, v) => m + (v ? JSON.stringify(v).length + 1 : 0), 0), 0);
  const resources = Math.max(1, Math.round(bytes / (cycle / 24)));
  const section = (name: string, pick: (r: ReturnType<typeof resource>) => object | undefined, first: boolean) => {
    writeSync(fd, `${first ? '' : ','}"${name}":[`);
    let n = 0;
    for (let i = 0; i < resources; i++) {
      const v = pick(resource(i));
      if (v === undefined) continue;
      writeSync(fd, `${n++ === 0 ? '' : ','}${JSON.stringify(v)}`);
    }
    writeSync(fd, ']');
  };
  writeSync(fd, '{"format_version":"1.2","terraform_version":"1.11.4",');
  section('resource_changes', (r) => r.change, true);
  section('resource_drift', (r) => r.drift, false);
  writeSync(fd, ',"planned_values":{"root_module":{');
  section('resources', (r) => r.planned, true);
  writeSync(fd, '}},"prior_state":{"format_version":"1.0","values":{"root_module":{');
  section('resources', (r) => r.prior, true);
  writeSync(fd, '}}},"output_changes":{"url":{"actions":["update"],"before":"https://a.example.com","after":"https://b.example.com","after_unknown":false,"before_sensitive":false,"after_sensitive":false}},"errored":false}');
  closeSync(fd);
  return { bytes: statSync(file).size, resources };
}

/** Renders `plan` with the compiled CLI under the bench probe; wall time and the child's own peak RSS. */
function measureRender(plan: string, outDir: string): { ms: number; peakRssMiB: number; cpuMs: number } {
  const root = repoRoot();
  const cli = join(root, 'dist', 'src', 'plan-comment', 'cli.js');
  const probe = join(root, 'dist', 'scripts', 'lib', 'bench', 'probe.js');
  if (!existsSync(cli) || !existsSync(probe)) throw new Error(`plan-comment scale: received no ${existsSync(cli) ? probe : cli}; allowed: a build (npm run build) first`);
  const probeOut = join(outDir, `probe-${process.pid}.json`);
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', probe, cli, '--env', 'dev', '--plan-json', plan, '--output', join(outDir, 'comment.md')], {
    cwd: root,
    env: { ...process.env, BENCH_PROBE_OUT: probeOut, GITHUB_RUN_ID: '', GITHUB_EVENT_PATH: '' },
    encoding: 'utf8',
    maxBuffer: 64 * MB,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`plan-comment scale: the CLI exited ${r.status} on ${plan}: ${(r.stderr ?? '').split('\n')[0]}`);
  const usage = JSON.parse(readFileSync(probeOut, 'utf8')) as { maxRssKiB: number; userCpuMs: number; systemCpuMs: number };
  rmSync(probeOut, { force: true });
  return { ms, peakRssMiB: usage.maxRssKiB / 1024, cpuMs: usage.userCpuMs + usage.systemCpuMs };
}

/** Renders generated plans of `sizesMB` (each written to `outDir`, removed after) and returns a row per size. */
export async function measurePlanCommentScale(opts: { sizesMB: number[]; outDir: string }): Promise<PlanCommentScaleRow[]> {
  mkdirSync(opts.outDir, { recursive: true });
  const rows: PlanCommentScaleRow[] = [];
  for (const sizeMB of opts.sizesMB) {
    const file = join(opts.outDir, `plan-${sizeMB}mb.json`);
    const { bytes, resources } = writeSyntheticPlan(file, sizeMB * MB);
    const { ms, peakRssMiB, cpuMs } = measureRender(file, opts.outDir);
    rows.push({ sizeMB, bytes, resources, ms: Math.round(ms), peakRssMiB: Math.round(peakRssMiB * 10) / 10, cpuMs: Math.round(cpuMs) });
    rmSync(file, { force: true });
  }
  return rows;
}
