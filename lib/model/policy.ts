// The Policy contract between the trainers (lib/rl, lib/toolexpander) and the models
// (TinyPolicy on the native engine, OpenAIPolicy for served models). docs/api.md fixes
// generate/logprobs/trainStep/save; this file fixes the shapes it leaves open.
import type { GrpoConfig } from '../engine/grpo_loss.js';

/** One sampled completion. `logp` has one entry per completion token (the sampling policy's). */
export type Rollout = { text: string; tokens: Int32Array; logp: Float32Array };

export interface GenerateOptions {
  /** Completions per prompt (G). */
  n: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTokens: number;
  /** Generation stops after any of these strings (kept in the text). */
  stop?: string[];
  /** Same seed, same prompts: same rollouts, whatever else is in the batch. */
  seed: number;
}

/** One sequence of a GRPO batch: the prompt as text, the completion as the tokens sampled. */
export interface TrainSequence {
  prompt: string;
  completion: Int32Array;
  /** Group-relative advantage of this rollout (broadcast to its completion tokens). */
  advantage: number;
  /** Log-probs of the completion tokens under the policy that sampled them. */
  oldLogp: Float32Array;
  /** Log-probs under the reference policy, when the loss has a KL term. */
  refLogp?: Float32Array;
}

export interface TrainBatch {
  sequences: TrainSequence[];
  /** Split the batch into this many micro-batches and accumulate gradients (default 1). */
  gradientAccumulation?: number;
}

/** A packed batch of sequences (prompt + completion), FlashAttention's varlen layout. */
export interface TokenBatch {
  tokens: Int32Array;
  cuSeqlens: Int32Array;
  /** u8[N]: tokens trained on (completion tokens); never a sequence's first token. */
  mask: Uint8Array;
}

/** The token-level form of a GRPO batch (TinyPolicy.trainTokens): per-token arrays. */
export interface TokenTrainBatch extends TokenBatch {
  advantages: Float32Array;  // f32[N], per token
  oldLogp: Float32Array;     // f32[N], behaviour policy (the rollout log-probs)
  refLogp?: Float32Array;    // f32[N], needed when klCoef > 0
}

export interface StepStats {
  loss: number;
  gradNorm: number;
  /** Mean entropy of the completion tokens under the current policy, when the policy measures it. */
  entropy?: number;
  /** Optimizer steps taken so far, when the policy counts them. */
  step?: number;
  clipFracHigh: number;
  clipFracLow: number;
  ratioMean: number;
  approxKl: number;
  tokens: number;
}

export interface Policy {
  generate(prompts: string[], opts: GenerateOptions): Promise<Rollout[][]>;  // [prompt][sample]
  logprobs(items: { prompt: string; completion: Int32Array }[]): Promise<Float32Array[]>;
  trainStep?(batch: TrainBatch, loss: GrpoConfig, lr: number): Promise<StepStats>;
  save?(dir: string): Promise<void>;
}
