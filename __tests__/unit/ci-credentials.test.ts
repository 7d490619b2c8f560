import { Testing } from 'cdktf';
import { CREDENTIALS_CONTEXT_KEY, EnvironmentStack } from '../../stacks/environment-stack';
import { dev } from '../helpers/stacks';

function provider(context: Record<string, unknown>): Record<string, unknown> {
  const app = Testing.app({ context });
  return JSON.parse(Testing.synth(new EnvironmentStack(app, dev))).provider.aws[0];
}

describe('credentials for CI (the plan and apply workflows)', () => {
  test('with ambient credentials the provider uses the job\'s OIDC role as is, still fenced to the account', () => {
    const p = provider({ [CREDENTIALS_CONTEXT_KEY]: 'ambient' });
    expect(p.assume_role).toBeUndefined();
    expect(p.allowed_account_ids).toEqual([dev.accountId]);
  });

  test('by default the provider assumes the environment\'s Terraform role', () => {
    expect(provider({}).assume_role).toEqual([{ role_arn: dev.terraformRoleArn, session_name: 'terraform-dev' }]);
  });

  test('an unknown mode is refused in one line', () => {
    expect(() => provider({ [CREDENTIALS_CONTEXT_KEY]: 'keys' })).toThrow('context ecs-coexist:credentials: received "keys"; allowed: "assume-role" or "ambient"');
  });
});
