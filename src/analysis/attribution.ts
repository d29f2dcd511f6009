import { copySource, finalStage, stageChain, stageLabel, type Dockerfile, type Instruction } from '../dockerfile/dockerfile.js'
import type { HistoryEntry } from '../image/types.js'

/** The Dockerfile instruction that made a layer, or the base image it came with. */
export interface LayerOrigin {
  /** The stage of the instruction, or `base image` for layers that came with the base. */
  stage: string
  instruction?: Instruction
  /** For `COPY --from=<stage>`: the stage the bytes came from. */
  copiedFrom?: string
}

export const BASE_IMAGE = 'base image'

/** The keyword a history entry was made by, from BuildKit (`RUN |1 A=b ...`) or the classic builder. */
export function historyKeyword(createdBy: string): string {
  const text = createdBy.trim()
  const nop = /^\/bin\/sh -c #\(nop\)\s+(\S+)/.exec(text)
  if (nop) return nop[1].toUpperCase()
  if (text.startsWith('/bin/sh -c ')) return 'RUN'
  return (text.split(/\s/)[0] ?? '').toUpperCase()
}

/**
 * Pairs each history entry with the instruction that made it. The final image's history ends with
 * one entry per instruction of its stage chain, in order; what comes before is the base image's.
 * Matching runs backwards by keyword and passes over instructions that wrote no history.
 */
export function attributeHistory(dockerfile: Dockerfile, target: string, history: HistoryEntry[]): LayerOrigin[] {
  const chain = stageChain(dockerfile, finalStage(dockerfile, target))
  const instructions = chain.flatMap(stage => stage.instructions)
  const origins: LayerOrigin[] = new Array(history.length)
  let next = instructions.length - 1
  let entry = history.length - 1
  for (; entry >= 0 && next >= 0; entry--) {
    const keyword = historyKeyword(history[entry].created_by ?? '')
    while (next >= 0 && instructions[next].keyword !== keyword) next--
    if (next < 0) break
    const instruction = instructions[next--]
    const source = instruction.keyword === 'COPY' ? copySource(dockerfile, instruction) : undefined
    origins[entry] = {
      stage: stageLabel(dockerfile.stages[instruction.stage]),
      instruction,
      ...(source ? { copiedFrom: stageLabel(source) } : {})
    }
  }
  for (; entry >= 0; entry--) origins[entry] = { stage: BASE_IMAGE }
  return origins
}

/** The origin of each layer: history entries that made layers, in order (see layerHistory). */
export function attributeLayers(dockerfile: Dockerfile, target: string, history: HistoryEntry[], layerCount: number): Array<LayerOrigin | undefined> {
  const origins = attributeHistory(dockerfile, target, history)
  const layered = origins.filter((_, index) => !history[index].empty_layer)
  if (layered.length !== layerCount) return new Array<LayerOrigin | undefined>(layerCount).fill(undefined)
  return layered
}
