import { BACKEND_TYPE, COMPLIANT, nonCompliant, NOT_APPLICABLE, type PolicyRule } from './lib/types';

/** Backends whose storage is always encrypted at rest by the service. */
const ENCRYPTED_BY_SERVICE = new Set(['remote', 'cloud', 'gcs', 'azurerm']);

/** State holds every attribute of every resource, secrets included. */
export const rule: PolicyRule = {
  id: 'state-backend-encrypted',
  requirement: 'Terraform state of a real account lives in an encrypted remote backend (S3 with encrypt = true).',
  level: 'error',
  resourceTypes: [BACKEND_TYPE],
  evaluate(resource, stack) {
    const kind = String(resource.attributes.backend_type);
    if (kind === 's3') {
      return resource.attributes.encrypt === true ? COMPLIANT : nonCompliant('the S3 backend does not set encrypt = true');
    }
    if (kind === 'local') {
      // Offline previews and the emulator hold no real account's state.
      return stack.target === 'aws' ? nonCompliant('state of a real account is kept in a local file: unencrypted, unshared, unlocked') : NOT_APPLICABLE;
    }
    return ENCRYPTED_BY_SERVICE.has(kind) ? COMPLIANT : nonCompliant(`backend "${kind}": encryption of the state cannot be verified`);
  },
};
