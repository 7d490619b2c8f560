import { decodeJsonencode } from './hcl-literal';
import { BACKEND_TYPE, type StackFacts, type SynthesizedResource } from './types';

/** The parts of a synthesized stack (`TerraformStack.toTerraform()`, or a cdk.tf.json) the rules read. */
export interface TerraformConfig {
  readonly terraform?: { readonly backend?: Record<string, Record<string, unknown>> };
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
}

interface ResourceMetadata {
  readonly '//'?: { readonly metadata?: { readonly path?: string } };
}

/**
 * Every managed resource of a synthesized stack, plus its state backend as a `terraform_backend` pseudo resource.
 * Reading the synthesized configuration (rather than construct props) means rules see overrides, defaults cdktf
 * fills in and resolved tokens: exactly what Terraform will plan.
 */
export function synthesizedResources(tf: TerraformConfig, stackName: string, backendPath = `${stackName}/backend`): SynthesizedResource[] {
  const out: SynthesizedResource[] = [];
  for (const [type, byName] of Object.entries(tf.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) {
      const { '//': meta, ...attributes } = body as Record<string, unknown> & ResourceMetadata;
      out.push({
        type,
        address: `${type}.${name}`,
        path: meta?.metadata?.path ?? `${stackName}/${name}`,
        attributes: decodeAll(attributes) as Record<string, unknown>,
      });
    }
  }
  for (const [kind, config] of Object.entries(tf.terraform?.backend ?? {})) {
    out.push({ type: BACKEND_TYPE, address: `terraform.backend.${kind}`, path: backendPath, attributes: { backend_type: kind, ...config } });
  }
  return out;
}

function decodeAll(value: unknown): unknown {
  if (typeof value === 'string') return value.startsWith('${jsonencode(') ? (decodeJsonencode(value) ?? value) : value;
  if (Array.isArray(value)) return value.map(decodeAll);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeAll(v)]));
  }
  return value;
}

/** `${aws_lb.x.arn}` -> { address: 'aws_lb.x', attribute: 'arn' }; anything else -> undefined. */
export function parseReference(value: unknown): { address: string; attribute: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\$\{([A-Za-z_][\w-]*\.[A-Za-z_][\w-]*)\.([\w.[\]-]+)\}$/.exec(value);
  return m ? { address: m[1], attribute: m[2] } : undefined;
}

/** The resource a reference points to, when it is declared in this stack. */
export function resolveReference(stack: StackFacts, value: unknown): SynthesizedResource | undefined {
  const ref = parseReference(value);
  return ref ? stack.resources.find((r) => r.address === ref.address) : undefined;
}

/** Resources of `type` whose `attribute` references `target` (e.g. listeners whose load_balancer_arn is this ALB). */
export function referencing(stack: StackFacts, type: string, attribute: string, target: SynthesizedResource): SynthesizedResource[] {
  return stack.resources.filter((r) => r.type === type && parseReference(r.attributes[attribute])?.address === target.address);
}

/** Resources of `type` whose list `attribute` contains a reference to `target`. */
export function listing(stack: StackFacts, type: string, attribute: string, target: SynthesizedResource): SynthesizedResource[] {
  return stack.resources.filter((r) => {
    const v = r.attributes[attribute];
    return r.type === type && Array.isArray(v) && v.some((item) => parseReference(item)?.address === target.address);
  });
}

/** A nested block as a list: cdktf writes single blocks as objects and repeated ones as lists. */
export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((v): v is Record<string, unknown> => !!v && typeof v === 'object');
  if (value && typeof value === 'object') return [value as Record<string, unknown>];
  return [];
}

export function asStringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}
