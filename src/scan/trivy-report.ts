// Reads Trivy's JSON report (`trivy image --format json`). Facts of the format: `Results` is
// omitted when there is nothing to report, and so is `Vulnerabilities` inside a result; one report
// may hold results of several classes (os-pkgs, lang-pkgs, secret, ...); `FixedVersion` is set
// only when a fix exists.

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'unknown'] as const
export type Severity = (typeof SEVERITIES)[number]
export type SeverityCounts = Record<Severity, number>

/** What every finding says, in Trivy's report, in image-budget's report and in SARIF. */
export interface Vulnerability {
  id: string
  package: string
  installed: string
  /** The version that fixes it, when one exists. */
  fixed?: string
  severity: Severity
  link?: string
  title?: string
}

export interface VulnerabilityFinding extends Vulnerability {
  /** The result it came from: `os-pkgs` or `lang-pkgs`, and the target (OS, lock file...). */
  class: string
  target: string
  /** The layer that brought the package, as Trivy tells it. */
  layer?: { digest?: string; diffId?: string }
}

export interface ScanResult {
  vulnerabilities: SeverityCounts
  fixable: SeverityCounts
  findings: VulnerabilityFinding[]
}

export class TrivyReportError extends Error {}

interface TrivyVulnerability {
  VulnerabilityID?: string
  PkgName?: string
  InstalledVersion?: string
  FixedVersion?: string
  Severity?: string
  PrimaryURL?: string
  Title?: string
  Layer?: { Digest?: string; DiffID?: string }
}

interface TrivyResult {
  Target?: string
  Class?: string
  Vulnerabilities?: TrivyVulnerability[] | null
}

export function emptyCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, unknown: 0 }
}

export function severityOf(text: string | undefined): Severity {
  const value = (text ?? '').toLowerCase()
  return (SEVERITIES as readonly string[]).includes(value) ? (value as Severity) : 'unknown'
}

export function countFindings(findings: readonly VulnerabilityFinding[]): Pick<ScanResult, 'vulnerabilities' | 'fixable'> {
  const vulnerabilities = emptyCounts()
  const fixable = emptyCounts()
  for (const finding of findings) {
    vulnerabilities[finding.severity]++
    if (finding.fixed) fixable[finding.severity]++
  }
  return { vulnerabilities, fixable }
}

/** Parses a report; `source` names it in errors (a file path, or "trivy's output"). */
export function parseTrivyReport(text: string, source: string): ScanResult {
  let report: { SchemaVersion?: number; Results?: TrivyResult[] | null }
  try {
    report = JSON.parse(text)
  } catch (error) {
    throw new TrivyReportError(`${source} is not JSON: ${(error as Error).message}`)
  }
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new TrivyReportError(`${source} is not a Trivy JSON report`)
  }
  if (report.SchemaVersion !== undefined && report.SchemaVersion !== 2) {
    throw new TrivyReportError(`${source} has Trivy report schema ${report.SchemaVersion}; version 2 is read`)
  }
  if (report.Results !== undefined && report.Results !== null && !Array.isArray(report.Results)) {
    throw new TrivyReportError(`${source}: Results is not a list`)
  }
  const findings: VulnerabilityFinding[] = []
  for (const result of report.Results ?? []) {
    for (const vulnerability of result.Vulnerabilities ?? []) {
      findings.push({
        id: vulnerability.VulnerabilityID ?? '',
        package: vulnerability.PkgName ?? '',
        installed: vulnerability.InstalledVersion ?? '',
        ...(vulnerability.FixedVersion ? { fixed: vulnerability.FixedVersion } : {}),
        severity: severityOf(vulnerability.Severity),
        ...(vulnerability.PrimaryURL ? { link: vulnerability.PrimaryURL } : {}),
        ...(vulnerability.Title ? { title: vulnerability.Title } : {}),
        class: result.Class ?? '',
        target: result.Target ?? '',
        ...(vulnerability.Layer ? { layer: { digest: vulnerability.Layer.Digest, diffId: vulnerability.Layer.DiffID } } : {})
      })
    }
  }
  return { ...countFindings(findings), findings }
}
