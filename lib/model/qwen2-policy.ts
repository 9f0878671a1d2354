// Qwen2Policy: the engine's native Qwen2 model (native/model/) behind the Policy interface;
// it loads and saves Hugging Face Qwen2 / Qwen2.5 folders (checkpoint.ts). TinyPolicy is its
// former name, kept as an alias.
// The weights live in native memory owned by a PolicyModel handle (freed by dispose() or
// by GC); every heavy call runs off the JS thread and calls on one model run in order.
// generate(...)[i][j].logp equals logprobs([{ prompt, completion: tokens }]) bit for bit.
import { TxError } from '../errors.js';
import type { GrpoConfig, KlType, LossAggregation } from '../engine/grpo_loss.js';
import { native, type NativeLossSpec, type NativePolicyModel } from '../engine/native.js';
import { loadOptimizer, loadWeights, openWeights, readConfig, writeCheckpoint } from './checkpoint.js';
import { checkMemory, describePlan, memoryPlan, type MemoryPlan } from './memory.js';
import type { GenerateOptions, Policy, Rollout, StepStats, TokenBatch, TokenTrainBatch, TrainBatch, TrainSequence } from './policy.js';
import { configJson, resolveQwen2Config, type Qwen2Config, type Qwen2TokenIds } from './qwen2-config.js';
import { readTokenizerDir, tokenizerFilesFor, type TokenizerFiles } from './tokenizer-files.js';
import { IM_END } from './tokenizer/specials.js';
import type { Tokenizer } from './tokenizer/types.js';

export interface Qwen2PolicyOptions {
  seed?: number;                 // 0: weight initialisation
  /** Where weights, optimizer state and activations live: 'cpu' (default) or 'cuda' (f32 on the
   *  GPU; head dim 64 or 128). 'cuda' without a compiled, usable CUDA rejects with E_DEVICE and the reason. */
  device?: 'cpu' | 'cuda';
  /** 'f32' (default) or 'bf16' (CUDA only): the decoder layers' forward GEMMs use a bf16 copy of the
   *  weights (f32 master copy, f32 head and backward). */
  weights?: 'f32' | 'bf16';
  tokenizer?: Tokenizer;         // needed by the string API (generate / logprobs)
  /** Activations are planned for this many tokens per forward (grown when exceeded). Default 4096. */
  maxBatchTokens?: number;
  /** Called with the memory the model needs, before anything is allocated (load and create). */
  onMemory?: (plan: MemoryPlan, text: string) => void;
  /** Bytes the CPU plan is checked against (default: what this machine has available). */
  memoryLimit?: number;
}

/** @deprecated the former name of Qwen2PolicyOptions. */
export type TinyPolicyOptions = Qwen2PolicyOptions;

export interface SaveOptions {
  /** Write optimizer.safetensors (default true): what an exact resume needs. */
  optimizer?: boolean;
  /** Weights on disk: 'f32' (default, exact) or 'bf16' (half the size; what the hub ships). */
  dtype?: 'f32' | 'bf16';
  /** Shard the weights past this many bytes (default 5e9, as transformers). */
  shardBytes?: number;
}

export interface OptimizerOptions {
  beta1?: number;        // 0.9
  beta2?: number;        // 0.999
  eps?: number;          // 1e-8
  weightDecay?: number;  // 0
  maxGradNorm?: number;  // 1 (0 = off)
}

export interface TokenRollout { tokens: Int32Array; logp: Float32Array }

// Codes of native/include/tx/ops.h (KlType, LossAggregation), as lib/engine/grpo_loss.ts.
const KL: Record<KlType, number> = { k1: 0, k2: 1, k3: 2 };
const AGG: Record<LossAggregation, number> = { 'token-mean': 0, 'seq-mean-token-mean': 1, 'seq-mean-token-sum': 2, 'seq-mean-token-sum-norm': 3 };

export class Qwen2Policy implements Policy {
  readonly config: Required<Qwen2Config>;
  readonly tokenizer: Tokenizer | undefined;
  /** The tokenizer files of the folder it was loaded from (stops, special ids, files kept for save). */
  readonly tokenizerFiles: TokenizerFiles | undefined;
  /** Token ids config.json named (written back on save). */
  readonly tokenIds: Qwen2TokenIds;
  /** What the model holds in memory (stated before it was allocated). */
  readonly memory: MemoryPlan;
  private handle: NativePolicyModel;
  optimizer: OptimizerOptions = {};

  private constructor(config: Required<Qwen2Config>, handle: NativePolicyModel, tokenizer: Tokenizer | undefined,
    files: TokenizerFiles | undefined, ids: Qwen2TokenIds, memory: MemoryPlan) {
    this.config = config;
    this.handle = handle;
    this.tokenizer = tokenizer;
    this.tokenizerFiles = files;
    this.tokenIds = ids;
    this.memory = memory;
  }

  static async create(config: Qwen2Config, opts: Qwen2PolicyOptions = {}): Promise<Qwen2Policy> {
    return Qwen2Policy.make(resolveQwen2Config(config), opts, undefined, {});
  }

  private static make(c: Required<Qwen2Config>, opts: Qwen2PolicyOptions, files: TokenizerFiles | undefined, ids: Qwen2TokenIds): Qwen2Policy {
    const tokenizer = opts.tokenizer ?? files?.tokenizer;
    if (tokenizer && tokenizer.vocabSize > c.vocab_size) {
      throw new TxError('E_RANGE', `tokenizer.vocabSize ${tokenizer.vocabSize} exceeds config.vocab_size ${c.vocab_size}`);
    }
    const plan = memoryPlan(c, { maxBatchTokens: opts.maxBatchTokens ?? 4096, device: opts.device ?? 'cpu', weights: opts.weights ?? 'f32' });
    // A config the native side will refuse (E_RANGE naming the field) has no meaningful plan.
    if (Number.isFinite(plan.total)) {
      opts.onMemory?.(plan, describePlan(plan));
      checkMemory(plan, opts.memoryLimit);
    }
    const handle = new (native().PolicyModel)(c, opts.seed ?? 0, opts.maxBatchTokens ?? 4096, opts.device ?? 'cpu', opts.weights ?? 'f32');
    return new Qwen2Policy(c, handle, tokenizer, opts.tokenizer === undefined ? files : undefined, ids, plan);
  }

  /**
   * Loads a checkpoint folder: ours, or a Hugging Face Qwen2 / Qwen2.5 one as downloaded
   * (config.json, model.safetensors or sharded with model.safetensors.index.json, F32 / BF16 /
   * F16, tokenizer.json + tokenizer_config.json, generation_config.json), and
   * optimizer.safetensors when present. Every weight header is checked before data is read,
   * and the memory is stated (opts.onMemory) and checked before it is allocated.
   */
  static async load(dir: string, opts: Omit<Qwen2PolicyOptions, 'seed'> = {}): Promise<Qwen2Policy> {
    const config = await readConfig(dir);
    const { bos_token_id, eos_token_id, pad_token_id, ...model } = config;
    const ids: Qwen2TokenIds = {};
    if (bos_token_id !== undefined) ids.bos_token_id = bos_token_id;
    if (eos_token_id !== undefined) ids.eos_token_id = eos_token_id;
    if (pad_token_id !== undefined) ids.pad_token_id = pad_token_id;
    const files = opts.tokenizer === undefined ? await readTokenizerDir(dir, ids) : undefined;
    const weights = await openWeights(dir);
    let p: Qwen2Policy | undefined;
    try {
      p = Qwen2Policy.make(model, opts, files, ids);
      const h = p.handle, layout = h.layout();
      await loadWeights(weights, layout, model.tie_word_embeddings, (offset, data) => h.writeStateRange('params', offset, data));
      const opt = await loadOptimizer(dir, layout, p.numParams, (which, offset, data) => h.writeStateRange(which, offset, data));
      h.finishState(opt?.step);
    } catch (e) {
      p?.dispose();
      throw e;
    } finally {
      await Promise.all(weights.files.map((f) => f.close().catch(() => undefined)));
    }
    return p;
  }

  get numParams(): number {
    return this.handle.numParams;
  }

  /** Copies of the parameters by Hugging Face name. */
  parameters(): Map<string, Float32Array> {
    const { params } = this.handle.getState();
    const out = new Map<string, Float32Array>();
    for (const e of this.handle.layout()) out.set(e.name, params.slice(e.offset, e.offset + e.shape.reduce((a, b) => a * b, 1)));
    return out;
  }

  /** The flat parameter buffer (a copy) and the optimizer state. */
  state(): { params: Float32Array; expAvg: Float32Array; expAvgSq: Float32Array; step: number } {
    const { params, expAvg, expAvgSq, step } = this.handle.getState();
    return { params, expAvg, expAvgSq, step };
  }

  /**
   * Gradients of one micro-batch's loss (SFT when `loss` is undefined, else GRPO), without
   * an optimizer step: for gradient checks. Accumulated gradients are cleared first and after.
   */
  async gradients(batch: TokenBatch | TokenTrainBatch, loss?: GrpoConfig): Promise<{ loss: number; grads: Float32Array }> {
    this.handle.zeroGrad();
    const spec: NativeLossSpec = loss === undefined ? { sft: true } : this.grpoSpec(batch as TokenTrainBatch, loss);
    const { scalars } = await this.handle.trainMicro(batch.tokens, batch.cuSeqlens, batch.mask, spec, 1);
    const { grads } = this.handle.getState();
    this.handle.zeroGrad();
    return { loss: scalars[0]!, grads };
  }

  /** Replaces the parameters (flat, layout order); gradients are cleared. */
  setParams(params: Float32Array): void {
    this.handle.setState(params);
  }

  /** logp[i] = log p(tokens[i] | earlier tokens of its sequence) where mask[i], else 0; entropy alike. */
  async forwardLogprobs(batch: TokenBatch): Promise<{ logp: Float32Array; entropy: Float32Array }> {
    return this.handle.forwardLogprobs(batch.tokens, batch.cuSeqlens, batch.mask);
  }

  forwardLogprobsSync(batch: TokenBatch): { logp: Float32Array; entropy: Float32Array } {
    return this.handle.forwardLogprobsSync(batch.tokens, batch.cuSeqlens, batch.mask);
  }

  /**
   * Policy.trainStep: a GRPO step on text prompts and sampled completions. Prompts are
   * encoded exactly as generate() encodes them, so the tokens trained on are the tokens
   * sampled; each rollout's advantage is broadcast to its completion tokens.
   */
  async trainStep(batch: TrainBatch, loss: GrpoConfig = {}, lr = 1e-3): Promise<StepStats> {
    if (batch === null || typeof batch !== 'object' || !Array.isArray(batch.sequences)) {
      throw new TxError('E_RANGE', 'batch.sequences must be an array');
    }
    const tok = this.needTokenizer();
    const micro = Math.max(1, Math.min(batch.gradientAccumulation ?? 1, batch.sequences.length));
    const per = Math.ceil(batch.sequences.length / micro);
    const parts: TokenTrainBatch[] = [];
    for (let m = 0; m < batch.sequences.length; m += per) {
      parts.push(packSequences(batch.sequences.slice(m, m + per), (p) => Int32Array.from(tok.encode(p, { allowSpecial: true }))));
    }
    return this.trainTokens(parts, loss, lr);
  }

  /** GRPO step on packed token batches: forward, loss, backward per micro-batch (gradients accumulated, each scaled 1/k), then AdamW. */
  async trainTokens(batch: TokenTrainBatch | TokenTrainBatch[], loss: GrpoConfig = {}, lr = 1e-3): Promise<StepStats> {
    const micro = Array.isArray(batch) ? batch : [batch];
    return this.step(micro, (b) => this.grpoSpec(b, loss), lr);
  }

  private grpoSpec(b: TokenTrainBatch, loss: GrpoConfig): NativeLossSpec {
    if (loss === null || typeof loss !== 'object') throw new TxError('E_RANGE', 'loss must be an object');
    return {
      sft: false, oldLogp: b.oldLogp, refLogp: b.refLogp, advantages: b.advantages,
      clipLow: loss.clipLow ?? 0.2, clipHigh: loss.clipHigh ?? 0.2, dualClip: loss.dualClip ?? 0, klCoef: loss.klCoef ?? 0,
      klType: enumCode(KL, loss.klType ?? 'k3', 'loss.klType'), aggregation: enumCode(AGG, loss.aggregation ?? 'token-mean', 'loss.aggregation'),
      normConstant: loss.normConstant,
    };
  }

  /** Supervised step: cross-entropy (mean -logp) over the masked tokens, micro-batches accumulated. */
  async sftStep(batch: TokenBatch | TokenBatch[], lr = 1e-3): Promise<StepStats> {
    return this.step(Array.isArray(batch) ? batch : [batch], () => ({ sft: true }), lr);
  }

  private async step<B extends TokenBatch>(micro: B[], spec: (b: B) => NativeLossSpec, lr: number): Promise<StepStats> {
    if (micro.length === 0) throw new TxError('E_RANGE', 'batch must hold at least one micro-batch');
    const acc = { loss: 0, tokens: 0, clipFracHigh: 0, clipFracLow: 0, ratioMean: 0, approxKl: 0 };
    for (const b of micro) {
      const { scalars: s } = await this.handle.trainMicro(b.tokens, b.cuSeqlens, b.mask, spec(b), 1 / micro.length);
      acc.loss += s[0]! / micro.length;
      acc.tokens += s[1]!;
      acc.clipFracHigh += s[2]! / micro.length;
      acc.clipFracLow += s[3]! / micro.length;
      acc.ratioMean += s[5]! / micro.length;
      acc.approxKl += s[6]! / micro.length;
    }
    const o = this.optimizer;
    const { scalars } = await this.handle.optimizerStep(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.eps ?? 1e-8, o.weightDecay ?? 0, o.maxGradNorm ?? 1);
    return { ...acc, gradNorm: scalars[0]!, step: scalars[1]! };
  }

  /** Token-level generation: [prompt][sample] completions with per-token logp (temperature 1). */
  async generateTokens(prompts: Int32Array[], opts: GenerateOptions, stopIds: number[] = this.defaultStopIds()): Promise<TokenRollout[][]> {
    if (!Array.isArray(prompts) || prompts.length === 0) throw new TxError('E_RANGE', 'prompts must be a non-empty array');
    if (opts === null || typeof opts !== 'object') throw new TxError('E_RANGE', 'opts must be an object');
    const offsets = new Int32Array(prompts.length + 1);
    prompts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
    const flat = new Int32Array(offsets[prompts.length]!);
    prompts.forEach((p, i) => flat.set(p, offsets[i]!));
    const { n, maxTokens, seed } = opts;
    const r = await this.handle.generate(flat, offsets, n, opts.temperature ?? 1, opts.topP ?? 1, opts.topK ?? 0, maxTokens,
      Int32Array.from(stopIds), seed);
    return prompts.map((_, i) => Array.from({ length: n }, (_, j) => {
      const b = i * n + j, len = r.lengths[b]!;
      return { tokens: r.tokens.slice(b * maxTokens, b * maxTokens + len), logp: r.logp.slice(b * maxTokens, b * maxTokens + len) };
    }));
  }

  async generate(prompts: string[], opts: GenerateOptions): Promise<Rollout[][]> {
    const tok = this.needTokenizer();
    const stops = opts.stop ?? [];
    const stopIds = this.defaultStopIds();
    for (const s of stops) {
      const id = tok.specialTokens.get(s);
      if (id !== undefined && !stopIds.includes(id)) stopIds.push(id);
    }
    const encoded = prompts.map((p) => Int32Array.from(tok.encode(p, { allowSpecial: true })));
    const out = await this.generateTokens(encoded, opts, stopIds);
    return out.map((samples) => samples.map((s) => cutAtStop(tok, s, stops)));
  }

  /** Log-probs of completions after prompts (strings encoded by the tokenizer, specials allowed). */
  async logprobs(items: { prompt: string; completion: Int32Array }[]): Promise<Float32Array[]> {
    const tok = this.needTokenizer();
    return this.logprobsTokens(items.map((it) => ({ prompt: Int32Array.from(tok.encode(it.prompt, { allowSpecial: true })), completion: it.completion })));
  }

  async logprobsTokens(items: { prompt: Int32Array; completion: Int32Array }[]): Promise<Float32Array[]> {
    const cu = new Int32Array(items.length + 1);
    items.forEach((it, i) => (cu[i + 1] = cu[i]! + it.prompt.length + it.completion.length));
    const tokens = new Int32Array(cu[items.length]!), mask = new Uint8Array(tokens.length);
    items.forEach((it, i) => {
      tokens.set(it.prompt, cu[i]!);
      tokens.set(it.completion, cu[i]! + it.prompt.length);
      mask.fill(1, cu[i]! + it.prompt.length, cu[i + 1]!);
    });
    const { logp } = await this.forwardLogprobs({ tokens, cuSeqlens: cu, mask });
    return items.map((it, i) => logp.slice(cu[i]! + it.prompt.length, cu[i + 1]!));
  }

  /**
   * A folder Hugging Face tools load (from_pretrained, vLLM): config.json, the weights
   * (sharded past opts.shardBytes, F32 or BF16), generation_config.json and the tokenizer
   * files (a Hugging Face tokenizer's own files verbatim; our BPE as tokenizer.json +
   * tokenizer_config.json), and, unless `optimizer` is false, optimizer.safetensors (AdamW
   * moments and step: what an exact resume needs; a shipped starting point leaves it out so a
   * new run starts a fresh optimizer). Tensors stream one at a time from the model.
   */
  async save(dir: string, opts: SaveOptions = {}): Promise<void> {
    const h = this.handle;
    const dtype = opts.dtype ?? 'f32';
    if (dtype !== 'f32' && dtype !== 'bf16') throw new TxError('E_RANGE', `save: dtype must be 'f32' or 'bf16', got ${String(dtype)}`);
    const cfg = configJson(this.config, { torchDtype: dtype === 'bf16' ? 'bfloat16' : 'float32', ids: this.savedIds() });
    await writeCheckpoint(dir, cfg, h.layout(), (which, offset, n) => h.readStateRange(which, offset, n), {
      dtype: dtype === 'bf16' ? 'BF16' : 'F32', ...(opts.shardBytes === undefined ? {} : { shardBytes: opts.shardBytes }),
      ...(opts.optimizer === false ? {} : { optimizer: { step: h.step } }),
      files: tokenizerFilesFor(this.tokenizerFiles, this.tokenizer),
    });
  }

  private savedIds(): Qwen2TokenIds {
    const ids: Qwen2TokenIds = { ...this.tokenIds };
    const t = this.tokenizerFiles;
    if (ids.eos_token_id === undefined && t?.eosId !== undefined) ids.eos_token_id = t.eosId;
    if (ids.eos_token_id === undefined && this.tokenizer?.specialTokens.get(IM_END) !== undefined) ids.eos_token_id = this.tokenizer.specialTokens.get(IM_END)!;
    if (ids.bos_token_id === undefined && t?.bosId !== undefined) ids.bos_token_id = t.bosId;
    if (ids.pad_token_id === undefined && t?.padId !== undefined) ids.pad_token_id = t.padId;
    return ids;
  }

  dispose(): void {
    this.handle.dispose();
  }

  get disposed(): boolean {
    return this.handle.disposed;
  }

  private needTokenizer(): Tokenizer {
    if (!this.tokenizer) throw new TxError('E_STATE', 'this Qwen2Policy has no tokenizer (pass opts.tokenizer); use the token-level methods');
    return this.tokenizer;
  }

  /** The folder's stops (eos, <|im_end|>, <|endoftext|>, generation_config's eos ids), else <|im_end|>. */
  private defaultStopIds(): number[] {
    if (this.tokenizerFiles !== undefined && this.tokenizerFiles.stopIds.length > 0) return [...this.tokenizerFiles.stopIds];
    const id = this.tokenizer?.specialTokens.get(IM_END);
    return id === undefined ? [] : [id];
  }
}

function enumCode<K extends string>(table: Record<K, number>, v: K, name: string): number {
  const code = table[v];
  if (code === undefined) throw new TxError('E_RANGE', `${name} must be one of ${Object.keys(table).join(', ')}, got ${String(v)}`);
  return code;
}

// Model output is text, never an error: ids the model's vocabulary has but the tokenizer
// lacks (padding rows, as Qwen2's 151936 vs 151646) decode to nothing.
function decodeOutput(tok: Tokenizer, ids: Int32Array): string {
  const known = ids.every((id) => id < tok.vocabSize) ? ids : ids.filter((id) => id < tok.vocabSize);
  return tok.decode(known);
}

// Cuts a completion after the first token whose text completes a stop string.
function cutAtStop(tok: Tokenizer, s: TokenRollout, stops: string[]): Rollout {
  let end = s.tokens.length;
  if (stops.length > 0) {
    for (let k = 1; k <= s.tokens.length; k++) {
      const text = decodeOutput(tok, s.tokens.subarray(0, k));
      if (stops.some((st) => text.includes(st))) {
        end = k;
        break;
      }
    }
  }
  const tokens = s.tokens.slice(0, end);
  return { text: decodeOutput(tok, tokens), tokens, logp: s.logp.slice(0, end) };
}

/** Packs text-prompt sequences into one token batch, advantages and log-probs per token. */
function packSequences(seqs: TrainSequence[], encode: (prompt: string) => Int32Array): TokenTrainBatch {
  const prompts = seqs.map((s) => encode(s.prompt));
  const cu = new Int32Array(seqs.length + 1);
  seqs.forEach((s, i) => {
    if (s.oldLogp.length !== s.completion.length) {
      throw new TxError('E_SHAPE', `batch.sequences[${i}].oldLogp has ${s.oldLogp.length} entries, its completion ${s.completion.length} tokens`);
    }
    if (s.tokenAdvantages !== undefined && s.tokenAdvantages.length !== s.completion.length) {
      throw new TxError('E_SHAPE', `batch.sequences[${i}].tokenAdvantages has ${s.tokenAdvantages.length} entries, its completion ${s.completion.length} tokens`);
    }
    cu[i + 1] = cu[i]! + prompts[i]!.length + s.completion.length;
  });
  const n = cu[seqs.length]!;
  const out: TokenTrainBatch = {
    tokens: new Int32Array(n), cuSeqlens: cu, mask: new Uint8Array(n), advantages: new Float32Array(n), oldLogp: new Float32Array(n),
  };
  const withRef = seqs.some((s) => s.refLogp !== undefined);
  if (withRef) out.refLogp = new Float32Array(n);
  seqs.forEach((s, i) => {
    const start = cu[i]! + prompts[i]!.length, end = cu[i + 1]!;
    out.tokens.set(prompts[i]!, cu[i]!);
    out.tokens.set(s.completion, start);
    out.mask.fill(1, start, end);
    if (s.tokenAdvantages !== undefined) out.advantages.set(s.tokenAdvantages, start);
    else out.advantages.fill(s.advantage, start, end);
    out.oldLogp.set(s.oldLogp, start);
    if (withRef) out.refLogp!.set(s.refLogp ?? s.oldLogp, start);
  });
  return out;
}

/** The former name of Qwen2Policy. */
export const TinyPolicy = Qwen2Policy;
export type TinyPolicy = Qwen2Policy;
