// Values in error messages. JSON.stringify throws a TypeError on BigInt (and on cycles),
// which would replace the TxError being built with a bare TypeError: never throw here.
export function show(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
