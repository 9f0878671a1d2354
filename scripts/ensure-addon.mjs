// Builds the native addon when none is there to load (npm ci builds it through the install
// script; this covers `npm install --ignore-scripts` and fresh checkouts before `npm test`).
// Runs the install step itself (scripts/install.mjs), with this very Node: no npx, no shell.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'build', 'Release', 'toolexpander.node');
const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'toolexpander.node');
if (!existsSync(built) && !existsSync(prebuilt) && !process.env.TOOLEXPANDER_ADDON) {
  console.log('toolexpander: native addon missing, building it (node scripts/install.mjs)');
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'install.mjs')], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
