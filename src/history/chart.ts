// The history as the summary and the comment show it: a Mermaid line chart (GitHub renders
// `xychart-beta` in job summaries and comments) of the largest platform's size, the history's
// points then this run as the last one, and the same as one line of text for whatever does not
// render Mermaid (mail notifications, the terminal).
import { formatSize } from '../config/size.js'
import { largestPlatform, type Report } from '../report/report.js'
import type { Table } from '../report/table.js'
import { describeDrift } from './drift.js'

const MB = 1e6
const SPARKS = '▁▂▃▄▅▆▇█'

/** A name inside a Mermaid string: no quotes, backticks or line breaks that would end it. */
// eslint-disable-next-line no-control-regex
const mermaidText = (text: string): string => text.replace(/["`]/g, "'").replace(/[\u0000-\u001f\u007f]/g, ' ')

export interface SeriesPoint {
  label: string
  size: number
}

/** The sizes charted: each point's size of the platform, then this run's (labelled as a pull request's when it is one). */
export function historySeries(report: Report): { platform: string; points: SeriesPoint[] } | undefined {
  const current = largestPlatform(report)
  if (!report.history || !current) return undefined
  const points: SeriesPoint[] = []
  for (const point of report.history.points) {
    const same = point.platforms.find(candidate => candidate.platform === current.platform)
    if (same && point.commit !== report.commit) points.push({ label: point.commit.slice(0, 7), size: same.size })
  }
  points.push({ label: report.pullRequest ? `PR #${report.pullRequest.number}` : 'this run', size: current.size })
  return { platform: current.platform, points }
}

/** `▁▂▄█ 1.20 MB → 1.45 MB (+20.8%) over 4 points`. */
export function sparkline(points: readonly SeriesPoint[]): string {
  const sizes = points.map(point => point.size)
  const low = Math.min(...sizes)
  const high = Math.max(...sizes)
  const marks = sizes.map(size => SPARKS[high === low ? 0 : Math.round(((size - low) / (high - low)) * (SPARKS.length - 1))]).join('')
  const first = sizes[0]
  const last = sizes[sizes.length - 1]
  const change = first === 0 ? '' : ` (${last >= first ? '+' : '-'}${Math.abs(((last - first) / first) * 100).toFixed(1)}%)`
  return `${marks} ${formatSize(first)} → ${formatSize(last)}${change} over ${points.length} ${points.length === 1 ? 'point' : 'points'}`
}

/** The Mermaid chart, or undefined when there is no history in the report. */
export function historyChart(report: Report): string | undefined {
  const series = historySeries(report)
  if (!series) return undefined
  const labels = series.points.map(point => `"${mermaidText(point.label)}"`)
  const values = series.points.map(point => (point.size / MB).toFixed(2))
  const last = report.pullRequest ? 'this pull request' : 'this run'
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Size of ${mermaidText(report.name)} on ${mermaidText(series.platform)} (MB): history and ${last}"`,
    `  x-axis [${labels.join(', ')}]`,
    '  y-axis "MB"',
    `  line [${values.join(', ')}]`,
    '```'
  ].join('\n')
}

/** The lines under the chart (and in the text summary): the sparkline, each platform's drift, and why the history is missing. */
export function historyLines(report: Report): string[] {
  const lines: string[] = []
  const series = historySeries(report)
  if (series) lines.push(`History of ${series.platform}: ${sparkline(series.points)}`)
  if (report.history?.error) lines.push(`The history could not be read: ${report.history.error}`)
  for (const platform of report.platforms) if (platform.drift) lines.push(`Drift of ${platform.platform}: ${describeDrift(platform.drift)}`)
  return lines
}

/** The history as a table, newest last: what `image-budget history` prints. */
export function historyTable(points: ReadonlyArray<{ commit: string; date: string; platforms: ReadonlyArray<{ platform: string; size: number; compressedSize: number; layers: number; vulnerabilities?: Record<string, number> }> }>): Table {
  const rows: string[][] = []
  for (const point of points) {
    for (const platform of point.platforms) {
      const counts = platform.vulnerabilities
      const found = counts ? Object.entries(counts).filter(([, count]) => count > 0).map(([severity, count]) => `${count} ${severity}`) : []
      rows.push([point.date.slice(0, 16).replace('T', ' '), point.commit.slice(0, 12), platform.platform, formatSize(platform.size), formatSize(platform.compressedSize), String(platform.layers), counts ? found.join(', ') || 'none' : ''])
    }
  }
  return { headers: ['Date (UTC)', 'Commit', 'Platform', 'Size', 'Compressed', 'Layers', 'Vulnerabilities'], align: ['left', 'left', 'left', 'right', 'right', 'right', 'left'], rows }
}
