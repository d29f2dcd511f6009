// What combine mode shows: one table of every image and platform (the pull request comment, the
// job summary, the terminal), the one commit status, and the `images` output.
import { formatSize } from '../config/size.js'
import type { CommitStatus } from '../github/api.js'
import { MAX_STATUS_DESCRIPTION } from '../github/publish.js'
import { formatChange } from '../report/compare.js'
import { largestPlatform, type PlatformReport, type Report } from '../report/report.js'
import { markdownSummary, STATUS_MARK, textSummary } from '../report/summary.js'
import { markdownTable, textTable, type Table } from '../report/table.js'
import { SEVERITIES } from '../scan/trivy-report.js'
import { combineErrors, platformVerdict, type Combined, type CombinedImage, type RowVerdict } from './combine.js'

const MARKS: Record<RowVerdict, string> = { ...STATUS_MARK, error: '❌ error', missing: '❌ missing' }
const TEXT_MARKS: Record<RowVerdict, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR', missing: 'MISSING' }

function changeCell(report: Report, platform: PlatformReport): string {
  if (!report.baseline) return ''
  const delta = platform.delta
  if (!delta) return 'new'
  if (delta.size !== null) return formatChange(delta.size, delta.sizeRatio)
  // A registry image as the baseline gives no uncompressed size.
  return `${formatChange(delta.compressedSize, delta.compressedSizeRatio)} compressed`
}

function vulnerabilityCell(report: Report, platform: PlatformReport): string {
  if (report.scan?.error) return 'not scanned'
  const counts = platform.vulnerabilities
  if (!counts) return ''
  const found = SEVERITIES.filter(severity => counts[severity] > 0).map(severity => `${counts[severity]} ${severity}`)
  return found.length > 0 ? found.join(', ') : 'none'
}

/** A row per image and platform; an image that stopped before measuring, or that is missing, gets one row. */
export function combinedTable(combined: Combined, marks: Record<RowVerdict, string>): Table {
  const rows: string[][] = []
  for (const image of combined.images) {
    for (const { report } of image.parts) {
      if (report.platforms.length === 0) rows.push([image.name, '', '', '', '', '', '', marks[report.error !== undefined ? 'error' : report.verdict]])
      for (const platform of report.platforms) {
        rows.push([
          image.name,
          platform.platform,
          formatSize(platform.size),
          changeCell(report, platform),
          formatSize(platform.compressedSize),
          String(platform.layerCount),
          vulnerabilityCell(report, platform),
          marks[platformVerdict(report, platform.platform)]
        ])
      }
    }
  }
  for (const name of combined.missing) rows.push([name, '', '', '', '', '', '', marks.missing])
  return {
    headers: ['Image', 'Platform', 'Size', 'Change', 'Compressed', 'Layers', 'Vulnerabilities', 'Verdict'],
    align: ['left', 'left', 'right', 'right', 'right', 'right', 'left', 'left'],
    rows
  }
}

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

const imageCount = (combined: Combined): number => combined.images.length + combined.missing.length
const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`

/** The comment and the job summary: the table, what went wrong, then each image's own summary, collapsed. */
export function combinedMarkdown(combined: Combined, options: { runUrl?: string } = {}): string {
  const parts = [`### image-budget: ${plural(imageCount(combined), 'image')} — ${MARKS[combined.verdict]}`, markdownTable(combinedTable(combined, MARKS))]
  const errors = combineErrors(combined)
  if (errors.length > 0) parts.push(`> [!CAUTION]\n${errors.map(error => `> - ${error.split('\n').join(' ')}`).join('\n')}`)
  for (const image of combined.images) {
    const summaries = image.parts.map(part => markdownSummary(part.report).trimEnd())
    parts.push(`<details><summary>${escapeHtml(image.name)} — ${MARKS[image.verdict]}</summary>\n\n${summaries.join('\n\n')}\n\n</details>`)
  }
  if (options.runUrl) parts.push(`[Workflow run](${options.runUrl})`)
  return `${parts.join('\n\n')}\n`
}

/** The same for a terminal and the log. */
export function combinedText(combined: Combined): string {
  const parts = [`image-budget: ${plural(imageCount(combined), 'image')}: ${TEXT_MARKS[combined.verdict]}`, textTable(combinedTable(combined, TEXT_MARKS))]
  const errors = combineErrors(combined)
  if (errors.length > 0) parts.push(errors.map(error => `error: ${error}`).join('\n'))
  for (const image of combined.images) for (const part of image.parts) parts.push(textSummary(part.report).trimEnd())
  return `${parts.join('\n\n')}\n`
}

/** `Failed: api, worker (missing); 1 passed`, with as many names as GitHub's 140 characters hold. */
function listWithin(prefix: string, items: readonly string[], suffix: string): string {
  for (let shown = items.length; shown > 0; shown--) {
    const rest = items.length - shown
    const text = `${prefix}${items.slice(0, shown).join(', ')}${rest > 0 ? ` and ${rest} more` : ''}${suffix}`
    if (text.length <= MAX_STATUS_DESCRIPTION) return text
  }
  return `${prefix}${plural(items.length, 'image')}${suffix}`.slice(0, MAX_STATUS_DESCRIPTION)
}

const failing = (image: CombinedImage): boolean => image.verdict !== 'pass' && image.verdict !== 'warn'

/** The one status of the set: failure names what failed first, success names every image. */
export function aggregateStatus(combined: Combined, context: string, runUrl: string): CommitStatus {
  const named = (image: CombinedImage): string => (image.verdict === 'fail' || image.verdict === 'pass' ? image.name : `${image.name} (${image.verdict})`)
  if (combined.verdict !== 'fail') {
    return { state: 'success', context, target_url: runUrl, description: listWithin('Passed: ', combined.images.map(named), '') }
  }
  const failed = [
    ...combined.images.filter(failing).map(named),
    ...combined.missing.map(name => `${name} (missing)`),
    ...(combined.problems.length > 0 ? [plural(combined.problems.length, 'unusable report')] : [])
  ]
  const passed = combined.images.filter(image => !failing(image)).length
  return { state: 'failure', context, target_url: runUrl, description: listWithin('Failed: ', failed, passed > 0 ? `; ${passed} passed` : '') }
}

export interface ImageOutput {
  verdict: RowVerdict
  /** The image's digest when one report has all of it; null when its platforms were reported apart, or it is missing. */
  digest: string | null
  /** Of its largest platform, as the `size` output of a single run. */
  size: number | null
  compressedSize: number | null
  platforms: Record<string, { digest: string; size: number; compressedSize: number; verdict: RowVerdict }>
}

/** The `images` output: each image by name (defined as own keys: a name may be `__proto__`). */
export function imagesOutput(combined: Combined): Record<string, ImageOutput> {
  const present = combined.images.map((image): [string, ImageOutput] => {
    const platforms = image.parts.flatMap(part => part.report.platforms.map(platform => ({ report: part.report, platform })))
    const largest = largestPlatform({ platforms: platforms.map(item => item.platform) })
    return [
      image.name,
      {
        verdict: image.verdict,
        digest: image.parts.length === 1 ? (image.parts[0].report.digest ?? null) : null,
        size: largest?.size ?? null,
        compressedSize: largest?.compressedSize ?? null,
        platforms: Object.fromEntries(
          platforms.map(({ report, platform }) => [platform.platform, { digest: platform.digest, size: platform.size, compressedSize: platform.compressedSize, verdict: platformVerdict(report, platform.platform) }])
        )
      }
    ]
  })
  const missing = combined.missing.map((name): [string, ImageOutput] => [name, { verdict: 'missing', digest: null, size: null, compressedSize: null, platforms: {} }])
  return Object.fromEntries([...present, ...missing])
}
