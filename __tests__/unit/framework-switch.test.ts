import { chmodSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, parseArgs } from '../../scripts/framework';
import { detectRow, formatManifest, FrameworkSwitchError, rewriteManifest, ROW_PINS, ROWS, switchFramework } from '../../scripts/lib/framework-switch';
import { repoRoot } from '../../scripts/lib/paths';
import { scratchDir } from '../../scripts/lib/synth';

const root = repoRoot();
const repoPackageText = readFileSync(join(root, 'package.json'), 'utf8');
// The tests start from the default row whichever row this tree is on (the terrain row runs them too).
const packageText = formatManifest(rewriteManifest(JSON.parse(repoPackageText), 'cdktf'));
const pkg = () => JSON.parse(packageText) as Record<string, any>;

describe('package.json rewrite (pure)', () => {
  test('GIVEN this repository\'s package.json THEN it is on one of the two rows, and its default-row form is text npm would write', () => {
    expect(ROWS).toContain(detectRow(JSON.parse(repoPackageText)));
    expect(detectRow(pkg())).toBe('cdktf');
    expect(packageText).toBe(`${JSON.stringify(JSON.parse(packageText), null, 2)}\n`);
  });

  test('GIVEN the cdktf row WHEN moved to terrain THEN cdktf is the cdktn alias, cdktn-cli replaces cdktf-cli in place, and an override lets the bindings accept it', () => {
    const t = rewriteManifest(pkg(), 'terrain');
    expect(t.dependencies!.cdktf).toBe('npm:cdktn@0.24.0');
    expect(t.devDependencies!['cdktn-cli']).toBe('0.24.0');
    expect(t.devDependencies!['cdktf-cli']).toBeUndefined();
    expect(t.overrides).toEqual({ cdktf: '$cdktf' });
    expect(Object.keys(t.devDependencies!).indexOf('cdktn-cli')).toBe(Object.keys(pkg().devDependencies).indexOf('cdktf-cli'));
    expect(detectRow(t)).toBe('terrain');
    // Nothing else moved.
    const others = (m: Record<string, any>) => ({ ...m, dependencies: { ...m.dependencies, cdktf: null }, devDependencies: null, overrides: null });
    expect(others(t)).toEqual(others(pkg()));
  });

  test('GIVEN the cdktf row WHEN moved to terrain and back THEN the text is the original, byte for byte', () => {
    expect(formatManifest(rewriteManifest(rewriteManifest(pkg(), 'terrain'), 'cdktf'))).toBe(packageText);
  });

  test('GIVEN overrides of its own WHEN moved there and back THEN they are kept', () => {
    const own = { ...pkg(), overrides: { semver: '7.6.0' } };
    const there = rewriteManifest(own, 'terrain');
    expect(there.overrides).toEqual({ semver: '7.6.0', cdktf: '$cdktf' });
    expect(rewriteManifest(there, 'cdktf').overrides).toEqual({ semver: '7.6.0' });
  });

  test.each([
    ['another cdktf version', { dependencies: { cdktf: '0.20.0' }, devDependencies: { 'cdktf-cli': '0.21.0' } }],
    ['both CLIs', { dependencies: { cdktf: '0.21.0' }, devDependencies: { 'cdktf-cli': '0.21.0', 'cdktn-cli': '0.24.0' } }],
    ['the alias without its override', { dependencies: { cdktf: 'npm:cdktn@0.24.0' }, devDependencies: { 'cdktn-cli': '0.24.0' } }],
    ['no framework at all', { dependencies: {} }],
  ])('GIVEN a package.json with %s THEN one line names what was received and what is allowed', (_what, manifest) => {
    expect(() => detectRow(manifest)).toThrow(FrameworkSwitchError);
    const message = (() => { try { detectRow(manifest); return ''; } catch (e) { return (e as Error).message; } })();
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^package\.json: received dependencies\.cdktf .*; allowed: cdktf 0\.21\.0 \+ cdktf-cli 0\.21\.0, or cdktf "npm:cdktn@0\.24\.0"/);
  });
});

/** A scratch project with this repository's package.json and lock, and a fake npm whose behaviour the test picks. */
function project(npmScript: string) {
  const scratch = scratchDir('framework-switch');
  writeFileSync(join(scratch.dir, 'package.json'), packageText);
  copyFileSync(join(root, 'package-lock.json'), join(scratch.dir, 'package-lock.json'));
  const npm = join(scratch.dir, 'fake-npm');
  writeFileSync(npm, `#!/bin/sh\necho "$@" >> "${join(scratch.dir, 'npm-calls')}"\n${npmScript}\n`);
  chmodSync(npm, 0o755);
  const read = (f: string) => readFileSync(join(scratch.dir, f), 'utf8');
  return { ...scratch, npm, read };
}

describe('npm run framework -- terrain / cdktf (package.json and the lock, in a scratch copy)', () => {
  const originalLock = readFileSync(join(root, 'package-lock.json'), 'utf8');

  test('GIVEN the default row WHEN switched to terrain and back THEN npm re-resolved the lock once, and the way back restores package.json and the lock byte for byte', () => {
    const p = project('echo \'{"resolvedBy":"fake npm"}\' > package-lock.json');
    try {
      const there = switchFramework(p.dir, 'terrain', { npm: p.npm });
      expect(there).toEqual({ from: 'cdktf', to: 'terrain', lock: 'resolved' });
      expect(detectRow(JSON.parse(p.read('package.json')))).toBe('terrain');
      expect(p.read('package-lock.json')).toBe('{"resolvedBy":"fake npm"}\n');
      expect(p.read('npm-calls').trim()).toBe('install --package-lock-only --ignore-scripts --no-audit --no-fund');

      const back = switchFramework(p.dir, 'cdktf', { npm: p.npm });
      expect(back).toEqual({ from: 'terrain', to: 'cdktf', lock: 'restored' });
      expect(p.read('package.json')).toBe(packageText);
      expect(p.read('package-lock.json')).toBe(originalLock);
      expect(p.read('npm-calls').trim().split('\n')).toHaveLength(1);
    } finally {
      p.remove();
    }
  });

  test('GIVEN a dependency added while on terrain WHEN switched back THEN the stale stash is not used and npm re-resolves the lock', () => {
    const p = project('echo \'{"resolvedBy":"fake npm"}\' > package-lock.json');
    try {
      switchFramework(p.dir, 'terrain', { npm: p.npm });
      const edited = JSON.parse(p.read('package.json'));
      edited.dependencies['left-pad'] = '1.3.0';
      writeFileSync(join(p.dir, 'package.json'), formatManifest(edited));
      expect(switchFramework(p.dir, 'cdktf', { npm: p.npm }).lock).toBe('resolved');
      const back = JSON.parse(p.read('package.json'));
      expect({ cdktf: back.dependencies.cdktf, leftPad: back.dependencies['left-pad'], cli: back.devDependencies['cdktf-cli'] }).toEqual({ cdktf: '0.21.0', leftPad: '1.3.0', cli: '0.21.0' });
    } finally {
      p.remove();
    }
  });

  test('GIVEN npm cannot resolve WHEN switching THEN one line says so and package.json and the lock are unchanged', () => {
    const p = project('echo "npm error code ETARGET" >&2; echo "npm error notarget No matching version" >&2; exit 1');
    try {
      expect(() => switchFramework(p.dir, 'terrain', { npm: p.npm })).toThrow(/^npm could not resolve the terrain lock \(exit 1\): npm error code ETARGET \| npm error notarget No matching version; package\.json and the lock are unchanged$/);
      expect(p.read('package.json')).toBe(packageText);
      expect(p.read('package-lock.json')).toBe(originalLock);
    } finally {
      p.remove();
    }
  });

  test('GIVEN the row asked for is the current one THEN nothing is written and npm is not called', () => {
    const p = project('exit 1');
    try {
      expect(switchFramework(p.dir, 'cdktf', { npm: p.npm })).toEqual({ from: 'cdktf', to: 'cdktf', lock: 'unchanged' });
      expect(() => p.read('npm-calls')).toThrow();
    } finally {
      p.remove();
    }
  });

  test('the pins name CDK Terrain\'s Node floor (cdktn-cli declares node >= 22.19.0)', () => {
    expect(ROW_PINS.terrain.nodeMinimum).toBe('22.19.0');
  });
});

describe('the framework command line', () => {
  test.each([[['bogus']], [['terrain', '--keep']], [['matrix', '--fast']]])('GIVEN %j THEN exit 2 and one line naming the argument and what is allowed, nothing changed', (argv) => {
    let err = '';
    const code = main(argv, () => undefined, (s) => void (err += s));
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^framework: .*received .*; allowed: status, terrain, cdktf, matrix \[--keep\], aws6-check \[--keep\]\n$/);
    expect(readFileSync(join(root, 'package.json'), 'utf8')).toBe(repoPackageText);
  });

  test('GIVEN no command THEN status', () => {
    expect(parseArgs([])).toEqual({ command: 'status', keep: false });
    expect(parseArgs(['matrix', '--keep'])).toEqual({ command: 'matrix', keep: true });
  });

  test('GIVEN status THEN it names the row package.json is on and the framework node_modules holds', () => {
    let out = '';
    expect(main(['status'], (s) => void (out += s))).toBe(0);
    expect(out).toContain(`package.json: the ${detectRow(JSON.parse(repoPackageText))} row`);
    expect(out).toMatch(/node_modules: (cdktf 0\.21\.0 \(command: npx cdktf\)|cdktn 0\.24\.0 \(command: npx cdktn\))/);
  });
});
