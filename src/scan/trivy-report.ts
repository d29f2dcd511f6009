// Reads Trivy's JSON report (`trivy image --format json`). Facts of the format: `Results` is
// omitted when there is nothing to report, and so is `Vulnerabilities` inside a result; one report
// may hold results of several classes (os-pkgs, lang-pkgs, secret, ...); `FixedVersion` is set
// only when a fix exists.

import { shownValue } from '../shown.js'

import { SEVERITIES, type Severity } from '../constants.js'
export { SEVERITIES, type Severity }
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
  let report: { SchemaVersion?: unknown; Results?: unknown[] | null }
  try {
    report = JSON.parse(text)
  } catch (error) {
    throw new TrivyReportError(`${source} is not JSON: ${(error as Error).message}`)
  }
  if (typeof report !== 'object' || report === null || Array.isArray(report)) {
    throw new TrivyReportError(`${source} is not a Trivy JSON report`)
  }
  if (report.SchemaVersion !== undefined && report.SchemaVersion !== 2) {
    throw new TrivyReportError(`${source} has Trivy report schema ${JSON.stringify(report.SchemaVersion)}; version 2 is read`)
  }
  if (report.Results !== undefined && report.Results !== null && !Array.isArray(report.Results)) {
    throw new TrivyReportError(`${source}: Results is not a list`)
  }
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
  /** A field Trivy writes as a string, or leaves out. */
  const field = (record: Record<string, unknown>, name: string, at: string): string | undefined => {
    const value = record[name]
    if (value === undefined || value === null || typeof value === 'string') return value ?? undefined
    throw new TrivyReportError(`${source}: ${at}.${name} is ${shownValue(value)}, not a string`)
  }
  const findings: VulnerabilityFinding[] = []
  for (const [resultIndex, result] of (report.Results ?? []).entries()) {
    const at = `Results[${resultIndex}]`
    if (!isRecord(result)) throw new TrivyReportError(`${source}: ${at} is ${shownValue(result)}, not an object`)
    const vulnerabilities: unknown = result.Vulnerabilities
    if (vulnerabilities !== undefined && vulnerabilities !== null && !Array.isArray(vulnerabilities)) {
      throw new TrivyReportError(`${source}: ${at}.Vulnerabilities is ${shownValue(vulnerabilities)}, not a list`)
    }
    const target = field(result, 'Target', at) ?? ''
    const resultClass = field(result, 'Class', at) ?? ''
    for (const [index, vulnerability] of ((vulnerabilities as unknown[] | null) ?? []).entries()) {
      const inner = `${at}.Vulnerabilities[${index}]`
      if (!isRecord(vulnerability)) throw new TrivyReportError(`${source}: ${inner} is ${shownValue(vulnerability)}, not an object`)
      const layer: unknown = vulnerability.Layer
      if (layer !== undefined && layer !== null && !isRecord(layer)) throw new TrivyReportError(`${source}: ${inner}.Layer is ${shownValue(layer)}, not an object`)
      const fixed = field(vulnerability, 'FixedVersion', inner)
      const link = field(vulnerability, 'PrimaryURL', inner)
      const title = field(vulnerability, 'Title', inner)
      findings.push({
        id: field(vulnerability, 'VulnerabilityID', inner) ?? '',
        package: field(vulnerability, 'PkgName', inner) ?? '',
        installed: field(vulnerability, 'InstalledVersion', inner) ?? '',
        ...(fixed ? { fixed } : {}),
        severity: severityOf(field(vulnerability, 'Severity', inner)),
        ...(link ? { link } : {}),
        ...(title ? { title } : {}),
        class: resultClass,
        target,
        ...(isRecord(layer) ? { layer: { digest: field(layer, 'Digest', `${inner}.Layer`), diffId: field(layer, 'DiffID', `${inner}.Layer`) } } : {})
      })
    }
  }
  return { ...countFindings(findings), findings }
}
