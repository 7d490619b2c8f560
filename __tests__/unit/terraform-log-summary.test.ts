import { commandKind, summarise } from '../../scripts/terraform-log';
import type { TerraformLogLine } from '../../scripts/lib/terraform-log';

const line = (p: Partial<TerraformLogLine>): TerraformLogLine => ({
  file: 'e2e/a.test.ts', test: 't', command: 'plan -input=false', targets: 0, cwd: '/x', exitCode: 0, wallSeconds: 1, terraformCpuSeconds: 1, providerCpuSeconds: 0, ...p,
});

describe('node dist/scripts/terraform-log.js: where the Terraform CPU of a run went', () => {
  test('commands group by what changes their cost: the command, -target, -json', () => {
    expect(commandKind({ command: 'plan -input=false -detailed-exitcode -out=tfplan', targets: 0 })).toBe('plan');
    expect(commandKind({ command: 'apply -auto-approve -input=false', targets: 3 })).toBe('apply -target');
    expect(commandKind({ command: 'show -json tfplan', targets: 0 })).toBe('show -json');
    expect(commandKind({ command: 'show tfplan', targets: 0 })).toBe('show');
  });

  test('totals per kind and per file add Terraform\'s and the pooled provider\'s CPU, costliest first', () => {
    // GIVEN two plans of one file and a show of another, one line without a CPU figure
    const text = summarise([
      line({ terraformCpuSeconds: 2, providerCpuSeconds: 1.5, wallSeconds: 8 }),
      line({ terraformCpuSeconds: 2.5, providerCpuSeconds: 1, wallSeconds: 9 }),
      line({ file: 'e2e/b.test.ts', command: 'show -json tfplan', terraformCpuSeconds: 1, providerCpuSeconds: 0.3 }),
      line({ file: null, command: 'init -input=false', terraformCpuSeconds: null }),
    ]);
    const rows = text.split('\n').map((l) => l.trim().split(/\s{2,}/));
    // THEN the plans come first with their sums, and the line without a figure is said
    expect(text.split('\n')[0]).toBe('4 Terraform commands (1 without a CPU figure: no GNU time here)');
    expect(rows).toContainEqual(['plan', '2', '4.5', '2.5', '7.0', '17.0']);
    expect(rows).toContainEqual(['show -json', '1', '1.0', '0.3', '1.3', '1.0']);
    expect(rows).toContainEqual(['(outside Jest)', '1', '0.0', '0.0', '0.0', '1.0']);
    const kinds = rows.filter((r) => ['plan', 'show -json', 'init'].includes(r[0])).map((r) => r[0]);
    expect(kinds).toEqual(['plan', 'show -json', 'init']);
  });
});
