import { setFlagsFromString } from 'node:v8'

/**
 * The V8 flag the step runs with. A layer streams through Buffers that V8 counts as external
 * memory; once the heap holds more than a few megabytes of code and data (the step always does),
 * V8 restarts incremental marking as soon as the last one ends, and a 1 GB image cost about 110
 * full collections on the main thread where the same stream in a bare script cost 7. Measured on
 * a 2-core runner-class machine, the registry image of the benchmark: 0.69x the CPU time and 0.76x
 * the wall time without incremental marking. Collections still run, all at once when the heap
 * reaches its limit; the pauses do not matter to a batch job.
 */
export const HEAP_FLAGS = '--no-incremental-marking'

/** Sets HEAP_FLAGS: each entry point calls it before it loads the rest of the code. */
export function tuneHeap(setFlags: (flags: string) => void = setFlagsFromString): void {
  setFlags(HEAP_FLAGS)
}
