import { applyIgnores, type IgnoreRule } from './ignores.js'
import { countFindings, type ScanResult, type Severity } from './trivy-report.js'

export interface FindingFilter {
  severities: readonly Severity[]
  ignoreUnfixed: boolean
  ignores: readonly IgnoreRule[]
  /** YYYY-MM-DD: ignore rules that expired before it suppress nothing. */
  today: string
}

/**
 * What counts of a scan: findings of the asked severities, with a fix when only those are asked
 * for, and not suppressed by a live ignore rule. Applied the same way to Trivy's output and to a
 * report given with `trivy-report`, so both gate alike.
 */
export function filterFindings(result: ScanResult, filter: FindingFilter): ScanResult & { ignored: number; expired: IgnoreRule[] } {
  const wanted = result.findings.filter(finding => filter.severities.includes(finding.severity) && (!filter.ignoreUnfixed || finding.fixed !== undefined))
  const { kept, ignored, expired } = applyIgnores(wanted, filter.ignores, filter.today)
  return { ...countFindings(kept), findings: kept, ignored: ignored.length, expired }
}

const ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4 }

/** Worst first: by severity, then those with a fix before those without, then by id. */
export function worstFirst<T extends { severity: Severity; fixed?: string; id: string }>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) => ORDER[a.severity] - ORDER[b.severity] || Number(b.fixed !== undefined) - Number(a.fixed !== undefined) || a.id.localeCompare(b.id)
  )
}
