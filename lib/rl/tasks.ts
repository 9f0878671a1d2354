// The tasks of a run, from its config: the synthetic suite (TOOLEXPANDER.md section 8) or
// JSONL files. Held-out splits are cut to eval.size tasks each.

import { readTasks } from '../data/read.js';
import { syntheticSuite } from '../data/synthetic/suite.js';
import type { Task } from '../data/types.js';
import type { TrainConfig } from './config.js';

export type RunTasks = { train: Task[]; evalSplits: Record<string, Task[]> };

async function collect(path: string): Promise<Task[]> {
  const out: Task[] = [];
  for await (const t of readTasks(path)) out.push(t);
  return out;
}

export async function loadRunTasks(cfg: TrainConfig): Promise<RunTasks> {
  const evalSplits: Record<string, Task[]> = {};
  if (cfg.data.source === 'synthetic') {
    const size = cfg.eval.size;
    const s = syntheticSuite({
      seed: cfg.data.seed, trainSize: cfg.data.trainSize, trainFrom: cfg.data.trainFrom ?? 0, trainValues: cfg.data.trainValues ?? 'train', testSize: Math.min(size, cfg.data.testSize),
      testTemplatesSize: size, testUnseenApisSize: size,
    });
    for (const split of cfg.eval.splits) evalSplits[split] = s[split].slice(0, size);
    return { train: s.train, evalSplits };
  }
  for (const split of cfg.eval.splits) {
    const path = cfg.data.eval[split];
    if (path !== undefined) evalSplits[split] = (await collect(path)).slice(0, cfg.eval.size);
  }
  return { train: await collect(cfg.data.train), evalSplits };
}

export function allTasks(t: RunTasks): Task[] {
  return [...t.train, ...Object.values(t.evalSplits).flat()];
}
