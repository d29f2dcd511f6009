// The budget rules, each defined once: its input, how its limit is read, its unit, which way it
// goes and what it measures of a platform. A new rule is one entry here (with its name in
// constants.ts), plus action.yml, the budget file's schema and the README.
import { Input, Rule, type InputName, type RuleName } from '../constants.js'
import type { PlatformDrift } from '../history/types.js'
import { parseCount, parseRatio, parseSize } from './size.js'

export type LimitUnit = 'bytes' | 'count' | 'ratio'

/** What budgets read of a platform: a measurement and a report entry both fit. */
export interface MeasuredPlatform {
  platform: string
  size: number
  compressedSize: number
  layerCount: number
  layers: ReadonlyArray<{ digest: string; size: number }>
  wastedBytes: number
  efficiency: number
  /** Present once the platform was scanned. */
  vulnerabilities?: Record<string, number>
  fixable?: Record<string, number>
  /** Present when there is a baseline with this platform. */
  delta?: { size: number | null; sizeRatio: number | null }
  /** Why the baseline that had to be there is not (a merge base that `baseline: build` could not build). */
  baselineUnresolved?: string
  /** Present with a max-drift budget: the growth since its reference, or why there is none. */
  drift?: PlatformDrift
}

export interface BudgetRule {
  rule: RuleName
  input: InputName
  /** The limit as written in the input or the budget file. */
  parse: (value: string | number) => { limit: number; unit: LimitUnit }
  /** `max`: the actual value may not exceed the limit; `min`: it may not fall under it. */
  direction: 'max' | 'min'
  /**
   * The platform's value against the limit and the layer that decided it. NaN when it cannot say:
   * the rule is then skipped, unless `unresolved` says why it should have been able to (it then fails).
   */
  measure: (platform: MeasuredPlatform, unit: LimitUnit) => { actual: number; layer?: string; unresolved?: string }
  description: string
}

const bytes = (value: string | number) => ({ limit: parseSize(value), unit: 'bytes' as const })
/** A size, or a percentage of the image's size. */
const bytesOrPercent = (value: string | number) =>
  String(value).trim().endsWith('%') ? { limit: parseRatio(value, { allowFraction: false }), unit: 'ratio' as const } : bytes(value)

export const BUDGET_RULES: readonly BudgetRule[] = [
  { rule: Rule.MaxSize, input: Input.MaxSize, parse: bytes, direction: 'max', measure: platform => ({ actual: platform.size }), description: 'bytes of regular files in the layers' },
  {
    rule: Rule.MaxCompressedSize,
    input: Input.MaxCompressedSize,
    parse: bytes,
    direction: 'max',
    measure: platform => ({ actual: platform.compressedSize }),
    description: 'bytes of the layer blobs, what a pull transfers'
  },
  {
    rule: Rule.MaxLayers,
    input: Input.MaxLayers,
    parse: value => ({ limit: parseCount(value), unit: 'count' }),
    direction: 'max',
    measure: platform => ({ actual: platform.layerCount }),
    description: 'layers'
  },
  {
    rule: Rule.MaxLayerSize,
    input: Input.MaxLayerSize,
    parse: bytes,
    direction: 'max',
    measure: platform => {
      const largest = platform.layers.reduce<MeasuredPlatform['layers'][number] | undefined>((best, layer) => (best === undefined || layer.size > best.size ? layer : best), undefined)
      return { actual: largest?.size ?? 0, ...(largest ? { layer: largest.digest } : {}) }
    },
    description: 'bytes of the largest layer'
  },
  {
    rule: Rule.MaxWasted,
    input: Input.MaxWasted,
    parse: bytesOrPercent,
    direction: 'max',
    measure: (platform, unit) => ({ actual: unit === 'ratio' ? (platform.size === 0 ? 0 : platform.wastedBytes / platform.size) : platform.wastedBytes }),
    description: 'bytes of file versions hidden by later layers'
  },
  {
    rule: Rule.MinEfficiency,
    input: Input.MinEfficiency,
    parse: value => ({ limit: parseRatio(value, { allowFraction: true }), unit: 'ratio' }),
    direction: 'min',
    measure: platform => ({ actual: platform.efficiency }),
    description: '(size - wasted) / size'
  },
  {
    rule: Rule.MaxSizeIncrease,
    input: Input.MaxSizeIncrease,
    parse: bytesOrPercent,
    direction: 'max',
    measure: (platform, unit) =>
      platform.baselineUnresolved !== undefined && !platform.delta
        ? { actual: NaN, unresolved: platform.baselineUnresolved }
        : { actual: (unit === 'ratio' ? platform.delta?.sizeRatio : platform.delta?.size) ?? NaN },
    description: 'growth of the size against the baseline'
  },
  {
    rule: Rule.MaxDrift,
    input: Input.MaxDrift,
    parse: bytesOrPercent,
    direction: 'max',
    measure: (platform, unit) => {
      // Never skipped: a platform without a measured drift fails (or warns) rather than passing unchecked.
      const drift = platform.drift
      if (!drift) return { actual: NaN, unresolved: 'no drift was measured for this platform' }
      if (drift.unresolved !== undefined) return { actual: NaN, unresolved: drift.unresolved }
      if (unit === 'ratio' && (drift.sizeRatio === null || drift.sizeRatio === undefined)) {
        return { actual: NaN, unresolved: `the reference ${drift.from} is 0 bytes: a percentage of it says nothing (limit the growth in bytes, or pin another reference)` }
      }
      return { actual: (unit === 'ratio' ? drift.sizeRatio : drift.size) ?? NaN }
    },
    description: 'growth of the size since the pinned reference (drift-from)'
  }
]

export function budgetRule(rule: RuleName): BudgetRule {
  const found = BUDGET_RULES.find(entry => entry.rule === rule)
  if (!found) throw new Error(`no budget rule ${rule}`)
  return found
}

/** Parses a rule's limit, as its table entry reads it. */
export function parseLimit(rule: RuleName, value: string | number): { limit: number; unit: LimitUnit } {
  return budgetRule(rule).parse(value)
}
