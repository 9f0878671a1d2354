// The tasks of a run, from its config: the synthetic suite (docs/method.md section 9) or
// JSONL files. Held-out splits are cut to eval.size tasks each.

import { readTasks } from '../data/read.js';
import { TxError } from '../errors.js';
import { syntheticSuite } from '../data/synthetic/suite.js';
import type { Task } from '../data/types.js';
import type { TrainConfig } from './config.js';

export type RunTasks = { train: Task[]; evalSplits: Record<string, Task[]> };

async function collect(path: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of readTasks(path)) out.push(t);
  if (out.length === 0) throw new TxError('E_FORMAT', `${path}: no tasks (the file is empty)`);
  return out;
}

export async function loadRunTasks(cfg: TrainConfig): Promise<RunTasks> {
  const evalSplits: Record<string, Task[]> = {};
  if (cfg.data.source === 'synthetic') {
    const size = cfg.eval.size;
    const s = syntheticSuite({
      seed: cfg.data.seed, trainSize: cfg.data.trainSize, testSize: Math.min(size, cfg.data.testSize),
      testTemplatesSize: size, testUnseenApisSize: size,
    });
    for (const split of cfg.eval.splits) evalSplits[split] = s[split].slice(0, size);
    return { train: s.train, evalSplits };
  }
  // A JSON config may omit data.eval (the type says it is there once resolved). Splits
  // without a file are skipped; none at all while evaluations are due is a config mistake.
  const files: Partial<Record<string, string>> = cfg.data.eval ?? {};
  if (cfg.eval.every > 0 && cfg.eval.splits.length > 0 && !cfg.eval.splits.some((s) => files[s] !== undefined)) {
    throw new TxError('E_FORMAT', `config data.eval: no held-out task file for any of eval.splits (${cfg.eval.splits.join(', ')}); `
      + `give e.g. data.eval.${cfg.eval.splits[0] ?? 'test'} (a JSONL task file), or set eval.every to 0 to train without evaluations`);
  }
  for (const split of cfg.eval.splits) {
    const path = files[split];
    if (path !== undefined) evalSplits[split] = (await collect(path)).slice(0, cfg.eval.size);
  }
  return { train: await collect(cfg.data.train), evalSplits };
}

export function allTasks(t: RunTasks): Task[] {
  return [...t.train, ...Object.values(t.evalSplits).flat()];
}
