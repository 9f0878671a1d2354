// Agreement with API-Bank's own level-3 check. test/fixtures/api-bank-official/verdicts.json.gz
// holds the verdicts of upstream's tool manager and check_api_call_correctness (handled as
// lv3_evaluator.py handles a prediction, run by generate.py there) on 3k rollouts over
// every non-ToolSearcher call of data/api-bank/level-3.json: the gold calls as the file
// spells them and as the tool received them, and perturbations. The `api-bank` mode must
// agree on every one. ToolSearcher needs upstream's embedding retriever, which is not
// available here: its rule is pinned in api-bank-level3.test.ts.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fromApiBankLevel3, type Task } from '../../lib/data/index.js';
import { scoreRollout } from '../../lib/reward/index.js';
import { SHARED_DATA } from '../fixtures/render.js';

type Case = { id: string; label: string; text: string; official: boolean | string };
const fixture = JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/api-bank-official/verdicts.json.gz', import.meta.url))).toString('utf8')) as { toolSearcher: boolean; cases: Case[] };

t.test('zero disagreements with API-Bank level-3 check_api_call_correctness', async (t) => {
  const tasks = new Map<string, Task>();
  for await (const task of fromApiBankLevel3(join(SHARED_DATA, 'api-bank', 'level-3.json'))) tasks.set(task.id, task);
  const byApi = new Map<string, { n: number; valid: number; disagree: number }>();
  const examples: string[] = [];
  for (const c of fixture.cases) {
    const task = tasks.get(c.id);
    if (task === undefined) { t.fail(`${c.id} missing from level-3.json`); continue; }
    const api = (task.answer as { name: string }[])[0]?.name ?? '?';
    const ours = scoreRollout(c.text, task, { matcher: 'api-bank' }).base === 1;
    const s = byApi.get(api) ?? { n: 0, valid: 0, disagree: 0 };
    s.n++;
    if (c.official === true) s.valid++;
    if (ours !== (c.official === true)) {
      s.disagree++;
      if (examples.length < 10) examples.push(`${c.id} ${api} ${c.label}: official ${String(c.official)}, ours ${ours}`);
    }
    byApi.set(api, s);
  }
  t.equal(byApi.size, 21, 'every level-3 API except ToolSearcher');
  for (const [api, s] of byApi) t.equal(s.disagree, 0, `${api}: ${s.n} cases (${s.valid} valid officially), no disagreement`);
  t.same(examples, [], 'no disagreeing case');
  t.ok(fixture.cases.length > 3000, `${fixture.cases.length} cases`);
  t.equal(fixture.toolSearcher, false, 'generated without the retriever: no ToolSearcher cases');
});

t.test('the tool-n1 format reads the same block and gives the same verdicts', async (t) => {
  const tasks = new Map<string, Task>();
  for await (const task of fromApiBankLevel3(join(SHARED_DATA, 'api-bank', 'level-3.json'))) tasks.set(task.id, task);
  let disagree = 0;
  for (const c of fixture.cases) {
    const task = tasks.get(c.id) as Task;
    if ((scoreRollout(c.text, task, { matcher: 'api-bank', format: 'tool-n1' }).base === 1) !== (c.official === true)) disagree++;
  }
  t.equal(disagree, 0);
});
