import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Moto } from '../../scripts/lib/moto';
import { APPLIED_CACHE_ENV, appliedCacheKey, applyOnce } from '../helpers/applied-cache';

/**
 * The e2e tier's one apply per stack (__tests__/helpers/applied-cache.ts), with a recording emulator: what is shared,
 * what is not, and what happens when an apply fails. The snapshots themselves are proven against moto in
 * __tests__/e2e/moto-snapshot.test.ts.
 */
function fakeMoto(serverEnv: Record<string, string> = {}) {
  const calls: string[] = [];
  const moto = {
    serverEnv,
    saveAccounts: async (file: string, accounts: readonly string[]) => {
      calls.push(`save ${accounts.join(',')}`);
      writeFileSync(file, 'snapshot');
    },
    loadAccounts: async (file: string) => {
      calls.push(`load ${readFileSync(file, 'utf8')}`);
    },
  } as unknown as Moto;
  return { moto, calls };
}

describe('applyOnce: one apply per distinct stack per run', () => {
  let root: string;
  let cache: string;
  const saved = process.env[APPLIED_CACHE_ENV];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'applied-cache-test-'));
    cache = join(root, 'cache');
    mkdirSync(cache);
    process.env[APPLIED_CACHE_ENV] = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[APPLIED_CACHE_ENV];
    else process.env[APPLIED_CACHE_ENV] = saved;
    rmSync(root, { recursive: true, force: true });
  });

  /** A synthesized stack folder holding `config` as its cdk.tf.json. */
  function stackDir(name: string, config: string): string {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'cdk.tf.json'), config);
    return dir;
  }

  /** An apply that leaves a state file, as terraform apply does. */
  const applying = (dir: string, log: string[]) => async () => {
    log.push(`apply ${dir}`);
    writeFileSync(join(dir, 'terraform.tfstate'), `state of ${dir}`);
  };

  test('the first file applies and saves its accounts; the second loads them and gets the folder with the state', async () => {
    // GIVEN two test files with the same synthesized stack
    const first = fakeMoto();
    const second = fakeMoto();
    const applies: string[] = [];
    const a = stackDir('a', '{"resource":{}}');
    const b = stackDir('b', '{"resource":{}}');
    // WHEN both ask for it
    const results = [await applyOnce(first.moto, a, ['111111111111'], applying(a, applies)), await applyOnce(second.moto, b, ['111111111111'], applying(b, applies))];
    // THEN Terraform applied once, and the second folder holds the first's state
    expect(results).toEqual(['applied', 'loaded']);
    expect(applies).toEqual([`apply ${a}`]);
    expect(first.calls).toEqual(['save 111111111111']);
    expect(second.calls).toEqual(['load snapshot']);
    expect(readFileSync(join(b, 'terraform.tfstate'), 'utf8')).toBe(`state of ${a}`);
  });

  test('a different configuration, or a moto started with other switches, is applied on its own', async () => {
    const applies: string[] = [];
    const base = stackDir('base', '{"resource":{"a":1}}');
    const otherConfig = stackDir('other-config', '{"resource":{"a":2}}');
    const otherSwitches = stackDir('other-switches', '{"resource":{"a":1}}');
    await applyOnce(fakeMoto().moto, base, ['1'], applying(base, applies));
    await applyOnce(fakeMoto().moto, otherConfig, ['1'], applying(otherConfig, applies));
    await applyOnce(fakeMoto({ MOTO_ECS_SERVICE_RUNNING: '3' }).moto, otherSwitches, ['1'], applying(otherSwitches, applies));
    expect(applies).toEqual([`apply ${base}`, `apply ${otherConfig}`, `apply ${otherSwitches}`]);
  });

  test('files asking at the same time: one applies, the others wait and load', async () => {
    const applies: string[] = [];
    const dirs = ['p', 'q', 'r'].map((n) => stackDir(n, '{"same":true}'));
    const results = await Promise.all(dirs.map((d) => applyOnce(fakeMoto().moto, d, ['1'], applying(d, applies))));
    expect(applies).toHaveLength(1);
    expect([...results].sort()).toEqual(['applied', 'loaded', 'loaded']);
  });

  test('a failed apply shares nothing: the error reaches its file, and the next file applies itself', async () => {
    const applies: string[] = [];
    const broken = stackDir('broken', '{"x":1}');
    const next = stackDir('next', '{"x":1}');
    await expect(applyOnce(fakeMoto().moto, broken, ['1'], async () => Promise.reject(new Error('terraform apply failed')))).rejects.toThrow('terraform apply failed');
    expect(await applyOnce(fakeMoto().moto, next, ['1'], applying(next, applies))).toBe('applied');
    expect(applies).toEqual([`apply ${next}`]);
  });

  test('a lock left by a dead holder is taken over', async () => {
    // GIVEN a lock on the stack whose holder (a pid that cannot exist) died mid-apply
    const dir = stackDir('orphan', '{"y":1}');
    const { moto } = fakeMoto();
    const lock = join(cache, `${appliedCacheKey(dir, moto, ['1'])}.lock`);
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), '2147483646');
    // WHEN a file asks for that stack THEN it applies instead of waiting forever
    const applies: string[] = [];
    expect(await applyOnce(moto, dir, ['1'], applying(dir, applies))).toBe('applied');
    expect(applies).toEqual([`apply ${dir}`]);
  });
});
