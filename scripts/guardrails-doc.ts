import { GUARDRAILS_DOC, updateGuardrailsDoc } from './lib/guardrails-doc';

// `npm run docs:guardrails`: regenerates the tables of docs/guardrails.md (rules, accepted risks, checkov skips)
// from the code; `--check` only reports whether they are current (exit 1 when not).
const check = process.argv.includes('--check');
const { changed } = updateGuardrailsDoc(!check);
process.stdout.write(changed ? (check ? `${GUARDRAILS_DOC} is out of date: run npm run docs:guardrails\n` : `${GUARDRAILS_DOC} updated\n`) : `${GUARDRAILS_DOC} is current\n`);
process.exitCode = check && changed ? 1 : 0;
