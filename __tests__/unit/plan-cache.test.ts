import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedPlan, planKey, storePlan } from '../../scripts/lib/plan-cache';
import { scratchDir } from '../../scripts/lib/synth';

/** A stack folder as synthesis leaves it: configuration, lock file, the mirror link. */
function stackFolder(root: string, name: string, config = '{"resource":{}}'): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'terraform.d'), { recursive: true });
  writeFileSync(join(dir, 'cdk.tf.json'), config);
  writeFileSync(join(dir, '.terraform.lock.hcl'), 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.100.0"\n}\n');
  symlinkSync(join(root, 'mirror'), join(dir, 'terraform.d', 'plugins'), 'dir');
  return dir;
}

describe('plan cache: one plan per distinct input within a run, never a plan of other input', () => {
  const scratch = scratchDir('plan-cache-test');
  afterAll(() => scratch.remove());
  mkdirSync(join(scratch.dir, 'mirror'));

  test('two folders holding the same stack share a key; a byte of configuration, the lock file or the arguments change it', () => {
    // GIVEN two syntheses of the same stack in different folders
    const a = stackFolder(scratch.dir, 'a');
    const b = stackFolder(scratch.dir, 'b');
    // THEN they share a key (no absolute path in it)
    expect(planKey(a, [])).toBe(planKey(b, []));
    // WHEN anything Terraform reads differs, THEN so does the key
    const other = stackFolder(scratch.dir, 'c', '{"resource":{ }}');
    expect(planKey(other, [])).not.toBe(planKey(a, []));
    expect(planKey(a, ['-refresh=false'])).not.toBe(planKey(a, []));
    const relocked = stackFolder(scratch.dir, 'd');
    writeFileSync(join(relocked, '.terraform.lock.hcl'), 'provider "registry.terraform.io/hashicorp/aws" {\n  version = "5.99.0"\n}\n');
    expect(planKey(relocked, [])).not.toBe(planKey(a, []));
    const withState = stackFolder(scratch.dir, 'e');
    writeFileSync(join(withState, 'terraform.tfstate'), '{}');
    expect(planKey(withState, [])).not.toBe(planKey(a, []));
  });

  test('the plan file, Terraform\'s provider folder and the implied-mirror link are not inputs: they leave the key alone', () => {
    const a = stackFolder(scratch.dir, 'f');
    const before = planKey(a, []);
    rmSync(join(a, 'terraform.d'), { recursive: true });
    expect(planKey(a, [])).toBe(before);
    writeFileSync(join(a, 'tfplan'), 'binary plan');
    mkdirSync(join(a, '.terraform', 'providers'), { recursive: true });
    writeFileSync(join(a, '.terraform', 'providers', 'x'), 'provider');
    expect(planKey(a, [])).toBe(before);
  });

  test('a stored plan comes back with its exit code and its plan file in the asking folder; a missing entry is a miss', () => {
    // GIVEN a plan stored from one folder
    const from = stackFolder(scratch.dir, 'g');
    writeFileSync(join(from, 'tfplan'), 'binary plan');
    const entry = join(scratch.dir, 'cache', planKey(from, []));
    mkdirSync(join(scratch.dir, 'cache'), { recursive: true });
    storePlan(entry, from, JSON.stringify({ format_version: '1.2', resource_changes: [] }), 2);
    // WHEN another folder asks for it
    const to = stackFolder(scratch.dir, 'h');
    const hit = cachedPlan(entry, to);
    // THEN it gets the plan, the exit code and the plan file
    expect(hit).toEqual({ plan: { format_version: '1.2', resource_changes: [] }, exitCode: 2 });
    expect(readFileSync(join(to, 'tfplan'), 'utf8')).toBe('binary plan');
    expect(cachedPlan(join(scratch.dir, 'cache', 'absent'), stackFolder(scratch.dir, 'i'))).toBeUndefined();
    expect(existsSync(join(scratch.dir, 'i', 'tfplan'))).toBe(false);
  });
});
