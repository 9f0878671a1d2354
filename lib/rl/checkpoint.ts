// Checkpoints: every K steps the policy saves itself into checkpoints/step-NNNNNN/ and the
// trainer writes its own state beside it (trainer-state.json); checkpoints/latest.json then
// points at the new folder. Each file is written atomically (temp + fsync + rename), and the
// pointer is written last, so a run killed at any moment resumes from a complete checkpoint.
// A checksums.sha256 manifest (checkpoint-manifest.ts) covers every file of the folder, and
// everything read back is size-limited and shape-checked: a checkpoint may come from
// elsewhere (a copied run folder), and a corrupt one must fail loudly, not resume wrongly.

import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { Policy } from '../model/policy.js';
import type { LevelBook } from '../toolexpander/levels.js';
import { verifyManifest, writeManifest } from './checkpoint-manifest.js';
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
  /** Rollouts generated so far (rolloutBudget counts them). Absent in older checkpoints: 0. */
  rollouts?: number;
  /** Prompts rescued with demonstrations not yet seen again at level 0 (hint reliance). */
  rescued?: string[];
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
  await writeManifest(dir);
  await writeFileAtomic(join(runDir, 'checkpoints', 'latest.json'), enc({ step: state.step, dir: join('checkpoints', `step-${String(state.step).padStart(6, '0')}`) }));
  return dir;
}

/** latest.json is a two-field pointer; trainer-state.json holds the queue (one id per task). */
const MAX_POINTER_BYTES = 64 << 10;
export const MAX_TRAINER_STATE_BYTES = 256 << 20;

async function readLimited(path: string, limit: number, what: string): Promise<string> {
  const size = (await stat(path)).size;
  if (size > limit) throw new TxError('E_FORMAT', `${what} ${path} is ${size} bytes, more than the ${limit} allowed`);
  return readFile(path, 'utf8');
}

const isInt = (x: unknown, min = 0): x is number => Number.isSafeInteger(x) && (x as number) >= min;
const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Shape checks of a parsed trainer-state.json: every field the trainer reads, with its type. */
export function validateTrainerState(x: unknown, where: string): TrainerState {
  const bad = (field: string, want: string): never => {
    throw new TxError('E_FORMAT', `${where}: ${field} must be ${want}`);
  };
  if (!isObj(x)) return bad('the file', 'a JSON object');
  if (x['version'] !== TRAINER_STATE_VERSION) {
    throw new TxError('E_FORMAT', `${where}: version ${String(x['version'])}, expected ${TRAINER_STATE_VERSION}`);
  }
  if (!isInt(x['step'])) bad('step', 'an integer >= 0');
  const rng = x['rng'];
  if (!isObj(rng) || rng['scheme'] !== 'counter' || !isInt(rng['seed'])) bad('rng', "{ scheme: 'counter', seed: integer >= 0 }");
  const q = x['queue'];
  if (!isObj(q) || !isInt(q['epoch']) || !isInt(q['pos']) || !Array.isArray(q['order']) || !q['order'].every((s) => typeof s === 'string')) {
    bad('queue', '{ epoch, pos: integers >= 0, order: string[] }');
  }
  const book = x['book'];
  if (!isObj(book) || !isObj(book['levels']) || !Object.values(book['levels']).every((l) => isInt(l))
    || !Array.isArray(book['deferred']) || !book['deferred'].every((s) => typeof s === 'string')) {
    bad('book', '{ levels: Record<string, integer>, deferred: string[] }');
  }
  const lw = x['lossWindow'];
  if (!Array.isArray(lw) || !lw.every((v) => typeof v === 'number' && Number.isFinite(v))) bad('lossWindow', 'an array of finite numbers');
  if (typeof x['lr'] !== 'number' || !Number.isFinite(x['lr'])) bad('lr', 'a finite number');
  if (!isInt(x['metricsBytes'])) bad('metricsBytes', 'an integer >= 0');
  if (x['rollouts'] !== undefined && !isInt(x['rollouts'])) bad('rollouts', 'an integer >= 0');
  const rescued = x['rescued'];
  if (rescued !== undefined && (!Array.isArray(rescued) || !rescued.every((s) => typeof s === 'string'))) bad('rescued', 'a string[]');
  return x as unknown as TrainerState;
}

/** The pointer names a step folder under checkpoints/ and nothing else (no "../" escapes). */
const POINTER_DIR = /^checkpoints[/\\]step-\d{6,}$/;

/** The latest complete checkpoint of a run: its folder and trainer state (checksums verified). */
export async function loadLatestCheckpoint(runDir: string): Promise<{ dir: string; state: TrainerState }> {
  const pointerPath = join(runDir, 'checkpoints', 'latest.json');
  let pointer: unknown;
  try {
    pointer = JSON.parse(await readLimited(pointerPath, MAX_POINTER_BYTES, 'checkpoint pointer'));
  } catch (e) {
    if (e instanceof TxError) throw e;
    throw new TxError('E_STATE', `cannot resume ${runDir}: no readable checkpoints/latest.json (${(e as Error).message})`);
  }
  const pdir = isObj(pointer) ? pointer['dir'] : undefined;
  if (typeof pdir !== 'string' || !POINTER_DIR.test(pdir)) {
    throw new TxError('E_FORMAT', `${pointerPath}: dir must be "checkpoints/step-NNNNNN", got ${JSON.stringify(pdir)}`);
  }
  const dir = join(runDir, pdir);
  const files = await verifyManifest(dir);
  if (!files.includes('trainer-state.json')) throw new TxError('E_FORMAT', `checkpoint ${dir}: the manifest does not cover trainer-state.json`);
  const where = `${dir}/trainer-state.json`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readLimited(join(dir, 'trainer-state.json'), MAX_TRAINER_STATE_BYTES, 'trainer state'));
  } catch (e) {
    if (e instanceof TxError) throw e;
    throw new TxError('E_FORMAT', `${where}: ${(e as Error).message}`);
  }
  const state = validateTrainerState(parsed, where);
  if (isObj(pointer) && pointer['step'] !== undefined && pointer['step'] !== state.step) {
    throw new TxError('E_FORMAT', `${pointerPath} says step ${String(pointer['step'])} but ${where} holds step ${state.step}`);
  }
  return { dir, state };
}
