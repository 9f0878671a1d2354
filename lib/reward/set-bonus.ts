// Self-Exemplifying Thinking (docs/method.md section 4): inside the think block, an
// `<example>` holding a tool call list that parses, names only available tools and whose
// arguments validate against their schemas; then an `<analysis>` with non-empty text
// before the next example; and the example's calls are not the final calls.

import type { Call, Tool } from '../data/types.js';
import { callsFromJson } from './parse.js';
import { sameCalls } from './exact.js';
import { validateArgs } from './schema-cache.js';
import { lastSpan, TOOL_CALL_CLOSE, TOOL_CALL_OPEN } from './tags.js';

const EX_OPEN = '<example>';
const EX_CLOSE = '</example>';
const AN_OPEN = '<analysis>';
const AN_CLOSE = '</analysis>';

/** Examples checked at most (each costs a JSON parse and schema validation). */
export const MAX_EXAMPLES = 32;

function exampleValid(body: string, tools: ReadonlyMap<string, Tool>, finalCalls: readonly Call[] | undefined): boolean {
  const block = lastSpan(body, TOOL_CALL_OPEN, TOOL_CALL_CLOSE);
  if (block === undefined) return false;
  const r = callsFromJson(body.slice(block.innerStart, block.innerEnd));
  if (!r.ok || r.calls.length === 0) return false;
  for (const c of r.calls) {
    const tool = tools.get(c.name);
    if (tool === undefined || !validateArgs(tool.parameters, c.arguments)) return false;
  }
  return finalCalls === undefined || !sameCalls(r.calls, finalCalls);
}

/** Whether `think` earns the SET bonus. Linear in the length of `think`. */
export function hasSelfExample(think: string, tools: readonly Tool[], finalCalls: readonly Call[] | undefined): boolean {
  const byName = new Map<string, Tool>();
  for (const t of tools) byName.set(t.name, t);
  let pos = 0;
  for (let n = 0; n < MAX_EXAMPLES; n++) {
    const s = think.indexOf(EX_OPEN, pos);
    if (s < 0) return false;
    const e = think.indexOf(EX_CLOSE, s + EX_OPEN.length);
    if (e < 0) return false;
    const after = e + EX_CLOSE.length;
    const next = think.indexOf(EX_OPEN, after);
    // The analysis must follow this example, before the next one.
    const tail = think.slice(after, next < 0 ? think.length : next);
    const a = tail.indexOf(AN_OPEN);
    const ae = a < 0 ? -1 : tail.indexOf(AN_CLOSE, a + AN_OPEN.length);
    const analysed = ae >= 0 && tail.slice(a + AN_OPEN.length, ae).trim() !== '';
    if (analysed && exampleValid(think.slice(s + EX_OPEN.length, e), byName, finalCalls)) return true;
    if (next < 0) return false;
    pos = next;
  }
  return false;
}
