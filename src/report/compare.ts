import { formatSize } from '../config/size.js'
import { SEVERITIES } from '../scan/trivy-report.js'
import type { PackageChange, Report } from './report.js'
import type { Table } from './table.js'

/** Growth above this share of the baseline is marked in tables. */
export const GROWTH_MARK = 0.05

export function formatChange(bytes: number | null, share: number | null): string {
  if (bytes === null) return 'n/a'
  if (bytes === 0) return '±0'
  const sign = bytes > 0 ? '+' : '-'
  const percent = share === null ? '' : ` (${sign}${Math.abs(share * 100).toFixed(1)}%)`
  const mark = share !== null && share > GROWTH_MARK ? ' 🔺' : bytes < 0 ? ' 🔽' : ''
  return `${sign}${formatSize(Math.abs(bytes))}${percent}${mark}`
}

const signed = (value: number): string => (value > 0 ? `+${value}` : value === 0 ? '±0' : String(value))

/** Size, compressed size and layers of each platform next to their change against the baseline. */
export function deltaTable(report: Report): Table | undefined {
  if (!report.baseline) return undefined
  return {
    headers: ['Platform', 'Size', 'Change', 'Compressed', 'Change', 'Layers', 'Wasted'],
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    rows: report.platforms.map(platform => {
      const delta = platform.delta
      if (!delta) return [platform.platform, formatSize(platform.size), 'new', formatSize(platform.compressedSize), 'new', String(platform.layerCount), formatSize(platform.wastedBytes)]
      return [
        platform.platform,
        formatSize(platform.size),
        formatChange(delta.size, delta.sizeRatio),
        formatSize(platform.compressedSize),
        formatChange(delta.compressedSize, delta.compressedSizeRatio),
        `${platform.layerCount} (${signed(delta.layerCount)})`,
        delta.wastedBytes === null ? formatSize(platform.wastedBytes) : `${formatSize(platform.wastedBytes)} (${formatChange(delta.wastedBytes, null)})`
      ]
    })
  }
}

/** `@aws-sdk/client-s3 3.1.0 added (npm)`, `libssl3 3.0.11 → 3.0.13 (deb)`. */
export function packageChangeText(change: PackageChange): string {
  const shown = change.version || change.baseVersion
  const version = change.change === 'changed' && change.baseVersion !== undefined ? ` ${change.baseVersion} → ${change.version}` : shown ? ` ${shown}` : ''
  return `${change.name}${version} ${change.change} (${change.ecosystem})`
}

/** The stages, Dockerfile lines and packages whose bytes changed most. */
export function changeTable(report: Report): Table | undefined {
  const rows = report.platforms.flatMap(platform => [
    ...(platform.delta?.stages ?? []).map(change => [platform.platform, `stage ${change.name}`, '', formatChange(change.bytes, null)]),
    ...(platform.delta?.instructions ?? []).map(change => [platform.platform, change.name, change.line ? String(change.line) : '', formatChange(change.bytes, null)]),
    ...(platform.delta?.packages ?? []).map(change => [platform.platform, packageChangeText(change), '', formatChange(change.bytes, null)])
  ])
  if (rows.length === 0) return undefined
  return { headers: ['Platform', 'What changed', 'Line', 'Bytes'], align: ['left', 'left', 'right', 'right'], rows }
}

/** Vulnerability counts with their change against the baseline. */
export function vulnerabilityChangeTable(report: Report): Table | undefined {
  const scanned = report.platforms.filter(platform => platform.vulnerabilities)
  if (scanned.length === 0) return undefined
  return {
    headers: ['Platform', ...SEVERITIES.map(severity => severity[0].toUpperCase() + severity.slice(1))],
    align: ['left', ...SEVERITIES.map(() => 'right' as const)],
    rows: scanned.map(platform => [
      platform.platform,
      ...SEVERITIES.map(severity => {
        const count = platform.vulnerabilities![severity]
        const change = platform.delta?.vulnerabilities?.[severity]
        return change === undefined || change === 0 ? String(count) : `${count} (${signed(change)})`
      })
    ])
  }
}

const MB = 1e6
const label = (text: string): string => `"${text.replace(/"/g, "'")}"`

/**
 * A Mermaid bar chart of each platform's size, baseline next to this run, stacked by stage where
 * the report knows stages: the bars of each stage are drawn over one another from the total down.
 */
export function sizeChart(report: Report): string | undefined {
  if (!report.baseline || report.platforms.length === 0) return undefined
  const compressed = report.baseline.unavailable.includes('size')
  const unit = compressed ? 'compressed MB' : 'MB'
  const columns: string[] = []
  const totals: Array<Array<{ stage: string; bytes: number }>> = []
  for (const platform of report.platforms) {
    const base = platform.delta
    const now = compressed ? platform.compressedSize : platform.size
    const before = base ? now - ((compressed ? base.compressedSize : base.size) ?? 0) : 0
    const stagesNow = !compressed && platform.stages ? platform.stages.map(stage => ({ stage: stage.stage, bytes: stage.bytes })) : [{ stage: 'image', bytes: now }]
    const stageChange = new Map((base?.stages ?? []).map(change => [change.name, change.bytes]))
    const stagesBefore = stagesNow.map(stage => ({ stage: stage.stage, bytes: Math.max(0, stage.bytes - (stageChange.get(stage.stage) ?? 0)) }))
    const short = platform.platform.replace(/^linux\//, '')
    columns.push(label(`${short} baseline`), label(`${short} now`))
    totals.push(stagesNow.length === 1 ? [{ stage: 'image', bytes: before }] : stagesBefore, stagesNow)
  }
  const stageCount = Math.max(...totals.map(column => column.length))
  const series: string[] = []
  for (let drop = 0; drop < stageCount; drop++) {
    const values = totals.map(column => column.slice(0, column.length - drop).reduce((sum, stage) => sum + stage.bytes, 0) / MB)
    series.push(`  bar [${values.map(value => value.toFixed(2)).join(', ')}]`)
  }
  return ['```mermaid', 'xychart-beta', `  title "Size of ${report.name.replace(/"/g, "'")} (${unit}): baseline and this run"`, `  x-axis [${columns.join(', ')}]`, `  y-axis ${label(unit)}`, ...series, '```'].join('\n')
}
