import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROVIDER_POOL_ENV } from '../../scripts/lib/provider-pool';
import { scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { terraform } from '../../scripts/lib/terraform';
import { TERRAFORM_LOG_ENV, type TerraformLogLine } from '../../scripts/lib/terraform-log';
import { terraformAsync } from '../../scripts/lib/sandbox/apply';
import { dev } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/**
 * ECS_COEXIST_TF_LOG (scripts/lib/terraform-log.ts): one line per Terraform command with the CPU it cost, the pooled
 * provider server's included, attributed to the test file; and nothing changes for a command when it is off.
 */
const scratch = scratchDir('tf-log');
const logFile = join(scratch.dir, 'tf.jsonl');
const before = process.env[TERRAFORM_LOG_ENV];
const gnuTime = existsSync('/usr/bin/time');
const lines = (): TerraformLogLine[] => (existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TerraformLogLine) : []);

let stack: string;
let broken: string;
beforeAll(() => {
  requireTerraform();
  const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    stack = synthEnvironments([dev], join(scratch.dir, 'out'), 'offline').dev;
  } finally {
    quiet.mockRestore();
  }
  terraform(['init', '-input=false'], stack);
  broken = join(scratch.dir, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, 'main.tf'), 'output "x" { value = undefined_thing }\n');
});
afterEach(() => {
  if (before === undefined) delete process.env[TERRAFORM_LOG_ENV];
  else process.env[TERRAFORM_LOG_ENV] = before;
});
afterAll(() => scratch.remove());

test('a pooled validate is logged with its command, test file, exit code and both CPU figures', () => {
  // GIVEN the log switched on, and the provider pool on (as in every Jest run)
  expect(process.env[PROVIDER_POOL_ENV]).toBe('1');
  process.env[TERRAFORM_LOG_ENV] = logFile;
  // WHEN the suite's terraform() validates a synthesized stack
  const r = terraform(['validate', '-json'], stack);
  // THEN the command's own output is Terraform's, and one line says what it cost
  expect(JSON.parse(r.stdout)).toMatchObject({ valid: true });
  const [line] = lines();
  expect(line).toMatchObject({ file: 'terraform/terraform-log.test.ts', command: 'validate -json', targets: 0, cwd: stack, exitCode: 0 });
  expect(line.test).toMatch(/pooled validate is logged/);
  // the pooled server built the AWS schema for this command: its CPU is counted, not only Terraform's
  expect(line.providerCpuSeconds).toBeGreaterThan(0);
  if (gnuTime) expect(line.terraformCpuSeconds).toBeGreaterThan(0);
  else expect(line.terraformCpuSeconds).toBeNull();
});

test('a failing command keeps its exit code and its error, and the line records the failure', async () => {
  // GIVEN the log on
  process.env[TERRAFORM_LOG_ENV] = logFile;
  const already = lines().length;
  // WHEN a configuration that does not validate runs through both runners, the async one with a -target
  const sync = terraform(['validate', '-no-color'], broken, { okCodes: [1] });
  const init = await terraformAsync(['init', '-input=false'], broken, {});
  const async = await terraformAsync(['plan', '-input=false', '-target=terraform_data.x'], broken, {});
  // THEN Terraform's answers reach the caller unchanged
  expect(sync.code).toBe(1);
  expect(sync.stderr).toMatch(/undefined_thing/);
  expect(async.code).toBe(1);
  expect(async.stderr).toMatch(/undefined_thing/);
  // AND each command has its line, -target counted, not listed
  expect(lines().slice(already).map((l) => [l.command, l.targets, l.exitCode])).toEqual([
    ['validate -no-color', 0, 1],
    ['init -input=false', 0, init.code],
    ['plan -input=false', 1, 1],
  ]);
});

test('switched off, a command runs exactly as with it on, and nothing is written', () => {
  // GIVEN a log of its own
  const own = join(scratch.dir, 'own.jsonl');
  // WHEN the same command runs with the log on, then off
  process.env[TERRAFORM_LOG_ENV] = own;
  const on = terraform(['validate', '-json'], broken, { okCodes: [1] });
  const written = readFileSync(own, 'utf8');
  delete process.env[TERRAFORM_LOG_ENV];
  const off = terraform(['validate', '-json'], broken, { okCodes: [1] });
  // THEN the caller gets the same answer both times, and only the run with the log on wrote a line
  expect(off).toEqual(on);
  expect(written.trim().split('\n')).toHaveLength(1);
  expect(readFileSync(own, 'utf8')).toBe(written);
});
