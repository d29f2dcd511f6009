// Combine mode's side effects: find and read the report files, then write the combined report, the
// outputs, the job summary, the one pull request comment and the one commit status. Whatever went
// wrong is published as a failure first, so that the required status is red with the reason,
// and then fails the step.
import * as path from 'node:path'
import { failsStep } from '../budget/evaluate.js'
import { parseBudgetFile } from '../config/budget-file.js'
import type { Inputs } from '../config/inputs.js'
import { formatSize } from '../config/size.js'
import { COMBINED_REPORT_SCHEMA_VERSION, DEFAULT_BUDGET_FILE, EXPECT_BUDGET_FILE, Input, Output } from '../constants.js'
import { globFiles } from '../files/glob.js'
import { FILE_LIMITS, readInputFile, readRegularFile } from '../files/safe-read.js'
import { writeFileSafely, writeRoots } from '../files/safe-write.js'
import type { CommitStatus, GitHubApi } from '../github/api.js'
import { combinedCommentMarker, upsertMarkedComment, type CommentOutcome } from '../github/comment.js'
import { isPullRequest, type GitHubContext } from '../github/context.js'
import { setStatus } from '../github/publish.js'
import type { Host } from '../host.js'
import { slugOf } from '../names.js'
import { VOLATILE_LINE } from '../report/summary.js'
import { createScrubber, scrubDeep, secretValues } from '../secrets.js'
import { combine, combineErrors, type Combined, type CombinedPullRequest, type ReportEntry } from './combine.js'
import { aggregateStatus, combinedMarkdown, combinedText, imagesOutput } from './render.js'
import { parseReportFile } from './report-file.js'

/** What combine mode needs of a run (the action's and the CLI's deps both fit). */
export interface CombineDeps {
  cwd: string
  tempRoot: string
  env: NodeJS.ProcessEnv
  github?: { context: GitHubContext; api?: GitHubApi }
}

export interface CombineOutcome {
  combined: Combined
  reportPath: string
  /** Whether the verdict fails the step, as `fail-on` asks. */
  failed: boolean
  comment?: CommentOutcome
  status?: CommitStatus
}

/** The set could not be judged as a whole: it fails the step whatever `fail-on` says. */
export class CombineError extends Error {
  constructor(readonly outcome: CombineOutcome, problems: readonly string[]) {
    super(`The reports do not make a whole verdict:\n${problems.map(problem => `- ${problem}`).join('\n')}`)
    this.name = 'CombineError'
  }
}

/** Most report files one step reads: far above any matrix. */
export const MAX_REPORT_FILES = 1000
/** Most bytes of all report files together (each has its own cap too). */
export const MAX_TOTAL_REPORT_BYTES = 256 * 2 ** 20

/** Whether the inputs ask for combine mode. */
export const isCombineMode = (inputs: Pick<Inputs, 'reports'>): boolean => inputs.reports.length > 0

export function defaultCombinedReportPath(statusContext: string, tempRoot: string): string {
  return path.join(tempRoot, 'image-budget-combined', `${slugOf(statusContext)}.json`)
}

/** The files the `reports` globs match, each once; a glob that matches none is a finding of its own. */
async function findReportFiles(patterns: readonly string[], cwd: string, problems: string[]): Promise<string[]> {
  const excluded = patterns.filter(pattern => pattern.startsWith('!')).map(pattern => pattern.slice(1))
  const files = new Set<string>()
  for (const pattern of patterns.filter(item => !item.startsWith('!'))) {
    let matched: string[]
    try {
      matched = await globFiles(pattern, cwd)
      for (const exclusion of excluded) {
        const left = new Set(await globFiles(exclusion, cwd))
        matched = matched.filter(file => !left.has(file))
      }
    } catch (error) {
      problems.push(`Input "${Input.Reports}": ${(error as Error).message}`)
      continue
    }
    if (matched.length === 0) problems.push(`Input "${Input.Reports}": "${pattern}" matches no file`)
    for (const file of matched) files.add(file)
  }
  if (files.size > MAX_REPORT_FILES) {
    problems.push(`Input "${Input.Reports}": the globs match ${files.size} files, more than the ${MAX_REPORT_FILES} a step reads; none was read`)
    return []
  }
  return [...files].sort()
}

const shownPath = (file: string, cwd: string): string => {
  const relative = path.relative(cwd, file)
  return relative === '' || relative.startsWith('..') ? file : relative
}

/** Each file's images, read with the report cap; what cannot be read or decoded is named with its file and field. */
async function readReports(files: readonly string[], cwd: string, host: Host, problems: string[]): Promise<ReportEntry[]> {
  const entries: ReportEntry[] = []
  let total = 0
  for (const file of files) {
    const shown = shownPath(file, cwd)
    let text: string
    try {
      text = await readRegularFile(file, FILE_LIMITS[Input.Reports])
    } catch (error) {
      problems.push(`${shown}: the report cannot be read (${(error as Error).message})`)
      continue
    }
    total += Buffer.byteLength(text)
    if (total > MAX_TOTAL_REPORT_BYTES) {
      problems.push(`${shown}: the reports together are more than ${formatSize(MAX_TOTAL_REPORT_BYTES)}; this one and those after it were not read`)
      break
    }
    let parsed
    try {
      parsed = parseReportFile(text)
    } catch (error) {
      problems.push(`${shown}: not an image-budget report: ${(error as Error).message}`)
      continue
    }
    const several = parsed.reports.length !== 1 || parsed.missing.length > 0 || parsed.problems.length > 0
    parsed.reports.forEach((report, index) => entries.push({ file: several ? `${shown} images[${index}]` : shown, report }))
    for (const name of parsed.missing) problems.push(`${shown}: the combined report says no report named the expected image "${name}"`)
    for (const problem of parsed.problems) problems.push(`${shown}: the combined report says: ${problem}`)
    host.info(`${shown}: ${parsed.reports.map(report => `${report.name} (${report.platforms.map(platform => platform.platform).join(', ') || 'no platform'}): ${report.verdict}`).join('; ') || 'no image'}`)
  }
  return entries
}

/** The names `expect` gives, `budget-file` standing for the image keys of the budget file. */
async function expectedImages(inputs: Inputs, cwd: string, problems: string[]): Promise<string[]> {
  const names = inputs.expect.filter(name => name !== EXPECT_BUDGET_FILE)
  if (!inputs.expect.includes(EXPECT_BUDGET_FILE)) return names
  const shown = inputs['budget-file'] || DEFAULT_BUDGET_FILE
  try {
    const file = parseBudgetFile(shown, await readInputFile(Input.BudgetFile, shown, path.resolve(cwd, shown)))
    const images = Object.keys(file.images)
    if (images.length === 0) problems.push(`Input "${Input.Expect}": "${EXPECT_BUDGET_FILE}" stands for the images of ${shown}, and its images section names none`)
    return [...names, ...images]
  } catch (error) {
    problems.push(`Input "${Input.Expect}": "${EXPECT_BUDGET_FILE}" stands for the images of the budget file: ${(error as Error).message}`)
    return names
  }
}

/** The combined report: schema version 2, so that it can be combined again. */
export function combinedReport(combined: Combined, createdAt: string): string {
  const file = {
    schemaVersion: COMBINED_REPORT_SCHEMA_VERSION,
    verdict: combined.verdict,
    createdAt,
    ...(combined.pullRequest ? { pullRequest: combined.pullRequest } : {}),
    images: combined.images.flatMap(image => image.parts.map(part => part.report)),
    missing: combined.missing,
    problems: combined.problems
  }
  return `${JSON.stringify(file, null, 2)}\n`
}

const wantsComment = (inputs: Inputs, combined: Combined): boolean =>
  combined.pullRequest !== undefined && inputs.comment !== 'never' && (inputs.comment !== 'on-failure' || combined.verdict === 'fail')

/** The one comment and the one status; neither fails the step. */
async function publishCombined(combined: Combined, inputs: Inputs, github: NonNullable<CombineDeps['github']>, host: Host, outcome: CombineOutcome): Promise<void> {
  const { api, context } = github
  if (!api) return
  const pullRequest = combined.pullRequest
  if (pullRequest && wantsComment(inputs, combined)) {
    try {
      const body = combinedMarkdown(combined, { runUrl: context.runUrl })
      outcome.comment = await upsertMarkedComment(api, pullRequest.number, combinedCommentMarker(inputs['status-context']), body, host, VOLATILE_LINE)
      host.info(`Pull request comment: ${outcome.comment}`)
    } catch (error) {
      host.warning(`The pull request comment could not be written: ${(error as Error).message}`)
    }
  }
  if (inputs.status ?? pullRequest !== undefined) {
    const status = aggregateStatus(combined, inputs['status-context'], context.runUrl)
    if (await setStatus(api, pullRequest?.head ?? context.sha, status, host)) outcome.status = status
  }
}

/**
 * Combine mode: one verdict over the reports of many runs. Builds nothing. Throws a CombineError
 * (after publishing) when the set cannot be judged whole: a missing expected image, an unusable
 * report, an image whose run stopped with an error.
 */
export async function combineReports(inputs: Inputs, host: Host, deps: CombineDeps): Promise<CombineOutcome> {
  const reportPath = inputs.report !== '' ? path.resolve(deps.cwd, inputs.report) : defaultCombinedReportPath(inputs['status-context'], deps.tempRoot)
  const secrets = secretValues(inputs, deps.env)
  for (const secret of secrets) host.setSecret(secret)
  const findings: string[] = []
  const expected = await expectedImages(inputs, deps.cwd, findings)
  const files = await findReportFiles(inputs.reports, deps.cwd, findings)
  const entries = await readReports(files, deps.cwd, host, findings)
  const context = deps.github?.context
  const event: CombinedPullRequest | undefined = context?.pullRequest && isPullRequest(context) ? { number: context.pullRequest.number, head: context.pullRequest.headSha } : undefined
  // A report's error text came from programs of another job: no secret this step knows goes further.
  const combined = scrubDeep(combine(entries, expected, findings, event), createScrubber(secrets))

  const outcome: CombineOutcome = { combined, reportPath, failed: failsStep(combined.verdict, inputs['fail-on']) }
  const problems = combineErrors(combined)
  await writeFileSafely(reportPath, combinedReport(combined, new Date().toISOString()), { roots: writeRoots(deps), what: 'the combined report' }).catch((error: Error) => {
    problems.push(error.message)
  })
  host.setOutput(Output.Verdict, combined.verdict)
  host.setOutput(Output.Report, reportPath)
  host.setOutput(Output.Images, JSON.stringify(imagesOutput(combined)))
  await host.present(combinedMarkdown(combined), combinedText(combined))
  if (deps.github) await publishCombined(combined, inputs, deps.github, host, outcome)
  if (problems.length > 0) throw new CombineError(outcome, problems)
  return outcome
}

/** The action's combine step: fails it for any problem, and for the budgets as `fail-on` asks. */
export async function combineStep(inputs: Inputs, host: Host, deps: CombineDeps): Promise<void> {
  const outcome = await combineReports(inputs, host, deps)
  if (outcome.failed) {
    const over = outcome.combined.images.filter(image => image.verdict !== 'pass').map(image => `${image.name} (${image.verdict})`)
    throw new Error(`Image budget exceeded: ${over.join(', ')}`)
  }
}
