import { App } from 'cdktf';
import { loadEnvironment } from './environments';
import { EnvironmentStack } from './stacks/environment-stack';

// One stack per environment (= per AWS account); the stack id is the environment name: `cdktf plan dev`.
const app = new App();
new EnvironmentStack(app, loadEnvironment('dev'));
new EnvironmentStack(app, loadEnvironment('prod'));
app.synth();
