// The wider kernel sets (avx2, avx512, neon) must share no code symbol with the rest of the
// engine: the linker keeps one copy of a weak symbol, and a copy compiled for AVX-512 would
// then run on CPUs without it (native/cpu/isa_ns.h). Reads the object files of the build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import t from 'tap';

const objects = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'build', 'CMakeFiles');

function objectFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.o')).map((f) => join(dir, f));
}

// Weak (W, V) and unique (u) global symbols defined by these objects.
function weakSymbols(files: string[]): Set<string> {
  const r = spawnSync('nm', ['--defined-only', ...files], { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`nm failed: ${r.stderr}`);
  const out = new Set<string>();
  for (const line of r.stdout.split('\n')) {
    const [, type, name] = line.trim().split(/\s+/);
    if (name !== undefined && /^[WVu]$/.test(type!) && !name.startsWith('DW.ref.')) out.add(name);  // DW.ref: data, not code
  }
  return out;
}

t.test('no weak symbol of a wider kernel set is shared with the baseline code', async (t) => {
  const sets = ['avx2', 'avx512', 'neon'].filter((s) => existsSync(join(objects, `tx_kernels_${s}.dir`)));
  const baseline = [...objectFiles(join(objects, 'tx_kernels_scalar.dir')), ...objectFiles(join(objects, 'tx_core.dir'))];
  t.ok(baseline.length > 10, `baseline objects found under ${objects}`);
  t.ok(sets.length > 0, 'at least one wider set was built');
  const base = weakSymbols(baseline);
  for (const set of sets) {
    const shared = [...weakSymbols(objectFiles(join(objects, `tx_kernels_${set}.dir`)))].filter((s) => base.has(s));
    t.same(shared, [], `${set}: shares no weak symbol`);
  }
});
