import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonDifferences, readStacks } from './framework-compare';
import { cleanCopy, synthQuiet, type Job, type Step } from './framework-matrix';
import { repoRoot } from './paths';
import { scratchDir } from './synth';

/**
 * The move to AWS provider 6.x, checked as far as this machine allows (docs/framework.md): the bindings exist only as
 * `@cdktn/provider-aws` 25.x (for CDK Terrain), and no 6.x provider binary is here, so the project is type-checked
 * and synthesized against them, never planned. Opt-in (`npm run framework -- aws6-check`): the bindings are large.
 */
export const AWS6_PACKAGES = { cdktn: '0.24.0', '@cdktn/provider-aws': '25.7.0', constructs: '10.7.2' } as const;

/** Pure: a TypeScript source with the framework and provider imports renamed to CDK Terrain's packages. */
export function renameImports(source: string): { text: string; count: number } {
  let count = 0;
  const text = source.replace(/(from\s+|import\s+|import\s*\(\s*|require\(\s*)(['"])(cdktf|@cdktf\/provider-aws)((?:\/[^'"]*)?)\2/g, (_m, lead: string, q: string, pkg: string, rest: string) => {
    count += 1;
    return `${lead}${q}${pkg === 'cdktf' ? 'cdktn' : '@cdktn/provider-aws'}${rest}${q}`;
  });
  return { text, count };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The 6.x bindings, installed once into `.work/aws6-deps` (kept: later checks reuse them). */
function installBindings(root: string, log: (l: string) => void): string {
  const dir = join(root, '.work', 'aws6-deps');
  const manifest = JSON.stringify({ name: 'aws6-deps', private: true, dependencies: AWS6_PACKAGES }, null, 2);
  const ready = existsSync(join(dir, 'node_modules', '@cdktn', 'provider-aws', 'package.json')) && existsSync(join(dir, 'package.json')) && readFileSync(join(dir, 'package.json'), 'utf8') === manifest;
  if (ready) return dir;
  log(`installing ${Object.entries(AWS6_PACKAGES).map(([n, v]) => `${n}@${v}`).join(' ')} into .work/aws6-deps`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), manifest);
  const r = spawnSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--engine-strict=false'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm install of the 6.x bindings failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  return dir;
}

/** The check's steps. `keep`: leave the scratch copy for inspection. */
export function aws6Check(options: { log: (line: string) => void; keep?: boolean }): Job {
  const root = repoRoot();
  const scratch = scratchDir('aws6-check');
  const copy = join(scratch.dir, 'tree');
  const nodeModules = join(copy, 'node_modules');
  const tsc = () => spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: copy, encoding: 'utf8' });
  const steps: Step[] = [
    { name: 'clean copy of the tree', run: () => `${cleanCopy(root, copy)} files` },
    { name: `@cdktn/provider-aws ${AWS6_PACKAGES['@cdktn/provider-aws']} with cdktn ${AWS6_PACKAGES.cdktn}`, run: () => {
      const deps = join(installBindings(root, options.log), 'node_modules');
      const provider = JSON.parse(readFileSync(join(deps, '@cdktn', 'provider-aws', 'package.json'), 'utf8')) as { version: string; cdktf?: { provider?: { version?: string } } };
      // Everything else from the tree's node_modules; the framework and bindings from the 6.x install.
      mkdirSync(nodeModules);
      const fromDeps = new Set(['cdktn', '@cdktn', 'constructs']);
      for (const e of readdirSync(join(root, 'node_modules'))) {
        if (e === 'cdktf' || e === '@cdktf' || e.startsWith('.') || fromDeps.has(e)) continue;
        symlinkSync(join(root, 'node_modules', e), join(nodeModules, e), 'dir');
      }
      for (const e of fromDeps) symlinkSync(join(deps, e), join(nodeModules, e), 'dir');
      const aws = provider.cdktf?.provider?.version ?? 'unknown';
      if (!aws.startsWith('6.') && !aws.includes('6.')) throw new Error(`@cdktn/provider-aws ${provider.version} binds AWS provider ${aws}; expected 6.x`);
      return `binds AWS provider ${aws}`;
    } },
    { name: 'rename imports cdktf -> cdktn, @cdktf/provider-aws -> @cdktn/provider-aws', run: () => {
      let files = 0;
      let imports = 0;
      for (const file of tsFiles(copy)) {
        const r = renameImports(readFileSync(file, 'utf8'));
        if (r.count === 0) continue;
        writeFileSync(file, r.text);
        files += 1;
        imports += r.count;
      }
      if (imports === 0) throw new Error('no import renamed: the sources no longer import cdktf or @cdktf/provider-aws as expected');
      return `${imports} imports in ${files} files`;
    } },
    { name: 'tsc (type-check and build) against the 6.x bindings', run: () => {
      const r = tsc();
      const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error TS\d+/.test(l));
      if (r.status !== 0) throw new Error(`${errors.length} type errors:\n${errors.slice(0, 15).join('\n')}`);
      return '0 type errors';
    } },
    { name: 'synthesize both environments with the 6.x bindings (offline target), compared with this tree', run: () => {
      synthQuiet(join(scratch.dir, 'synth-aws6'), 'offline', copy);
      synthQuiet(join(scratch.dir, 'synth-aws5'), 'offline');
      const [five, six] = [readStacks(join(scratch.dir, 'synth-aws5')), readStacks(join(scratch.dir, 'synth-aws6'))];
      const lines: string[] = [];
      for (const name of Object.keys(five)) {
        const addresses = (tf: unknown) => Object.entries((tf as { resource?: Record<string, Record<string, unknown>> }).resource ?? {}).flatMap(([t, byName]) => Object.keys(byName).map((n) => `${t}.${n}`)).sort();
        const [a, b] = [addresses(five[name]), addresses(six[name])];
        if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${name}: the resource addresses differ between the 5.x and 6.x bindings`);
        const diffs = jsonDifferences(five[name], six[name]).filter((d) => !d.path.startsWith('//.') && !d.path.startsWith('terraform.required_providers'));
        const pin = (tf: unknown) => (tf as { terraform?: { required_providers?: { aws?: { version?: string } } } }).terraform?.required_providers?.aws?.version;
        if (!String(pin(six[name])).startsWith('6.')) throw new Error(`${name}: required_providers.aws.version is ${JSON.stringify(pin(six[name]))}; expected 6.x`);
        lines.push(`${name}: ${a.length} resources, same addresses; aws provider ${pin(five[name])} -> ${pin(six[name])}; ${diffs.length} other leaves differ${diffs.length ? ` (${diffs.slice(0, 6).map((d) => d.path).join(', ')})` : ''}`);
      }
      return lines.join('\n');
    } },
  ];
  return { title: 'AWS provider 6.x check', steps, copy, cleanup: () => (options.keep ? undefined : scratch.remove()) };
}
