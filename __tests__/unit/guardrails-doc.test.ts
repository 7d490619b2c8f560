import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUARDRAILS_DOC, renderGuardrailsDoc } from '../../scripts/lib/guardrails-doc';
import { repoRoot } from '../../scripts/lib/paths';

test('docs/guardrails.md lists the current rules, accepted risks and checkov skips (npm run docs:guardrails)', () => {
  // GIVEN the document as committed / WHEN its generated tables are rendered from the code / THEN nothing changes
  const current = readFileSync(join(repoRoot(), GUARDRAILS_DOC), 'utf8');
  const rendered = renderGuardrailsDoc(current);
  if (rendered !== current) {
    const at = [...rendered].findIndex((c, i) => c !== current[i]);
    throw new Error(`${GUARDRAILS_DOC} is out of date near "${rendered.slice(at, at + 80).replace(/\n/g, '\\n')}": run npm run docs:guardrails`);
  }
});
