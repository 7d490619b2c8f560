import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { scratchDir } from '../../scripts/lib/synth';
import { decodeJsonDocument } from '../../src/plan-comment/attributes';
import { main } from '../../src/plan-comment/cli';
import { ownershipFor } from '../../src/plan-comment/ownership';
import { parsePlan, PlanInputError, type ResourceChange, type TerraformPlan } from '../../src/plan-comment/plan';
import { parseMarker } from '../../src/plan-comment/marker';
import { renderPlan } from '../../src/plan-comment/render';
import { BENIGN, FIELDS } from '../helpers/hostile-fields';
import { firstDifference, HOSTILE, shape } from '../helpers/hostile-markdown';
import { plan } from '../helpers/synthetic-plan';

/**
 * Hostile and bad plan input, listed and generated. Hostile strings: the corpus in every field that reaches a comment,
 * each comment parsed as Markdown and its structure compared with a harmless value's. Bad input, listed: each case
 * with the one line the CLI must print (exit 1, nothing on stdout). Generated: valid plans carrying arbitrary strings render with the structure of harmless ones; malformed
 * plans are refused with one line naming the field, or rendered; never a stack trace, never an internal message.
 */

const counts = { tried: 0, refused: 0, accepted: 0 };
const scratch = scratchDir('pc-input');
afterAll(() => {
  scratch.remove();
  process.stdout.write(`hostile input (plan-comment): tried ${counts.tried}, refused cleanly ${counts.refused}, accepted ${counts.accepted}\n`);
});

const ALLOWED = 'the output of `terraform show -json <planfile>` (JSON plan format 1.x)';
const valid = { format_version: '1.2', planned_values: {}, resource_changes: [{ address: 'aws_s3_bucket.b', mode: 'managed', type: 'aws_s3_bucket', name: 'b', change: { actions: ['update'], before: { acl: 'a' }, after: { acl: 'b' } } }] };
const withRc = (changes: Record<string, unknown>, change: Record<string, unknown> = {}) => JSON.stringify({ ...valid, resource_changes: [{ ...valid.resource_changes[0], ...changes, change: { ...valid.resource_changes[0].change, ...change } }] });
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
/** JSON with raw text spliced in where `RAW` stands: values too deep for JSON.stringify itself. */
const splice = (json: string, raw: string) => json.replace('"RAW"', raw);

/** [case, file content, the line after `plan-comment: --plan-json FILE: `] */
const BAD: [string, string, string][] = [
  ['an empty file', '', `received an empty file; allowed: ${ALLOWED}`],
  ['whitespace only', ' \n\t', `received an empty file; allowed: ${ALLOWED}`],
  ['truncated JSON', '{"format_version":"1.2","resource_changes":[', `received malformed or truncated JSON (Unexpected end of JSON input); allowed: ${ALLOWED}`],
  ['a JSON array', '[]', `received a JSON array; allowed: ${ALLOWED}`],
  ['JSON null', 'null', `received a JSON null; allowed: ${ALLOWED}`],
  ['a byte-order mark', `\ufeff${JSON.stringify(valid)}`, `received malformed or truncated JSON (Unexpected token '\ufeff', "\ufeff{"format_"... is not valid JSON); allowed: ${ALLOWED}`],
  ['no format_version', '{"planned_values":{}}', 'format_version: received nothing; allowed: "1.x"'],
  ['format_version 2.0', '{"format_version":"2.0","planned_values":{}}', 'format_version: received "2.0"; allowed: "1.x" (a newer major version may change meanings this renderer relies on)'],
  ['format_version a number', '{"format_version":1.2,"planned_values":{}}', 'format_version: received 1.2; allowed: "1.x"'],
  ['a state, not a plan', '{"format_version":"1.0","values":{}}', `received JSON without planned_values or resource_changes (a state, not a plan); allowed: ${ALLOWED}`],
  ['resource_changes a string', JSON.stringify({ ...valid, resource_changes: 'x' }), 'resource_changes: received the string "x"; allowed: a list'],
  ['a resource change that is a number', JSON.stringify({ ...valid, resource_changes: [7] }), 'resource_changes[0]: received the number 7; allowed: an object'],
  ['no address', withRc({ address: undefined }), 'resource_changes[0].address: received nothing; allowed: a string'],
  ['an empty address', withRc({ address: '' }), 'resource_changes[0].address: received the string ""; allowed: a non-empty string'],
  ['no change', JSON.stringify({ ...valid, resource_changes: [{ address: 'a.b', type: 'a' }] }), 'resource_changes[0].change: received nothing; allowed: an object'],
  ['actions a string', withRc({}, { actions: 'create' }), 'resource_changes[0].change.actions: received the string "create"; allowed: a list'],
  ['no actions', withRc({}, { actions: [] }), 'resource_changes[0].change.actions: received a list (a list of 0); allowed: a non-empty list'],
  ['an unknown action', withRc({}, { actions: ['explode'] }), 'resource_changes[0].change.actions[0]: received the string "explode"; allowed: one of "no-op", "create", "read", "update", "delete", "forget"'],
  ['replace_paths a string (was "replacePaths.some is not a function")', withRc({}, { replace_paths: 'cpu' }), 'resource_changes[0].change.replace_paths: received the string "cpu"; allowed: a list'],
  ['a replace path segment that is an object', withRc({}, { replace_paths: [['a', {}]] }), 'resource_changes[0].change.replace_paths[0][1]: received an object; allowed: a string or a number'],
  ['importing a string', withRc({}, { importing: 'id-1' }), 'resource_changes[0].change.importing: received the string "id-1"; allowed: an object'],
  ['an index that is an object', withRc({ index: {} }), 'resource_changes[0].index: received an object; allowed: a string or a number'],
  ['an unknown mode', withRc({ mode: 'resource' }), 'resource_changes[0].mode: received the string "resource"; allowed: one of "managed", "data"'],
  ['terraform_version an object (was "Terraform [object Object]")', JSON.stringify({ ...valid, terraform_version: {} }), 'terraform_version: received an object; allowed: a string'],
  ['errored a string', JSON.stringify({ ...valid, errored: 'yes' }), 'errored: received the string "yes"; allowed: true or false'],
  ['output_changes a list', JSON.stringify({ ...valid, output_changes: [] }), 'output_changes: received a list (a list of 0); allowed: an object'],
  ['an output without actions', JSON.stringify({ ...valid, output_changes: { url: { before: 1 } } }), 'output_changes.url.actions: received nothing; allowed: a list'],
  ['resource_drift an object', JSON.stringify({ ...valid, resource_drift: {} }), 'resource_drift: received an object; allowed: a list'],
  ['relevant_attributes a string', JSON.stringify({ ...valid, relevant_attributes: 'x' }), 'relevant_attributes: received the string "x"; allowed: a list'],
  ['checks an object', JSON.stringify({ ...valid, checks: {} }), 'checks: received an object; allowed: a list'],
  ['a value nested 100,000 levels (was "Maximum call stack size exceeded")', splice(withRc({}, { after: 'RAW' }), nested(100_000)), 'resource_changes[0].change.after[0][0][0]…: received a value nested more than 128 levels deep; allowed: at most 128 levels'],
  ['variables nested 10,000 levels', splice(JSON.stringify({ ...valid, variables: { v: { value: 'RAW' } } }), nested(10_000)), 'variables.v.value[0][0][0][0]…: received a value nested more than 128 levels deep; allowed: at most 128 levels'],
];

describe('bad plan input: one line naming the field, exit 1, nothing printed', () => {
  test.each(BAD)('%s', async (_name, content, line) => {
    // GIVEN the file
    const file = join(scratch.dir, 'plan.json');
    writeFileSync(file, content);
    // WHEN the CLI renders it
    const r = await runCli(['--env', 'dev', '--plan-json', file]);
    counts.tried++;
    // THEN exactly the one line, exit 1, no comment
    expect(r.stderr).toBe(`plan-comment: --plan-json ${file}: ${line}\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    counts.refused++;
  });

  test('a directory instead of a file', async () => {
    const dir = join(scratch.dir, 'a-directory');
    mkdirSync(dir, { recursive: true });
    const r = await runCli(['--env', 'dev', '--plan-json', dir]);
    counts.tried++;
    expect(r.stderr).toBe(`plan-comment: --plan-json: received ${JSON.stringify(dir)} (a directory); allowed: a readable file\n`);
    expect(r.code).toBe(1);
    counts.refused++;
  });

  test('a JSON document nested 100,000 levels inside a string attribute is shown as the string it is', () => {
    const p = parsePlan(withRc({}, { after: { policy: nested(100_000) } }));
    counts.tried++;
    const md = renderPlan(p, { env: 'dev', ownership: ownershipFor('dev') }).markdown;
    expect(md).toContain('- `aws_s3_bucket.b`: `acl`, `policy`');
    counts.accepted++;
  });
});

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true)),
    jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true)),
  ];
  try {
    const code = await main(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus of hostile strings, in every field that reaches a comment (helpers/hostile-fields.ts)

describe('hostile strings in every field that reaches a comment', () => {
  const cases = Object.entries(FIELDS).flatMap(([field, render]) => HOSTILE.map((v, i) => [field, i, v, render] as const));

  test.each(cases)('%s, hostile string #%i: the structure is the one with a harmless value', (_field, _i, value, render) => {
    // GIVEN the comment with a harmless value in this field, and the same comment with the hostile one
    const benign = shape(render(BENIGN));
    // WHEN the hostile one is rendered and parsed as Markdown
    const markdown = render(value);
    counts.tried++;
    const hostile = shape(markdown);
    // THEN the blocks, the inline token types and every text outside code are the same, the details are balanced,
    // and the hidden marker is the first line, unchanged in kind and environment
    expect(firstDifference(hostile.outline, benign.outline)).toBeUndefined();
    expect(hostile.detailsOpen).toBe(hostile.detailsClose);
    expect(hostile.detailsOpen).toBe(benign.detailsOpen);
    const marker = parseMarker(markdown);
    expect(marker).toBeDefined();
    expect({ kind: marker!.kind, env: marker!.env }).toEqual((({ kind, env }) => ({ kind, env }))(parseMarker(render(BENIGN))!));
    counts.accepted++;
  });

});

describe('the environment name', () => {
  test.each(HOSTILE.map((v, i) => [i, v] as const))('hostile string #%i is refused in one line before anything is rendered', (_i, v) => {
    // The name is an identifier (a file in environments/), interpolated unmasked: it is validated, never escaped.
    counts.tried++;
    expect(() => renderPlan(plan([]), { env: v, ownership: ownershipFor('dev') })).toThrow(/^marker env: received .+; allowed: lower-case letters, digits and dashes$/);
    counts.refused++;
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Generated

const INTERNAL = /is not a function|Cannot read prop|undefined|\[object Object\]|Maximum call stack|TypeError|RangeError|SyntaxError|\n\s+at /;

/** Refused with one clean line, or rendered: never anything else. */
function refusedOrRendered(text: string): 'refused' | 'accepted' {
  let plan: TerraformPlan;
  try {
    plan = parsePlan(text);
  } catch (e) {
    if (!(e instanceof PlanInputError)) throw e;
    expect(e.message).toMatch(/^plan-json(?:: [^\n]+)?: received [^\n]+; allowed: [^\n]+$/);
    expect(e.message).not.toMatch(INTERNAL);
    return 'refused';
  }
  const md = renderPlan(plan, { env: 'dev', ownership: ownershipFor('dev') }).markdown;
  shape(md);
  return 'accepted';
}

/** A valid plan's JSON with the value at one path replaced by arbitrary JSON. */
function mutate(seed: TerraformPlan, pick: number, replacement: unknown): string {
  const copy = structuredClone(seed) as unknown as Record<string, unknown>;
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const stack: unknown[] = [copy];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) v.forEach((x, i) => (slots.push([v, i]), stack.push(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (slots.push([v as Record<string, unknown>, k]), stack.push(x));
  }
  const [holder, key] = slots[pick % slots.length];
  (holder as Record<string | number, unknown>)[key] = replacement;
  return JSON.stringify(copy);
}

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }));

/** A plan whose every string comes from `vals`; the same skeleton with harmless strings is the reference. */
function planFrom(vals: string[], actions: ResourceChange['change']['actions'][]): TerraformPlan {
  const v = (i: number) => vals[i % vals.length];
  return {
    format_version: '1.2',
    resource_changes: actions.map((a, i) => ({
      address: `aws_s3_bucket.${i}:${v(i)}`,
      mode: 'managed' as const,
      type: i % 2 === 0 ? 'aws_s3_bucket' : 'terraform_data',
      name: v(i + 1),
      ...(a.includes('delete') && !a.includes('create') ? { action_reason: 'delete_because_each_key', index: v(i + 2) } : {}),
      change: {
        actions: a,
        before: a[0] === 'create' && a.length === 1 ? null : { [`0:${v(i + 3)}`]: `${v(i + 4)}?`, tags: { [`1:${v(i + 5)}`]: `${v(i + 6)}?` } },
        after: a[0] === 'delete' && a.length === 1 ? null : { [`0:${v(i + 3)}`]: `${v(i + 4)}!`, tags: { [`1:${v(i + 5)}`]: `${v(i + 6)}!` } },
        ...(a.length === 2 ? { replace_paths: [[`0:${v(i + 3)}`]] } : {}),
        ...(a[0] === 'no-op' ? { importing: { id: v(i + 7) } } : {}),
      },
    })),
    resource_drift: [{ address: `aws_s3_bucket.drift:${v(8)}`, mode: 'managed', type: 'aws_s3_bucket', name: 'd', change: { actions: ['update'], before: { x: `${v(9)}?` }, after: { x: `${v(9)}!` } } }],
    output_changes: { [`o:${v(10)}`]: { actions: ['update'], before: `${v(11)}?`, after: `${v(11)}!` } },
  };
}

const ACTION_SETS: ResourceChange['change']['actions'][] = [['create'], ['update'], ['delete'], ['delete', 'create'], ['create', 'delete'], ['no-op'], ['forget']];

describe('generated plans (fast-check)', () => {
  test('valid shapes carrying arbitrary strings render with the structure of harmless strings', () => {
    fc.assert(fc.property(
      fc.array(hostileString.filter((s) => decodeJsonDocument(s) === undefined), { minLength: 12, maxLength: 12 }),
      fc.array(fc.constantFrom(...ACTION_SETS), { minLength: 1, maxLength: 6 }),
      (vals, actions) => {
        counts.tried++;
        const render = (p: TerraformPlan) => renderPlan(parsePlan(JSON.stringify(p)), { env: 'dev', ownership: ownershipFor('dev') }).markdown;
        const hostile = shape(render(planFrom(vals, actions)));
        const benign = shape(render(planFrom(vals.map((_, i) => `harmless-${i}`), actions)));
        expect(firstDifference(hostile.outline, benign.outline)).toBeUndefined();
        expect(hostile.detailsOpen).toBe(hostile.detailsClose);
        counts.accepted++;
      },
    ), { numRuns: 150 });
  });

  test('malformed shapes: a valid plan with any one value replaced by arbitrary JSON', () => {
    const seed = planFrom(['a', 'b', 'c'], [['create'], ['update'], ['delete', 'create'], ['delete']]);
    fc.assert(fc.property(fc.nat(), fc.jsonValue({ maxDepth: 4 }), (pick, replacement) => {
      counts.tried++;
      counts[refusedOrRendered(mutate(seed, pick, replacement)) === 'refused' ? 'refused' : 'accepted']++;
    }), { numRuns: 300 });
  });

  test('arbitrary JSON and arbitrary text', () => {
    fc.assert(fc.property(fc.oneof(fc.json({ maxDepth: 5 }), fc.string({ unit: 'binary' })), (text) => {
      counts.tried++;
      counts[refusedOrRendered(text) === 'refused' ? 'refused' : 'accepted']++;
    }), { numRuns: 200 });
  });
});
