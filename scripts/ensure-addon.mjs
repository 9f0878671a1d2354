// Builds the native addon when it is missing (npm ci builds it through the install script;
// this covers `npm install --ignore-scripts` and fresh checkouts before `npm test`).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build', 'Release', 'toolexpander.node');
if (!existsSync(addon) && !process.env.TOOLEXPANDER_ADDON) {
  console.log('toolexpander: native addon missing, building it (cmake-js compile)');
  const r = spawnSync('npx', ['cmake-js', 'compile'], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
