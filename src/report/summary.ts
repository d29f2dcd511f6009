import { instructionKey } from './instruction.js'
import type { LimitUnit } from '../config/budget-file.js'
import { formatSize } from '../config/size.js'
import type { Status } from '../budget/evaluate.js'
import type { Report } from './report.js'
import { changeTable, deltaTable, sizeChart, vulnerabilityChangeTable } from './compare.js'
import { markdownTable, textTable, type Table } from './table.js'
import { historyChart, historyLines } from '../history/chart.js'

const TOP_LAYERS = 5
const INSTRUCTION_WIDTH = 90

export const STATUS_MARK: Record<Status, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail' }
const TEXT_MARK: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' }

/** BuildKit's history text, shortened for a table: no `# buildkit` tag, no build-arg prefix. */
export function instructionText(createdBy: string): string {
  const text = instructionKey(createdBy)
  if (text === '') return '(no history)'
  return text.length > INSTRUCTION_WIDTH ? `${text.slice(0, INSTRUCTION_WIDTH - 1)}…` : text
}

/** A limit or actual value in its unit: a size, a count, or a percentage. */
export function formatLimit(unit: LimitUnit, value: number): string {
  if (unit === 'count') return String(value)
  if (unit === 'ratio') return `${(value * 100).toFixed(1)}%`
  return formatSize(value)
}

export interface PlatformTables {
  platform: string
  layers: Table
  stages?: Table
  files: Table
  waste?: Table
  packages?: Table
  unpackaged?: Table
}

export interface SummaryTables {
  platforms: Table
  budgets?: Table
  smells?: Table
  /** Smells about size with the bytes their fix saves, most first, and the total. */
  savings?: { table: Table; total: number }
  vulnerabilities?: Table
  findings?: Table
  details: PlatformTables[]
}

const TOP_FINDINGS = 10
/** Packages shown per platform; the report has them all. */
export const TOP_PACKAGES = 10
const TOP_UNPACKAGED = 5

const where = (source: { instruction?: string; line?: number; layer: string }): string =>
  source.instruction ? `${instructionText(source.instruction)} (line ${source.line})` : `layer ${source.layer.slice(7, 19)}`

export function summaryTables(report: Report, marks: Record<Status, string>): SummaryTables {
  const platforms: Table = {
    headers: ['Platform', 'Size', 'Compressed', 'Layers', 'Wasted', 'Efficiency'],
    align: ['left', 'right', 'right', 'right', 'right', 'right'],
    rows: report.platforms.map(platform => [
      platform.platform,
      formatSize(platform.size),
      formatSize(platform.compressedSize),
      String(platform.layerCount),
      formatSize(platform.wastedBytes),
      `${(platform.efficiency * 100).toFixed(1)}%`
    ])
  }
  const budgets: Table | undefined =
    report.budgets.length === 0
      ? undefined
      : {
          headers: ['Budget', 'Platform', 'Limit', 'Actual', 'Result'],
          align: ['left', 'left', 'right', 'right', 'left'],
          rows: report.budgets.map(result => [
            [result.rule, result.severity, result.fixableOnly ? 'fixable' : undefined, result.level === 'warning' ? 'warning' : undefined]
              .filter(Boolean)
              .join(' ')
              .replace(/^(\S+) (.+)$/, '$1 ($2)'),
            result.platform,
            formatLimit(result.unit, result.limit),
            result.unresolved !== undefined ? 'no reference' : formatLimit(result.unit, result.actual),
            marks[result.status]
          ])
        }
  const smells: Table | undefined =
    report.smells.length === 0
      ? undefined
      : {
          headers: ['Smell', 'Level', 'Line', 'Finding'],
          align: ['left', 'left', 'right', 'left'],
          rows: report.smells.map(smell => [
            smell.rule,
            smell.level === 'error' ? marks.fail : marks.warn,
            smell.line ? String(smell.line) : '',
            smell.message
          ])
        }
  const saving = report.smells.filter(smell => (smell.savings ?? 0) > 0).sort((a, b) => b.savings! - a.savings!)
  const savings =
    saving.length === 0
      ? undefined
      : {
          table: {
            headers: ['Saves', 'Line', 'Smell', 'What to change'],
            align: ['right', 'right', 'left', 'left'] as Table['align'],
            rows: saving.map(smell => [formatSize(smell.savings!), smell.line ? String(smell.line) : '', smell.rule, smell.message])
          },
          total: saving.reduce((sum, smell) => sum + smell.savings!, 0)
        }
  const details = report.platforms.map(platform => {
    const tables: PlatformTables = {
      platform: platform.platform,
      layers: {
        headers: ['Size', 'Compressed', 'Line', 'Instruction'],
        align: ['right', 'right', 'right', 'left'],
        rows: [...platform.layers]
          .sort((a, b) => b.size - a.size)
          .slice(0, TOP_LAYERS)
          .map(layer => [
            formatSize(layer.size),
            formatSize(layer.compressedSize),
            layer.line ? String(layer.line) : '',
            layer.instruction ? instructionText(layer.instruction) : instructionText(layer.createdBy)
          ])
      },
      files: {
        headers: ['Size', 'File', 'Written by'],
        align: ['right', 'left', 'left'],
        rows: platform.topFiles.map(file => [formatSize(file.size), file.path, where(file)])
      }
    }
    if (platform.stages) {
      tables.stages = {
        headers: ['Bytes', 'From'],
        align: ['right', 'left'],
        rows: [
          ...platform.stages.map(stage => [formatSize(stage.bytes), `${stage.stage} (${stage.layers} ${stage.layers === 1 ? 'layer' : 'layers'})`]),
          ...(platform.copies ?? []).map(copy => [formatSize(copy.bytes), `COPY --from=${copy.from} (line ${copy.line})`])
        ]
      }
    }
    if (platform.packages && platform.packages.length > 0) {
      tables.packages = {
        headers: ['Bytes', 'Package', 'Version', 'Kind', 'Installed by'],
        align: ['right', 'left', 'left', 'left', 'left'],
        rows: platform.packages
          .slice(0, TOP_PACKAGES)
          .map(item => [formatSize(item.bytes), item.name, item.version, `${item.ecosystem}${item.dev ? ' (dev)' : ''}`, where(item)])
      }
    }
    // Without any package database every byte is unpackaged: the largest folders say it already.
    if (platform.packages && platform.packages.length > 0 && platform.unpackaged && platform.unpackaged.length > 0) {
      tables.unpackaged = {
        headers: ['Bytes', 'Files', 'Folder'],
        align: ['right', 'right', 'left'],
        rows: platform.unpackaged.slice(0, TOP_UNPACKAGED).map(group => [formatSize(group.bytes), String(group.files), group.directory])
      }
    }
    if (platform.topWaste.length > 0) {
      tables.waste = {
        headers: ['Wasted', 'File', 'Written by', 'Hidden by'],
        align: ['right', 'left', 'left', 'left'],
        rows: platform.topWaste.map(waste => [formatSize(waste.size), waste.path, where(waste.writtenBy), where(waste.hiddenBy)])
      }
    }
    return tables
  })
  const scanned = report.platforms.filter(platform => platform.vulnerabilities)
  const vulnerabilities: Table | undefined =
    scanned.length === 0
      ? undefined
      : {
          headers: ['Platform', 'Critical', 'High', 'Medium', 'Low', 'Unknown', 'With a fix'],
          align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
          rows: scanned.map(platform => {
            const counts = platform.vulnerabilities!
            const fixable = Object.values(platform.fixable ?? {}).reduce((sum, count) => sum + count, 0)
            return [platform.platform, String(counts.critical), String(counts.high), String(counts.medium), String(counts.low), String(counts.unknown), String(fixable)]
          })
        }
  // The worst findings with a fix come first: those are what a rebuild or a bump can remove.
  const seen = new Set<string>()
  const worst = scanned
    .flatMap(platform => (platform.findings ?? []).map(finding => ({ ...finding, platform: platform.platform })))
    .filter(finding => finding.fixed !== undefined)
    .filter(finding => {
      const key = `${finding.id} ${finding.package}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .slice(0, TOP_FINDINGS)
  const findings: Table | undefined =
    worst.length === 0
      ? undefined
      : {
          headers: ['Severity', 'Vulnerability', 'Package', 'Installed', 'Fixed in', 'Brought by'],
          align: ['left', 'left', 'left', 'left', 'left', 'left'],
          rows: worst.map(finding => [
            finding.severity.toUpperCase(),
            finding.id,
            finding.package,
            finding.installed,
            finding.fixed ?? '',
            finding.layer ? where(finding.layer) : ''
          ])
        }
  return { platforms, budgets, smells, savings, vulnerabilities, findings, details }
}

function buildLine(report: Report): string | undefined {
  if (!report.build) return undefined
  const { seconds, steps, cachedSteps, actionsCache } = report.build
  const cache = actionsCache === undefined ? '' : actionsCache.used ? ' GitHub Actions cache: used.' : ` GitHub Actions cache: not used, ${actionsCache.reason}.`
  return `Built in ${seconds} s; ${cachedSteps} of ${steps} steps cached.${cache}`
}

function detailSections(details: PlatformTables): Array<[string, Table]> {
  const sections: Array<[string, Table]> = []
  if (details.stages) sections.push([`Where the bytes of ${details.platform} come from`, details.stages])
  sections.push([`Largest layers of ${details.platform}`, details.layers])
  sections.push([`Largest files of ${details.platform}`, details.files])
  if (details.packages) sections.push([`Largest packages of ${details.platform}`, details.packages])
  if (details.unpackaged) sections.push([`Bytes of ${details.platform} no package owns`, details.unpackaged])
  if (details.waste) sections.push([`Wasted bytes of ${details.platform}`, details.waste])
  return sections
}

/** Lines of the Markdown that change from run to run whatever was measured: the build time, the run link. */
export const VOLATILE_LINE = /^(Built in [\d.]+ s; \d+ of \d+ steps cached\.|\[Workflow run\]\(.*\))$/

export interface MarkdownOptions {
  /** A link to the workflow run (the PR comment has one). */
  runUrl?: string
  /** The Mermaid chart of sizes against the baseline (the job summary has one). */
  chart?: boolean
}

function baselineLine(report: Report): string | undefined {
  const baseline = report.baseline
  if (!baseline) return undefined
  const when = baseline.createdAt ? `, made ${baseline.createdAt.slice(0, 16).replace('T', ' ')} UTC` : ''
  const without = baseline.unavailable.length > 0 ? ` It cannot give: ${baseline.unavailable.join(', ')}.` : ''
  if (baseline.source === 'build') return `Compared with the baseline built from \`${baseline.reference.slice(0, 12)}\`, the merge base, built for this run.${without}`
  return `Compared with ${baseline.source === 'image' ? 'the image' : baseline.source === 'file' ? 'the report' : 'the last report of'} \`${baseline.reference}\`${when}.${without}`
}

/** The Markdown of a report: the job summary, and the pull request comment. */
/** What a `call` build did: nothing was exported, so nothing was measured or budgeted. */
function callLines(report: Report): string[] | undefined {
  if (!report.call) return undefined
  const { method, checks } = report.call
  const head = `\`call: ${method}\` evaluated the build instead of building it: no image was exported, so nothing was measured, scanned or budgeted.`
  if (method !== 'check') return [head]
  if (checks.length === 0) return [head, 'The Dockerfile checks found nothing.']
  return [head, `The Dockerfile checks found ${checks.length}:`, ...checks.map(check => `- ${check.rule}${check.line ? ` (line ${check.line})` : ''}: ${check.detail || check.description}`)]
}

export function markdownSummary(report: Report, options: MarkdownOptions = {}): string {
  const tables = summaryTables(report, STATUS_MARK)
  const parts = [`### image-budget: ${report.name} — ${STATUS_MARK[report.verdict]}`]
  if (report.error) parts.push(`> [!CAUTION]\n> ${report.error.split('\n').join('\n> ')}`)
  const call = callLines(report)
  if (call) parts.push(call.join('\n'))
  if (report.notices?.length) parts.push(`> [!NOTE]\n${report.notices.map(notice => `> ${notice}`).join('\n>\n')}`)
  const deltas = deltaTable(report)
  const compared = baselineLine(report)
  if (compared) parts.push(compared)
  if (deltas) parts.push(markdownTable(deltas))
  else if (report.platforms.length > 0) parts.push(markdownTable(tables.platforms))
  if (tables.budgets) parts.push('#### Budgets', markdownTable(tables.budgets))
  const changes = changeTable(report)
  if (changes) parts.push('#### What changed most', markdownTable(changes))
  if (options.chart) {
    const chart = sizeChart(report)
    if (chart) parts.push(chart)
  }
  const history = historyChart(report)
  const drift = historyLines(report)
  if (history || drift.length > 0) parts.push('#### History', ...(history ? [history] : []), ...(drift.length > 0 ? [drift.map(line => `- ${line}`).join('\n')] : []))
  if (tables.smells) parts.push('#### Smells', markdownTable(tables.smells))
  if (tables.savings) parts.push(`#### What to do: ${formatSize(tables.savings.total)} could be saved`, markdownTable(tables.savings.table))
  const vulnerabilities = report.baseline ? vulnerabilityChangeTable(report) : tables.vulnerabilities
  if (vulnerabilities) parts.push(`#### Vulnerabilities (${report.scan?.source})`, markdownTable(vulnerabilities))
  if (tables.findings) parts.push(`<details><summary>Worst findings with a fix</summary>\n\n${markdownTable(tables.findings)}\n\n</details>`)
  if (report.scan?.error) parts.push(`> [!WARNING]\n> Not scanned: ${report.scan.error.split('\n').join('\n> ')}`)
  for (const details of tables.details) {
    for (const [title, table] of detailSections(details)) {
      parts.push(`<details><summary>${title}</summary>\n\n${markdownTable(table)}\n\n</details>`)
    }
  }
  const build = buildLine(report)
  if (build) parts.push(build)
  if (options.runUrl) parts.push(`[Workflow run](${options.runUrl})`)
  return `${parts.join('\n\n')}\n`
}

export function textSummary(report: Report): string {
  const tables = summaryTables(report, TEXT_MARK)
  const parts = [`image-budget: ${report.name}: ${TEXT_MARK[report.verdict]}`]
  if (report.error) parts.push(`error: ${report.error}`)
  const call = callLines(report)
  if (call) parts.push(call.join('\n').replace(/`/g, ''))
  if (report.platforms.length > 0) parts.push(textTable(tables.platforms))
  const deltas = deltaTable(report)
  const compared = baselineLine(report)
  if (compared) parts.push(compared.replace(/`/g, ''))
  if (deltas) parts.push(textTable(deltas))
  if (tables.budgets) parts.push(textTable(tables.budgets))
  const changes = changeTable(report)
  if (changes) parts.push(`What changed most:\n${textTable(changes)}`)
  const history = historyLines(report)
  if (history.length > 0) parts.push(history.join('\n'))
  if (tables.smells) parts.push(`Smells:\n${textTable(tables.smells)}`)
  if (tables.savings) parts.push(`What to do (${formatSize(tables.savings.total)} could be saved):\n${textTable(tables.savings.table)}`)
  if (tables.vulnerabilities) parts.push(`Vulnerabilities (${report.scan?.source}):\n${textTable(tables.vulnerabilities)}`)
  if (tables.findings) parts.push(`Worst findings with a fix:\n${textTable(tables.findings)}`)
  if (report.scan?.error) parts.push(`Not scanned: ${report.scan.error}`)
  for (const details of tables.details) {
    for (const [title, table] of detailSections(details)) parts.push(`${title}:\n${textTable(table)}`)
  }
  const build = buildLine(report)
  if (build) parts.push(build)
  return `${parts.join('\n\n')}\n`
}
