import { Input } from '../constants.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import { shownValue } from '../shown.js'
import { instructionKey } from '../report/instruction.js'
import type { ChangedPart, PackageChange, PackageReport, PlatformDelta, PlatformReport, Report, StageBytes } from '../report/report.js'
export type { ChangedPart, PlatformDelta } from '../report/report.js'
import type { BlobSource } from '../image/blobs.js'
import { layerHistory, resolveImage } from '../image/measure.js'
import type { SeverityCounts } from '../scan/trivy-report.js'
import { SEVERITIES } from '../scan/trivy-report.js'

/** What the current image is compared with. */
export interface Baseline {
  /** `cache` (the base branch's last report), `file` (a report given by path), `image` (a registry image) or `build` (the merge base, built). */
  source: 'cache' | 'file' | 'image' | 'build'
  /** For `build`, the commit that was built. */
  reference: string
  /** The digest of the image built from the merge base (never pushed or loaded). */
  digest?: string
  createdAt?: string
  /** Figures this baseline cannot give: a registry image gives no file bytes, waste or vulnerabilities. */
  unavailable: string[]
  platforms: BaselinePlatform[]
}

export interface BaselineLayer {
  digest: string
  size?: number
  compressedSize: number
  /** The instruction its history records, in canonical form (instructionKey): layers are paired by it. */
  key: string
  /** The Dockerfile's own text of that instruction, when the baseline knew it: what is shown. */
  label?: string
  line?: number
}

export interface BaselinePlatform {
  platform: string
  size?: number
  compressedSize: number
  layerCount: number
  wastedBytes?: number
  vulnerabilities?: SeverityCounts
  stages?: StageBytes[]
  layers: BaselineLayer[]
  /** The baseline's packages, when its report had them. */
  packages?: Array<Pick<PackageReport, 'ecosystem' | 'name' | 'version' | 'bytes'>>
}

export class BaselineError extends Error {}

// Paired by history on both sides: a registry baseline has no Dockerfile text, a run has both.
const layerKey = (layer: { createdBy: string }): string => instructionKey(layer.createdBy)

/** A baseline from an earlier JSON report (schema version 1). */
export function baselineFromReport(report: Pick<Report, 'platforms' | 'createdAt'>, source: 'cache' | 'file' | 'build', reference: string): Baseline {
  return {
    source,
    reference,
    ...(report.createdAt ? { createdAt: report.createdAt } : {}),
    unavailable: report.platforms.some(platform => platform.vulnerabilities) ? [] : ['vulnerabilities'],
    platforms: report.platforms.map(platform => ({
      platform: platform.platform,
      size: platform.size,
      compressedSize: platform.compressedSize,
      layerCount: platform.layerCount,
      wastedBytes: platform.wastedBytes,
      ...(platform.vulnerabilities ? { vulnerabilities: platform.vulnerabilities } : {}),
      ...(platform.stages ? { stages: platform.stages } : {}),
      ...(platform.packages ? { packages: platform.packages.map(item => ({ ecosystem: item.ecosystem, name: item.name, version: item.version, bytes: item.bytes })) } : {}),
      layers: platform.layers.map(layer => ({ digest: layer.digest, size: layer.size, compressedSize: layer.compressedSize, key: layerKey(layer), ...(layer.instruction ? { label: layer.instruction } : {}), ...(layer.line ? { line: layer.line } : {}) }))
    }))
  }
}

/** What a report field must be, and the test of it. */
type FieldCheck = [expected: string, test: (value: unknown) => boolean]
const BYTES: FieldCheck = ['a whole, non-negative number', value => Number.isSafeInteger(value) && (value as number) >= 0]
const LINE: FieldCheck = ['a line number', value => Number.isSafeInteger(value) && (value as number) > 0]
const TEXT: FieldCheck = ['a string', value => typeof value === 'string']
const LIST: FieldCheck = ['a list', Array.isArray]
const RECORD: FieldCheck = ['an object', value => typeof value === 'object' && value !== null && !Array.isArray(value)]

/**
 * Checks every field a baseline is made of, as schema version 1 writes them; the first that is
 * missing or of the wrong type is named, with its path (`platforms[0].layers[2].size`).
 */
function checkReport(report: unknown): string | undefined {
  const problem = (field: string, value: unknown, [expected]: FieldCheck): string => `${field} is ${shownValue(value)}, not ${expected}`
  const check = (record: Record<string, unknown>, prefix: string, fields: Record<string, FieldCheck>, optional: Record<string, FieldCheck> = {}): string | undefined => {
    for (const [name, rule] of Object.entries(fields)) if (!rule[1](record[name])) return problem(`${prefix}${name}`, record[name], rule)
    for (const [name, rule] of Object.entries(optional)) if (record[name] !== undefined && !rule[1](record[name])) return problem(`${prefix}${name}`, record[name], rule)
    return undefined
  }
  const eachOf = (items: unknown[], prefix: string, visit: (item: Record<string, unknown>, at: string) => string | undefined): string | undefined => {
    for (const [index, item] of items.entries()) {
      const at = `${prefix}[${index}]`
      if (!RECORD[1](item)) return problem(at, item, RECORD)
      const found = visit(item as Record<string, unknown>, `${at}.`)
      if (found) return found
    }
    return undefined
  }
  if (!RECORD[1](report)) return problem('the report', report, RECORD)
  const top = report as Record<string, unknown>
  if (top.schemaVersion !== 1) return `schemaVersion is ${shownValue(top.schemaVersion)}, not 1`
  return (
    check(top, '', { platforms: LIST }, { createdAt: TEXT }) ??
    eachOf(top.platforms as unknown[], 'platforms', (platform, at) => {
      const severities: Record<string, FieldCheck> = Object.fromEntries(SEVERITIES.map(severity => [severity, BYTES]))
      return (
        check(platform, at, { platform: TEXT, size: BYTES, compressedSize: BYTES, layerCount: BYTES, wastedBytes: BYTES, layers: LIST }, { vulnerabilities: RECORD, stages: LIST, packages: LIST }) ??
        (platform.packages ? eachOf(platform.packages as unknown[], `${at}packages`, (item, inner) => check(item, inner, { ecosystem: TEXT, name: TEXT, version: TEXT, bytes: BYTES })) : undefined) ??
        (platform.vulnerabilities ? check(platform.vulnerabilities as Record<string, unknown>, `${at}vulnerabilities.`, severities) : undefined) ??
        (platform.stages ? eachOf(platform.stages as unknown[], `${at}stages`, (stage, inner) => check(stage, inner, { stage: TEXT, bytes: BYTES })) : undefined) ??
        eachOf(platform.layers as unknown[], `${at}layers`, (layer, inner) =>
          check(layer, inner, { digest: TEXT, size: BYTES, compressedSize: BYTES, createdBy: TEXT }, { instruction: TEXT, line: LINE })
        )
      )
    })
  )
}

/** A baseline from a report file (given with `baseline`, or restored from the cache), checked field by field. */
export async function readBaselineFile(file: string, shown: string): Promise<Baseline> {
  let report: unknown
  try {
    report = JSON.parse(await readRegularFile(file, FILE_LIMITS[Input.Baseline]))
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not JSON: ${error.message}` : (error as Error).message
    throw new BaselineError(`Input "baseline": cannot read the report "${shown}" (${reason})`)
  }
  const problem = checkReport(report)
  if (problem) throw new BaselineError(`Input "baseline": "${shown}" is not an image-budget report of schema version 1: ${problem}`)
  return baselineFromReport(report as Report, 'file', shown)
}

/**
 * A baseline from a registry image, from its manifests and configs only (no layer is pulled):
 * compressed sizes, layers and history per platform.
 */
export async function baselineFromImage(source: BlobSource, reference: string): Promise<Baseline> {
  const image = await resolveImage(source)
  return {
    source: 'image',
    reference,
    unavailable: ['size', 'wastedBytes', 'vulnerabilities', 'stages'],
    platforms: image.platforms.map(platform => {
      const history = layerHistory(platform.history, platform.layers.length)
      return {
        platform: platform.platform,
        compressedSize: platform.layers.reduce((sum, layer) => sum + layer.size, 0),
        layerCount: platform.layers.length,
        layers: platform.layers.map((layer, index) => ({
          digest: layer.digest,
          compressedSize: layer.size,
          key: instructionKey(history[index]?.created_by ?? '')
        }))
      }
    })
  }
}



const ratio = (change: number, base: number | undefined): number | null => (base ? change / base : null)
const TOP_CHANGES = 5

type Sums = Map<string, { bytes: number; line?: number; label?: string }>

function changes(current: Sums, base: Sums): ChangedPart[] {
  const keys = new Set([...current.keys(), ...base.keys()])
  return [...keys]
    .map(key => ({
      name: current.get(key)?.label ?? base.get(key)?.label ?? key,
      ...(current.get(key)?.line ? { line: current.get(key)!.line } : {}),
      bytes: (current.get(key)?.bytes ?? 0) - (base.get(key)?.bytes ?? 0)
    }))
    .filter(change => change.bytes !== 0)
    .sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes))
    .slice(0, TOP_CHANGES)
}

function sums<T>(
  items: readonly T[],
  name: (item: T) => string,
  bytes: (item: T) => number | undefined,
  line?: (item: T) => number | undefined,
  label?: (item: T) => string | undefined
): Sums {
  const map: Sums = new Map()
  for (const item of items) {
    const shown = label?.(item)
    const entry = map.get(name(item)) ?? { bytes: 0, line: line?.(item), ...(shown ? { label: shown } : {}) }
    entry.bytes += bytes(item) ?? 0
    map.set(name(item), entry)
  }
  return map
}

const TOP_PACKAGE_CHANGES = 10

/** Packages added, removed, or whose bytes changed, largest change first; a package is its ecosystem and name. */
export function packageChanges(current: readonly Pick<PackageReport, 'ecosystem' | 'name' | 'version' | 'bytes'>[], base: NonNullable<BaselinePlatform['packages']>): PackageChange[] {
  const byKey = (items: typeof current) => {
    const map = new Map<string, { ecosystem: PackageReport['ecosystem']; name: string; version: string; bytes: number }>()
    for (const item of items) {
      const key = `${item.ecosystem}\u0000${item.name}`
      const entry = map.get(key) ?? { ecosystem: item.ecosystem, name: item.name, version: item.version, bytes: 0 }
      entry.bytes += item.bytes
      map.set(key, entry)
    }
    return map
  }
  const now = byKey(current)
  const before = byKey(base)
  const result: PackageChange[] = []
  for (const key of new Set([...now.keys(), ...before.keys()])) {
    const after = now.get(key)
    const earlier = before.get(key)
    const item = (after ?? earlier)!
    const bytes = (after?.bytes ?? 0) - (earlier?.bytes ?? 0)
    if (after && earlier && bytes === 0 && after.version === earlier.version) continue
    result.push({
      ecosystem: item.ecosystem,
      name: item.name,
      bytes,
      change: !earlier ? 'added' : !after ? 'removed' : 'changed',
      ...(after ? { version: after.version } : {}),
      ...(earlier && after?.version !== earlier.version ? { baseVersion: earlier.version } : {})
    })
  }
  return result.sort((a, b) => Math.abs(b.bytes) - Math.abs(a.bytes) || a.name.localeCompare(b.name)).slice(0, TOP_PACKAGE_CHANGES)
}

export function computeDelta(current: PlatformReport, base: BaselinePlatform): PlatformDelta {
  const size = base.size === undefined ? null : current.size - base.size
  const vulnerabilities =
    current.vulnerabilities && base.vulnerabilities
      ? (Object.fromEntries(SEVERITIES.map(severity => [severity, current.vulnerabilities![severity] - base.vulnerabilities![severity]])) as SeverityCounts)
      : null
  // Without file bytes (a registry baseline), instructions are compared by compressed bytes.
  const bytesOf = base.size === undefined ? (layer: { compressedSize: number }) => layer.compressedSize : (layer: { size?: number }) => layer.size
  return {
    size,
    sizeRatio: size === null ? null : ratio(size, base.size),
    compressedSize: current.compressedSize - base.compressedSize,
    compressedSizeRatio: ratio(current.compressedSize - base.compressedSize, base.compressedSize),
    layerCount: current.layerCount - base.layerCount,
    wastedBytes: base.wastedBytes === undefined ? null : current.wastedBytes - base.wastedBytes,
    vulnerabilities,
    stages:
      current.stages && base.stages
        ? changes(sums(current.stages, stage => stage.stage, stage => stage.bytes), sums(base.stages, stage => stage.stage, stage => stage.bytes))
        : [],
    instructions: changes(
      sums(current.layers, layerKey, bytesOf as (layer: PlatformReport['layers'][number]) => number | undefined, layer => layer.line, layer => layer.instruction),
      sums(base.layers, layer => layer.key, bytesOf as (layer: BaselineLayer) => number | undefined, layer => layer.line, layer => layer.label)
    ),
    ...(current.packages && base.packages ? { packages: packageChanges(current.packages, base.packages) } : {})
  }
}
