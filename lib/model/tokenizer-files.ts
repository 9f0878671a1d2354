// The tokenizer of a checkpoint folder: tokenizer.json (a Hugging Face byte-level BPE, ours
// exported in that format, or our older {"format": "toolexpander-bpe"} file) with
// tokenizer_config.json (eos / pad / bos tokens, added_tokens_decoder, chat_template) and
// generation_config.json (eos_token_id). Generation stops on the eos token and, as Qwen2.5
// does, on <|im_end|> and <|endoftext|>. The files of a Hugging Face tokenizer are kept
// byte for byte, so a checkpoint written from it carries them unchanged.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { TxError } from '../errors.js';
import type { Qwen2TokenIds } from './qwen2-config.js';
import { BpeTokenizer } from './tokenizer/bpe.js';
import { bpeFromHf, bpeToHf } from './tokenizer/bpe-hf.js';
import { HfByteLevelBpe } from './tokenizer/hf.js';
import { BPE_FORMAT, bpeFromJson } from './tokenizer/serialize.js';
import { IM_END } from './tokenizer/specials.js';
import type { Tokenizer } from './tokenizer/types.js';

export const ENDOFTEXT = '<|endoftext|>';
/** Copied verbatim when a checkpoint is saved from a Hugging Face tokenizer. */
export const HF_TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json', 'added_tokens.json'];

export interface TokenizerFiles {
  tokenizer: Tokenizer;
  /** Token ids generation stops on. */
  stopIds: number[];
  eosId?: number;
  padId?: number;
  bosId?: number;
  chatTemplate?: string;
  /** Files to write beside the weights on save (name -> bytes). */
  files: Map<string, Uint8Array>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

async function readJson(path: string): Promise<{ raw: Uint8Array; json: unknown }> {
  const raw = await readFile(path);
  try {
    return { raw, json: JSON.parse(raw.toString('utf8')) };
  } catch (e) {
    throw new TxError('E_FORMAT', `${path}: not JSON (${(e as Error).message})`);
  }
}

function tokenText(v: unknown, file: string, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v['content'] === 'string') return v['content'];
  throw new TxError('E_FORMAT', `${file}: ${field}: expected a token string, {content}, or null`);
}

/** The id of a single-token text, or E_FORMAT naming the field. */
function idOf(tok: Tokenizer, text: string, file: string, field: string): number {
  const special = tok.specialTokens.get(text);
  if (special !== undefined) return special;
  const ids = tok.encode(text, { allowSpecial: true });
  if (ids.length !== 1) throw new TxError('E_FORMAT', `${file}: ${field}: ${JSON.stringify(text)} is not one token of tokenizer.json`);
  return ids[0]!;
}

function ids(v: unknown): number[] {
  if (Number.isSafeInteger(v)) return [v as number];
  return Array.isArray(v) ? v.filter((x) => Number.isSafeInteger(x)) as number[] : [];
}

/** Reads the tokenizer of `dir`; undefined when it has no tokenizer.json. */
export async function readTokenizerDir(dir: string, modelIds: Qwen2TokenIds = {}): Promise<TokenizerFiles | undefined> {
  const tjPath = join(dir, 'tokenizer.json');
  if (!existsSync(tjPath)) return undefined;
  const { raw, json } = await readJson(tjPath);
  const files = new Map<string, Uint8Array>();
  let tokenizer: Tokenizer;
  if (isObj(json) && json['format'] === BPE_FORMAT) tokenizer = bpeFromJson(json);
  else {
    const ours = bpeFromHf(json, (s, m) => new BpeTokenizer(s, m));
    if (ours !== undefined) tokenizer = ours;
    else {
      try {
        tokenizer = new HfByteLevelBpe(json);
      } catch (e) {
        if (e instanceof TxError) throw new TxError(e.code, `${tjPath}: ${e.message}`);
        throw e;
      }
      for (const f of HF_TOKENIZER_FILES) {
        if (f === 'tokenizer.json') files.set(f, raw);
        else if (existsSync(join(dir, f))) files.set(f, await readFile(join(dir, f)));
      }
    }
  }
  const out: TokenizerFiles = { tokenizer, stopIds: [], files };
  const cfgPath = join(dir, 'tokenizer_config.json');
  if (existsSync(cfgPath)) {
    const { json: cfg } = await readJson(cfgPath);
    if (!isObj(cfg)) throw new TxError('E_FORMAT', `${cfgPath}: must hold an object`);
    const decoder = cfg['added_tokens_decoder'];
    if (decoder !== undefined) {
      if (!isObj(decoder)) throw new TxError('E_FORMAT', `${cfgPath}: added_tokens_decoder must be an object of id -> {content}`);
      for (const [id, v] of Object.entries(decoder)) {
        const text = tokenText(v, cfgPath, `added_tokens_decoder[${id}]`);
        const n = Number(id);
        if (!Number.isSafeInteger(n) || n < 0 || n >= tokenizer.vocabSize || text === undefined || tokenizer.decode([n]) !== text) {
          throw new TxError('E_FORMAT', `${cfgPath}: added_tokens_decoder[${id}] = ${JSON.stringify(text)} disagrees with tokenizer.json`);
        }
      }
    }
    for (const [field, key] of [['eos_token', 'eosId'], ['pad_token', 'padId'], ['bos_token', 'bosId']] as const) {
      const text = tokenText(cfg[field], cfgPath, field);
      if (text !== undefined) out[key] = idOf(tokenizer, text, cfgPath, field);
    }
    const tmpl = cfg['chat_template'];
    if (typeof tmpl === 'string') out.chatTemplate = tmpl;
  }
  const stops = new Set<number>();
  if (out.eosId !== undefined) stops.add(out.eosId);
  for (const s of [IM_END, ENDOFTEXT]) {
    const id = tokenizer.specialTokens.get(s);
    if (id !== undefined) stops.add(id);
  }
  for (const id of ids(modelIds.eos_token_id)) if (id < tokenizer.vocabSize) stops.add(id);
  const genPath = join(dir, 'generation_config.json');
  if (existsSync(genPath)) {
    const { raw: g, json: gen } = await readJson(genPath);
    if (!isObj(gen)) throw new TxError('E_FORMAT', `${genPath}: must hold an object`);
    for (const id of ids(gen['eos_token_id'])) {
      if (id >= tokenizer.vocabSize) throw new TxError('E_FORMAT', `${genPath}: eos_token_id ${id} is not a token of tokenizer.json`);
      stops.add(id);
    }
    files.set('generation_config.json', g);
  }
  out.stopIds = [...stops];
  return out;
}

/** The tokenizer files a checkpoint carries: the source files verbatim, or ours in Hugging Face format. */
export function tokenizerFilesFor(t: TokenizerFiles | undefined, tok: Tokenizer | undefined): Map<string, Uint8Array> {
  const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v, null, 2) + '\n');
  const files = new Map(t?.files ?? []);
  if (tok instanceof BpeTokenizer) {
    const hf = bpeToHf(tok);
    files.set('tokenizer.json', enc(hf.tokenizerJson));
    files.set('tokenizer_config.json', enc(hf.tokenizerConfig));
  }
  if (!files.has('generation_config.json') && tok !== undefined) {
    const stops = t?.stopIds ?? [tok.specialTokens.get(IM_END), tok.specialTokens.get(ENDOFTEXT)].filter((x): x is number => x !== undefined);
    const gen: Obj = { eos_token_id: stops.length === 1 ? stops[0] : stops, transformers_version: '4.43.1' };
    if (t?.bosId !== undefined) gen['bos_token_id'] = t.bosId;
    const pad = t?.padId ?? (tok instanceof BpeTokenizer ? tok.specialTokens.get('<|pad|>') : undefined);
    if (pad !== undefined) gen['pad_token_id'] = pad;
    files.set('generation_config.json', enc(gen));
  }
  return files;
}
