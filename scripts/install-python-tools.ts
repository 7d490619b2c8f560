/** `npm run tools:python`: installs the pinned Python tools of the test tiers (moto, checkov) up front. */
import { pythonTool, type PythonTool } from './lib/python-tools';

for (const tool of ['moto', 'checkov'] as PythonTool[]) {
  const started = Date.now();
  const bin = pythonTool(tool);
  process.stdout.write(`${tool}: ${bin} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
