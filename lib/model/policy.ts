// The Policy interface (API.md "Policies") and the batch types of the trainers.
import type { GrpoConfig } from '../engine/grpo_loss.js';

export type Rollout = { text: string; tokens: Int32Array; logp: Float32Array /* per completion token */ };

export interface GenerateOptions {
  n: number;
  temperature?: number;  // 1; 0 = greedy
  topP?: number;         // 1 = off
  topK?: number;         // 0 = off
  maxTokens: number;
  /** Stop strings: the completion is cut after the first token that completes one. */
  stop?: string[];
  seed: number;
}

/** A packed batch of sequences (prompt + completion), FlashAttention varlen layout. */
export interface TokenBatch {
  tokens: Int32Array;
  cuSeqlens: Int32Array;
  /** u8[N]: tokens trained on (completion tokens); never a sequence's first token. */
  mask: Uint8Array;
}

export interface TrainBatch extends TokenBatch {
  advantages: Float32Array;  // f32[N], per token
  oldLogp: Float32Array;     // f32[N], behaviour policy (the rollout log-probs)
  refLogp?: Float32Array;    // f32[N], needed when klCoef > 0
}

export interface StepStats {
  loss: number;
  tokens: number;
  gradNorm: number;
  step: number;
  clipFracHigh: number;
  clipFracLow: number;
  ratioMean: number;
  approxKl: number;
}

export interface Policy {
  generate(prompts: string[], opts: GenerateOptions): Promise<Rollout[][]>;  // [prompt][sample]
  logprobs(items: { prompt: string; completion: Int32Array }[]): Promise<Float32Array[]>;
  trainStep?(batch: TrainBatch | TrainBatch[], loss: GrpoConfig, lr: number): Promise<StepStats>;
  save?(dir: string): Promise<void>;
}
