// bfloat16 <-> float32 on the host (checkpoint conversion): bf16 is the top half of an f32.
// Rounding is to nearest even, as torch does; NaN stays NaN (quiet) instead of rounding to inf.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32ToBf16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) {
    const x = bits[i]!;
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x007fffff) !== 0) out[i] = (x >>> 16) | 0x0040;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function bf16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) bits[i] = src[i]! << 16;
  return out;
}

/** One value, for tests. */
export function bf16Round(x: number): number {
  f32[0] = x;
  u32[0] = f32ToBf16(f32)[0]! << 16;
  return f32[0]!;
}

/** IEEE half -> float32 (exact: every f16 value is an f32 value). */
export function f16ToF32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i]!, sign = (h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    if (exp === 0x1f) bits[i] = sign | 0x7f800000 | (man << 13);                 // inf / NaN
    else if (exp !== 0) bits[i] = sign | ((exp + 112) << 23) | (man << 13);     // normal
    else if (man === 0) bits[i] = sign;                                          // +-0
    else out[i] = (sign ? -1 : 1) * man * 2 ** -24;                              // subnormal
  }
  return out;
}
