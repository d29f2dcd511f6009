import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { filterFindings, worstFirst } from '../src/scan/filter.js'
import { applyIgnores, parseIgnoreFile, parsePlainIgnores, parseYamlIgnores, IgnoreFileError } from '../src/scan/ignores.js'
import { toSarif } from '../src/scan/sarif.js'
import { parseTrivyReport, SEVERITIES, TrivyReportError } from '../src/scan/trivy-report.js'

// Real reports written by Trivy: see __fixtures__/trivy/README.md.
const fixture = (name: string): string => readFileSync(new URL(`../__fixtures__/trivy/${name}.json.golden`, import.meta.url), 'utf8')
const counts = (values: Partial<Record<string, number>>) => Object.fromEntries(SEVERITIES.map(severity => [severity, values[severity] ?? 0]))

describe('parseTrivyReport on real Trivy reports', () => {
  it.each([
    ['alpine-39', { critical: 2, medium: 4 }, { critical: 2, medium: 4 }],
    ['debian-buster', { critical: 1, low: 1 }, { critical: 1 }],
    ['centos-7', { medium: 1, low: 2 }, { medium: 1, low: 1 }],
    ['ubuntu-1804', { medium: 4, low: 1 }, { medium: 4 }],
    ['alpine-distroless', { medium: 1 }, { medium: 1 }]
  ])('counts %s exactly, by severity and by fix', (name, all, fixable) => {
    const result = parseTrivyReport(fixture(name), name)
    expect(result.vulnerabilities).toEqual(counts(all))
    expect(result.fixable).toEqual(counts(fixable))
  })

  it('keeps each finding with its package, versions, link and layer', () => {
    const finding = parseTrivyReport(fixture('debian-buster'), 'f').findings.find(candidate => candidate.id === 'CVE-2019-18224')
    expect(finding).toMatchObject({
      severity: 'critical',
      class: 'os-pkgs',
      fixed: expect.any(String),
      link: 'https://avd.aquasec.com/nvd/cve-2019-18224',
      layer: { diffId: expect.stringMatching(/^sha256:/) }
    })
    const unfixed = parseTrivyReport(fixture('debian-buster'), 'f').findings.find(candidate => candidate.id === 'CVE-2019-18276')
    expect(unfixed?.fixed).toBeUndefined()
  })

  it('reads a report with no Results, and results with no Vulnerabilities', () => {
    const report = JSON.parse(fixture('alpine-39'))
    delete report.Results
    expect(parseTrivyReport(JSON.stringify(report), 'clean').vulnerabilities).toEqual(counts({}))
    report.Results = [{ Target: 'alpine', Class: 'os-pkgs', Type: 'alpine' }, { Target: 'app/go.sum', Class: 'lang-pkgs', Vulnerabilities: null }]
    expect(parseTrivyReport(JSON.stringify(report), 'empty results').findings).toEqual([])
  })

  it('counts several result classes in one report', () => {
    const report = JSON.parse(fixture('alpine-39'))
    const debian = JSON.parse(fixture('debian-buster')).Results[0]
    report.Results.push({ ...debian, Target: 'app/package-lock.json', Class: 'lang-pkgs', Type: 'npm' })
    const result = parseTrivyReport(JSON.stringify(report), 'mixed')
    expect(result.vulnerabilities).toEqual(counts({ critical: 3, medium: 4, low: 1 }))
    expect(new Set(result.findings.map(finding => finding.class))).toEqual(new Set(['os-pkgs', 'lang-pkgs']))
  })

  it('refuses what is not a Trivy report, naming it', () => {
    expect(() => parseTrivyReport('<html>', 'trivy.json')).toThrow(TrivyReportError)
    expect(() => parseTrivyReport('<html>', 'trivy.json')).toThrow(/^trivy.json is not JSON/)
    expect(() => parseTrivyReport('[1]', 'trivy.json')).toThrow('trivy.json is not a Trivy JSON report')
    expect(() => parseTrivyReport('{"SchemaVersion":1}', 'old.json')).toThrow('old.json has Trivy report schema 1; version 2 is read')
  })
})

describe('ignore files', () => {
  it('reads the plain format with expiry dates', () => {
    expect(parsePlainIgnores('# accepted\nCVE-2019-18276\nCVE-2019-18224 exp:2026-12-31  # until the base moves\n\n', '.trivyignore')).toEqual([
      { id: 'CVE-2019-18276', source: '.trivyignore:2' },
      { id: 'CVE-2019-18224', expires: '2026-12-31', source: '.trivyignore:3' }
    ])
    expect(() => parsePlainIgnores('CVE-1 exp:soon\n', '.trivyignore')).toThrow(IgnoreFileError)
  })

  it('reads the YAML format with expired_at and paths', () => {
    const text = 'vulnerabilities:\n  - id: CVE-2019-5094\n    expired_at: 2026-01-01\n    statement: waiting for upstream\n  - id: CVE-2019-18276\n    paths: ["app/package-lock.json"]\n'
    expect(parseYamlIgnores(text, '.trivyignore.yaml')).toEqual([
      { id: 'CVE-2019-5094', expires: '2026-01-01', source: '.trivyignore.yaml: vulnerabilities[0]' },
      { id: 'CVE-2019-18276', paths: ['app/package-lock.json'], source: '.trivyignore.yaml: vulnerabilities[1]' }
    ])
    expect(parseIgnoreFile(text, 'security/ignore.yml')).toHaveLength(2)
    expect(() => parseYamlIgnores('vulnerabilities:\n  - statement: x\n', 'i.yaml')).toThrow('i.yaml: vulnerabilities[0] has no id')
  })

  it('suppresses until the expiry date and no longer after it', () => {
    const findings = parseTrivyReport(fixture('ubuntu-1804'), 'f').findings
    const rules = parsePlainIgnores('CVE-2019-5094 exp:2026-11-22\nCVE-2019-18276\n', '.trivyignore')
    const onTheDay = applyIgnores(findings, rules, '2026-11-22')
    expect(onTheDay.kept).toEqual([])
    expect(onTheDay.ignored).toHaveLength(5)
    const dayAfter = applyIgnores(findings, rules, '2026-11-23')
    expect(dayAfter.kept.map(finding => finding.id)).toEqual(['CVE-2019-5094', 'CVE-2019-5094', 'CVE-2019-5094', 'CVE-2019-5094'])
    expect(dayAfter.expired.map(rule => rule.source)).toEqual(['.trivyignore:1'])
  })
})

describe('filterFindings', () => {
  const result = parseTrivyReport(fixture('centos-7'), 'f')

  it('keeps the asked severities and, with ignore-unfixed, only findings with a fix', () => {
    expect(filterFindings(result, { severities: ['medium', 'low'], ignoreUnfixed: false, ignores: [], today: '2026-11-22' }).vulnerabilities).toEqual(
      counts({ medium: 1, low: 2 })
    )
    const fixed = filterFindings(result, { severities: [...SEVERITIES], ignoreUnfixed: true, ignores: [], today: '2026-11-22' })
    expect(fixed.vulnerabilities).toEqual(counts({ medium: 1, low: 1 }))
    expect(filterFindings(result, { severities: ['critical', 'high'], ignoreUnfixed: false, ignores: [], today: '2026-11-22' }).findings).toEqual([])
  })

  it('orders the worst first: severity, then those with a fix', () => {
    expect(worstFirst(result.findings).map(finding => `${finding.severity}:${finding.fixed ? 'fix' : 'none'}`)).toEqual(['medium:fix', 'low:fix', 'low:none'])
  })
})

describe('toSarif', () => {
  it('writes SARIF 2.1.0 with one rule per id and a result per finding on its Dockerfile line', () => {
    const sarif = toSarif(
      [
        { id: 'CVE-1', package: 'openssl', installed: '1.1', fixed: '1.2', severity: 'critical', platform: 'linux/amd64', file: 'Dockerfile', line: 7, link: 'https://avd/CVE-1' },
        { id: 'CVE-1', package: 'openssl', installed: '1.1', fixed: '1.2', severity: 'critical', platform: 'linux/arm64', file: 'Dockerfile', line: 7 },
        { id: 'CVE-2', package: 'bash', installed: '5', severity: 'low', platform: 'linux/amd64' }
      ],
      'Dockerfile',
      '1.0.0'
    ) as any
    expect(sarif.version).toBe('2.1.0')
    const run = sarif.runs[0]
    expect(run.tool.driver.rules.map((rule: any) => [rule.id, rule.properties['security-severity']])).toEqual([
      ['CVE-1', '9.5'],
      ['CVE-2', '2.0']
    ])
    expect(run.results.map((result: any) => [result.ruleId, result.level, result.locations[0].physicalLocation.region.startLine])).toEqual([
      ['CVE-1', 'error', 7],
      ['CVE-1', 'error', 7],
      ['CVE-2', 'note', 1]
    ])
    expect(run.results[2].message.text).toBe('bash 5 has CVE-2 (low), no fix yet, on linux/amd64')
  })
})
