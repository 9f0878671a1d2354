// The interface the model and rollout code use, implemented by our trained BPE and by the
// Hugging Face tokenizer.json loader.

export interface EncodeOptions {
  /** Recognise special tokens written in the text. Default false: they are encoded as text. */
  allowSpecial?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens instead of writing their text. Default false. */
  skipSpecial?: boolean;
}

export interface Tokenizer {
  readonly vocabSize: number;
  /** special token text -> id. */
  readonly specialTokens: ReadonlyMap<string, number>;
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: ArrayLike<number>, opts?: DecodeOptions): string;
  /** The raw bytes of a token sequence (special tokens as their UTF-8 text). */
  decodeBytes(ids: ArrayLike<number>, opts?: DecodeOptions): Uint8Array;
}
