import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../environments/schema';
import { repoRoot } from '../../scripts/lib/paths';
import { planStack, scratchDir, synthEnvironments } from '../../scripts/lib/synth';
import { dev, variant, web } from '../helpers/stacks';
import { requireTerraform } from '../helpers/terraform';

/**
 * Configuration strings stay literal all the way to a real `terraform plan`, and a refused configuration is one line
 * on every entry point a person uses (`npm run synth`, `npx cdktf synth`, `npm run preview`), each run as the child
 * process a person starts.
 */

/** Tag values at the edges of AWS's tag alphabet. */
const TAG_VALUES = ['a + b = c', 'user@example.com', 'path/to:thing', 'ünïcødé', '-_.'];

/** Accepted strings full of template look-alikes: each must reach the plan byte for byte. */
const NEAR_MISSES = ['$ {upper(x)}', '$upper(x)', '{upper(x)}', '$$', '%%', '% {if true}', '100%', 'a$', '$}', '#{x}', '{{x}}', "it's", 'ünïcødé ✓'];

describe('configuration strings in a real terraform plan (offline)', () => {
  const scratch = scratchDir('config-literal');
  afterAll(() => scratch.remove());

  test('tag and environment-variable values with template look-alikes are planned exactly as written', () => {
    requireTerraform();
    // GIVEN dev with every near-miss as a tag value and as a container environment variable
    // (tags keep AWS's tag alphabet, which has no template characters; the look-alikes go into the environment)
    const tags = Object.fromEntries(TAG_VALUES.map((v, i) => [`Literal${i}`, v]));
    const environment = Object.fromEntries(NEAR_MISSES.map((v, i) => [`LITERAL_${i}`, v]));
    const env = variant(dev, { tags: { ...dev.tags, ...tags }, services: { web: { environment: { ...web(dev).environment, ...environment } } } });
    // WHEN it is synthesized for the offline target and planned by Terraform
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let dirs: Record<string, string>;
    try {
      dirs = synthEnvironments([env], scratch.dir, 'offline');
    } finally {
      quiet.mockRestore();
    }
    const { plan } = planStack(dirs.dev);
    // THEN the cluster's tags_all and the task definition's environment hold the strings unchanged
    const after = (type: string, service = '') => plan.resource_changes!.find((c) => c.type === type && c.address.includes(service))!.change.after as Record<string, unknown>;
    const tagsAll = after('aws_ecs_cluster').tags_all as Record<string, string>;
    for (const [k, v] of Object.entries(tags)) expect(tagsAll[k]).toBe(v);
    const containers = JSON.parse(after('aws_ecs_task_definition', 'services_web_').container_definitions as string) as { environment: { name: string; value: string }[] }[];
    const planned = Object.fromEntries(containers[0].environment.map((e) => [e.name, e.value]));
    for (const [k, v] of Object.entries(environment)) expect(planned[k]).toBe(v);
  });

  test('an environment variable that would close its HCL string inside jsonencode is refused', () => {
    // GIVEN a value that ends the string cdktf writes into the container definitions and adds an expression
    const hostile = '", "x" = upper("a"), "y" = "';
    // WHEN it is an environment variable / THEN defineEnvironment refuses it in one line naming the field
    expect(() => variant(dev, { services: { web: { environment: { ...web(dev).environment, GREETING: hostile } } } })).toThrow(
      /^invalid environment "dev": services\.web\.environment\.GREETING: received .*; allowed: text without double quotes, backslashes or control characters/,
    );
  });

  test('the issue\'s tag value is refused before synthesis, naming the field', () => {
    // GIVEN the value from issue 13 that Terraform planned as "X-<host name>"
    const hostile = '${upper("x")}-${length(file("/etc/hostname"))}';
    // WHEN it is a tag value / THEN defineEnvironment refuses it in one line
    expect(() => variant(dev, { tags: { ...dev.tags, Evil: hostile } })).toThrow(ConfigError);
    expect(() => variant(dev, { tags: { ...dev.tags, Evil: hostile } })).toThrow(/^invalid environment "dev": tags\.Evil: received .*; allowed: text without "\$\{" or "%\{"/);
  });
});

describe('a refused configuration on every entry point: one line, non-zero, no stack trace', () => {
  // GIVEN a copy of the repository whose dev environment carries an expression in a tag value
  const scratch = scratchDir('config-entry');
  const copy = join(scratch.dir, 'repo');
  const expected = 'invalid environment "dev": tags.Evil: received "${upper(\\"x\\")}"; allowed: text without "${" or "%{" (Terraform would evaluate it as an expression; cdktf could not keep it literal)';
  beforeAll(() => {
    mkdirSync(copy);
    const root = repoRoot();
    // dist/ with its build info too, when built: the copy's `tsc` then recompiles only the changed file.
    for (const entry of ['package.json', 'cdktf.json', 'tsconfig.json', 'jest.config.js', 'main.ts', 'contracts', 'environments', 'stacks', 'modules', 'rules', 'scripts', 'src', '__tests__', 'dist']) {
      if (existsSync(join(root, entry))) cpSync(join(root, entry), join(copy, entry), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const file = join(copy, 'environments', 'dev.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("tags: { Project: 'webapp'", "tags: { Evil: '${upper(\"x\")}', Project: 'webapp'"));
  });
  afterAll(() => scratch.remove());

  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: copy, encoding: 'utf8', env: { ...process.env, CI: '1', CHECKPOINT_DISABLE: '1', FORCE_COLOR: '0', NO_COLOR: '1' } });
  const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+[(:]\d+/m);

  test.each([
    ['npm run synth', 'npm', ['run', '--silent', 'synth'], 'synth: '],
    ['npm run preview', 'npm', ['run', '--silent', 'preview'], 'preview: '],
  ])('%s prints the field, what was received and what is allowed, and exits 1', (_title, command, args, prefix) => {
    // WHEN the entry point runs / THEN stderr is exactly one line and nothing was synthesized
    const r = run(command, args);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`${prefix}${expected}\n`);
    noStack(r.stdout + r.stderr);
  });

  test('npx cdktf synth (cdktf.json\'s app) relays the same one line and exits non-zero', () => {
    // WHEN cdktf runs the app / THEN the app's own output is the one line (cdktf wraps it in its own error banner)
    const r = run('npx', ['cdktf', 'synth']);
    expect(r.status).not.toBe(0);
    const output = `${r.stdout}\n${r.stderr}`;
    const mentions = output.split('\n').filter((l) => l.includes('invalid environment'));
    expect(mentions.length).toBeGreaterThan(0);
    for (const line of mentions) expect(line.trim().endsWith(`synth: ${expected}`)).toBe(true);
    noStack(output);
  });
});
