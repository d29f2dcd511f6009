// The step runs without V8's incremental marking (see src/heap.ts): both entry points set the flag
// before they load the rest of the bundle, on the Node of this machine and on the runners' Node 24.
import { beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { HEAP_FLAGS, tuneHeap } from '../src/heap.js'
import { DIST, NODE24 } from './helpers/action.js'
import { tempDir } from './helpers/temp.js'

/** How often V8 started incremental marking in a run of this entry, made to start it at every chance it has. */
function markingStarts(node: string, entry: string, args: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(node, ['--stress-incremental-marking', '--trace-incremental-marking', entry, ...args], {
    encoding: 'utf8',
    // The action writes its report of the failed run into its working folder.
    cwd: tempDir('image-budget-work-'),
    env: { PATH: process.env.PATH, ...env },
    maxBuffer: 1 << 26
  })
  // Both runs end on the budget file's error: what differs is how often V8 marked on the way.
  expect(result.stderr + result.stdout).toContain('must be a mapping of image names')
  return (result.stdout.match(/\[IncrementalMarking\] Start \(/g) ?? []).length
}

describe('the heap flag', () => {
  it('is the one tuneHeap sets', () => {
    const set: string[] = []
    tuneHeap(flags => set.push(flags))
    expect(set).toEqual(['--no-incremental-marking'])
    expect(HEAP_FLAGS).toBe('--no-incremental-marking')
  })

  // The same bundle with the flag turned back on shows what the loading alone costs in markings.
  let withMarking = ''
  // A budget file large enough that reading it allocates for a while after the code has loaded.
  let budgetFile = ''
  beforeAll(() => {
    budgetFile = path.join(tempDir('image-budget-budget-'), 'budget.yml')
    const images = Array.from({ length: 6_000 }, (_, index) => `  - name: image${index}\n    max-size: ${index}MB`)
    writeFileSync(budgetFile, `images:\n${images.join('\n')}\n`)
    withMarking = tempDir('image-budget-dist-')
    cpSync(DIST, withMarking, { recursive: true })
    for (const entry of ['index.js', 'cli/index.js']) {
      const file = path.join(withMarking, entry)
      const bundle = readFileSync(file, 'utf8')
      if (!bundle.includes(`'${HEAP_FLAGS}'`)) throw new Error(`${entry} of dist does not set ${HEAP_FLAGS}`)
      writeFileSync(file, bundle.replace(`'${HEAP_FLAGS}'`, `'--incremental-marking'`))
    }
  })

  for (const [name, node] of [
    ['this Node', process.execPath],
    ['Node 24', NODE24]
  ] as const) {
    it(`is set before the action and the CLI load their code, on ${name}`, () => {
      const entries: Array<[string, string[], NodeJS.ProcessEnv]> = [
        ['index.js', [], { INPUT_SCAN: 'false', 'INPUT_BUDGET-FILE': budgetFile }],
        ['cli/index.js', ['--budget-file', budgetFile], {}]
      ]
      for (const [entry, args, env] of entries) {
        const set = markingStarts(node, path.join(DIST, entry), args, env)
        const unset = markingStarts(node, path.join(withMarking, entry), args, env)
        // Scores without the flag; with it only those of Node's own start, before the entry runs.
        expect(unset).toBeGreaterThan(50)
        expect(set).toBeLessThan(25)
      }
    })
  }
})
