// The addon loads in worker_threads (per-environment state) and computes the same bits.
import { Worker } from 'node:worker_threads';

import t from 'tap';

import { groupedAdvantagesSync } from '../../lib/index.js';

t.test('groupedAdvantages inside a worker thread', async (t) => {
  const rewards = new Float32Array(4096).map((_, i) => (i * 7919) % 13);
  const offsets = new Int32Array(4096 / 16 + 1).map((_, g) => g * 16);
  const main = groupedAdvantagesSync(rewards, offsets);
  const source = `
    const { workerData, parentPort } = require('node:worker_threads');
    // The worker has no TypeScript loader of its own: register tsx, then import the source.
    import('tsx/esm/api').then((api) => { api.register(); return import(workerData.url); }).then(async (m) => {
      const r = await m.groupedAdvantages(workerData.rewards, workerData.offsets);
      parentPort.postMessage(r.advantages);
    }).catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
  const url = new URL('../../lib/index.ts', import.meta.url).href;
  const worker = new Worker(source, {
    eval: true,
    workerData: { url, rewards, offsets },
  });
  const result = await new Promise<unknown>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  t.ok(result instanceof Float32Array, `worker returned ${result instanceof Float32Array ? 'advantages' : JSON.stringify(result)}`);
  t.same(Buffer.from((result as Float32Array).buffer), Buffer.from(main.advantages.buffer));
});
