import { Testing } from 'cdktf';
// Brings the type declarations of cdktf's matchers into the test files.
import 'cdktf/lib/testing/adapters/jest';

// cdktf's matchers: toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, toPlanSuccessfully.
Testing.setupJest();

// Property tests run from one fixed seed in `npm test`, so a run is reproducible and CI cannot turn red on a draw it
// has never made before; `npm run fuzz` draws fresh seeds (FC_SEED=random) to keep exploring, and a failure it finds
// is replayed with FC_SEED=<the seed it prints> and then kept as a listed case.
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ seed: seed === undefined ? 20261201 : Number(seed) });

// The AWS provider servers this file's Terraform commands reused (scripts/lib/provider-pool.ts) stop with the file.
import { closeProviderPool } from '../scripts/lib/provider-pool';

afterAll(() => closeProviderPool());

// Each file's worker priority: end-to-end files first, CPU-bound files on what they leave (see the sequencer).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prioritize } = require('./helpers/test-sequencer.js') as { prioritize(testPath: string): number | null };
prioritize(expect.getState().testPath ?? '');
