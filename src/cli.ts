#!/usr/bin/env node
import { tuneHeap } from './heap.js'

// The rest loads after the heap flag is set, so no marking can be under way when it changes.
tuneHeap()
const { runCli } = await import('./command-line.js')
process.exitCode = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr })
