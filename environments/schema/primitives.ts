import { z } from 'zod';

/** The schema's building blocks: each refusal message is the "allowed" part of a ConfigError line. */
export const str = (pattern: RegExp, allowed: string) => z.string().regex(pattern, { message: allowed });
export const int = (min: number, max: number) => z.number().int().min(min).max(max);
export const oneOf = (values: readonly number[]) => z.number().refine((v) => values.includes(v), { message: `one of ${values.join(', ')}` });
