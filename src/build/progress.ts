// Reads buildx `--progress=plain` output: each vertex is `#N <name>`, followed by its log lines
// (`#N 0.123 text`), `#N CACHED`, `#N DONE 1.2s` or `#N ERROR: message`.

export interface BuildProgress {
  /** Dockerfile steps (vertices named `[stage n/m] ...`), each platform's counted once. */
  steps: number
  /** Of those, the ones BuildKit took from its cache. */
  cachedSteps: number
}

const VERTEX_LINE = /^#(\d+) (.*)$/
const LOG_LINE = /^\d+\.\d+ /

interface Vertex {
  name: string
  cached: boolean
  error?: string
  log: string[]
}

function parseVertices(output: string): Map<string, Vertex> {
  const vertices = new Map<string, Vertex>()
  for (const line of output.split(/\r?\n/)) {
    const match = VERTEX_LINE.exec(line)
    if (!match) continue
    const [, id, rest] = match
    let vertex = vertices.get(id)
    if (vertex === undefined) {
      vertex = { name: rest, cached: false, log: [] }
      vertices.set(id, vertex)
      continue
    }
    if (rest === 'CACHED') vertex.cached = true
    else if (rest.startsWith('ERROR: ')) vertex.error = rest.slice('ERROR: '.length)
    else if (LOG_LINE.test(rest)) vertex.log.push(rest.replace(LOG_LINE, ''))
  }
  return vertices
}

function isDockerfileStep(name: string): boolean {
  return name.startsWith('[') && !name.startsWith('[internal]') && !name.startsWith('[auth]')
}

/**
 * Steps and cached steps of a build; with `target`, of that bake target only (bake names its
 * vertices `[target stage n/m]`; a step several targets share is counted for the first).
 */
export function parseProgress(output: string, target?: string): BuildProgress {
  let steps = 0
  let cachedSteps = 0
  for (const vertex of parseVertices(output).values()) {
    const name = target === undefined ? vertex.name : vertex.name.startsWith(`[${target} `) ? `[${vertex.name.slice(target.length + 2)}` : ''
    if (!isDockerfileStep(name)) continue
    steps++
    if (vertex.cached) cachedSteps++
  }
  return { steps, cachedSteps }
}

/**
 * A short account of why a build failed: the failing step, its last log lines and BuildKit's own
 * error, or the output's last lines when no step failed (a bad flag, an unreachable builder).
 */
export function describeFailure(output: string, maxLines = 15): string {
  const failed = [...parseVertices(output).values()].filter(vertex => vertex.error !== undefined)
  const finalError = output
    .split(/\r?\n/)
    .filter(line => /^(ERROR|error):? /.test(line))
    .pop()
  if (failed.length === 0) {
    const tail = output.trimEnd().split(/\r?\n/).slice(-maxLines).join('\n')
    return tail === '' ? 'buildx printed nothing' : tail
  }
  const step = failed[failed.length - 1]
  const parts = [`failed step: ${step.name}`]
  if (step.log.length > 0) parts.push(...step.log.slice(-maxLines).map(line => `  ${line}`))
  parts.push(finalError ?? `ERROR: ${step.error}`)
  return parts.join('\n')
}

const ENGINE_UNREACHABLE = /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|docker daemon is not running/i

export function isEngineUnreachable(output: string): boolean {
  return ENGINE_UNREACHABLE.test(output)
}
