import { parseDocument } from './lib/iam';
import { fromFindings, nonCompliant, NOT_APPLICABLE, type Finding, type PolicyRule } from './lib/types';

const GITHUB = 'token.actions.githubusercontent.com';
/** `repo:<owner>/<name>:...` with owner and name spelled out: a wildcard there trusts other repositories. */
const GITHUB_SUBJECT = /^repo:[A-Za-z0-9-]+\/[A-Za-z0-9._-]+:[^*?]+$/;
/**
 * The one wildcard allowed: the number in a pull request's merge ref, at the very end of a subject that names the
 * repository and the workflow file literally (the plan role's subject: a pull request's job_workflow_ref varies with it).
 */
const GITHUB_PULL_REQUEST_SUBJECT = /^repo:[A-Za-z0-9-]+\/[A-Za-z0-9._-]+:pull_request:[^*?]*job_workflow_ref:[A-Za-z0-9-]+\/[A-Za-z0-9._-]+\/\.github\/workflows\/[A-Za-z0-9._-]+@refs\/pull\/\*\/merge$/;

function conditionValues(condition: Record<string, Record<string, unknown>>, key: string): string[] | undefined {
  for (const byKey of Object.values(condition)) {
    for (const [k, v] of Object.entries(byKey ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) return (Array.isArray(v) ? v : [v]).map(String);
    }
  }
  return undefined;
}

/**
 * A role trusting an OIDC provider is assumable by every token the provider issues unless the subject is pinned:
 * for GitHub, any repository on github.com. The subject names this project's repositories (and an environment or
 * pull requests), the audience is STS.
 */
export const rule: PolicyRule = {
  id: 'iam-oidc-trust-scoped',
  requirement: 'Roles trusting an OIDC provider pin the audience and the subject (for GitHub: literal owner/repository, no wildcard but the number of a pull request\'s merge ref after a literal workflow file).',
  level: 'error',
  resourceTypes: ['aws_iam_role'],
  evaluate(resource) {
    const doc = parseDocument(resource.attributes.assume_role_policy);
    if (!doc.ok) return nonCompliant(doc.reason);
    const federated = doc.statements.filter(
      (s) => s.effect === 'Allow' && (s.principal as { Federated?: unknown } | undefined)?.Federated !== undefined && s.actions.includes('sts:AssumeRoleWithWebIdentity'),
    );
    if (federated.length === 0) return NOT_APPLICABLE;
    const findings: Finding[] = [];
    for (const s of federated) {
      const keys = Object.values(s.condition).flatMap((byKey) => Object.keys(byKey ?? {}));
      const subKey = keys.find((k) => k.toLowerCase().endsWith(':sub'));
      const audKey = keys.find((k) => k.toLowerCase().endsWith(':aud'));
      if (!subKey) findings.push({ id: s.name, reason: `statement ${s.name} trusts the OIDC provider without a subject condition: any identity it issues can assume the role` });
      if (!audKey) findings.push({ id: s.name, reason: `statement ${s.name} trusts the OIDC provider without an audience condition` });
      if (subKey?.toLowerCase() === `${GITHUB}:sub`) {
        const loose = (conditionValues(s.condition, subKey) ?? []).filter((v) => !GITHUB_SUBJECT.test(v) && !GITHUB_PULL_REQUEST_SUBJECT.test(v));
        if (loose.length > 0) findings.push({ id: s.name, reason: `statement ${s.name} trusts GitHub subjects ${loose.join(', ')}: name the owner/repository literally` });
      }
      if (audKey?.toLowerCase() === `${GITHUB}:aud` && (conditionValues(s.condition, audKey) ?? []).some((v) => v !== 'sts.amazonaws.com')) {
        findings.push({ id: s.name, reason: `statement ${s.name} accepts GitHub tokens for audiences other than sts.amazonaws.com` });
      }
    }
    return fromFindings(findings);
  },
};
