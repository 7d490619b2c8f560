import { App, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { attachPolicyChecks } from '../../rules/lib/aspect';
import { rule as logsRetention } from '../../rules/logs-retention';
import { scratchDir } from '../../scripts/lib/synth';

/**
 * The cdktf CLI prints whatever an app writes to stderr as red `[ERROR]` lines. A synthesis that succeeds with
 * warnings and accepted risks must therefore print its policy report on stdout, and nothing on stderr.
 */
describe('policy report output on a successful synthesis', () => {
  test('GIVEN a warning-level finding WHEN the app synthesizes THEN the report goes to stdout and stderr stays empty', () => {
    const scratch = scratchDir('policy-report-output');
    const out: string[] = [];
    const err: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
    try {
      const app = new App({ outdir: scratch.dir });
      const stack = new TerraformStack(app, 'report');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      new CloudwatchLogGroup(stack, 'logs', { name: '/x' });
      // A rule at warning level: the synthesis goes on and reports it.
      attachPolicyChecks(stack, { production: false, target: 'aws', rules: [{ ...logsRetention, level: 'warning' }] });
      app.synth();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      scratch.remove();
    }
    expect(out.join('')).toMatch(/^policy report: 1 rules, \d+ resources, 0 errors, 1 warnings, 0 accepted risks/m);
    expect(out.join('')).toContain('warning logs-retention at report/logs');
    expect(err.join('')).toBe('');
  });
});
