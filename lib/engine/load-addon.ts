// Finds and loads the native addon file. TOOLEXPANDER_ADDON, when set, is the only candidate
// (falling back would hide a mistyped path, or an instrumented build that failed to load,
// behind the default build). Otherwise: a local source build (build/Release, build/Debug: what `npm rebuild toolexpander` or a
// checkout's build makes), then the prebuilt binary shipped for this platform and CPU
// (prebuilds/<platform>-<arch>/toolexpander.node, the prebuildify layout).
// When none loads, the error is one line: what is missing and the one command that fixes it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { TxError } from '../errors.js';

const here = dirname(fileURLToPath(import.meta.url));
// lib/engine/ and dist/engine/ are both two levels below the package root.
export const packageRoot = resolve(here, '..', '..');

/** prebuilds/<platform>-<arch>: the folder a prebuilt binary for this process would be in. */
export function prebuildDir(platform: string = process.platform, arch: string = process.arch): string {
  return join(packageRoot, 'prebuilds', `${platform}-${arch}`);
}

/** Every path tried, in order. */
export function addonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  if (env.TOOLEXPANDER_ADDON) return [resolve(env.TOOLEXPANDER_ADDON)];
  const list: string[] = [];
  list.push(join(packageRoot, 'build', 'Release', 'toolexpander.node'));
  list.push(join(packageRoot, 'build', 'Debug', 'toolexpander.node'));
  list.push(join(prebuildDir(), 'toolexpander.node'));
  return list;
}

/** The single line a user sees when no addon loads (the CLI prints it as is). */
export function missingAddonMessage(failures: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const where = `${process.platform}-${process.arch}`;
  if (env.TOOLEXPANDER_ADDON) {
    return `the native addon TOOLEXPANDER_ADDON names did not load (${failures.join('; ')}); ` +
      'point TOOLEXPANDER_ADDON at a built toolexpander.node, or unset it to use the package\'s own';
  }
  // Files that exist but did not load say why (an old glibc, a wrong architecture); plain
  // absences are the normal case and would only lengthen the line.
  const notable = failures.filter((f) => !f.endsWith(': not found'));
  const tried = notable.length ? ` (${notable.join('; ')})` : '';
  // Installed as a dependency, `npm rebuild` reruns the install step (scripts/install.mjs);
  // in a checkout the package's own build script does the same.
  const inPackage = packageRoot.split(/[\\/]/).includes('node_modules');
  const fix = inPackage ? 'npm rebuild toolexpander' : 'npm run build:native';
  return `no native addon for ${where} (no prebuilt binary fits and none was built)${tried}; ` +
    `install a C++17 compiler (g++ or clang++) and cmake or python3+make, then run \`${fix}\``;
}

let loadedPath: string | undefined;

/** The file the addon was loaded from in this thread, once loaded (`toolexpander devices` prints it). */
export function loadedAddonPath(): string | undefined {
  return loadedPath;
}

export interface LoadedAddon<T> {
  addon: T;
  path: string;
}

/**
 * Loads the first candidate that exists, loads and passes `accept` (which throws to reject it,
 * e.g. a stale build whose init fails); throws TxError E_STATE in one line otherwise.
 */
export function loadAddon<T>(metaUrl: string, accept: (addon: T) => void = () => {}): LoadedAddon<T> {
  const require = createRequire(metaUrl);
  const failures: string[] = [];
  for (const path of addonCandidates()) {
    if (!existsSync(path)) {
      failures.push(`${path}: not found`);
      continue;
    }
    try {
      const addon = require(path) as T;
      accept(addon);
      loadedPath = path;
      return { addon, path };
    } catch (e) {
      // A TOOLEXPANDER_SIMD this CPU cannot run: the addon is fine, the request is not.
      if (e instanceof TxError && e.message.startsWith('TOOLEXPANDER_SIMD=')) throw e;
      // A dlopen error can span lines (missing library, then the file): keep the first.
      failures.push(`${path}: ${String((e as Error).message).split('\n')[0]}`);
    }
  }
  throw new TxError('E_STATE', missingAddonMessage(failures));
}
