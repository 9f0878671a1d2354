// Metrics sinks: where a run's records go besides metrics.jsonl. metrics.jsonl is always
// written (resume and report.html read it back); config.report.sinks adds trackers, the
// first of which is TensorBoard (event files under RUN_DIR/tensorboard/, written by the
// package itself: `tensorboard --logdir runs/` shows every run).

import { join } from 'node:path';
import { TxError } from '../errors.js';
import type { MetricsRecord } from './records.js';
import { EventFileWriter, type Scalar } from './tfevents.js';

export const SINK_NAMES = ['jsonl', 'tensorboard'] as const;
export type SinkName = (typeof SINK_NAMES)[number];

/** Receives every record the trainer logs, in order. */
export interface MetricsSink {
  readonly name: string;
  write(record: MetricsRecord): void;
  close(): void;
}

/**
 * A record as TensorBoard scalars at a global step = steps trained: a step record (0-based
 * `step`) lands at step + 1, an eval record at its own `step` (steps trained before it), so
 * the curves of both line up. Every number is logged; kl is skipped when null.
 */
export function scalarsOf(record: MetricsRecord): { step: number; scalars: Scalar[] } {
  const scalars: Scalar[] = [];
  if (record.type === 'eval') {
    scalars.push({ tag: 'eval/accuracy', value: record.accuracy });
    for (const [split, r] of Object.entries(record.splits)) {
      scalars.push({ tag: `eval/${split}/accuracy`, value: r.accuracy });
      for (const [cat, a] of Object.entries(r.byCategory)) scalars.push({ tag: `eval/${split}/${cat}/accuracy`, value: a.accuracy });
    }
    return { step: record.step, scalars };
  }
  for (const [field, v] of Object.entries(record)) {
    if (field === 'type' || field === 'step') continue;
    if (typeof v === 'number') scalars.push({ tag: `train/${field}`, value: v });
    else if (Array.isArray(v)) v.forEach((x, k) => { if (typeof x === 'number') scalars.push({ tag: `train/${field}/${k + 1}`, value: x }); });
  }
  return { step: record.step + 1, scalars };
}

export class TensorBoardSink implements MetricsSink {
  readonly name = 'tensorboard';
  private readonly writer: EventFileWriter;

  /**
   * `resumeStep`: the run continues from a checkpoint after this many steps. TensorBoard
   * then drops the events the killed run logged past it (a SessionLog START at that step
   * marks the restart), so no step is shown twice.
   */
  constructor(dir: string, opts: { resumeStep?: number; now?: () => number } = {}) {
    this.writer = new EventFileWriter(dir, opts.now);
    if (opts.resumeStep !== undefined) this.writer.write(opts.resumeStep, { sessionStart: true });
  }

  get path(): string {
    return this.writer.path;
  }

  write(record: MetricsRecord): void {
    const { step, scalars } = scalarsOf(record);
    if (scalars.length > 0) this.writer.write(step, { scalars });
  }

  close(): void {
    this.writer.close();
  }
}

/**
 * The extra sinks a run's config names ('jsonl' is metrics.jsonl itself, opened by the
 * caller). `resumeStep`: see TensorBoardSink.
 */
export function openSinks(names: readonly string[], runDir: string, opts: { resumeStep?: number } = {}): MetricsSink[] {
  const sinks: MetricsSink[] = [];
  for (const name of names) {
    if (name === 'jsonl') continue;
    if (name === 'tensorboard') sinks.push(new TensorBoardSink(join(runDir, 'tensorboard'), opts));
    else throw new TxError('E_RANGE', `report.sinks: unknown sink '${name}'; one of ${SINK_NAMES.join(', ')}`);
  }
  return sinks;
}
