import { Rule } from '../constants.js'
import { formatSize } from '../config/size.js'
import type { BudgetResult, Status } from '../budget/evaluate.js'
import type { Report } from './report.js'
import { markdownTable, textTable, type Table } from './table.js'

const TOP_LAYERS = 5
const INSTRUCTION_WIDTH = 90

const STATUS_MARK: Record<Status, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail' }
const TEXT_MARK: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' }

/** BuildKit's history text, shortened for a table: no `# buildkit` tag, no build-arg prefix. */
export function instructionText(createdBy: string): string {
  const text = createdBy
    .replace(/\s*# buildkit$/, '')
    .replace(/^RUN \|\d+(?: \S+=\S*)* /, 'RUN ')
    .replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
    .trim()
  if (text === '') return '(no history)'
  return text.length > INSTRUCTION_WIDTH ? `${text.slice(0, INSTRUCTION_WIDTH - 1)}…` : text
}

function formatBudgetValue(result: BudgetResult, value: number): string {
  return result.rule === Rule.MaxLayers ? String(value) : formatSize(value)
}

export interface SummaryTables {
  platforms: Table
  budgets?: Table
  layers: Array<{ platform: string; table: Table }>
}

export function summaryTables(report: Report, marks: Record<Status, string>): SummaryTables {
  const platforms: Table = {
    headers: ['Platform', 'Size', 'Compressed', 'Layers'],
    align: ['left', 'right', 'right', 'right'],
    rows: report.platforms.map(platform => [
      platform.platform,
      formatSize(platform.size),
      formatSize(platform.compressedSize),
      String(platform.layerCount)
    ])
  }
  const budgets: Table | undefined =
    report.budgets.length === 0
      ? undefined
      : {
          headers: ['Budget', 'Platform', 'Limit', 'Actual', 'Result'],
          align: ['left', 'left', 'right', 'right', 'left'],
          rows: report.budgets.map(result => [
            result.level === 'warning' ? `${result.rule} (warning)` : result.rule,
            result.platform,
            formatBudgetValue(result, result.limit),
            formatBudgetValue(result, result.actual),
            marks[result.status]
          ])
        }
  const layers = report.platforms.map(platform => ({
    platform: platform.platform,
    table: {
      headers: ['Size', 'Compressed', 'Instruction'],
      align: ['right', 'right', 'left'],
      rows: [...platform.layers]
        .sort((a, b) => b.size - a.size)
        .slice(0, TOP_LAYERS)
        .map(layer => [formatSize(layer.size), formatSize(layer.compressedSize), instructionText(layer.createdBy)])
    } satisfies Table
  }))
  return { platforms, budgets, layers }
}

function buildLine(report: Report): string | undefined {
  if (!report.build) return undefined
  const { seconds, steps, cachedSteps } = report.build
  return `Built in ${seconds} s; ${cachedSteps} of ${steps} steps cached.`
}

export function markdownSummary(report: Report): string {
  const tables = summaryTables(report, STATUS_MARK)
  const parts = [`### image-budget: ${report.name} — ${STATUS_MARK[report.verdict]}`]
  if (report.error) parts.push(`> [!CAUTION]\n> ${report.error.split('\n').join('\n> ')}`)
  if (report.platforms.length > 0) parts.push(markdownTable(tables.platforms))
  if (tables.budgets) parts.push('#### Budgets', markdownTable(tables.budgets))
  for (const { platform, table } of tables.layers) {
    parts.push(`<details><summary>Largest layers of ${platform}</summary>\n\n${markdownTable(table)}\n\n</details>`)
  }
  const build = buildLine(report)
  if (build) parts.push(build)
  return `${parts.join('\n\n')}\n`
}

export function textSummary(report: Report): string {
  const tables = summaryTables(report, TEXT_MARK)
  const parts = [`image-budget: ${report.name}: ${TEXT_MARK[report.verdict]}`]
  if (report.error) parts.push(`error: ${report.error}`)
  if (report.platforms.length > 0) parts.push(textTable(tables.platforms))
  if (tables.budgets) parts.push(textTable(tables.budgets))
  for (const { platform, table } of tables.layers) parts.push(`Largest layers of ${platform}:\n${textTable(table)}`)
  const build = buildLine(report)
  if (build) parts.push(build)
  return `${parts.join('\n\n')}\n`
}
