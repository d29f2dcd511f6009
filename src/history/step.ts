// The history in a run: read before the budgets are judged (on every event: a pull request charts
// itself against it, and max-drift may need a point of it), written after a clean run on a push to
// the default branch only. A pull request never writes it, whatever its token may do.
import { DEFAULT_HISTORY_BRANCH, Input, MAX_HISTORY_PLATFORMS, Rule } from '../constants.js'
import type { Inputs } from '../config/inputs.js'
import type { BudgetLimit } from '../config/budget-file.js'
import { GitHubApiError, type GitHubApi } from '../github/api.js'
import { isPullRequest, type GitHubContext } from '../github/context.js'
import type { Host } from '../host.js'
import type { Report } from '../report/report.js'
import { platformDrifts } from './drift.js'
import { appendPoint, pointOf } from './history.js'
import { readStoredHistory, saveStoredHistory } from './store.js'
import type { History } from './types.js'

export interface HistoryDeps {
  host: Host
  github?: { context: GitHubContext; api?: GitHubApi }
}

/** Reads the image's history into the report (as `history`), and each platform's drift when max-drift asks for it. */
export async function recallHistory(inputs: Inputs, name: string, budgets: { [Rule.MaxDrift]?: BudgetLimit }, report: Report, deps: HistoryDeps): Promise<void> {
  let history: History | undefined
  let problem: string | undefined
  if (inputs.history === 'branch') {
    const branch = inputs['history-branch']
    const api = deps.github?.api
    if (!api) {
      problem = deps.github ? `no token to read branch ${branch} with ("${Input.GithubToken}")` : 'the run is not on GitHub'
    } else {
      try {
        history = (await readStoredHistory(api, branch, name)).history
        deps.host.info(history.points.length > 0 ? `History of ${name}: ${history.points.length} points from branch ${branch}` : `No history of ${name} on branch ${branch} yet`)
      } catch (error) {
        problem = (error as Error).message
        const denied = (error as GitHubApiError).status === 403
        deps.host.warning(`The history of ${name} could not be read from branch ${branch}${denied ? ' (the token needs "contents: read")' : ''}: ${problem}`)
      }
    }
    report.history = { branch, points: history?.points ?? [], ...(problem ? { error: problem } : {}) }
  }
  const drift = budgets[Rule.MaxDrift]
  if (drift?.from && report.platforms.length > 0) {
    // A run that will be the history's next point is one of the points a reference may name (the
    // first run of the pinned day, the pinned commit's own run); a pull request's run never is.
    const own = history && writesHistory(inputs, deps.github?.context) ? pointOf(report) : undefined
    const drifts = platformDrifts(report.platforms, drift.from, own ? appendPoint(history!, own) : history, problem)
    report.platforms.forEach((platform, index) => (platform.drift = drifts[index]))
  }
}

/** Whether this run may write the history: a push to the default branch, with `history: branch`. */
export function writesHistory(inputs: Inputs, github: GitHubContext | undefined): boolean {
  if (inputs.history !== 'branch' || !github || isPullRequest(github)) return false
  return github.eventName === 'push' && github.branch !== '' && github.branch === github.defaultBranch
}

/** Adds the run's point to the history on the branch. Never fails the step: a token that may not write gets a notice, anything else a warning. */
export async function keepHistory(inputs: Inputs, report: Report, deps: HistoryDeps): Promise<boolean> {
  const github = deps.github
  if (!writesHistory(inputs, github?.context)) return false
  const branch = inputs['history-branch']
  const point = pointOf(report)
  if (!point) {
    if (report.platforms.length > 0) {
      deps.host.warning(`The history of ${report.name} was not kept: the run makes no point of it (its commit "${report.commit ?? ''}" is not a SHA, or it has more than ${MAX_HISTORY_PLATFORMS} platforms)`)
    }
    return false
  }
  // One JSON file per image committed on the branch the workflow runs for would land among the code (and may take the name of one of its files).
  if (branch === github!.context.defaultBranch) {
    deps.host.warning(`The history of ${report.name} was not kept: "${Input.HistoryBranch}" is ${branch}, the default branch; the history is kept on a branch of its own (the default is ${DEFAULT_HISTORY_BRANCH})`)
    return false
  }
  if (!github?.api) {
    deps.host.warning(`The history of ${report.name} was not kept: no token to write branch ${branch} with ("${Input.GithubToken}")`)
    return false
  }
  try {
    const history = await saveStoredHistory(github.api, branch, report.name, point)
    deps.host.info(`History of ${report.name} kept on branch ${branch}: ${history.points.length} points`)
    return true
  } catch (error) {
    if ((error as GitHubApiError).status === 403) {
      deps.host.notice(`The history of ${report.name} was not kept: the token may not write branch ${branch} (the job needs "contents: write"): ${(error as Error).message}`, { title: 'image-budget' })
    } else {
      deps.host.warning(`The history of ${report.name} could not be kept on branch ${branch}: ${(error as Error).message}`)
    }
    return false
  }
}
