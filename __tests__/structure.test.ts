// The import structure of src/: imports run one way, so no module reaches itself through others.
import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'

const SRC = path.resolve(new URL('../src', import.meta.url).pathname)

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? modules(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []
  )
}

/** Each module's imports of other modules of src/ (type-only imports included: they tie modules too). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>()
  for (const file of modules(SRC)) {
    const text = readFileSync(file, 'utf8')
    const targets = [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map(match =>
      path.relative(SRC, path.resolve(path.dirname(file), match[1].replace(/\.js$/, '.ts')))
    )
    graph.set(path.relative(SRC, file), [...new Set(targets)])
  }
  return graph
}

/** Strongly connected components of more than one module, or of one that imports itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const connect = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter++)
    stack.push(node)
    onStack.add(node)
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = []
      let member: string
      do {
        member = stack.pop()!
        onStack.delete(member)
        component.push(member)
      } while (member !== node)
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort())
    }
  }
  for (const node of graph.keys()) if (!index.has(node)) connect(node)
  return found
}

/**
 * The packages a module loads as it starts: those its value imports name, and those of the modules
 * of src/ it imports the same way, all the way down (type-only and dynamic imports load nothing then).
 */
export function packagesLoadedAtStart(entry: string): Set<string> {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const text = readFileSync(path.join(SRC, file), 'utf8')
    for (const [, fromImport, sideEffectImport] of text.matchAll(/^(?:import|export)(?!\s+type\b)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const specifier = fromImport ?? sideEffectImport
      if (specifier.startsWith('.')) visit(path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), specifier.replace(/\.js$/, '.ts'))))
      else if (!specifier.startsWith('node:')) packages.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'))
    }
  }
  visit(entry)
  return packages
}

describe('the import structure of src/', () => {
  it('finds a cycle when there is one', () => {
    expect(cycles(new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]))).toEqual([['a.ts', 'b.ts', 'c.ts']])
  })

  it('has no import cycle', () => {
    const graph = importGraph()
    expect(graph.size).toBeGreaterThan(40)
    expect(cycles(graph)).toEqual([])
  })

  it('starts the CLI without the GitHub packages, which take longer to load than a warm run takes', () => {
    // Each entry point sets its heap flag, then loads its adapter (src/heap.ts): the walk starts there.
    const atStart = packagesLoadedAtStart('command-line.ts')
    // The walk reaches the packages the CLI does load as it starts.
    expect([...atStart]).toEqual(expect.arrayContaining(['@actions/exec', 'yaml']))
    for (const heavy of ['@actions/cache', '@actions/github', '@actions/core']) expect({ heavy, atStart: atStart.has(heavy) }).toEqual({ heavy, atStart: false })
    // The action loads the cache and Octokit only when a step uses them.
    const action = packagesLoadedAtStart('main.ts')
    expect({ cache: action.has('@actions/cache'), github: action.has('@actions/github') }).toEqual({ cache: false, github: false })
  })

  it('keeps the report schema and the shared vocabulary leaves that import nothing of the pipeline', () => {
    const graph = importGraph()
    for (const leaf of ['report/instruction.ts', 'names.ts', 'host.ts', 'constants.ts', 'cache-backend.ts']) expect(graph.get(leaf)).toEqual([])
  })
})
