import { Testing } from 'cdktf';
// Brings the type declarations of cdktf's matchers into the test files.
import 'cdktf/lib/testing/adapters/jest';

// cdktf's matchers: toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, toPlanSuccessfully.
Testing.setupJest();
