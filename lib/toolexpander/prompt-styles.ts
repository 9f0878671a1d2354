// Prompt styles selectable per run (`prompt.style`): the tiny model's compact signatures,
// Tool-N1's prompt (tools as JSON lines in <tools>), and Qwen2.5's own tool-calling system
// prompt (its chat template's "# Tools" block: function signatures in <tools></tools>, each
// call a JSON object in <tool_call></tool_call>), for real Qwen2.5 checkpoints. The answer
// rule the reward parses (lib/reward/parse.ts: <think>, then one <tool_call> holding the
// list of calls) is stated in every style: Qwen2.5's own rule is one <tool_call> block per
// call, of which the parser reads only the last.
import { TxError } from '../errors.js';
import type { Task, Tool } from '../data/types.js';
import { buildPrompt, promptTools, renderChatML, type PromptOptions } from './prompt.js';

export const PROMPT_STYLES = ['compact', 'tool-n1', 'qwen2.5'] as const;
export type PromptStyle = (typeof PROMPT_STYLES)[number];

const QWEN_DEFAULT_SYSTEM = 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.';

/** JSON as the chat template's `tojson` writes it (Python's json.dumps: ", " and ": "; keys in order). */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** The "# Tools" block Qwen2.5's chat template writes into the system message. */
export function qwen25ToolsBlock(tools: readonly Tool[]): string {
  const sigs = tools.map((t) => pyJson({ type: 'function', function: t })).join('\n');
  return '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n'
    + `You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n${sigs}\n</tools>\n\n`
    + 'For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n'
    + '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>';
}

const ANSWER_RULE = 'Think in <think></think> first. Then put all calls in one <tool_call></tool_call> as a JSON list: '
  + '<tool_call>[{"name": <function-name>, "arguments": <args-json-object>}, ...]</tool_call>. If no function fits, answer <tool_call>[]</tool_call>.';

/** The ChatML prompt of `task` in `style`, demonstrations as earlier turns. */
export function renderStyled(style: PromptStyle, task: Task, demos: readonly Task[] = []): string {
  if (style === 'compact' || style === 'tool-n1') {
    const opts: PromptOptions = { style: style === 'compact' ? 'compact' : 'json', demos };
    return renderChatML(buildPrompt(task, opts));
  }
  if (style !== 'qwen2.5') throw new TxError('E_RANGE', `prompt.style must be one of ${PROMPT_STYLES.join(', ')}, got ${String(style)}`);
  // Qwen2.5's layout: the task's system text (or Qwen's default one), then the tools block.
  const msgs = buildPrompt(task, { style: 'compact', demos });
  const own = task.messages.filter((m) => m.role === 'system').map((m) => m.content);
  const listed = promptTools(task, demos);
  msgs[0] = { role: 'system', content: `${own.length > 0 ? own.join('\n\n') : QWEN_DEFAULT_SYSTEM}\n\n${qwen25ToolsBlock(listed)}\n\n${ANSWER_RULE}` };
  return renderChatML(msgs);
}
