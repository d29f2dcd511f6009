import type { Severity, Vulnerability } from './trivy-report.js'

/** A finding as the report holds it, with the Dockerfile line of the layer that brought it. */
export interface SarifFinding extends Vulnerability {
  platform: string
  file?: string
  line?: number
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', unknown: 'note' }
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', unknown: '0.0' }

/**
 * SARIF 2.1.0 for github/codeql-action/upload-sarif: one rule per vulnerability id, one result
 * per finding and platform, placed on the Dockerfile line that brought the package (line 1 of the
 * Dockerfile when the layer is the base image's or unknown).
 */
export function toSarif(findings: readonly SarifFinding[], dockerfile: string | undefined, version: string): object {
  const rules = new Map<string, object>()
  for (const finding of findings) {
    if (rules.has(finding.id)) continue
    rules.set(finding.id, {
      id: finding.id,
      name: 'OsPackageVulnerability',
      shortDescription: { text: finding.title ?? finding.id },
      ...(finding.link ? { helpUri: finding.link } : {}),
      help: { text: `${finding.id} in ${finding.package}${finding.link ? `: ${finding.link}` : ''}` },
      properties: { tags: ['vulnerability', 'security', finding.severity.toUpperCase()], 'security-severity': SCORE[finding.severity] }
    })
  }
  const results = findings.map(finding => ({
    ruleId: finding.id,
    ruleIndex: [...rules.keys()].indexOf(finding.id),
    level: LEVEL[finding.severity],
    message: {
      text: `${finding.package} ${finding.installed} has ${finding.id} (${finding.severity})${finding.fixed ? `, fixed in ${finding.fixed}` : ', no fix yet'}, on ${finding.platform}`
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: finding.file ?? dockerfile ?? 'Dockerfile', uriBaseId: '%SRCROOT%' },
          region: { startLine: finding.line ?? 1 }
        }
      }
    ]
  }))
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'image-budget', informationUri: 'https://github.com/image-budget/image-budget', version, rules: [...rules.values()] } }, results }]
  }
}
