// Byte-level helpers shared by our BPE and the Hugging Face loader. GPT-2's table maps each
// of the 256 bytes to a printable code point so byte tokens can be written as JSON strings
// (tokenizer.json vocabularies and our own serialised vocab use the same spelling).

function buildByteToChar(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const table: string[] = new Array<string>(256);
  for (const b of keep) table[b] = String.fromCharCode(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + extra++);
  }
  return table;
}

/** byte -> printable single-character string (GPT-2 bytes_to_unicode). */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** inverse of BYTE_TO_CHAR, keyed by UTF-16 code unit (all entries are BMP). */
export const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.charCodeAt(0), b]));

/** bytes spelled with BYTE_TO_CHAR. */
export function bytesToSymbols(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_CHAR[b]!;
  return s;
}

/** inverse of bytesToSymbols; null when a character is not in the byte alphabet. */
export function symbolsToBytes(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_TO_BYTE.get(s.charCodeAt(i));
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}

const encoder = new TextEncoder();
// Not fatal: decoding a prefix of a sequence (streaming) may end inside a character.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Concatenates byte chunks (decode path). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
