// Value generators for the boundary fuzzer: hostile JS values of every kind, and
// mutations of a valid argument list (one wrong thing at a time, or many). Everything is
// drawn from a seeded RNG so that a failing case reproduces from the printed seed.

export type Rng = () => number;

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
export const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/** Numbers that break naive checks: NaN/Inf, signs, fractions, int32/uint32/2^53 edges. */
export const EDGE_NUMBERS: readonly number[] = [
  NaN, Infinity, -Infinity, -1, 0, -0, 0.5, -0.5, 1e-300, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1,
  2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 1e308, -1e308, Number.MIN_VALUE, 65536, 1e9, 3,
];

/** Shapes whose int64 products wrap (2^64, 2^62...) or exceed any memory. */
export const HUGE_SHAPES: readonly number[][] = [
  [65536, 65536, 65536, 65536], [2 ** 21, 2 ** 21, 2 ** 22], [2 ** 31 - 1, 2 ** 31 - 1, 4], [2 ** 16, 2 ** 16, 2 ** 16],
  [2 ** 31 - 1, 2 ** 31 - 1], [0, 2 ** 31 - 1, 2 ** 31 - 1], [1, 1, 1, 1, 1], [], [-1, 2, 2], [1.5, 2, 2],
];

const TYPED_CTORS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array,
  BigInt64Array, BigUint64Array,
] as const;

type AnyTyped = InstanceType<(typeof TYPED_CTORS)[number]>;

export function isTyped(x: unknown): x is AnyTyped {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

// Buffer is a Uint8Array subclass whose constructor is deprecated: build plain ones.
function ctorOf(x: AnyTyped): unknown {
  return Buffer.isBuffer(x) ? Uint8Array : x.constructor;
}

/** A typed array whose ArrayBuffer has been transferred away (length 0, no data). */
export function detached<T extends AnyTyped>(x: T): T {
  const copy = new (ctorOf(x) as new (n: number) => T)(x.length);
  structuredClone(copy.buffer, { transfer: [copy.buffer] });
  return copy;
}

/** The same elements in a SharedArrayBuffer. */
export function shared<T extends AnyTyped>(x: T): T {
  const C = ctorOf(x) as { new (b: SharedArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number };
  const sab = new SharedArrayBuffer(x.length * C.BYTES_PER_ELEMENT);
  const out = new C(sab, 0, x.length);
  (out as unknown as { set(a: unknown): void }).set(x);
  return out;
}

/** The same elements at a non-zero byte offset of a larger buffer (a valid, non-trivial view). */
export function offsetView<T extends AnyTyped>(x: T, r: Rng): T {
  const C = ctorOf(x) as { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number };
  const pad = int(r, 1, 3);
  const buf = new ArrayBuffer((x.length + pad * 2) * C.BYTES_PER_ELEMENT);
  const out = new C(buf, pad * C.BYTES_PER_ELEMENT, x.length);
  (out as unknown as { set(a: unknown): void }).set(x);
  return out;
}

/** A length-tracking view of a resizable ArrayBuffer (Node 20+). */
function resizable(x: AnyTyped): unknown {
  const C = ctorOf(x) as { new (b: ArrayBuffer): AnyTyped; BYTES_PER_ELEMENT: number };
  const Ctor = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
  const buf = new Ctor(x.length * C.BYTES_PER_ELEMENT, { maxByteLength: (x.length + 8) * C.BYTES_PER_ELEMENT });
  const out = new C(buf);
  (out as unknown as { set(a: unknown): void }).set(x);
  return out;
}

/** Another typed array kind of the same length (wrong dtype). */
function otherKind(x: AnyTyped, r: Rng): AnyTyped {
  const C = pick(r, TYPED_CTORS.filter((c) => !(x instanceof c)));
  return new C(x.length);
}

/** One hostile value: wrong JS types, exotic objects, typed arrays of every kind and state. */
export function junk(r: Rng, deviceBufferProto?: object): unknown {
  const n = int(r, 0, 6);
  switch (int(r, 0, 21)) {
    case 0: return undefined;
    case 1: return null;
    case 2: return pick(r, [true, false]);
    case 3: return pick(r, ['', 'abc', '1', '1e3', 'NaN']);
    case 4: return pick(r, EDGE_NUMBERS);
    case 5: return {};
    case 6: return pick(r, [[], [1, 2, 3], ['a'], [null], new Array(5)]);
    case 7: return () => 1;
    case 8: return pick(r, [1n, -1n, 2n ** 64n]);
    case 9: return Symbol('fuzz');
    case 10: return new (pick(r, TYPED_CTORS))(n);
    case 11: return detached(new Float32Array(n));
    case 12: return shared(new Float32Array(n));
    case 13: return new DataView(new ArrayBuffer(n));
    case 14: return new ArrayBuffer(n * 4);
    case 15: return Buffer.alloc(n);
    case 16: return deviceBufferProto ? Object.create(deviceBufferProto) : new Date(0);
    case 17: return new Proxy({}, {});
    case 18: return { data: new Float32Array(n), shape: [n] };
    case 19: return pick(r, HUGE_SHAPES);
    case 20: return new Map();
    default: return resizable(new Float32Array(n));
  }
}

/** A mutation of one typed array: length, kind, detached, shared, offset, poisoned values. */
export function mutateTyped(x: AnyTyped, r: Rng): unknown {
  try {
    return mutateTypedOnce(x, r);
  } catch {
    return detached(new Float32Array(1));  // x itself was detached (a junk value): copies of it throw
  }
}

function mutateTypedOnce(x: AnyTyped, r: Rng): unknown {
  switch (int(r, 0, 9)) {
    case 0: return detached(x);
    case 1: return shared(x);
    case 2: return offsetView(x, r);
    case 3: return otherKind(x, r);
    case 4: return new (ctorOf(x) as new (n: number) => AnyTyped)(Math.max(0, x.length + pick(r, [-1, 1, 7])));
    case 5: return new (ctorOf(x) as new (n: number) => AnyTyped)(0);
    case 6: {
      if (x instanceof BigInt64Array || x instanceof BigUint64Array) return x;
      const y = (x as Float32Array).slice();
      for (let i = 0; i < y.length; i++) if (r() < 0.5) y[i] = pick(r, EDGE_NUMBERS);
      return y;
    }
    case 7: {
      if (x instanceof BigInt64Array || x instanceof BigUint64Array) return x;
      const y = (x as Float32Array).slice();
      for (let i = 0; i < y.length; i++) y[i] = pick(r, [NaN, Infinity, -Infinity]);
      return y;
    }
    case 8: return resizable(x);
    default: return Array.from(x as Float32Array);  // a plain Array of the same numbers
  }
}

type Path = (string | number)[];

/** Every leaf position in args: into plain objects, arrays and (as leaves) typed arrays. */
function leaves(v: unknown, path: Path, out: Path[], depth = 0): void {
  if (depth > 0) out.push(path);
  if (depth > 3 || v === null || typeof v !== 'object' || isTyped(v)) return;
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, [...path, i], out, depth + 1));
  else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const k of Object.keys(v)) leaves((v as Record<string, unknown>)[k], [...path, k], out, depth + 1);
  }
}

// Paths may go stale once a container above them was replaced ('many'): then they read
// undefined and write nothing.
function getAt(root: unknown, p: Path): unknown {
  let v = root;
  for (const k of p) v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function setAt(root: unknown, p: Path, value: unknown): void {
  const v = getAt(root, p.slice(0, -1));
  if (v !== null && typeof v === 'object' && !isTyped(v)) (v as Record<string | number, unknown>)[p[p.length - 1] as string | number] = value;
}

/** A structural copy (containers copied, typed arrays shared: mutations replace them). */
function cloneShallowTree(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneShallowTree);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneShallowTree(x)]));
  }
  return v;
}

export type Strategy = 'valid' | 'junk-arg' | 'deep' | 'tensor' | 'arity' | 'numbers' | 'huge-shape' | 'many';
export const STRATEGIES: readonly Strategy[] = ['valid', 'junk-arg', 'deep', 'tensor', 'arity', 'numbers', 'huge-shape', 'many'];

/** One mutated copy of a valid argument list. */
export function mutate(valid: unknown[], r: Rng, proto?: object): { args: unknown[]; strategy: Strategy } {
  const args = cloneShallowTree(valid) as unknown[];
  const strategy = pick(r, STRATEGIES);
  const all: Path[] = [];
  leaves(args, [], all);
  const typedPaths = all.filter((p) => isTyped(getAt(args, p)));
  switch (strategy) {
    case 'valid': break;
    case 'junk-arg': if (args.length > 0) args[int(r, 0, args.length - 1)] = junk(r, proto); break;
    case 'deep': if (all.length > 0) setAt(args, pick(r, all), r() < 0.5 ? junk(r, proto) : pick(r, EDGE_NUMBERS)); break;
    case 'tensor': if (typedPaths.length > 0) {
      const p = pick(r, typedPaths);
      setAt(args, p, mutateTyped(getAt(args, p) as AnyTyped, r));
    } break;
    case 'arity': {
      if (r() < 0.6) args.length = int(r, 0, Math.max(0, args.length - 1));
      else for (let i = int(r, 1, 4); i > 0; i--) args.push(junk(r, proto));
      break;
    }
    case 'numbers':
      for (const p of all) if (typeof getAt(args, p) === 'number' && r() < 0.4) setAt(args, p, pick(r, EDGE_NUMBERS));
      break;
    case 'huge-shape': {
      // Empty tensors with shapes whose products wrap: a length check with an unchecked
      // int64 product would accept them.
      for (const p of typedPaths) setAt(args, p, new (ctorOf(getAt(args, p) as AnyTyped) as new (n: number) => AnyTyped)(0));
      const shapes = all.filter((p) => { const v = getAt(args, p); return Array.isArray(v) && v.every((d) => typeof d === 'number'); });
      for (const p of shapes) setAt(args, p, pick(r, HUGE_SHAPES.slice(0, 6)));
      for (const p of all) if (typeof getAt(args, p) === 'number' && r() < 0.5) setAt(args, p, pick(r, [2 ** 31 - 1, 2 ** 16, 2 ** 30]));
      break;
    }
    case 'many':
      for (const p of all) {
        if (r() > 0.3) continue;
        const v = getAt(args, p);
        setAt(args, p, isTyped(v) ? mutateTyped(v, r) : junk(r, proto));
      }
      break;
  }
  return { args, strategy };
}

/** A short description of an argument list for failure messages. */
export function describeArgs(args: readonly unknown[]): string {
  const one = (v: unknown): string => {
    if (isTyped(v)) return `${v.constructor.name}(${v.length}${v.buffer instanceof SharedArrayBuffer ? ',shared' : ''}${v.byteOffset ? `,@${v.byteOffset}` : ''})`;
    if (Array.isArray(v)) return `[${v.slice(0, 6).map(one).join(',')}${v.length > 6 ? ',...' : ''}]`;
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
    if (v !== null && typeof v === 'object') {
      if (Object.getPrototypeOf(v) !== Object.prototype) return (v as object).constructor?.name ?? 'object';
      return `{${Object.entries(v).map(([k, x]) => `${k}:${one(x)}`).join(',')}}`;
    }
    return String(v);
  };
  return args.map(one).join(', ');
}
