import { blocks } from './lib/synthesized';
import { fromFindings, type Finding, type PolicyRule } from './lib/types';

/** Immutable tags make a tag name one image forever (no `latest` re-pointing); scan on push flags known CVEs. */
export const rule: PolicyRule = {
  id: 'ecr-immutable-scan',
  requirement: 'ECR repositories have immutable tags and scan every image on push.',
  level: 'error',
  resourceTypes: ['aws_ecr_repository'],
  evaluate(resource) {
    const findings: Finding[] = [];
    const mutability = String(resource.attributes.image_tag_mutability ?? 'MUTABLE');
    if (mutability !== 'IMMUTABLE') {
      findings.push({ reason: `image_tag_mutability is ${mutability}: a tag can be re-pointed at other bytes (the "latest" anti-pattern); set IMMUTABLE` });
    }
    if (blocks(resource.attributes.image_scanning_configuration)[0]?.scan_on_push !== true) {
      findings.push({ reason: 'images are not scanned on push (image_scanning_configuration.scan_on_push is not true)' });
    }
    return fromFindings(findings);
  },
};
