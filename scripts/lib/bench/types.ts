import type { PlanCommentScaleRow } from './plan-comment-scale';
/** The benchmark's data model: what `bench/results.json` holds and what each measurement returns. */

export type Unit = 's' | 'ms' | 'MiB' | 'x' | 'calls' | 'tests' | 'ratio';

export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
}

/** One reported number. `value` is the median of `samples` when there are several. */
export interface Figure {
  /** Stable key, e.g. `synth.project.wall`. */
  readonly id: string;
  readonly label: string;
  readonly unit: Unit;
  /** `not-measured`: the measurement exists in the table but cannot run yet; `value` is null and `note` says why. */
  readonly status: 'measured' | 'not-measured';
  readonly value: number | null;
  readonly samples?: number[];
  readonly target?: Target;
  /** Whether `value` meets `target`; null without a target or a value. */
  readonly met: boolean | null;
  readonly note?: string;
}

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly figures: Figure[];
  /** Evidence that the measured thing really ran (outputs checked, test counts), per measurement. */
  readonly evidence?: Record<string, unknown>;
  /** How to read the figures (printed under the section's table in the README). */
  readonly notes?: string[];
}

export interface BenchResults {
  readonly schemaVersion: 1;
  readonly generatedBy: string;
  readonly generatedAt: string;
  readonly mode: 'full' | 'quick';
  readonly repetitions: number;
  readonly machine: {
    readonly node: string;
    readonly platform: string;
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly loadAverageAtStart: number[];
  };
  readonly durationSeconds: number;
  readonly sections: Section[];
  /**
   * `plan-comment` on plans of several sizes (scripts/lib/bench/plan-comment-scale.ts, measurePlanCommentScale): time
   * and peak memory per size, to show they grow linearly. Optional: docs/performance.md renders it when present.
   */
  readonly planCommentScale?: PlanCommentScaleRow[];
}

/** One plan size measured by measurePlanCommentScale (the row type is written once, beside the measurement). */
export type { PlanCommentScaleRow } from './plan-comment-scale';

export interface BenchContext {
  /** Repository root (the commands measured run here). */
  readonly root: string;
  /** Runs per figure; medians are taken over them. */
  readonly repetitions: number;
  readonly quick: boolean;
  /** Scratch directory for this run, removed afterwards. */
  readonly scratch: string;
  /** Sections measured earlier in this run (for figures derived from several measurements). */
  readonly earlier: readonly Section[];
  log(message: string): void;
}

/**
 * One row group of the benchmark. Adding a figure to the benchmark = adding one of these to `MEASUREMENTS`
 * (scripts/lib/bench/measurements.ts); the table, the JSON and the README block follow from it.
 */
export interface Measurement {
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<Omit<Section, 'id' | 'title'>>;
}

export function figure(f: Omit<Figure, 'met' | 'status'> & { status?: Figure['status'] }): Figure {
  const status = f.status ?? 'measured';
  const met = f.target && f.value !== null ? (f.target.op === '<=' ? f.value <= f.target.value : f.value >= f.target.value) : null;
  return { ...f, status, met };
}

/** A figure the benchmark will report once what it measures exists; never a made-up number. */
export function notMeasured(f: Pick<Figure, 'id' | 'label' | 'unit' | 'target'> & { note: string }): Figure {
  return { ...f, status: 'not-measured', value: null, met: null };
}
