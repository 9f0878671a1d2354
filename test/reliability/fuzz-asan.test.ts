// The boundary fuzzer under AddressSanitizer + UndefinedBehaviorSanitizer: an ASan build of
// the addon (build-asan-addon/, built here when missing) loaded into a child node through
// TOOLEXPANDER_ADDON, with libasan preloaded (node itself is not instrumented). Any
// out-of-bounds access or UB in the bindings or kernels aborts the child with a report.
// Heavy only (TOOLEXPANDER_HEAVY=1): the build takes minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../../', import.meta.url));
const addon = `${root}build-asan-addon/Release/toolexpander.node`;

t.test('fuzzer under an ASan+UBSan addon', { skip: process.env.TOOLEXPANDER_HEAVY === '1' ? false : 'set TOOLEXPANDER_HEAVY=1' }, (t) => {
  if (!existsSync(addon)) {
    execFileSync('npx', ['cmake-js', 'compile', '--out', 'build-asan-addon', '--CDTX_SANITIZE=ON', '--CDTX_CUDA=OFF', '--CDCMAKE_BUILD_TYPE=RelWithDebInfo'],
      { cwd: root, stdio: 'inherit' });
  }
  const libasan = execFileSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
  const r = spawnSync('npx', ['tap', 'test/reliability/fuzz-native.test.ts', '--disable-coverage', '-R', 'tap', '-t', '1800'], {
    cwd: root, encoding: 'utf8', maxBuffer: 64 << 20,
    env: {
      ...process.env, TOOLEXPANDER_ADDON: addon, LD_PRELOAD: libasan, TOOLEXPANDER_HEAVY: '0',
      TOOLEXPANDER_FUZZ_CASES: process.env.TOOLEXPANDER_FUZZ_CASES ?? '10000',
      // node leaks by design at exit; abort on the first real error.
      ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=1', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    },
  });
  const out = `${r.stdout}${r.stderr}`;
  for (const line of out.split('\n').filter((l) => /# fuzz |ERROR: AddressSanitizer|runtime error/.test(l))) t.comment(line.trim());
  t.equal(r.status, 0, 'the fuzzer passes under ASan+UBSan');
  t.notMatch(out, /ERROR: AddressSanitizer|runtime error:/, 'no sanitizer report');
  t.end();
});
