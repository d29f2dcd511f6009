// `image-budget compare A B`: what came, went, grew and shrank from one image (or report) to another,
// file by file, layer by layer (paired by the instruction their history records) and package by
// package where the reports list packages. Two images are compared on every file of their final
// filesystems; a report only keeps its largest files, and the output says so.
import { formatSize } from '../config/size.js'
import { instructionKey } from '../report/instruction.js'
import type { Table } from '../report/table.js'

export interface SidePackage {
  ecosystem: string
  name: string
  version: string
  bytes: number
}

export interface SidePlatform {
  platform: string
  size: number
  compressedSize: number
  layerCount: number
  /** Visible files by path (`/usr/bin/x`) and bytes. */
  files: Map<string, number>
  layers: Array<{ createdBy: string; size: number }>
  packages?: SidePackage[]
}

export interface Side {
  label: string
  /** Whether `files` holds every file (an image), or only the largest ones (a report). */
  everyFile: boolean
  platforms: SidePlatform[]
}

export type ChangeKind = 'came' | 'went' | 'grew' | 'shrank' | 'changed'

export interface Change {
  kind: ChangeKind
  name: string
  before?: number
  after?: number
  /** For packages: the versions, when they differ. */
  detail?: string
}

export interface PlatformComparison {
  platform: string
  before: SidePlatform
  after: SidePlatform
  files: Change[]
  layers: Change[]
  /** Absent unless both sides list packages. */
  packages?: Change[]
}

export interface Comparison {
  before: Side
  after: Side
  platforms: PlatformComparison[]
  /** Platforms only one side has. */
  onlyBefore: string[]
  onlyAfter: string[]
}

const byChange = (a: Change, b: Change): number => Math.abs((b.after ?? 0) - (b.before ?? 0)) - Math.abs((a.after ?? 0) - (a.before ?? 0)) || a.name.localeCompare(b.name)

/** The changes between two maps of name → bytes, largest change first. */
export function changesOf(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): Change[] {
  const changes: Change[] = []
  for (const [name, size] of after) {
    const old = before.get(name)
    if (old === undefined) changes.push({ kind: 'came', name, after: size })
    else if (size !== old) changes.push({ kind: size > old ? 'grew' : 'shrank', name, before: old, after: size })
  }
  for (const [name, size] of before) if (!after.has(name)) changes.push({ kind: 'went', name, before: size })
  return changes.sort(byChange)
}

/** Layers keyed by instruction; a repeated instruction is numbered in order, so each pairs with its own. */
function layerMap(layers: SidePlatform['layers']): Map<string, number> {
  const map = new Map<string, number>()
  const seen = new Map<string, number>()
  for (const layer of layers) {
    const key = instructionKey(layer.createdBy) || '(no history)'
    const count = (seen.get(key) ?? 0) + 1
    seen.set(key, count)
    map.set(count === 1 ? key : `${key} (#${count})`, layer.size)
  }
  return map
}

function packageChanges(before: SidePackage[], after: SidePackage[]): Change[] {
  const key = (item: SidePackage): string => `${item.ecosystem}:${item.name}`
  const old = new Map(before.map(item => [key(item), item]))
  const changes = changesOf(new Map(before.map(item => [key(item), item.bytes])), new Map(after.map(item => [key(item), item.bytes])))
  for (const item of after) {
    const was = old.get(key(item))
    if (!was || was.version === item.version) continue
    const found = changes.find(change => change.name === key(item))
    if (found) found.detail = `${was.version} → ${item.version}`
    else changes.push({ kind: 'changed', name: key(item), before: was.bytes, after: item.bytes, detail: `${was.version} → ${item.version}` })
  }
  for (const change of changes) {
    if (change.kind === 'came') change.detail = after.find(item => key(item) === change.name)?.version
    if (change.kind === 'went') change.detail = old.get(change.name)?.version
  }
  return changes.sort(byChange)
}

/** Pairs platforms by name; two single-platform sides are paired whatever their platforms are called. */
export function compareSides(before: Side, after: Side, platform?: string): Comparison {
  const pick = (side: Side) => (platform === undefined ? side.platforms : side.platforms.filter(each => each.platform === platform))
  const olds = pick(before)
  const news = pick(after)
  const pairs: Array<[SidePlatform, SidePlatform]> =
    olds.length === 1 && news.length === 1
      ? [[olds[0], news[0]]]
      : news.flatMap(each => {
          const old = olds.find(candidate => candidate.platform === each.platform)
          return old ? [[old, each] as [SidePlatform, SidePlatform]] : []
        })
  const paired = (list: SidePlatform[], index: 0 | 1) => list.filter(each => !pairs.some(pair => pair[index] === each)).map(each => each.platform)
  return {
    before,
    after,
    platforms: pairs.map(([old, now]) => ({
      platform: old.platform === now.platform ? now.platform : `${old.platform} → ${now.platform}`,
      before: old,
      after: now,
      files: changesOf(old.files, now.files),
      layers: changesOf(layerMap(old.layers), layerMap(now.layers)),
      ...(old.packages && now.packages ? { packages: packageChanges(old.packages, now.packages) } : {})
    })),
    onlyBefore: paired(olds, 0),
    onlyAfter: paired(news, 1)
  }
}

const signed = (bytes: number): string => (bytes === 0 ? '±0' : `${bytes > 0 ? '+' : '-'}${formatSize(Math.abs(bytes))}`)
const sized = (bytes: number | undefined): string => (bytes === undefined ? '' : formatSize(bytes))

/** A table of changes, the `top` largest; the count of the others in the last row. */
export function changeTable(changes: readonly Change[], what: string, top: number): Table {
  const shown = changes.slice(0, top)
  const rows = shown.map(change => [change.kind, signed((change.after ?? 0) - (change.before ?? 0)), sized(change.before), sized(change.after), change.detail ? `${change.name} (${change.detail})` : change.name])
  if (changes.length > shown.length) rows.push(['', '', '', '', `… and ${changes.length - shown.length} more`])
  return { headers: ['Change', 'Bytes', 'Before', 'After', what], align: ['left', 'right', 'right', 'right', 'left'], rows }
}

/** `12 came, 3 went, 40 grew, 2 shrank`. */
export function countLine(changes: readonly Change[]): string {
  const kinds: ChangeKind[] = ['came', 'went', 'grew', 'shrank', 'changed']
  const counts = kinds.map(kind => [kind, changes.filter(change => change.kind === kind).length] as const).filter(([, count]) => count > 0)
  return counts.length === 0 ? 'no change' : counts.map(([kind, count]) => `${count} ${kind === 'changed' ? 'changed version' : kind}`).join(', ')
}
