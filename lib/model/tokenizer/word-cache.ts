// Bounded word -> ids cache for encoding: text repeats words heavily (prompts, JSON keys),
// so most words skip BPE. Cleared wholesale when full: cheap, and keeps memory bounded on
// adversarial input with endless distinct words.

export class WordCache {
  private map = new Map<string, readonly number[]>();

  constructor(private readonly capacity = 1 << 16) {}

  get(word: string): readonly number[] | undefined {
    return this.map.get(word);
  }

  set(word: string, ids: readonly number[]): void {
    if (this.map.size >= this.capacity) this.map.clear();
    this.map.set(word, ids);
  }
}
