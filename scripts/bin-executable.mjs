// tsc writes dist/cli/main.js without the executable bit; `npx toolexpander` in a checkout
// runs the bin directly (sh: Permission denied without it). npm sets the bit only when it
// links an installed package, so the build sets it too.
import { chmodSync, existsSync } from 'node:fs';

const bin = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(bin)) {
  console.error('bin-executable: dist/cli/main.js is missing (run tsc first)');
  process.exit(1);
}
chmodSync(bin, 0o755);
