import { loadEnvironment } from '../../environments';
import staging from '../../environments/examples/staging';
import { createContext } from '../../src/release/context';
import { promotionSource } from '../../src/release/chain';
import { preflight } from '../../src/release/preflight';
import { cli, mockAws } from '../helpers/release-mocks';
import { dev, variant } from '../helpers/stacks';

/** The release CLI's view of a chain where staging shares dev's account (environments/examples/staging.ts). */
const sameRegionStaging = variant(staging, {
  region: 'eu-west-1',
  registry: { repositoryName: 'webapp-staging' },
  network: { availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
  services: Object.fromEntries(['web', 'worker', 'nightly'].map((n) => [n, { secrets: { DATABASE_URL: 'arn:aws:ssm:eu-west-1:111111111111:parameter/webapp/staging/database-url' } }])),
});
const ctx = (stagingConfig = staging) => createContext({ loadEnvironment: (n) => (n === 'staging' ? stagingConfig : n === 'dev' ? dev : loadEnvironment(n)) });

describe('ecs-release promote between environments of one account', () => {
  test('GIVEN staging in dev\'s account with its own registry (another region) WHEN promoting dev -> staging THEN the preflight accepts it', () => {
    expect(() => preflight(ctx(), 'promote', { from: 'dev', to: 'staging', group: 'app' })).not.toThrow();
    // and the other links of the chain
    expect(() => preflight(ctx(), 'promote', { from: 'staging', to: 'prod', group: 'app' })).not.toThrow();
  });

  test('GIVEN two environments on one registry (same account and region) WHEN promoting THEN refused in one line before any AWS call', () => {
    // The digest reaches --to only by replication into its own registry; one registry cannot replicate into itself.
    expect(() => preflight(ctx(sameRegionStaging), 'promote', { from: 'dev', to: 'staging', group: 'app' })).toThrow(
      '--to: received "staging"; allowed: an environment with its own registry, not in dev\'s account and region (111111111111/eu-west-1)',
    );
  });
});

describe('ecs-release promote without --from takes the environment before --to in the promotion chain', () => {
  const mocks = mockAws();
  afterAll(() => mocks.restore());
  const chain = createContext({ environments: ['dev', 'staging', 'prod'] });

  test('GIVEN dev -> staging -> prod WHEN --from is left out THEN each environment is promoted from the one before it', () => {
    expect(['staging', 'prod'].map((to) => promotionSource(chain, to, undefined))).toEqual(['dev', 'staging']);
    // an explicit --from wins (a hotfix promoted from dev straight to prod, say)
    expect(promotionSource(chain, 'prod', 'dev')).toBe('dev');
    // the shipped list: prod is promoted from dev
    expect(promotionSource(createContext(), 'prod', undefined)).toBe('dev');
  });

  test('GIVEN the first environment of the chain WHEN promoting to it without --from THEN refused in one line, nothing called', async () => {
    mocks.reset();
    const r = await cli(['promote', '--to', 'dev', '--group', 'app']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('ecs-release: --from: received nothing; allowed: an environment to promote from: dev is the first of the promotion chain (dev -> prod) and receives images with ecs-release deploy');
    expect(r.calls).toEqual([]);
  });
});
