/** A container definition as the rules read it (the fields they use). */
export interface ContainerDefinition {
  readonly name?: string;
  readonly image?: string;
  readonly environment?: { name?: string; value?: string }[];
  readonly secrets?: { name?: string; valueFrom?: string }[];
  readonly versionConsistency?: string;
}

/** The container definitions of a task definition, or a one-line reason why they cannot be read. */
export function containerDefinitions(value: unknown): { ok: true; containers: ContainerDefinition[] } | { ok: false; reason: string } {
  if (typeof value !== 'string') return { ok: false, reason: 'container_definitions is missing' };
  try {
    const parsed = JSON.parse(value) as unknown;
    if (!Array.isArray(parsed)) return { ok: false, reason: 'container_definitions is not a JSON list' };
    return { ok: true, containers: parsed as ContainerDefinition[] };
  } catch {
    return { ok: false, reason: `container_definitions is not literal JSON (${value.slice(0, 60)}...), so it cannot be checked` };
  }
}
