// `image-budget history`: an image's history as a table, from the history branch of a repository
// (through the API, with GITHUB_TOKEN), from a history file (as the branch holds it), or made from
// report files (a folder of them: one point per report, by its date).
import { readdir, stat } from 'node:fs/promises'
import * as path from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_HISTORY_BRANCH, Input, MAX_HISTORY_POINTS } from '../constants.js'
import { InputError } from '../config/errors.js'
import { parseBranchName } from '../config/inputs.js'
import { FILE_LIMITS, readRegularFile } from '../files/safe-read.js'
import { octokitApi } from '../github/api.js'
import { parseReportFile } from '../combine/report-file.js'
import { textTable } from '../report/table.js'
import { historyTable, sparkline } from './chart.js'
import { appendPoint, emptyHistory, MAX_HISTORY_BYTES, parseHistory, pointOf } from './history.js'
import { readStoredHistory } from './store.js'
import type { History } from './types.js'

export const HISTORY_USAGE = `Usage: image-budget history --name NAME [--repository OWNER/NAME] [--branch BRANCH]
       image-budget history --from FILE|FOLDER [--name NAME]

Prints an image's history as a table, oldest first, and a line per platform of how its size went.
  --repository, --branch  read it from the history branch (default ${DEFAULT_HISTORY_BRANCH}) of a
                          repository (default GITHUB_REPOSITORY), with GITHUB_TOKEN (contents: read)
  --from FILE             a history file, as the branch holds it (<name>.json), or a report file
  --from FOLDER           the report files (*.json) in the folder: one point per report
  --name NAME             the image (required with --repository; picks one of the reports)
  --json                  print the history as JSON instead`

/** Report files read from one folder at most: far above a hundred points of a few images. */
const MAX_FOLDER_FILES = 2000

export interface HistoryCommandDeps {
  cwd: string
  env: NodeJS.ProcessEnv
  fetch: typeof fetch
}

/** The history the arguments name. */
export async function loadHistoryFor(argv: string[], deps: HistoryCommandDeps): Promise<{ history: History; json: boolean }> {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: { name: { type: 'string' }, from: { type: 'string' }, repository: { type: 'string' }, branch: { type: 'string' }, json: { type: 'boolean' } }, strict: true })
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n\n${HISTORY_USAGE}`)
  }
  const { name, from, repository, branch, json = false } = parsed.values
  if (name !== undefined && name.trim() === '') throw new InputError(`history: --name "${name}" is not an image name`)
  if (from !== undefined) {
    if (repository !== undefined || branch !== undefined) throw new InputError('history: give --from, or --repository and --branch, not both')
    return { history: await historyFromFiles(path.resolve(deps.cwd, from), from, name), json }
  }
  if (name === undefined) throw new InputError(`history: --name is required to read a history branch\n\n${HISTORY_USAGE}`)
  const fullName = repository ?? deps.env.GITHUB_REPOSITORY ?? ''
  const [owner, repo, ...rest] = fullName.split('/')
  // Each becomes a segment of the API's paths: a name as GitHub spells them, never `..` nor a query.
  const isName = (part: string | undefined): boolean => part !== undefined && /^[A-Za-z0-9_.-]{1,100}$/.test(part) && !/^\.+$/.test(part)
  if (!isName(owner) || !isName(repo) || rest.length > 0) throw new InputError(`history: --repository "${fullName}" is not OWNER/NAME (or set GITHUB_REPOSITORY)`)
  const token = deps.env.GITHUB_TOKEN || deps.env.GH_TOKEN || ''
  if (token === '') throw new InputError('history: reading a history branch needs a token in GITHUB_TOKEN (or GH_TOKEN) that may read contents')
  let branchName
  try {
    branchName = parseBranchName(Input.HistoryBranch, branch ?? DEFAULT_HISTORY_BRANCH)
  } catch (error) {
    // The action's input is --branch here.
    if (error instanceof InputError) throw new InputError(error.message.replace(`Input "${Input.HistoryBranch}": `, 'history: --branch '))
    throw error
  }
  const api = octokitApi(token, owner, repo, deps.env.GITHUB_API_URL || 'https://api.github.com', { fetch: deps.fetch })
  const { history } = await readStoredHistory(api, branchName, name)
  return { history, json }
}

/** A history file, a report file, or a folder of report files. */
async function historyFromFiles(file: string, shown: string, name: string | undefined): Promise<History> {
  const info = await stat(file).catch(() => undefined)
  if (!info) throw new InputError(`history: --from "${shown}" does not exist`)
  const files = info.isDirectory()
    ? (await readdir(file)).filter(entry => entry.endsWith('.json')).sort().map(entry => path.join(file, entry))
    : [file]
  if (files.length > MAX_FOLDER_FILES) throw new InputError(`history: --from "${shown}" holds ${files.length} report files, more than the ${MAX_FOLDER_FILES} read`)
  const points: Array<{ name: string; point: NonNullable<ReturnType<typeof pointOf>> }> = []
  for (const each of files) {
    const text = await readRegularFile(each, Math.max(FILE_LIMITS[Input.Reports], MAX_HISTORY_BYTES))
    const shownFile = info.isDirectory() ? path.join(shown, path.basename(each)) : shown
    if (!info.isDirectory() && isHistoryText(text)) {
      const history = parseHistory(text, shownFile)
      if (name !== undefined && history.name !== name) throw new InputError(`history: ${shownFile} is the history of "${history.name}", not of "${name}"`)
      return history
    }
    let reports
    try {
      reports = parseReportFile(text).reports
    } catch (error) {
      if (!info.isDirectory()) throw new InputError(`history: ${shownFile} is neither a history nor a report: ${(error as Error).message}`)
      continue
    }
    for (const report of reports) {
      const point = pointOf(report)
      if (point && (name === undefined || report.name === name)) points.push({ name: report.name, point })
    }
  }
  const names = [...new Set(points.map(entry => entry.name))].sort()
  if (names.length === 0) throw new InputError(`history: --from "${shown}" has no report${name !== undefined ? ` of "${name}"` : ''} with a commit, a date and a measured platform`)
  if (names.length > 1) throw new InputError(`history: --from "${shown}" has reports of ${names.map(each => `"${each}"`).join(', ')}: pick one with --name`)
  points.sort((a, b) => Date.parse(a.point.date) - Date.parse(b.point.date))
  return points.reduce((history, entry) => appendPoint(history, entry.point, MAX_HISTORY_POINTS), emptyHistory(names[0]))
}

/** A history file has points where a report has platforms. */
function isHistoryText(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null && Array.isArray((value as { points?: unknown }).points)
  } catch {
    return false
  }
}

/** The table and a sparkline per platform. */
export function renderHistory(history: History): string {
  if (history.points.length === 0) return `No history of ${history.name} yet.\n`
  const platforms = [...new Set(history.points.flatMap(point => point.platforms.map(platform => platform.platform)))]
  const lines = platforms.map(platform => {
    const series = history.points.flatMap(point => point.platforms.filter(each => each.platform === platform).map(each => ({ label: point.commit, size: each.size })))
    return `${platform}: ${sparkline(series)}`
  })
  return `History of ${history.name}: ${history.points.length} ${history.points.length === 1 ? 'point' : 'points'}\n\n${textTable(historyTable(history.points))}\n\n${lines.join('\n')}\n`
}
