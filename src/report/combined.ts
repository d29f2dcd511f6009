// Several images in one view: a row per image and platform, then each image's own summary
// collapsed. The bake run's comment and summary; schema version 2 holds the reports of one run.
import type { Verdict } from '../budget/evaluate.js'
import { formatSize } from '../config/size.js'
import { formatChange } from './compare.js'
import type { Report } from './report.js'
import { markdownSummary, STATUS_MARK } from './summary.js'
import { markdownTable } from './table.js'

/** One run's reports: version 2 of the report, for runs of several images (version 1 is one image's report). */
export interface RunReport {
  schemaVersion: 2
  verdict: Verdict
  createdAt?: string
  commit?: string
  pullRequest?: { number: number; head: string }
  images: Report[]
}

/** The worst verdict of the images: any failure fails the run. */
export function runVerdict(reports: readonly Pick<Report, 'verdict'>[]): Verdict {
  if (reports.some(report => report.verdict === 'fail')) return 'fail'
  if (reports.some(report => report.verdict === 'warn')) return 'warn'
  return 'pass'
}

export function runReport(reports: Report[]): RunReport {
  const [first] = reports
  return {
    schemaVersion: 2,
    verdict: runVerdict(reports),
    ...(first?.createdAt ? { createdAt: first.createdAt } : {}),
    ...(first?.commit ? { commit: first.commit } : {}),
    ...(first?.pullRequest ? { pullRequest: first.pullRequest } : {}),
    images: reports
  }
}

/** The `images` output: per image its digest, sizes and verdict, per platform its sizes. */
export function imagesOutput(reports: readonly Report[]): Record<string, unknown> {
  return Object.fromEntries(
    reports.map(report => [
      report.name,
      {
        verdict: report.verdict,
        ...(report.digest ? { digest: report.digest } : {}),
        size: Math.max(0, ...report.platforms.map(platform => platform.size)),
        compressedSize: Math.max(0, ...report.platforms.map(platform => platform.compressedSize)),
        platforms: Object.fromEntries(report.platforms.map(platform => [platform.platform, { size: platform.size, compressedSize: platform.compressedSize }])),
        ...(report.error ? { error: report.error.split('\n')[0] } : {})
      }
    ])
  )
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

export function combinedMarkdown(reports: readonly Report[], options: { title?: string; runUrl?: string } = {}): string {
  const verdict = runVerdict(reports)
  const rows: string[][] = []
  for (const report of reports) {
    if (report.platforms.length === 0) rows.push([report.name, '—', '—', '—', '—', '—', STATUS_MARK[report.verdict]])
    for (const platform of report.platforms) {
      const delta = platform.delta
      rows.push([
        report.name,
        platform.platform,
        formatSize(platform.size),
        delta ? formatChange(delta.size, delta.sizeRatio) : '',
        formatSize(platform.compressedSize),
        String(platform.layerCount),
        STATUS_MARK[report.verdict]
      ])
    }
  }
  const parts = [
    `### ${options.title ?? 'image-budget'} — ${STATUS_MARK[verdict]} (${reports.length} image${reports.length === 1 ? '' : 's'})`,
    markdownTable({
      headers: ['Image', 'Platform', 'Size', 'Change', 'Compressed', 'Layers', 'Verdict'],
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
      rows
    })
  ]
  for (const report of reports) {
    const failed = report.error ? `: ${report.error.split('\n')[0]}` : ''
    parts.push(`<details><summary>${escapeHtml(report.name)} — ${STATUS_MARK[report.verdict]}${escapeHtml(failed)}</summary>\n\n${markdownSummary(report).replace(/^### .*\n/, '')}\n</details>`)
  }
  if (options.runUrl) parts.push(`[Workflow run](${options.runUrl})`)
  return `${parts.join('\n\n')}\n`
}
