/**
 * A step derives some figures twice — deciding, then recording what it decided — from the same
 * kept state. The state is never changed in place (each step returns a new one), so the last
 * result, for the same kept object and other arguments, can be reused instead of computed
 * again. One entry only: a map of every step's state would cost the collector more than it saves.
 */
export function lastCallOn<K extends object, A extends readonly unknown[], T>(
  fn: (kept: K, ...args: A) => T,
): (kept: K, ...args: A) => T {
  let last: { kept: K; args: A; value: T } | undefined;
  return (kept, ...args) => {
    if (last?.kept === kept && last.args.every((a, i) => Object.is(a, args[i]))) {
      return last.value;
    }
    const value = fn(kept, ...args);
    last = { kept, args, value };
    return value;
  };
}
