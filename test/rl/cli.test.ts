// The CLI in a child process: --help, a missing starting checkpoint, a short run with the
// table policy through the --policy module hook.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const env = { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', TOOLEXPANDER_QUIET: '1' };
  return spawnSync(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), ...args], { cwd: root, encoding: 'utf8', env });
}

t.test('train: --help, clear errors, a run through the --policy hook', async (t) => {
  const help = cli('train', '--help');
  t.equal(help.status, 0);
  t.match(help.stdout, /--preset\s+grpo \| toolexpander/);
  writeFileSync(join(dir, 'bad-init.json'), JSON.stringify({ init: join(dir, 'nowhere') }));
  const none = cli('train', '--preset', 'grpo', '--out', join(dir, 'a'), '--config', join(dir, 'bad-init.json'));
  t.equal(none.status, 1, 'exit 1');
  t.match(none.stderr, /config\.init: .*nowhere is not a TinyPolicy checkpoint .*\[E_STATE\]/);
  t.notMatch(none.stderr, /at .*\.ts:\d+/, 'no stack trace');
  t.match(cli('train', '--preset', 'ppo').stderr, /unknown preset 'ppo'/);
  t.match(cli('train', '--preset', 'grpo', '--stepz', '3').stderr, /unknown option --stepz/);
  const out = join(dir, 'run');
  const run = cli('train', '--preset', 'toolexpander', '--steps', '3', '--out', out, '--policy', 'test/helpers/table-policy.ts',
    '--config', 'test/fixtures/tiny-train-config.json');
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /run 3\/3/, 'plain progress lines when stdout is not a terminal');
  for (const f of ['config.json', 'metrics.jsonl', 'report.html', 'checkpoints/latest.json']) t.ok(existsSync(join(out, f)), f);
  const ev = cli('eval', '--policy', 'test/helpers/table-policy.ts', '--checkpoint', join(out, 'checkpoints', 'step-000003'), '--size', '10');
  t.equal(ev.status, 0, ev.stderr);
  t.match(ev.stdout, /^test: \d\.\d{3} \(\d+\/10\); /m);
  t.match(cli('eval', '--help').stdout, /Greedy decoding/);
  const rep = cli('report', out, out, '--out', join(dir, 'cmp.html'));
  t.equal(rep.status, 0, rep.stderr);
  t.ok(existsSync(join(dir, 'cmp.html')), 'report over several runs');
});
