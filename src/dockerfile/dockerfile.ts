import { DockerfileParser, type Instruction as AstInstruction } from 'dockerfile-ast'
import { InputError } from '../config/errors.js'

export interface Instruction {
  keyword: string
  /** 1-based line of the instruction's first line. */
  line: number
  /** The instruction as written, on one line (continuations joined). */
  text: string
  /** Arguments without flags. */
  args: string[]
  /** Flags such as `--from`, `--chown`, `--mount`, by name without dashes. */
  flags: Record<string, string>
  stage: number
}

export interface Stage {
  index: number
  name?: string
  /** The FROM argument: an image reference, `scratch`, or an earlier stage's name or index. */
  base: string
  /** The earlier stage this one starts from, if any. */
  baseStage?: number
  line: number
  instructions: Instruction[]
}

export interface Dockerfile {
  path: string
  stages: Stage[]
}

function flagsOf(instruction: AstInstruction): Record<string, string> {
  const flags: Record<string, string> = {}
  const withFlags = instruction as unknown as { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> }
  for (const flag of withFlags.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue() ?? ''
  return flags
}

function oneLine(lines: string[], start: number, end: number): string {
  return lines
    .slice(start, end + 1)
    .map(line => line.replace(/\\\s*$/, '').trim())
    .filter(line => line !== '' && !line.startsWith('#'))
    .join(' ')
    .replace(/\s+/g, ' ')
}

export function parseDockerfile(path: string, text: string): Dockerfile {
  const ast = DockerfileParser.parse(text)
  const lines = text.split(/\r?\n/)
  const stages: Stage[] = []
  for (const instruction of ast.getInstructions()) {
    const keyword = instruction.getKeyword().toUpperCase()
    const range = instruction.getRange()
    const args = instruction.getArguments().map(argument => argument.getValue())
    if (keyword === 'FROM') {
      const asIndex = args.findIndex(arg => arg.toUpperCase() === 'AS')
      const base = args[0] ?? ''
      const name = asIndex >= 0 ? args[asIndex + 1] : undefined
      const baseStage = stages.findIndex(stage => stage.name === base.toLowerCase() || String(stage.index) === base)
      stages.push({
        index: stages.length,
        ...(name ? { name: name.toLowerCase() } : {}),
        base,
        ...(baseStage >= 0 ? { baseStage } : {}),
        line: range.start.line + 1,
        instructions: []
      })
      continue
    }
    // Instructions before the first FROM (global ARGs) belong to no stage and make no history.
    const stage = stages[stages.length - 1]
    if (!stage) continue
    stage.instructions.push({
      keyword,
      line: range.start.line + 1,
      text: oneLine(lines, range.start.line, range.end.line),
      args,
      flags: flagsOf(instruction),
      stage: stage.index
    })
  }
  return { path, stages }
}

export function stageLabel(stage: Stage): string {
  return stage.name ?? `stage ${stage.index}`
}

/** The stage that is built: the target, or the last one. */
export function finalStage(dockerfile: Dockerfile, target: string): Stage {
  if (dockerfile.stages.length === 0) throw new InputError(`${dockerfile.path} has no FROM instruction`)
  if (target === '') return dockerfile.stages[dockerfile.stages.length - 1]
  const stage = dockerfile.stages.find(candidate => candidate.name === target.toLowerCase())
  if (!stage) throw new InputError(`Input "target": "${target}" is not a stage of ${dockerfile.path}`)
  return stage
}

/** The stages whose instructions make the final image, from the one on an external image to the final one. */
export function stageChain(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage]
  let current = stage
  while (current.baseStage !== undefined) {
    current = dockerfile.stages[current.baseStage]
    chain.unshift(current)
  }
  return chain
}

/** The stage a `COPY --from` names: a stage name or index (anything else is an image). */
export function copySource(dockerfile: Dockerfile, instruction: Instruction): Stage | undefined {
  const from = instruction.flags.from
  if (from === undefined) return undefined
  return dockerfile.stages.find(stage => stage.name === from.toLowerCase() || String(stage.index) === from)
}
