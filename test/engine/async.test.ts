// The Promise form runs off the JS thread: a timer keeps firing while a large op computes.
import t from 'tap';

import { groupedAdvantages, groupedAdvantagesSync, setThreads } from '../../lib/index.js';

t.test('a large groupedAdvantages does not block the event loop', async (t) => {
  setThreads(1);  // slower op, longer window to observe the timer
  const R = 1 << 25;
  const rewards = new Float32Array(R);
  for (let i = 0; i < R; i++) rewards[i] = (i * 2654435761) % 1000;
  const offsets = new Int32Array(R / 8 + 1).map((_, g) => g * 8);

  const syncStart = performance.now();
  groupedAdvantagesSync(rewards, offsets);
  const syncMs = performance.now() - syncStart;

  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 2);
  const start = performance.now();
  // Several ops back to back so the window is long even on a fast machine.
  for (let i = 0; i < 4; i++) await groupedAdvantages(rewards, offsets);
  const asyncMs = performance.now() - start;
  clearInterval(timer);
  setThreads(0);

  t.comment(`one sync op ${syncMs.toFixed(1)} ms; 4 async ops ${asyncMs.toFixed(1)} ms; ${ticks} timer ticks, longest gap ${maxGap.toFixed(1)} ms`);
  t.ok(syncMs > 20, 'the op is long enough for the test to mean something');
  t.ok(ticks >= 10, 'the timer kept firing');
  // Blocking would show as a gap as long as one op.
  t.ok(maxGap < syncMs / 2, `longest timer gap (${maxGap.toFixed(1)} ms) is well under one op (${syncMs.toFixed(1)} ms)`);
});
