// OpenAIPolicy over a pool of three local completion servers (separate processes), one
// killed with SIGKILL mid-run and started again on its port: every request is answered
// exactly once, the dead server is taken out, probed back in, and serves again.
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OpenAIPolicy } from '../../lib/model/openai-policy.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/pool-server.mjs', import.meta.url));

interface Proc { child: ChildProcess; port: number; done: string[] }

function start(id: string, port = 0): Promise<Proc> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, String(port), id], { stdio: ['ignore', 'pipe', 'inherit'] });
    const p: Proc = { child, port, done: [] };
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('port ')) {
          p.port = Number(line.slice(5));
          resolve(p);
        } else if (line.startsWith('done ')) p.done.push(line.slice(5));
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => { if (p.port === 0) reject(new Error(`server ${id} exited with ${code}`)); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('a pool of 3 servers, one killed and restarted mid-run: every request answered exactly once', async (t) => {
  const procs = [await start('a'), await start('b'), await start('c')];
  t.teardown(() => { for (const p of procs) p.child.kill('SIGKILL'); });
  const urls = procs.map((p) => `http://127.0.0.1:${p.port}`);
  const policy = new OpenAIPolicy({ baseUrl: urls.join(','), model: 'm', retryBaseMs: 5, retryMaxMs: 50, healthIntervalMs: 50, timeoutMs: 5000 });
  t.teardown(() => policy.close());
  const prompts = Array.from({ length: 300 }, (_, i) => `p${i}`);
  const run = policy.generate(prompts, { n: 1, maxTokens: 4, seed: 0 });
  // Kill b once a third of the answers are out, start it again 300 ms later on its port.
  while (procs.reduce((a, p) => a + p.done.length, 0) < 100) await sleep(5);
  const b = procs[1]!;
  const beforeKill = b.done.length;
  b.child.kill('SIGKILL');
  await sleep(300);
  procs[1] = await start('b', b.port);
  const out = await run;

  t.equal(out.length, prompts.length);
  const wrong = out.filter((samples, i) => {
    const [server, prompt] = samples[0]!.text.split('|');
    return samples.length !== 1 || prompt !== prompts[i] || !['a', 'b', 'c'].includes(server!);
  });
  t.equal(wrong.length, 0, 'each prompt got one answer, its own');
  const stats = policy.serverStats();
  const answered = stats.reduce((a, s) => a + s.answered, 0);
  t.equal(answered, prompts.length, 'the pool counts one answer per request');
  t.ok(stats[1]!.takenOut >= 1, 'the killed server was taken out');
  t.ok(stats[1]!.failed >= 1, 'requests in flight on it failed there');
  t.ok(stats.reduce((a, s) => a + s.failedOver, 0) >= 1, 'and were answered by another server');
  t.ok(beforeKill > 0, 'b served before it was killed');
  for (const [i, s] of stats.entries()) t.ok(s.answered > 0, `server ${'abc'[i]} answered ${s.answered}`);
  // Servers' own records: each prompt's delivered answer counted once by the client, and the
  // answers servers sent cover every prompt (a killed server's unsent answers are lost, not doubled).
  const sent = [...procs[0]!.done, ...b.done, ...procs[1]!.done, ...procs[2]!.done];
  t.same(new Set(sent), new Set(prompts), 'every prompt was answered by some server');
  t.comment(`per server: ${stats.map((s) => `${s.url.split(':').at(-1)} sent ${s.sent} answered ${s.answered} failed ${s.failed} out ${s.takenOut} failover ${s.failedOver}`).join('; ')}`);

  // b is probed back in and takes work again.
  for (let k = 0; k < 100 && !policy.serverStats()[1]!.healthy; k++) await sleep(20);
  t.ok(policy.serverStats()[1]!.healthy, 'b is back in after its health check');
  const again = await policy.generate(prompts.slice(0, 60), { n: 1, maxTokens: 4, seed: 1 });
  t.equal(again.length, 60);
  t.ok(policy.serverStats()[1]!.answered > stats[1]!.answered, 'b serves again');
});

t.test('least outstanding work: a request goes to the least loaded server', async (t) => {
  const procs = [await start('a'), await start('b')];
  t.teardown(() => { for (const p of procs) p.child.kill('SIGKILL'); });
  const policy = new OpenAIPolicy({ baseUrl: procs.map((p) => `http://127.0.0.1:${p.port}`), model: 'm', concurrency: 64 });
  t.teardown(() => policy.close());
  const out = await policy.generate(Array.from({ length: 40 }, (_, i) => `q${i}`), { n: 1, maxTokens: 4, seed: 0 });
  t.equal(out.length, 40);
  const [a, b] = policy.serverStats();
  t.equal(a!.answered + b!.answered, 40);
  t.ok(Math.abs(a!.answered - b!.answered) <= 2, `balanced: ${a!.answered} vs ${b!.answered}`);
});

t.test('bad pool options name the option', async (t) => {
  t.throws(() => new OpenAIPolicy({ baseUrl: 'http://a:1,http://a:1', model: 'm' }), { code: 'E_RANGE', message: /twice/ });
  t.throws(() => new OpenAIPolicy({ baseUrl: 'http://a:1,ftp://b', model: 'm' }), { code: 'E_RANGE', message: /baseUrl/ });
  t.throws(() => new OpenAIPolicy({ baseUrl: [], model: 'm' }), { code: 'E_RANGE', message: /baseUrl/ });
});

t.test('all servers down for good: the request fails with what the last attempt got', async (t) => {
  const policy = new OpenAIPolicy({ baseUrl: 'http://127.0.0.1:9,http://127.0.0.1:7', model: 'm', retries: 1, retryBaseMs: 1, retryMaxMs: 5, healthIntervalMs: 10, timeoutMs: 500 });
  t.teardown(() => policy.close());
  await t.rejects(policy.generate(['x'], { n: 1, maxTokens: 1, seed: 0 }), { code: 'E_STATE', message: /every server of the pool failed/ });
});
