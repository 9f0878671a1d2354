// `toolexpander eval --policy openai` end to end against a local server that answers the
// synthetic held-out tasks: the gold completion for every other task and a non-answer for
// the rest, so the accuracy is known in advance (half of each split). In process (with
// evalCommand) and through the CLI in a child process with the OPENAI_* variables.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';

import { evalCommand } from '../../lib/cli/eval.js';
import { OpenAIPolicy } from '../../lib/index.js';
import { openaiFactory, openaiPolicyFromEnv } from '../../lib/rl/openai-factory.js';
import { resolvePolicyFactory } from '../../lib/rl/policy-factory.js';
import { resolveTrainConfig } from '../../lib/rl/presets.js';
import { loadRunTasks } from '../../lib/rl/tasks.js';
import { defaultRender } from '../../lib/rl/trainer.js';
import { goldCompletion } from '../../lib/toolexpander/prompt.js';
import { startFakeServer } from '../helpers/fake-openai-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tx-openai-eval-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

// The tasks `eval --size 4` scores (the defaults otherwise), and the answer to each prompt.
const config = resolveTrainConfig(undefined, { eval: { size: 4 } });
const splits = (await loadRunTasks(config)).evalSplits;
const answers = new Map<string, string>();
for (const tasks of Object.values(splits)) {
  tasks.forEach((task, k) => answers.set(defaultRender(task, []), k % 2 === 0 ? goldCompletion(task) : 'I do not know.'));
}

const server = await startFakeServer((req) => {
  const text = answers.get(String(req.body['prompt']));
  if (text === undefined) return { status: 400, json: { message: 'unknown prompt' } };
  return { json: { choices: [{ index: 0, text, logprobs: { token_logprobs: [-0.5] }, finish_reason: 'stop' }] } };
});
t.teardown(() => server.close());

const ENV = { OPENAI_BASE_URL: `${server.url}/v1`, OPENAI_MODEL: 'served-qwen', OPENAI_API_KEY: 'sk-local' };

t.test('evalCommand --policy openai scores the held-out splits through the server', async (t) => {
  const saved = { ...process.env };
  t.teardown(() => { process.env = saved; });
  Object.assign(process.env, ENV);
  const out = join(dir, 'eval.json');
  const log = t.capture(console, 'log');
  t.equal(await evalCommand(['--policy', 'openai', '--size', '4', '--json', out]), 0);
  const res = JSON.parse(readFileSync(out, 'utf8')) as Record<string, { n: number; correct: number; accuracy: number }>;
  t.same(Object.keys(res).sort(), Object.keys(splits).sort());
  for (const [split, r] of Object.entries(res)) t.match(r, { n: 4, correct: 2, accuracy: 0.5 }, `${split}: the gold half`);
  t.match(log().map((c) => c.args.join(' ')).join('\n'), /^test: 0\.500 \(2\/4\); /m);
  const req = server.requests[0]!;
  t.match(req.body, { model: 'served-qwen', n: 1, temperature: 0, top_k: 1, max_tokens: config.generation.maxTokens, seed: config.seed });
  t.equal(req.headers['authorization'], 'Bearer sk-local');
  t.equal(server.requests.length, 12, 'one request per task');
});

t.test('the CLI: toolexpander eval --policy openai with OPENAI_* set', async (t) => {
  const env = { ...process.env, ...ENV, _TAPJS_PROCESSINFO_COVERAGE_: '0', TOOLEXPANDER_QUIET: '1' };
  const run = promisify(execFile);
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'eval', '--policy', 'openai', '--size', '4'], { cwd: root, env });
  t.match(stdout, /^test: 0\.500 \(2\/4\); /m);
  t.match(stdout, /^testTemplates: 0\.500 \(2\/4\)/m);
  const missing = await run(process.execPath, ['--import', 'tsx', join(root, 'lib/cli/main.ts'), 'eval', '--policy', 'openai', '--size', '4'],
    { cwd: root, env: { ...env, OPENAI_BASE_URL: '' } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
  t.equal(missing?.code, 1, 'exit 1');
  t.match(missing?.stderr, /--policy openai: set OPENAI_BASE_URL/);
});

t.test('the factory: built in as "openai", env vars checked, no checkpoints', async (t) => {
  t.equal(await resolvePolicyFactory('openai'), openaiFactory);
  t.throws(() => openaiPolicyFromEnv({ OPENAI_BASE_URL: 'http://h:1' }), { code: 'E_STATE', message: /set OPENAI_MODEL/ });
  t.throws(() => openaiPolicyFromEnv({ OPENAI_MODEL: 'm' }), { code: 'E_STATE', message: /set OPENAI_BASE_URL/ });
  t.throws(() => openaiPolicyFromEnv({ OPENAI_BASE_URL: 'nope', OPENAI_MODEL: 'm' }), { code: 'E_RANGE', message: /baseUrl/ });
  t.ok(openaiPolicyFromEnv({ OPENAI_BASE_URL: 'http://h:1', OPENAI_MODEL: 'm', OPENAI_API_KEY: '' }) instanceof OpenAIPolicy, 'an empty key is no key');
  await t.rejects(openaiFactory({ config, tasks: [], resumeFrom: 'runs/x/checkpoints/step-1' }), { code: 'E_STATE', message: /--checkpoint .* does not apply/ });
});
