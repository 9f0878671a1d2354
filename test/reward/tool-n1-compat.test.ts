// Tool-N1 compatibility table: hand-written rollouts with the reward Tool-N1's
// compute_score_v0 gives them (its substring format check; docs/method.md section 3), scored in `tool-n1`
// format mode with the `exact` matcher. `strict` is this project's default format and
// differs only where the table says so.
import t from 'tap';
import type { Call, Task } from '../../lib/data/index.js';
import { scoreRollout } from '../../lib/reward/index.js';

const tools = [
  { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } },
  { name: 'convert', parameters: { type: 'object', properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount'] } },
];
function task(answer: Call[]): Task {
  return { id: 't', tools, messages: [{ role: 'user', content: 'q' }], answer };
}
const W = { name: 'get_weather', arguments: { city: 'Lyon', unit: 'c' } };
const C = { name: 'convert', arguments: { amount: 5, from: 'USD', to: 'EUR' } };
const two = task([W, C]);
const one = task([W]);
const none = task([]);
const j = (x: unknown) => JSON.stringify(x);

type Row = { name: string; text: string; task: Task; toolN1: 0 | 1; strict: 0 | 1; ours?: 0 | 1; note?: string };

const rows: Row[] = [
  { name: 'correct single call', text: `<think>ok</think><tool_call>${j([W])}</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'empty answer, empty list', text: '<think>no tool fits</think><tool_call>[]</tool_call>', task: none, toolN1: 1, strict: 1 },
  { name: 'empty answer, no tool_call block', text: '<think>no tool fits</think>Sorry, I cannot help.', task: none, toolN1: 0, strict: 0 },
  { name: 'empty answer, a call made', text: `<think>x</think><tool_call>${j([W])}</tool_call>`, task: none, toolN1: 0, strict: 0 },
  { name: 'call expected, empty list given', text: '<think>x</think><tool_call>[]</tool_call>', task: one, toolN1: 0, strict: 0 },
  { name: 'dict instead of list', text: `<think>x</think><tool_call>${j(W)}</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'missing think', text: `<tool_call>${j([W])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'only <think>, never closed', text: `<think>x <tool_call>${j([W])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'empty think', text: `<think></think><tool_call>${j([W])}</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'think after the call (substring check only)', text: `<tool_call>${j([W])}</tool_call><think>x</think>`, task: one, toolN1: 1, strict: 0, note: 'strict wants the think block before the call' },
  { name: 'tags reversed </think>...<think>', text: `</think>x<think><tool_call>${j([W])}</tool_call>`, task: one, toolN1: 1, strict: 0 },
  { name: 'swapped call order', text: `<think>x</think><tool_call>${j([C, W])}</tool_call>`, task: two, toolN1: 1, strict: 1 },
  { name: 'extra call', text: `<think>x</think><tool_call>${j([W, C, W])}</tool_call>`, task: two, toolN1: 0, strict: 0 },
  { name: 'missing call', text: `<think>x</think><tool_call>${j([W])}</tool_call>`, task: two, toolN1: 0, strict: 0 },
  { name: 'duplicate instead of distinct calls', text: `<think>x</think><tool_call>${j([W, W])}</tool_call>`, task: two, toolN1: 0, strict: 0 },
  { name: '"5" vs 5', text: `<think>x</think><tool_call>${j([W, { ...C, arguments: { ...C.arguments, amount: '5' } }])}</tool_call>`, task: two, toolN1: 0, strict: 0 },
  { name: '5.0 vs 5', text: `<think>x</think><tool_call>[${j(W)}, {"name": "convert", "arguments": {"amount": 5.0, "from": "USD", "to": "EUR"}}]</tool_call>`, task: two, toolN1: 0, strict: 1, ours: 1, note: 'deliberate: JSON in JS cannot tell 5.0 from 5 (docs/method.md section 3)' },
  { name: 'argument keys reordered', text: `<think>x</think><tool_call>[{"name": "get_weather", "arguments": {"unit": "c", "city": "Lyon"}}]</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'extra optional argument', text: `<think>x</think><tool_call>${j([{ ...W, arguments: { ...W.arguments, days: 1 } }])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'omitted argument', text: `<think>x</think><tool_call>${j([{ ...W, arguments: { city: 'Lyon' } }])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'string case differs', text: `<think>x</think><tool_call>${j([{ ...W, arguments: { city: 'lyon', unit: 'c' } }])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'wrong function name', text: `<think>x</think><tool_call>${j([{ ...W, name: 'get_forecast' }])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'invalid JSON', text: '<think>x</think><tool_call>[{"name": "get_weather", "arguments": {"city": "Lyon",}}]</tool_call>', task: one, toolN1: 0, strict: 0 },
  { name: 'item without arguments', text: '<think>x</think><tool_call>[{"name": "get_weather"}]</tool_call>', task: one, toolN1: 0, strict: 0 },
  { name: 'JSON lines instead of a list', text: `<think>x</think><tool_call>${j(W)}\n${j(C)}</tool_call>`, task: two, toolN1: 0, strict: 0 },
  { name: 'last block counts (wrong, then right)', text: `<think>x</think><tool_call>${j([C])}</tool_call> no, <tool_call>${j([W])}</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'last block counts (right, then wrong)', text: `<think>x</think><tool_call>${j([W])}</tool_call> no, <tool_call>${j([C])}</tool_call>`, task: one, toolN1: 0, strict: 0 },
  { name: 'unclosed block after a complete one', text: `<think>x</think><tool_call>${j([W])}</tool_call><tool_call>[{"name"`, task: one, toolN1: 1, strict: 1 },
  { name: 'whitespace around the JSON', text: `<think>x</think><tool_call>\n  ${j([W])}  \n</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'prompt + response: think only before the assistant marker', text: `<|im_start|>system\n<think> </think> example<|im_end|>\n<|im_start|>assistant\n<tool_call>${j([W])}</tool_call>`, task: one, toolN1: 0, strict: 1, note: 'strict does not cut at the chat marker: score the completion only' },
  { name: 'prompt + response: call after the marker', text: `<|im_start|>user\n<tool_call>${j([C])}</tool_call><|im_end|>\n<|im_start|>assistant\n<think>x</think><tool_call>${j([W])}</tool_call>`, task: one, toolN1: 1, strict: 1 },
  { name: 'JSON scalar in the block', text: '<think>x</think><tool_call>42</tool_call>', task: one, toolN1: 0, strict: 0 },
];

t.test('Tool-N1 compute_score_v0 table (format tool-n1, matcher exact)', async (t) => {
  for (const row of rows) {
    const r = scoreRollout(row.text, row.task, { format: 'tool-n1', matcher: 'exact' });
    const expected = row.ours ?? row.toolN1;
    t.equal(r.reward, expected, `${row.name}: ${expected}${row.ours !== undefined ? ` (Tool-N1: ${row.toolN1}; ${row.note})` : ''} [${r.reason}]`);
  }
  t.comment(`${rows.length} rows, ${rows.filter((r) => r.ours !== undefined && r.ours !== r.toolN1).length} documented deviation(s)`);
});

t.test('the same table in strict mode', async (t) => {
  for (const row of rows) {
    const r = scoreRollout(row.text, row.task, { format: 'strict', matcher: 'exact' });
    t.equal(r.reward, row.strict, `${row.name}: ${row.strict}${row.note ? ` (${row.note})` : ''} [${r.reason}]`);
  }
});

t.test('reason codes', async (t) => {
  const reason = (text: string, tk: Task = one) => scoreRollout(text, tk).reason;
  t.equal(reason('plain text'), 'no_tool_call');
  t.equal(reason('<think>x</think><tool_call>[{]</tool_call>'), 'bad_json');
  t.equal(reason('<think>x</think><tool_call>[1]</tool_call>'), 'bad_item');
  t.equal(reason(`<tool_call>${j([W])}</tool_call>`), 'missing_think');
  t.equal(reason(`<think>x</think><tool_call>${j([C])}</tool_call>`), 'wrong_name');
  t.equal(reason(`<think>x</think><tool_call>${j([{ ...W, arguments: { city: 'Paris' } }])}</tool_call>`), 'wrong_args');
  t.equal(reason(`<think>x</think><tool_call>${j([W, W])}</tool_call>`), 'extra_call');
  t.equal(reason('<think>x</think><tool_call>[]</tool_call>'), 'missing_call');
  t.equal(reason(`<think>x</think><tool_call>${j([W])}</tool_call>`), 'ok');
  t.equal(reason(`<think>x<example><tool_call>${j([W])}</tool_call></example></think>`), 'no_tool_call', 'a call inside think is not an answer');
});
