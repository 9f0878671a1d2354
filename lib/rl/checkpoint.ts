// Checkpoints: every K steps the policy saves itself into checkpoints/step-NNNNNN/ and the
// trainer writes its own state beside it (trainer-state.json); checkpoints/latest.json then
// points at the new folder. Each file is written atomically (temp + fsync + rename), and the
// pointer is written last, so a run killed at any moment resumes from a complete checkpoint.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../model/atomic-write.js';
import type { Policy } from '../model/policy.js';
import type { LevelBook } from '../toolexpander/levels.js';
import type { QueueState } from './queue.js';

export const TRAINER_STATE_VERSION = 1;

export type TrainerState = {
  version: number;
  /** The next step to run (= steps completed). */
  step: number;
  /**
   * Randomness is counter-based: every draw comes from stream(seed, purpose, step, ...), so
   * the seed and the counters below are the whole RNG state.
   */
  rng: { scheme: 'counter'; seed: number };
  queue: QueueState;
  book: LevelBook;
  /** The losses of the last lossVarianceWindow steps. */
  lossWindow: number[];
  /** Learning rate of the last step run (informational: the schedule is a function of step). */
  lr: number;
  /** Byte length of metrics.jsonl when this checkpoint was taken. */
  metricsBytes: number;
};

const enc = (x: unknown) => [Buffer.from(`${JSON.stringify(x, null, 1)}\n`, 'utf8')];

export function checkpointDir(runDir: string, step: number): string {
  return join(runDir, 'checkpoints', `step-${String(step).padStart(6, '0')}`);
}

export async function saveCheckpoint(runDir: string, policy: Pick<Policy, 'save'>, state: TrainerState): Promise<string> {
  if (policy.save === undefined) throw new TxError('E_STATE', 'the policy cannot save itself (no save method): checkpoints need one');
  const dir = checkpointDir(runDir, state.step);
  await mkdir(dir, { recursive: true });
  await policy.save(dir);
  await writeFileAtomic(join(dir, 'trainer-state.json'), enc(state));
  await writeFileAtomic(join(runDir, 'checkpoints', 'latest.json'), enc({ step: state.step, dir: join('checkpoints', `step-${String(state.step).padStart(6, '0')}`) }));
  return dir;
}

/** The latest complete checkpoint of a run: its folder and trainer state. */
export async function loadLatestCheckpoint(runDir: string): Promise<{ dir: string; state: TrainerState }> {
  let pointer: { dir?: unknown };
  try {
    pointer = JSON.parse(await readFile(join(runDir, 'checkpoints', 'latest.json'), 'utf8')) as { dir?: unknown };
  } catch (e) {
    throw new TxError('E_STATE', `cannot resume ${runDir}: no checkpoints/latest.json (${(e as Error).message})`);
  }
  if (typeof pointer.dir !== 'string') throw new TxError('E_FORMAT', `${runDir}/checkpoints/latest.json: dir must be a string`);
  const dir = join(runDir, pointer.dir);
  const state = JSON.parse(await readFile(join(dir, 'trainer-state.json'), 'utf8')) as TrainerState;
  if (state.version !== TRAINER_STATE_VERSION) {
    throw new TxError('E_FORMAT', `${dir}/trainer-state.json: version ${String(state.version)}, expected ${TRAINER_STATE_VERSION}`);
  }
  return { dir, state };
}
