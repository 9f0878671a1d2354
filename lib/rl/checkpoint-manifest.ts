// checksums.sha256 in every checkpoint folder: one "<sha256>  <file>" line per file (the
// format of `sha256sum`, so `sha256sum -c` checks a checkpoint by hand). Written after the
// policy's files and trainer-state.json, before latest.json points at the folder; verified
// before a resume reads anything, so a torn, truncated or bit-flipped file of any policy
// format is a clear TxError instead of a silently different run.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TxError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export const MANIFEST = 'checksums.sha256';
/** A manifest lists a handful of files; anything larger is not one of ours. */
const MAX_MANIFEST_BYTES = 1 << 20;

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Temp files of an interrupted atomic write (".name.pid.rand.tmp") are not part of a checkpoint. */
const isTemp = (name: string) => name.startsWith('.') && name.endsWith('.tmp');

export async function writeManifest(dir: string): Promise<void> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name !== MANIFEST && !isTemp(e.name)).map((e) => e.name).sort();
  const lines = await Promise.all(names.map(async (n) => `${await sha256File(join(dir, n))}  ${n}\n`));
  await writeFileAtomic(join(dir, MANIFEST), [Buffer.from(lines.join(''), 'utf8')]);
}

/** Checks every file the manifest names; returns the names. */
export async function verifyManifest(dir: string): Promise<string[]> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    if ((await stat(path)).size > MAX_MANIFEST_BYTES) throw new TxError('E_FORMAT', `${path} is larger than ${MAX_MANIFEST_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof TxError) throw e;
    throw new TxError('E_FORMAT', `checkpoint ${dir} has no ${MANIFEST} (${(e as Error).message}): it is incomplete or was not written by toolexpander`);
  }
  const names: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const m = /^([0-9a-f]{64}) {2}([^/\\\0]+)$/.exec(line);
    if (m === null || m[2] === '.' || m[2] === '..') throw new TxError('E_FORMAT', `${path}:${i + 1}: not a "<sha256>  <file>" line`);
    const [, want, name] = m as unknown as [string, string, string];
    let got: string;
    try {
      got = await sha256File(join(dir, name));
    } catch (e) {
      throw new TxError('E_FORMAT', `checkpoint ${dir}: ${name} is missing (${(e as Error).message})`);
    }
    if (got !== want) {
      throw new TxError('E_FORMAT', `checkpoint ${dir}: ${name} is corrupt (sha256 ${got.slice(0, 12)}..., the manifest says ${want.slice(0, 12)}...)`);
    }
    names.push(name);
  }
  return names;
}
