// ChatML, the template of Qwen2 chat models:
//   <|im_start|>role\ncontent<|im_end|>\n ... <|im_start|>assistant\n
// encodeChat writes the markers as special ids and the roles and contents as text, so a
// message that contains "<|im_end|>" cannot close its own turn.
import { TxError } from '../../errors.js';
import { IM_END, IM_START } from './specials.js';
import type { Tokenizer } from './types.js';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatOptions {
  /** Append "<|im_start|>assistant\n" (the generation prompt). Default true. */
  addGenerationPrompt?: boolean;
}

function checkMessages(messages: readonly ChatMessage[]): void {
  if (!Array.isArray(messages)) throw new TxError('E_FORMAT', 'chatml: messages must be an array');
  messages.forEach((m, i) => {
    if (typeof m?.role !== 'string' || m.role.length === 0) throw new TxError('E_FORMAT', `chatml: messages[${i}].role must be a non-empty string`);
    if (typeof m.content !== 'string') throw new TxError('E_FORMAT', `chatml: messages[${i}].content must be a string`);
  });
}

export function chatml(messages: readonly ChatMessage[], opts: ChatOptions = {}): string {
  checkMessages(messages);
  let s = '';
  for (const m of messages) s += `${IM_START}${m.role}\n${m.content}${IM_END}\n`;
  if (opts.addGenerationPrompt ?? true) s += `${IM_START}assistant\n`;
  return s;
}

function special(tok: Tokenizer, name: string): number {
  const id = tok.specialTokens.get(name);
  if (id === undefined) throw new TxError('E_STATE', `chatml: the tokenizer has no ${name} token`);
  return id;
}

/** Token ids of chatml(messages); decode(encodeChat(...)) === chatml(...). */
export function encodeChat(tok: Tokenizer, messages: readonly ChatMessage[], opts: ChatOptions = {}): number[] {
  checkMessages(messages);
  const start = special(tok, IM_START), end = special(tok, IM_END);
  const out: number[] = [];
  for (const m of messages) {
    out.push(start, ...tok.encode(`${m.role}\n`));
    for (const id of tok.encode(m.content)) out.push(id);
    out.push(end, ...tok.encode('\n'));
  }
  if (opts.addGenerationPrompt ?? true) out.push(start, ...tok.encode('assistant\n'));
  return out;
}
