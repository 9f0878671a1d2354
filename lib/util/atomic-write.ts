// Atomic file replacement for checkpoints: write a temp file in the target's directory (same
// filesystem, so rename is atomic), fsync it, rename over the target, then fsync the
// directory so the rename itself survives a crash. Readers see the old file or the new one,
// never a torn one.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  await writeFileAtomicWith(path, async (fh) => {
    for (const c of chunks) await writeAll(fh, c);
  });
}

/** Writes all of `c` at `position` (default: the current position). */
export async function writeAll(fh: FileHandle, c: Uint8Array, position?: number): Promise<void> {
  let off = 0;
  while (off < c.length) {
    const { bytesWritten } = await fh.write(c, off, c.length - off, position === undefined ? null : position + off);
    off += bytesWritten;
  }
}

/** As writeFileAtomic, the content written by `fill` (which may seek and rewrite). */
export async function writeFileAtomicWith(path: string, fill: (fh: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    try {
      await fill(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncDir(dir);
}

async function syncDir(dir: string): Promise<void> {
  // Not every platform can open or fsync a directory (Windows); the data is already safe.
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    /* best effort */
  }
}
