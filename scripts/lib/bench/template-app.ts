import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliTemplate } from '../framework-template';

/**
 * The "template approach" the benchmark compares against: a project as `cdktf init --template=typescript` creates it
 * (its own tsconfig.json and main.ts, copied from the installed cdktf-cli), run the way its cdktf.json runs it
 * (`ts-node main.ts`, which type-checks), with one resource imported from the AWS provider's package root — how the
 * provider's README and most examples import it. Only the synthesis process is measured (no `npx`, no cdktf CLI).
 */
export interface TemplateApp {
  readonly dir: string;
  /** The script to run with `node` (ts-node's CLI) and its arguments. */
  readonly script: string;
  readonly args: string[];
  /** The stack's synthesized file, checked after each run. */
  readonly output: string;
}

export const TEMPLATE_STACK = 'template';

export function createTemplateApp(root: string, dir: string): TemplateApp {
  // cdktf-cli's template, or cdktn-cli's with its `cdktn` import renamed to the installed module (scripts/lib/framework-template.ts).
  const { dir: template, toInstalledModule } = cliTemplate(root);
  const tsNode = join(root, 'node_modules', 'ts-node', 'dist', 'bin.js');
  for (const needed of [join(template, 'main.ts'), join(template, 'tsconfig.json'), tsNode]) {
    if (!existsSync(needed)) throw new Error(`template baseline: ${needed} is missing: run \`npm ci\` (cdktf-cli and ts-node are devDependencies)`);
  }
  const cdkImport = 'import { App, TerraformStack } from "cdktf";';
  const placeholder = '// define resources here';
  const main = toInstalledModule(readFileSync(join(template, 'main.ts'), 'utf8'));
  if (!main.includes(cdkImport) || !main.includes(placeholder)) {
    throw new Error(`template baseline: ${join(template, 'main.ts')} no longer has the expected shape; update template-app.ts`);
  }
  const withResource = main
    .replace(cdkImport, `${cdkImport}\nimport { provider, s3Bucket } from "@cdktf/provider-aws";`)
    .replace(placeholder, ['new provider.AwsProvider(this, "aws", { region: "eu-west-1" });', '    new s3Bucket.S3Bucket(this, "bucket", { bucketPrefix: "template-baseline" });'].join('\n'))
    .replace(/\{\{ \$base \}\}/g, TEMPLATE_STACK);
  writeFileSync(join(dir, 'main.ts'), withResource);
  writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(template, 'tsconfig.json')));
  writeFileSync(join(dir, 'cdktf.json'), JSON.stringify({ language: 'typescript', app: 'npx ts-node main.ts' }, null, 2));
  // The packages this repository installed, as a freshly initialized project would have them.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, script: tsNode, args: ['main.ts'], output: join(dir, 'cdktf.out', 'stacks', TEMPLATE_STACK, 'cdk.tf.json') };
}

/** The resource types the template stack synthesized; throws when it did not synthesize. */
export function templateResources(app: TemplateApp): string[] {
  if (!existsSync(app.output)) throw new Error(`template baseline produced no ${app.output}`);
  const tf = JSON.parse(readFileSync(app.output, 'utf8')) as { resource?: Record<string, unknown> };
  return Object.keys(tf.resource ?? {});
}
