// CLI fuzz: every command with generated bad arguments, bad and truncated configs, task
// files, checkpoint folders, metrics files and report folders. Each must fail with exit code
// 1 or 2 and exactly one stderr line, starting "toolexpander: " and naming what to fix (the
// flag, the file or the field), with no stack frame. The cases run in one child process
// through main() (test/fixtures/cli-fuzz-child.ts); the cases the issue named are also run
// as real processes of the binary. TOOLEXPANDER_HEAVY=1: 10x the generated cases.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

import { stream } from '../../lib/util/prng.js';
import { syntheticSuite } from '../../lib/data/synthetic/suite.js';
import { schemaFieldPaths } from '../../lib/rl/config-docs.js';
import { trainConfigSchema } from '../../lib/rl/config.js';
import { childEnv } from '../helpers/child-env.js';

const heavy = process.env.TOOLEXPANDER_HEAVY === '1';
const scale = heavy ? 10 : 1;
const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-cli-fuzz-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
t.setTimeout((heavy ? 3600 : 600) * 1000);

const rng = stream(2026, 'cli-fuzz');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
const int = (n: number) => Math.floor(rng() * n);
let fileNo = 0;
const file = (name: string, content: string | Buffer) => {
  const p = join(dir, `${fileNo++}-${name}`);
  writeFileSync(p, content);
  return p;
};

/** A case: argv, and a string the error line must contain (what to fix). */
type Case = { name: string; argv: string[]; names: string };
const cases: Case[] = [];
const add = (name: string, argv: string[], names: string) => cases.push({ name, argv, names });

// A small valid config (fast when a case gets past config reading) and a small task file.
const small = { steps: 2, batchSize: 2, groupSize: 2, eval: { every: 1, size: 4, splits: ['test'] }, data: { source: 'synthetic', trainSize: 8, testSize: 4 } };
const smallCfg = file('small.json', JSON.stringify(small));
const suite = syntheticSuite({ seed: 3, trainSize: 6, testSize: 4, testTemplatesSize: 1, testUnseenApisSize: 1 });
const taskLines = suite.train.map((x) => JSON.stringify(x));

// ---- bad arguments, for every command ----
const FLAGS: Record<string, { int: string[]; str: string[]; bool: string[] }> = {
  demo: { int: ['seeds', 'steps', 'eval-size'], str: ['out', 'init'], bool: ['quick', 'from-scratch', 'quiet'] },
  sft: { int: ['seed', 'steps', 'train-size', 'eval-size'], str: ['out'], bool: ['quiet'] },
  train: { int: ['steps', 'seed'], str: ['preset', 'config', 'out', 'name', 'resume', 'policy'], bool: ['quiet'] },
  eval: { int: ['size', 'seed'], str: ['policy', 'checkpoint', 'config', 'tasks', 'matcher', 'json'], bool: [] },
  report: { int: [], str: ['out', 'title'], bool: [] },
  devices: { int: [], str: [], bool: ['json'] },
  bench: { int: [], str: [], bool: [] },
};
const BAD_INTS = ['abc', '-1', '1.5', '1e3', '0x10', '', ' 3', '99999999999999999999', 'NaN'];
for (let i = 0; i < 12 * scale; i++) {
  for (const [cmd, f] of Object.entries(FLAGS)) {
    // Harmless valid flags around the fault (never one that takes the next argument last).
    const filler = f.bool.length > 0 && rng() < 0.5 ? [`--${pick(f.bool)}`] : [];
    const kind = int(4);
    if (kind === 0 || f.int.length === 0 && kind === 1) {
      const bogus = pick(['bogus', 'stepz', 'Steps', 'json-out', 'x', '', 'help-me']);
      add(`${cmd}: unknown flag --${bogus}`, [cmd, `--${bogus}`, ...filler], `--${bogus}`);
    } else if (kind === 1) {
      const flag = pick(f.int), v = pick(BAD_INTS);
      add(`${cmd}: --${flag} '${v}'`, [cmd, ...(rng() < 0.5 ? [`--${flag}=${v}`] : [`--${flag}`, v]), ...filler], `--${flag}`);
    } else if (kind === 2 && f.str.length + f.int.length > 0) {
      const flag = pick([...f.str, ...f.int]);
      add(`${cmd}: --${flag} without a value`, [cmd, ...filler, ...(rng() < 0.5 ? [`--${flag}`] : [`--${flag}=`])], `--${flag}`);
    } else if (cmd !== 'report' && cmd !== 'bench') {
      const extra = pick(['extra', 'run1', '-x', 'grpo']);
      add(`${cmd}: unexpected argument '${extra}'`, [cmd, extra, ...filler], extra);
    } else {
      add(`${cmd}: unknown flag --zzz`, [cmd, '--zzz'], '--zzz');
    }
  }
  add('unknown command', [pick(['trian', 'evaluate', 'reports', 'x'])], 'unknown command');
}
add('demo: --init with --from-scratch', ['demo', '--init', dir, '--from-scratch', '--out', join(dir, 'demo-out')], '--from-scratch');
add('demo: --seeds 0', ['demo', '--seeds', '0', '--out', join(dir, 'demo-out')], '--seeds');
add('sft: --steps 0', ['sft', '--steps', '0', '--out', join(dir, 'sft-out')], '--steps');
add('train: unknown preset', ['train', '--preset', 'ppo'], "'ppo'");
add('train: nothing to do', ['train'], '--preset');
add('report: no folder', ['report'], 'run folder');

// ---- configs: bad JSON, truncated, schema-invalid, not files ----
const full = JSON.stringify({ ...small, name: 'fuzz', preset: 'grpo', seed: 1, lr: 0.001, generation: { temperature: 1, topP: 1, topK: 0, maxTokens: 16 } });
const paths = schemaFieldPaths(trainConfigSchema).filter((p) => p !== '$schema');
const configCmd = (cfg: string): string[] => (rng() < 0.5
  ? ['train', '--preset', 'grpo', '--config', cfg, '--out', join(dir, `never-${fileNo}`)]
  : ['eval', '--config', cfg]);
for (let i = 0; i < 20 * scale; i++) {
  const cut = 1 + int(full.length - 1);  // every proper prefix of compact JSON is invalid
  const p = file('truncated.json', full.slice(0, cut));
  add(`config truncated at ${cut}`, configCmd(p), p);
}
for (let i = 0; i < 30 * scale; i++) {
  const path = pick(paths).split('.');
  const cfg: Record<string, unknown> = JSON.parse(full) as Record<string, unknown>;
  let o = cfg;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = k === 'data' ? { source: 'jsonl', train: 'x' } : {};
    o = o[k] as Record<string, unknown>;
  }
  // A value no field accepts: an object for a leaf, a number for an object; or an unknown key.
  const leaf = path.at(-1) as string;
  const unknown = rng() < 0.3;
  if (unknown) o[`${leaf}Typo`] = 1;
  else o[leaf] = typeof o[leaf] === 'object' && o[leaf] !== null && !Array.isArray(o[leaf]) ? 7 : { bogus: true };
  const p = file('invalid.json', JSON.stringify(cfg));
  add(`config: ${unknown ? `unknown ${path.join('.')}Typo` : `bad ${path.join('.')}`}`, configCmd(p), path[0] === 'data' ? 'config.data' : `config.${path[0]}`);
}
for (const [what, content] of [['empty', ''], ['array', '[1,2]'], ['null', 'null'], ['string', '"grpo"'], ['binary', Buffer.from([0xff, 0xfe, 0, 1, 2])], ['BOM', '\ufeff{"steps":"x"}']] as const) {
  const p = file(`${what}.json`, content);
  add(`config: ${what}`, configCmd(p), p);
}
add('config: a folder', configCmd(dir), dir);
add('config: missing', configCmd(join(dir, 'nope.json')), join(dir, 'nope.json'));
add('config: too large', configCmd(file('huge.json', `{"name":"${'x'.repeat(1 << 20)}"}`)), 'allowed');
const jsonlNoEval = file('jsonl-noeval.json', JSON.stringify({ data: { source: 'jsonl', train: file('t.jsonl', taskLines.join('\n')) } }));
add('train: jsonl data without data.eval', ['train', '--preset', 'grpo', '--config', jsonlNoEval, '--out', join(dir, 'never-jsonl')], 'data.eval');
add('eval: jsonl data without data.eval', ['eval', '--config', jsonlNoEval], 'data.eval');

// ---- task files ----
const REQUIRED = ['id', 'tools', 'messages', 'answer'];  // a task's required fields (lib/data/task-schema.ts)
const taskFault = (): [string, string] => {
  const lines = [...taskLines];
  const k = int(lines.length);
  switch (int(6)) {
    case 0: lines[k] = (lines[k] as string).slice(0, 1 + int((lines[k] as string).length - 2)); return ['truncated line', lines.join('\n')];
    case 1: { const o = JSON.parse(lines[k] as string) as Record<string, unknown>; delete o[pick(REQUIRED)]; lines[k] = JSON.stringify(o); return ['missing field', lines.join('\n')]; }
    case 2: { const o = JSON.parse(lines[k] as string) as Record<string, unknown>; o[pick(REQUIRED)] = 42; lines[k] = JSON.stringify(o); return ['wrong type', lines.join('\n')]; }
    case 3: lines[k] = pick(['[]', 'null', '"task"', '{}', '7']); return ['not a task', lines.join('\n')];
    case 4: return ['empty file', ''];
    default: lines[k] = `${'['.repeat(2000)}`; return ['deep nesting', lines.join('\n')];
  }
};
for (let i = 0; i < 15 * scale; i++) {
  const [what, content] = taskFault();
  const p = file('tasks.jsonl', content);
  if (rng() < 0.6) add(`eval --tasks: ${what}`, ['eval', '--tasks', p, '--size', '4'], p);
  else {
    const cfg = file('jsonl.json', JSON.stringify({ steps: 1, batchSize: 2, groupSize: 2, data: { source: 'jsonl', train: p, eval: { test: p } }, eval: { every: 1, size: 4, splits: ['test'] } }));
    add(`train jsonl: ${what}`, ['train', '--preset', 'grpo', '--config', cfg, '--out', join(dir, `never-${fileNo}`)], p);
  }
}
add('eval --tasks: missing', ['eval', '--tasks', join(dir, 'none.jsonl')], join(dir, 'none.jsonl'));

// ---- checkpoint folders (eval --checkpoint, train --config init, train --resume) ----
const shipped = join(root, 'checkpoints', 'weak-sft');
const ckptFault = (): [string, string] => {
  const d = join(dir, `ckpt-${fileNo++}`);
  mkdirSync(d, { recursive: true });
  const files = ['config.json', 'model.safetensors', 'tokenizer.json'];
  for (const f of files) copyFileSync(join(shipped, f), join(d, f));
  const f = pick(files);
  const p = join(d, f);
  switch (int(4)) {
    case 0: rmSync(p); return [`no ${f}`, d];
    case 1: truncateSync(p, int(readFileSync(p).length)); return [`${f} truncated`, d];
    case 2: writeFileSync(p, pick(['{', '[]', 'garbage', ''])); return [`${f} garbage`, d];
    default: { const w = join(d, 'model.safetensors'); const b = readFileSync(w); b[int(8)] = 0x7b; writeFileSync(w, b); return ['model.safetensors header length damaged', d]; }
  }
};
for (let i = 0; i < 8 * scale; i++) {
  const [what, d] = ckptFault();
  add(`eval --checkpoint: ${what}`, ['eval', '--checkpoint', d, '--config', smallCfg], d);
  const [what2, d2] = ckptFault();
  const cfg = file('init.json', JSON.stringify({ ...small, init: d2 }));
  add(`train init: ${what2}`, ['train', '--preset', 'grpo', '--config', cfg, '--out', join(dir, `never-${fileNo}`)], d2);
}
add('eval --checkpoint: missing', ['eval', '--checkpoint', join(dir, 'nowhere'), '--config', smallCfg], join(dir, 'nowhere'));
add('eval --checkpoint: empty folder', ['eval', '--checkpoint', (mkdirSync(join(dir, 'empty-ckpt')), join(dir, 'empty-ckpt')), '--config', smallCfg], 'empty-ckpt');
const resumeFault = (): [string, string] => {
  const d = join(dir, `resume-${fileNo++}`);
  mkdirSync(join(d, 'checkpoints', 'step-000002'), { recursive: true });
  const cfgText = JSON.stringify({ ...small, name: 'r', preset: 'grpo' });
  switch (int(5)) {
    case 0: return ['no config.json', d];
    case 1: writeFileSync(join(d, 'config.json'), cfgText.slice(0, 1 + int(cfgText.length - 1))); return ['config.json truncated', d];
    case 2: writeFileSync(join(d, 'config.json'), JSON.stringify({ steps: 'many' })); return ['config.json invalid', d];
    case 3: writeFileSync(join(d, 'config.json'), cfgText); writeFileSync(join(d, 'checkpoints', 'latest.json'), pick(['{', '[]', '{"step":"x"}', '{"dir":"../../etc"}'])); return ['latest.json garbage', d];
    default: writeFileSync(join(d, 'config.json'), cfgText); writeFileSync(join(d, 'checkpoints', 'latest.json'), JSON.stringify({ step: 2, dir: 'step-000002' })); return ['empty checkpoint folder', d];
  }
};
for (let i = 0; i < 8 * scale; i++) {
  const [what, d] = resumeFault();
  add(`train --resume: ${what}`, ['train', '--resume', d, '--policy', 'tiny'], d);
}
add('train --resume: missing', ['train', '--resume', join(dir, 'no-run')], join(dir, 'no-run'));

// ---- metrics files and report folders ----
const step = (s: number) => ({
  type: 'step', step: s, epoch: 0, rewardMean: 0.5, rewardStd: 0.1, accuracy: 0.5, setRate: 0, schemaValidRate: 1, hardRate: 0.25,
  resolvedPerRound: [0, 1], deferred: 0, meanLevel: 0, dataUtilization: 0.75, extraRollouts: 0, prompts: 2, rollouts: 4, loss: 0.1,
  lossVariance: 0, gradNorm: 1, entropy: 1, kl: null, clipFracHigh: 0, clipFracLow: 0, ratioMean: 1, approxKl: 0, lr: 1e-4, tokens: 10,
  tokensPerSecond: 100, stepTime: 0.1,
});
const metricsLines = [0, 1, 2].map((s) => JSON.stringify(step(s)));
const runFault = (): [string, string, string] => {
  const d = join(dir, `run-${fileNo++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'config.json'), JSON.stringify({ name: 'r', preset: 'grpo', seed: 0 }));
  const m = join(d, 'metrics.jsonl');
  const lines = [...metricsLines];
  switch (int(7)) {
    case 0: return ['no metrics.jsonl', d, 'metrics.jsonl'];
    case 1: writeFileSync(m, metricsLines[0]!.slice(0, 1 + int(metricsLines[0]!.length - 2))); return ['only a torn line', d, 'metrics.jsonl'];
    case 2: lines[int(2)] = 'not json'; writeFileSync(m, lines.join('\n')); return ['a damaged line', d, 'metrics.jsonl:'];
    case 3: { const o = step(1) as Record<string, unknown>; delete o[pick(['hardRate', 'step', 'entropy', 'resolvedPerRound'])]; lines[0] = JSON.stringify(o); writeFileSync(m, lines.join('\n')); return ['a record without a field', d, 'metrics.jsonl:1'] as [string, string, string]; }
    case 4: lines[1] = pick(['[]', 'null', '{"type":"note"}', '3']); writeFileSync(m, `${lines.join('\n')}\n`); return ['not a record', d, 'metrics.jsonl:2'];
    case 5: writeFileSync(join(d, 'config.json'), pick(['{', '[1]', 'null'])); writeFileSync(m, lines.join('\n')); return ['config.json garbage', d, 'config.json'];
    default: mkdirSync(m); return ['metrics.jsonl is a folder', d, 'metrics.jsonl'];
  }
};
for (let i = 0; i < 15 * scale; i++) {
  const [what, d, names] = runFault();
  add(`report: ${what}`, ['report', d, '--out', join(dir, `r-${fileNo}.html`)], names);
}
add('report: a file, not a folder', ['report', smallCfg], smallCfg);
add('report: missing folder', ['report', join(dir, 'gone')], join(dir, 'gone'));

function checkLine(t: { ok(v: boolean, msg: string): unknown }, name: string, code: number | null, stderr: string, names: string): void {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const ok = (code === 1 || code === 2) && lines.length === 1 && /^toolexpander: /.test(lines[0] ?? '')
    && !/^\s+at /m.test(stderr) && (lines[0] ?? '').includes(names);
  t.ok(ok, `${name}: exit ${String(code)}, ${JSON.stringify(lines.join(' | ').slice(0, 300))}${ok ? '' : ` (must name ${JSON.stringify(names)})`}`);
}

t.test(`${cases.length} generated bad invocations: exit 1 or 2, one line naming what to fix, no stack`, async (t) => {
  const casesFile = join(dir, 'cases.json');
  writeFileSync(casesFile, JSON.stringify(cases));
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../fixtures/cli-fuzz-child.ts', import.meta.url)), casesFile], {
    cwd: root, env: childEnv(), encoding: 'utf8', maxBuffer: 256 << 20, timeout: (heavy ? 3000 : 500) * 1000,
  });
  const results = JSON.parse(out.trim().split('\n').at(-1) as string) as { name: string; code: number; stderr: string; escaped?: string }[];
  t.equal(results.length, cases.length, 'every case ran');
  let stacks = 0;
  for (const [i, r] of results.entries()) {
    if (r.escaped !== undefined || /^\s+at /m.test(r.stderr)) stacks++;
    t.equal(r.escaped, undefined, `${r.name}: nothing escaped`);
    checkLine(t, r.name, r.code, r.stderr, (cases[i] as Case).names);
  }
  t.equal(stacks, 0, 'zero stack traces');
});

// The cases the issue named, as real processes of the command (dist is not needed: tsx).
t.test('the named cases, as processes: one line, exit 1', async (t) => {
  const bare = join(dir, 'bare-run');
  mkdirSync(bare);
  const named: [string, string[], string, Record<string, string>?][] = [
    ['report DIR without metrics.jsonl', ['report', bare], 'metrics.jsonl'],
    ['eval --config bad.json', ['eval', '--config', file('bad.json', '{"steps": 3,')], 'bad.json'],
    ['eval --config /missing', ['eval', '--config', '/missing'], '/missing'],
    ['train --config with JSONL data and no data.eval', ['train', '--preset', 'grpo', '--config', jsonlNoEval, '--out', join(dir, 'never-named')], 'data.eval'],
    ['devices when the addon is missing', ['devices'], 'native addon', { TOOLEXPANDER_ADDON: join(dir, 'no-addon.node') }],
    ['devices --bogus', ['devices', '--bogus'], '--bogus'],
  ];
  for (const [name, argv, names, env] of named) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), ...argv], { cwd: root, encoding: 'utf8', env: childEnv(env) });
    t.equal(r.status, 1, `${name}: exit 1`);
    checkLine(t, name, r.status, r.stderr, names);
  }
  const v = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), '--version'], { cwd: root, encoding: 'utf8', env: childEnv() });
  t.equal(v.status, 0);
  t.equal(v.stdout.trim(), (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version, '--version prints the package version');
});

t.test('an installed package (no benchmarks/) does not list bench, and says why when asked', async (t) => {
  const pkg = join(dir, 'installed');
  mkdirSync(join(pkg, 'lib', 'cli'), { recursive: true });
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  copyFileSync(join(root, 'lib', 'errors.ts'), join(pkg, 'lib', 'errors.ts'));
  copyFileSync(join(root, 'lib', 'cli', 'main.ts'), join(pkg, 'lib', 'cli', 'main.ts'));
  copyFileSync(join(root, 'lib', 'cli', 'args.ts'), join(pkg, 'lib', 'cli', 'args.ts'));
  const tsx = join(root, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', tsx, join(pkg, 'lib', 'cli', 'main.ts'), ...args], { cwd: pkg, encoding: 'utf8', env: childEnv() });
  const help = cli('help');
  t.equal(help.status, 0);
  t.notMatch(help.stdout, /bench/, 'bench is not listed');
  t.match(help.stdout, /devices/);
  const bench = cli('bench');
  t.equal(bench.status, 1);
  checkLine(t, 'bench in an installed package', bench.status, bench.stderr, 'source checkout');
  t.match(cli('help').stdout, /^usage: toolexpander/);
  t.match(spawnSync(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'help'], { cwd: root, encoding: 'utf8', env: childEnv() }).stdout,
    /bench \[names\]/, 'a source checkout lists it');
});
