/**
 * The layer check: dependency-cruiser's `cruise` API with the rules of .dependency-cruiser.cjs, over the project (or,
 * with --base, over another tree laid out the same way: the test's fixture). Prints one JSON document on stdout:
 *
 *   { "modules": <number cruised>, "violations": [{ "rule", "from", "to", "cycle"? }], "acceptedCycles": [{ "via", "reason" }] }
 *
 *   node scripts/lib/layers.mjs                       # the real tree (what __tests__/unit/layers.test.ts checks)
 *   node scripts/lib/layers.mjs --base <dir> <paths>  # another tree, paths relative to it
 *
 * Plain ESM on purpose: dependency-cruiser ships as ES modules only, which Jest's CommonJS runtime cannot load, so the
 * test runs this file in its own Node process. Exits 0 whatever it finds (the caller judges); 2 on a usage error.
 */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What the project's layers are made of: every folder of code the check judges, tests excluded. */
export const PROJECT_PATHS = ['main.ts', 'contracts', 'environments', 'modules', 'stacks', 'src', 'rules', 'scripts'];

const args = process.argv.slice(2);
let base = root;
if (args[0] === '--base') {
  if (!args[1]) {
    process.stderr.write('layers: --base: received nothing; allowed: a directory laid out like the project\n');
    process.exit(2);
  }
  base = resolve(args[1]);
  args.splice(0, 2);
}
const paths = args.length > 0 ? args : PROJECT_PATHS;

const config = createRequire(import.meta.url)(join(root, '.dependency-cruiser.cjs'));
const { tsConfig: _unused, ...options } = config.options;
const { output } = await cruise(paths, { ...options, baseDir: base, validate: true, ruleSet: { forbidden: config.forbidden } });
const violations = output.summary.violations.map((v) => ({
  rule: v.rule.name,
  from: v.from,
  to: v.to,
  ...(v.cycle ? { cycle: v.cycle.map((c) => (typeof c === 'string' ? c : c.name)) } : {}),
}));
const acceptedCycles = config.acceptedCycles ?? [];
process.stdout.write(`${JSON.stringify({ modules: output.summary.totalCruised, violations, acceptedCycles }, null, 2)}\n`);
