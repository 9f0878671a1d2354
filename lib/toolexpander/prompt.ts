// Prompt rendering shared by SFT, rollouts and hard sampling (docs/method.md section 2):
// a system message listing the tools, optional demonstrations as earlier user/assistant
// turns, the task's own messages; and the assistant format <think>...</think><tool_call>[...]</tool_call>.
// Pure string work: the tokenizer and chat template belong to the model.

import { goldCalls } from '../data/gold.js';
import type { Call, Message, Task, Tool } from '../data/types.js';

/** `compact`: one-line signatures (the tiny model); `json`: Tool-N1's one JSON per line in <tools>. */
export type ToolStyle = 'compact' | 'json';

export type PromptOptions = {
  style?: ToolStyle;
  /** Solved tasks shown before the query (hard sampling, SFT with demonstrations). */
  demos?: readonly Task[];
};

function typeText(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return 'any';
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('|');
  const type = s['type'];
  if (type === 'array') return `${typeText(s['items'])}[]`;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.join('|');
  return 'any';
}

/**
 * `get_weather(city: string, unit?: celsius|fahrenheit) - Current weather for a city`:
 * optional parameters carry `?`, enums list their values (the model must emit one of them).
 */
export function toolSignature(tool: Tool): string {
  const props = tool.parameters['properties'];
  const req = tool.parameters['required'];
  const required = new Set(Array.isArray(req) ? req : []);
  const params = typeof props === 'object' && props !== null
    ? Object.entries(props as Record<string, unknown>).map(([k, v]) => `${k}${required.has(k) ? '' : '?'}: ${typeText(v)}`)
    : [];
  const desc = tool.description ? ` - ${tool.description}` : '';
  return `${tool.name}(${params.join(', ')})${desc}`;
}

const COMPACT_RULES = 'Think in <think></think>, then answer <tool_call>[{"name": ..., "arguments": {...}}]</tool_call>: '
  + 'one list, one object per call. If no tool fits, answer <tool_call>[]</tool_call>.';

// Tool-N1's tool prompt (as its training code writes it), with the project's empty-list rule.
const JSON_HEAD = '# Tool\nHere is a list of functions in JSON format that you can invoke:\n<tools>\n';
const JSON_RULES = '</tools>\nIn each action step, you MUST:\n'
  + '1. Think about the reasoning process in the mind and enclosed your reasoning within <think> </think> XML tags.\n'
  + '2. Then, provide a json object with function names and arguments within <tool_call></tool_call> XML tags. '
  + 'i.e., <tool_call>[{"name": <function-name>, "arguments": <args-json-object>}, {"name": <function-name2>, "arguments": <args-json-object2>}, ...]</tool_call>\n'
  + '3. Make sure both the reasoning and the tool call steps are included together in one single reply.\n'
  + 'If none of the functions can be used, reply <tool_call>[]</tool_call>. Please make sure the type of the arguments is correct.';

export function systemPrompt(tools: readonly Tool[], style: ToolStyle = 'compact'): string {
  if (style === 'json') {
    const lines = tools.map((t) => JSON.stringify({ type: 'function', function: t }));
    return `${JSON_HEAD}${lines.join('\n')}\n${JSON_RULES}`;
  }
  return `Tools:\n${tools.map(toolSignature).join('\n')}\n${COMPACT_RULES}`;
}

/** The assistant output for `calls` with `think` as reasoning: what scoreRollout parses. */
export function renderCompletion(calls: readonly Call[], think: string): string {
  return `<think>${think}</think><tool_call>${JSON.stringify(calls)}</tool_call>`;
}

function argText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * A short deterministic reasoning for the gold answer: the tool(s) and the values to copy.
 * Kept terse on purpose: a tiny model has to reproduce it before the call.
 */
export function goldThink(calls: readonly Call[]): string {
  if (calls.length === 0) return 'No tool fits this request.';
  const parts = calls.map((c) => {
    const args = Object.entries(c.arguments).map(([k, v]) => `${k}=${argText(v)}`).join(', ');
    return args === '' ? c.name : `${c.name} with ${args}`;
  });
  return `Call ${parts.join('; ')}.`;
}

/** The gold completion of a task (its answer, with goldThink). */
export function goldCompletion(task: Task): string {
  const calls = goldCalls(task);
  return renderCompletion(calls, goldThink(calls));
}

/** Tools listed for a prompt: the task's, then any a demonstration calls that the task lacks. */
export function promptTools(task: Task, demos: readonly Task[] = []): Tool[] {
  const out = task.tools.slice();
  const names = new Set(out.map((t) => t.name));
  for (const d of demos) {
    for (const c of goldCalls(d)) {
      const tool = d.tools.find((t) => t.name === c.name);
      if (tool !== undefined && !names.has(tool.name)) {
        names.add(tool.name);
        out.push(tool);
      }
    }
  }
  return out;
}

/**
 * The conversation the model sees for `task`: one system message (the task's own system
 * text, if any, then the tool listing, as Tool-N1 does), then each demonstration as its
 * messages plus its gold completion, then the task's other messages. The model continues
 * with an assistant turn.
 */
export function buildPrompt(task: Task, opts: PromptOptions = {}): Message[] {
  const demos = opts.demos ?? [];
  const own = task.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const system = [...own, systemPrompt(promptTools(task, demos), opts.style)].join('\n\n');
  const msgs: Message[] = [{ role: 'system', content: system }];
  for (const d of demos) {
    for (const m of d.messages) if (m.role !== 'system') msgs.push({ ...m });
    msgs.push({ role: 'assistant', content: goldCompletion(d) });
  }
  for (const m of task.messages) if (m.role !== 'system') msgs.push({ ...m });
  return msgs;
}

/** ChatML (Qwen2's template): a prompt ending in an open assistant turn. */
export function renderChatML(messages: readonly Message[], addGenerationPrompt = true): string {
  let out = '';
  for (const m of messages) out += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
  return addGenerationPrompt ? `${out}<|im_start|>assistant\n` : out;
}
