import type { Budgets, Level, LimitUnit } from '../config/budget-file.js'
import type { FailOn } from '../config/inputs.js'
import { VULNERABILITY_RULE, type RuleName } from '../constants.js'
import { BUDGET_RULES, type MeasuredPlatform } from '../config/rules.js'
import { SEVERITIES, type Severity } from '../scan/trivy-report.js'

export type { MeasuredPlatform } from '../config/rules.js'

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
  /** Why the rule could not be measured though it had to be (max-drift without its reference): it fails, or warns at level warning. `actual` is then 0. */
  unresolved?: string
}

/** Every budget against every platform: each platform must fit on its own. */
export function evaluateBudgets(budgets: Budgets, platforms: MeasuredPlatform[]): BudgetResult[] {
  const results: BudgetResult[] = []
  for (const { rule, measure, direction } of BUDGET_RULES) {
    const budget = budgets[rule]
    if (budget === undefined) continue
    for (const platform of platforms) {
      const { actual, layer, unresolved } = measure(platform, budget.unit)
      if (unresolved !== undefined) {
        results.push({ rule, platform: platform.platform, limit: budget.limit, actual: 0, unit: budget.unit, level: budget.level, status: budget.level === 'error' ? 'fail' : 'warn', unresolved })
        continue
      }
      // A budget on the change against a baseline says nothing where there is no baseline.
      if (Number.isNaN(actual)) continue
      const within = direction === 'min' ? actual >= budget.limit : actual <= budget.limit
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
