import { tuneHeap } from './heap.js'

// The rest loads after the heap flag is set, so no marking can be under way when it changes.
tuneHeap()
const { run } = await import('./main.js')
await run()
