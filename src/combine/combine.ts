// Combine mode's core, without side effects: the reports of many runs in, one verdict for the pull
// request out. Nothing is guessed: two reports of the same image and platform, a report for
// another pull request or commit, an expected image no report names, are each a finding that
// fails the set and says what it was.
import { verdictOf, type Verdict } from '../budget/evaluate.js'
import type { Report } from '../report/report.js'

/** One image's report and where it came from (`reports/api.json`, or `all.json images[2]`). */
export interface ReportEntry {
  file: string
  report: Report
}

/** What one row of the combined table says of an image on a platform. */
export type RowVerdict = Verdict | 'error' | 'missing'

export interface CombinedImage {
  name: string
  /** Its reports: one, or one per platform when each platform was built by its own job. */
  parts: ReportEntry[]
  verdict: RowVerdict
}

export interface CombinedPullRequest {
  number: number
  head: string
}

export interface Combined {
  verdict: Verdict
  /** Every reported image, by name. */
  images: CombinedImage[]
  /** Expected images that no report names. */
  missing: string[]
  /** Reports that could not be used, and disagreements between them: each fails the set. */
  problems: string[]
  pullRequest?: CombinedPullRequest
}

const RANK: Record<RowVerdict, number> = { pass: 0, warn: 1, fail: 2, error: 3, missing: 4 }
export const worstOf = (verdicts: readonly RowVerdict[]): RowVerdict => verdicts.reduce<RowVerdict>((worst, verdict) => (RANK[verdict] > RANK[worst] ? verdict : worst), 'pass')

const partVerdict = (report: Report): RowVerdict => (report.error !== undefined ? 'error' : report.verdict)

/**
 * The verdict of one platform of a report: its own budgets and the smells found on it, or the
 * report's verdict when that is worse for a reason no platform carries (a `call` check).
 */
export function platformVerdict(report: Report, platform: string): RowVerdict {
  if (report.error !== undefined) return 'error'
  const own = verdictOf(
    report.budgets.filter(budget => budget.platform === platform),
    report.smells.filter(smell => smell.platforms === undefined || smell.platforms.includes(platform))
  )
  const everyPlatform = worstOf(report.platforms.map(other => verdictOf(report.budgets.filter(budget => budget.platform === other.platform), report.smells)))
  return RANK[report.verdict] > RANK[everyPlatform] ? report.verdict : own
}

/** Where a pull request's number and head came from, for messages. */
interface Claim extends CombinedPullRequest {
  by: string
}

/**
 * The pull request the set is for: the event's, or the one the reports name (a workflow_run has
 * no pull request of its own). Every report must be for that pull request and its head commit: a
 * report of an earlier push must not decide a later one.
 */
function pullRequestOf(entries: readonly ReportEntry[], event: CombinedPullRequest | undefined, problems: string[]): CombinedPullRequest | undefined {
  const named = entries.filter(entry => entry.report.pullRequest !== undefined)
  const first: Claim | undefined = event ? { ...event, by: 'this run’s event' } : named[0] && { ...named[0].report.pullRequest!, by: named[0].file }
  if (!first) return undefined
  for (const entry of entries) {
    const own = entry.report.pullRequest
    if (!own) {
      // A report made outside a pull request may join the event's; when the reports are what names it, each must.
      if (!event) problems.push(`${entry.file}: the report names no pull request, and ${first.by} names #${first.number}`)
    } else if (own.number !== first.number) {
      problems.push(`${entry.file}: the report is for pull request #${own.number}, and ${first.by} is for #${first.number}`)
    } else if (own.head !== first.head) {
      problems.push(`${entry.file}: the report is for commit ${own.head.slice(0, 12)} of pull request #${own.number}, and ${first.by} is for its commit ${first.head.slice(0, 12)}`)
    }
  }
  return { number: first.number, head: first.head }
}

/** Two reports of one image and platform are refused: which of them counts would be a guess. */
function duplicates(entries: readonly ReportEntry[], problems: string[]): void {
  const seen = new Map<string, string>()
  for (const entry of entries) {
    for (const platform of entry.report.platforms) {
      const key = JSON.stringify([entry.report.name, platform.platform])
      const earlier = seen.get(key)
      if (earlier !== undefined) problems.push(`${entry.file}: image "${entry.report.name}" on ${platform.platform} is reported twice, here and in ${earlier}`)
      else seen.set(key, entry.file)
    }
  }
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * The set's verdict: fail when any image failed or errored, an expected one is missing or a
 * report could not be used; warn when any warned; pass otherwise.
 */
export function combine(entries: readonly ReportEntry[], expected: readonly string[], findings: readonly string[], event?: CombinedPullRequest): Combined {
  const problems = [...findings]
  if (entries.length === 0 && problems.length === 0) problems.push('No report was found to combine: the set has no image')
  duplicates(entries, problems)
  const pullRequest = pullRequestOf(entries, event, problems)
  const groups = new Map<string, ReportEntry[]>()
  for (const entry of entries) groups.set(entry.report.name, [...(groups.get(entry.report.name) ?? []), entry])
  const images: CombinedImage[] = [...groups.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([name, parts]) => ({
      name,
      parts: [...parts].sort((a, b) => byText(a.report.platforms[0]?.platform ?? '', b.report.platforms[0]?.platform ?? '')),
      verdict: worstOf(parts.map(part => partVerdict(part.report)))
    }))
  const missing = [...new Set(expected)].filter(name => !groups.has(name)).sort(byText)
  const worst = worstOf(images.map(image => image.verdict))
  const verdict: Verdict = problems.length > 0 || missing.length > 0 || RANK[worst] >= RANK.fail ? 'fail' : worst === 'warn' ? 'warn' : 'pass'
  return { verdict, images, missing, problems, ...(pullRequest ? { pullRequest } : {}) }
}

/** What fails the step whatever `fail-on` says: the set could not be judged as a whole. */
export function combineErrors(combined: Combined): string[] {
  return [
    ...combined.problems,
    ...combined.missing.map(name => `No report names the expected image "${name}": its job failed or did not upload its report`),
    ...combined.images.filter(image => image.verdict === 'error').flatMap(image =>
      image.parts.filter(part => part.report.error !== undefined).map(part => `${part.file}: the run of "${image.name}" stopped with an error: ${part.report.error!.split('\n')[0]}`)
    )
  ]
}
