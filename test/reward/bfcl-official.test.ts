// Agreement with BFCL's own checker. test/fixtures/bfcl-official/verdicts.json.gz holds
// BFCL's verdicts (its ast_checker.py and relevance rule, run by generate.py there) on
// 46k rollouts over every single-turn BFCL v4 category in data/bfcl: each ground truth
// rendered as an answer, perturbations (int/float spelling, list items, strings, names,
// params, call counts and order, dotted names under underscore mapping, two blocks under
// the first- and last-block formats, Java/JS typed values) and format edge cases. The
// `bfcl` mode must agree on every one.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readBfclCategory } from '../../lib/reward/bfcl-suite.js';
import { fromBfcl } from '../../lib/data/bfcl.js';
import { bfclEntryOf } from '../../lib/reward/bfcl.js';
import { bfclVerdict, type BfclEntry } from '../../lib/reward/bfcl-verdict.js';
import { SHARED_DATA } from '../fixtures/render.js';

type Case = { category: string; id: string; label: string; text: string; block: 'first' | 'last'; names: 'dots' | 'underscores'; official: boolean | string };

const fixture = JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/bfcl-official/verdicts.json.gz', import.meta.url))).toString('utf8')) as { cases: Case[] };

t.test('zero disagreements with BFCL ast_checker / relevance rule', async (t) => {
  const entries = new Map<string, Map<string, BfclEntry>>();
  const byCategory = new Map<string, { n: number; officialValid: number; disagree: number }>();
  const examples: string[] = [];
  for (const c of fixture.cases) {
    let m = entries.get(c.category);
    if (m === undefined) {
      m = new Map((await readBfclCategory(join(SHARED_DATA, 'bfcl'), c.category)).map((x) => [x.entry.id, x.entry]));
      entries.set(c.category, m);
    }
    const entry = m.get(c.id);
    if (entry === undefined) { t.fail(`${c.category} ${c.id} missing from data/bfcl`); continue; }
    const v = bfclVerdict(c.text, entry, { block: c.block, underscoreNames: c.names === 'underscores' });
    const s = byCategory.get(c.category) ?? { n: 0, officialValid: 0, disagree: 0 };
    s.n++;
    const expected = typeof c.official === 'string' ? false : c.official;
    if (c.official === true) s.officialValid++;
    const crashAgrees = typeof c.official !== 'string' || (v.errorType ?? '').startsWith('checker_error');
    if (v.valid !== expected || !crashAgrees) {
      s.disagree++;
      if (examples.length < 10) examples.push(`${c.category} ${c.id} ${c.label} [${c.block}/${c.names}]: official ${String(c.official)}, ours ${v.valid} ${v.errorType ?? ''}`);
    }
    byCategory.set(c.category, s);
  }
  t.equal(byCategory.size, 13, 'every single-turn category is covered');
  for (const [cat, s] of byCategory) {
    t.equal(s.disagree, 0, `${cat}: ${s.n} cases (${s.officialValid} valid officially), no disagreement`);
    t.ok(s.officialValid > 0 && s.officialValid < s.n, `${cat}: both verdicts occur`);
  }
  t.same(examples, [], 'no disagreeing case');
  t.ok(fixture.cases.length > 40000, `${fixture.cases.length} cases`);
});

t.test('tasks from fromBfcl carry what the checker needs: same verdicts through bfclEntryOf', async (t) => {
  const root = join(SHARED_DATA, 'bfcl');
  const entries = new Map<string, Map<string, BfclEntry>>();
  let n = 0;
  let disagree = 0;
  for (const c of fixture.cases) {
    if (c.block !== 'last' || c.names !== 'dots') continue;
    let m = entries.get(c.category);
    if (m === undefined) {
      m = new Map();
      for await (const task of fromBfcl(join(root, `BFCL_v4_${c.category}.json`), join(root, 'possible_answer', `BFCL_v4_${c.category}.json`))) m.set(task.id, bfclEntryOf(task));
      entries.set(c.category, m);
    }
    const entry = m.get(c.id) as BfclEntry;
    n++;
    if (bfclVerdict(c.text, entry).valid !== (c.official === true)) disagree++;
  }
  t.equal(disagree, 0, `${n} cases through fromBfcl tasks, no disagreement`);
});
