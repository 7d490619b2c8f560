/**
 * ALB TLS policies considered current (TLS 1.2+ only, forward secrecy): the configuration accepts only these
 * (environments/schema.ts) and the policy rule alb-tls-policy refuses any other on a synthesized listener.
 */
export const CURRENT_TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04',
  'ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04',
] as const;
