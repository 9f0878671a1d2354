import t from 'tap';
import { parseToolCalls } from '../../lib/reward/index.js';
import { safeJsonParse, jsonDepth } from '../../lib/data/json.js';

t.test('parses lists, single objects and think', async (t) => {
  const r = parseToolCalls('<think> plan </think>\n<tool_call>[{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": {}}]</tool_call>');
  t.same(r, { ok: true, think: ' plan ', calls: [{ name: 'f', arguments: { a: 1 } }, { name: 'g', arguments: {} }] });
  const one = parseToolCalls('<think>x</think><tool_call>{"name": "f", "arguments": {}}</tool_call>');
  t.same(one, { ok: true, think: 'x', calls: [{ name: 'f', arguments: {} }] });
  t.same(parseToolCalls('<think>x</think><tool_call>[]</tool_call>'), { ok: true, think: 'x', calls: [] });
});

t.test('bad items', async (t) => {
  for (const body of ['"f"', 'null', '[{"name": 1, "arguments": {}}]', '[{"name": "f", "arguments": []}]',
    '[{"name": "f", "arguments": null}]', '[{"name": "", "arguments": {}}]', '[["f"]]', '[{"arguments": {}}]']) {
    t.same(parseToolCalls(`<think>x</think><tool_call>${body}</tool_call>`), { ok: false, reason: 'bad_item' }, body);
    t.equal(parseToolCalls(`<think>x</think><tool_call>${body}</tool_call>`, { format: 'tool-n1' }).ok, false, `tool-n1 ${body}`);
  }
});

t.test('never throws on odd input', async (t) => {
  for (const x of [undefined, null, 42, {}, '', '<tool_call>', '</tool_call><tool_call>', '\u0000\ud800']) {
    const r = parseToolCalls(x as unknown as string);
    t.equal(r.ok, false);
    const n = parseToolCalls(x as unknown as string, { format: 'tool-n1' });
    t.equal(n.ok, false);
  }
});

t.test('__proto__ / constructor / prototype never reach a prototype', async (t) => {
  const before = Object.getOwnPropertyNames(Object.prototype).sort();
  const payloads = [
    '[{"name": "f", "arguments": {"__proto__": {"polluted": true}}}]',
    '[{"name": "f", "arguments": {"constructor": {"prototype": {"polluted": true}}}}]',
    '{"__proto__": {"polluted": true}, "name": "f", "arguments": {}}',
    '[{"name": "f", "arguments": {"a": [{"__proto__": {"polluted": true}}]}}]',
  ];
  for (const p of payloads) {
    for (const format of ['strict', 'tool-n1'] as const) {
      const r = parseToolCalls(`<think>x</think><tool_call>${p}</tool_call>`, { format });
      t.same(r, { ok: false, reason: 'bad_json' }, `${format}: ${p}`);
    }
  }
  t.equal(({} as Record<string, unknown>)['polluted'], undefined);
  t.same(Object.getOwnPropertyNames(Object.prototype).sort(), before);
  t.equal(safeJsonParse('{"a": {"__proto__": 1}}').ok, false);
  t.equal(safeJsonParse('["__proto__"]').ok, true, 'a string value is fine');
});

t.test('depth limit', async (t) => {
  t.equal(jsonDepth('[[["]]]]"]]]'), 3);
  t.same(safeJsonParse('['.repeat(300) + ']'.repeat(300)), { ok: false, error: 'depth', message: 'nesting deeper than 256' });
  t.equal(safeJsonParse('['.repeat(200) + ']'.repeat(200)).ok, true);
  const deep = '<think>x</think><tool_call>' + '['.repeat(1e6) + '</tool_call>';
  t.same(parseToolCalls(deep), { ok: false, reason: 'bad_json' });
});

function time(f: () => void, reps = 3): number {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

t.test('linear time: 5 MB adversarial inputs cost about what a 5 MB ordinary one does', async (t) => {
  const MB5 = 5 * 1024 * 1024;
  const call = '{"name": "search", "arguments": {"query": "the quick brown fox jumps over the lazy dog", "limit": 10}}';
  const n = Math.floor(MB5 / 2 / (call.length + 2));
  const ordinary = `<think>${'Let me think about the user request carefully. '.repeat(Math.floor(MB5 / 2 / 47))}</think><tool_call>[${Array(n).fill(call).join(', ')}]</tool_call>`;
  const fill = (unit: string) => unit.repeat(Math.ceil(MB5 / unit.length)).slice(0, MB5);
  const adversarial: Record<string, string> = {
    'open tags': fill('<tool_call>'),
    'open + close think soup': fill('<think><tool_call></think>'),
    'nested brackets in a block': `<think>x</think><tool_call>${fill('[')}</tool_call>`,
    'unterminated string': `<think>x</think><tool_call>["${fill('a\\"')}</tool_call>`,
    'many tiny blocks': `<think>x</think>${fill('<tool_call>[]</tool_call>')}`,
    'think opens only': fill('<think>') + '</think><tool_call>[]</tool_call>',
    'near-miss tags': fill('<tool_cal<think</tool_cal'),
    'assistant markers': fill('<|im_start|>assistant'),
  };
  t.ok(ordinary.length > 4.5 * 1024 * 1024);
  const base = time(() => { parseToolCalls(ordinary); });
  const baseN1 = time(() => { parseToolCalls(ordinary, { format: 'tool-n1' }); });
  t.comment(`ordinary 5 MB: strict ${base.toFixed(1)} ms, tool-n1 ${baseN1.toFixed(1)} ms`);
  for (const [name, text] of Object.entries(adversarial)) {
    const ms = Math.max(time(() => { parseToolCalls(text); }), time(() => { parseToolCalls(text, { format: 'tool-n1' }); }));
    t.comment(`${name}: ${ms.toFixed(1)} ms (${(ms / base).toFixed(2)}x)`);
    t.ok(ms < 5 * Math.max(base, baseN1), `${name} within 5x of ordinary`);
  }
});
