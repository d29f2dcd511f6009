import type { BudgetLimit, Budgets, Level, LimitUnit } from '../config/budget-file.js'
import type { FailOn } from '../config/inputs.js'
import { Rule, RULE_NAMES, VULNERABILITY_RULE, type RuleName } from '../constants.js'
import { SEVERITIES, type Severity, type SeverityCounts } from '../scan/trivy-report.js'

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
  vulnerabilities?: SeverityCounts
  fixable?: SeverityCounts
  /** Present when there is a baseline with this platform. */
  delta?: { size: number | null; sizeRatio: number | null }
}

export type Status = 'pass' | 'warn' | 'fail'
export type Verdict = Status

export interface BudgetResult {
  rule: RuleName | typeof VULNERABILITY_RULE
  /** For max-vulnerabilities: the severity this limit is for. */
  severity?: Severity
  /** For max-vulnerabilities with fixable-only: only vulnerabilities with a fix were counted. */
  fixableOnly?: boolean
  platform: string
  limit: number
  actual: number
  /** What limit and actual count: bytes, layers, or a ratio (0.9 for 90%). */
  unit: LimitUnit
  level: Level
  status: Status
  /** For per-layer rules: the layer that decided the result. */
  layer?: string
}

function actualValue(rule: RuleName, budget: BudgetLimit, platform: MeasuredPlatform): { actual: number; layer?: string } {
  switch (rule) {
    case Rule.MaxWasted:
      return { actual: budget.unit === 'ratio' ? (platform.size === 0 ? 0 : platform.wastedBytes / platform.size) : platform.wastedBytes }
    case Rule.MinEfficiency:
      return { actual: platform.efficiency }
    case Rule.MaxSizeIncrease:
      return { actual: (budget.unit === 'ratio' ? platform.delta?.sizeRatio : platform.delta?.size) ?? NaN }
    case Rule.MaxSize:
      return { actual: platform.size }
    case Rule.MaxCompressedSize:
      return { actual: platform.compressedSize }
    case Rule.MaxLayers:
      return { actual: platform.layerCount }
    case Rule.MaxLayerSize: {
      const largest = platform.layers.reduce<MeasuredPlatform['layers'][number] | undefined>(
        (best, layer) => (best === undefined || layer.size > best.size ? layer : best),
        undefined
      )
      return { actual: largest?.size ?? 0, layer: largest?.digest }
    }
  }
}

/** Every budget against every platform: each platform must fit on its own. */
export function evaluateBudgets(budgets: Budgets, platforms: MeasuredPlatform[]): BudgetResult[] {
  const results: BudgetResult[] = []
  for (const rule of RULE_NAMES) {
    const budget = budgets[rule]
    if (budget === undefined) continue
    for (const platform of platforms) {
      const { actual, layer } = actualValue(rule, budget, platform)
      // A budget on the change against a baseline says nothing where there is no baseline.
      if (Number.isNaN(actual)) continue
      const within = rule === Rule.MinEfficiency ? actual >= budget.limit : actual <= budget.limit
      const status: Status = within ? 'pass' : budget.level === 'error' ? 'fail' : 'warn'
      results.push({
        rule,
        platform: platform.platform,
        limit: budget.limit,
        actual,
        unit: budget.unit,
        level: budget.level,
        status,
        ...(layer ? { layer } : {})
      })
    }
  }
  const vulnerabilityBudget = budgets[VULNERABILITY_RULE]
  if (vulnerabilityBudget) {
    for (const platform of platforms) {
      const counts = vulnerabilityBudget.fixableOnly ? platform.fixable : platform.vulnerabilities
      if (!counts) continue
      for (const severity of SEVERITIES) {
        const limit = vulnerabilityBudget.limits[severity]
        if (limit === undefined) continue
        const actual = counts[severity]
        results.push({
          rule: VULNERABILITY_RULE,
          severity,
          ...(vulnerabilityBudget.fixableOnly ? { fixableOnly: true } : {}),
          platform: platform.platform,
          limit,
          actual,
          unit: 'count',
          level: vulnerabilityBudget.level,
          status: actual <= limit ? 'pass' : vulnerabilityBudget.level === 'error' ? 'fail' : 'warn'
        })
      }
    }
  }
  return results
}

/** The worst of the budgets and the smells: a smell at level error fails like a budget does. */
export function verdictOf(results: readonly BudgetResult[], smells: ReadonlyArray<{ level: 'error' | 'warning' }> = []): Verdict {
  if (results.some(result => result.status === 'fail') || smells.some(smell => smell.level === 'error')) return 'fail'
  if (results.some(result => result.status === 'warn') || smells.some(smell => smell.level === 'warning')) return 'warn'
  return 'pass'
}

/** Whether the verdict fails the step, as `fail-on` asks. */
export function failsStep(verdict: Verdict, failOn: FailOn): boolean {
  if (failOn === 'never') return false
  if (failOn === 'warning') return verdict !== 'pass'
  return verdict === 'fail'
}
