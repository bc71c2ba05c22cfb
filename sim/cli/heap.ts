// The CLI's one V8 setting: a simulated run's old generation grows by at most 20% of what survived
// the last full GC, so its peak RSS follows its live heap (flat in run length) instead of V8's default
// of up to about 4x the live heap, reached only by long runs (issue 13; measured in bench/README).
import v8 from 'node:v8';

/** bin/replsim.js sets the same flag before it compiles the CLI (V8's code cache is tied to the flags): keep the two equal. */
export const HEAP_GROWING_PERCENT = 20;

let bounded = false;

/** Set V8's heap growing factor to 1 + HEAP_GROWING_PERCENT / 100 for the rest of the process. */
export function boundHeapGrowth(): void {
  if (bounded) return;
  bounded = true;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
