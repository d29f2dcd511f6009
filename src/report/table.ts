// One table model, rendered as Markdown for the job summary and as aligned text for a terminal.

export type Align = 'left' | 'right'

export interface Table {
  headers: string[]
  align: Align[]
  rows: string[][]
}

function escapeCell(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

export function markdownTable(table: Table): string {
  const header = `| ${table.headers.map(escapeCell).join(' | ')} |`
  const rule = `|${table.align.map(align => (align === 'right' ? '---:' : ':---')).join('|')}|`
  const rows = table.rows.map(row => `| ${row.map(escapeCell).join(' | ')} |`)
  return [header, rule, ...rows].join('\n')
}

export function textTable(table: Table): string {
  const widths = table.headers.map((header, column) =>
    Math.max(header.length, ...table.rows.map(row => (row[column] ?? '').length))
  )
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (table.align[column] === 'right' ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd()
  return [line(table.headers), line(widths.map(width => '-'.repeat(width))), ...table.rows.map(line)].join('\n')
}
