import { exampleCommands } from '../../scripts/lib/sandbox/print';
import type { SandboxState } from '../../scripts/lib/sandbox/server';

// The row in use is CDK Terrain: the framework module answers as cdktn would.
jest.mock('../../src/framework', () => ({ ...jest.requireActual('../../src/framework'), frameworkCli: () => 'npx cdktn' }));

const state: SandboxState = {
  pid: 1,
  port: 5000,
  endpoint: 'http://127.0.0.1:5000',
  region: 'eu-west-1',
  startedAt: '2026-01-01T00:00:00.000Z',
  ready: true,
  environments: [{ name: 'dev', deployRoleArn: 'arn:aws:iam::111111111111:role/webapp-dev-ci-deploy' }],
  images: [],
};

describe('the sandbox\'s example commands (issue 17: messages name the command of the row in use)', () => {
  test('GIVEN CDK Terrain installed WHEN the sandbox prints its examples THEN the plan example is npx cdktn plan dev, not npx cdktf', () => {
    // WHEN
    const commands = exampleCommands(state);
    // THEN
    expect(commands).toContain('npx cdktn plan dev');
    expect(commands.join('\n')).not.toContain('npx cdktf');
  });
});
