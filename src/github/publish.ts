import type { Inputs } from '../config/inputs.js'
import { formatSize } from '../config/size.js'
import type { Host } from '../host.js'
import { formatChange } from '../report/compare.js'
import { largestPlatform, type Report } from '../report/report.js'
import { markdownSummary, VOLATILE_LINE } from '../report/summary.js'
import type { CommitStatus, GitHubApi } from './api.js'
import { upsertComment, type CommentOutcome } from './comment.js'
import { isPullRequest, type GitHubContext } from './context.js'

/** GitHub cuts a status description at 140 characters. */
export const MAX_STATUS_DESCRIPTION = 140

export function statusContext(name: string): string {
  return `image-budget/${name}`
}

export function commitStatus(report: Report, runUrl: string): CommitStatus {
  const largest = largestPlatform(report)
  const state: CommitStatus['state'] = report.error ? 'error' : report.verdict === 'fail' ? 'failure' : 'success'
  const change = largest?.delta ? ` (${formatChange(largest.delta.size ?? largest.delta.compressedSize, largest.delta.size === null ? largest.delta.compressedSizeRatio : largest.delta.sizeRatio).replace(/ [🔺🔽]$/u, '')})` : ''
  const text = report.error
    ? `error: ${report.error.split('\n')[0]}`
    : `${largest ? `${formatSize(largest.size)} ${largest.platform}${change}` : 'no image'}: ${report.verdict}`
  const description = text.length > MAX_STATUS_DESCRIPTION ? `${text.slice(0, MAX_STATUS_DESCRIPTION - 1)}…` : text
  return { state, description, context: statusContext(report.name), target_url: runUrl }
}

export function wantsComment(inputs: Inputs, report: Report, github: GitHubContext | undefined): boolean {
  if (!isPullRequest(github) || inputs.comment === 'never') return false
  if (inputs.comment === 'on-failure') return report.verdict === 'fail'
  return true
}

export interface PublishResult {
  comment?: CommentOutcome
  status?: CommitStatus
}

/**
 * The pull request comment and the commit status. Neither fails the step: a token that may not
 * write gets a notice, and any other error a warning.
 */
export async function publish(report: Report, inputs: Inputs, github: GitHubContext | undefined, api: GitHubApi | undefined, host: Host): Promise<PublishResult> {
  const result: PublishResult = {}
  if (!github || !api) return result
  if (wantsComment(inputs, report, github)) {
    try {
      const body = markdownSummary(report, { runUrl: github.runUrl })
      result.comment = await upsertComment(api, github.pullRequest!.number, report.name, body, host, VOLATILE_LINE)
      host.info(`Pull request comment: ${result.comment}`)
    } catch (error) {
      host.warning(`The pull request comment could not be written: ${(error as Error).message}`)
    }
  }
  if (inputs.status ?? isPullRequest(github)) {
    const status = commitStatus(report, github.runUrl)
    if (await setStatus(api, github.sha, status, host)) result.status = status
  }
  return result
}

/** Sets a commit status; a token that may not write gets a notice, any other error a warning. Whether it was set. */
export async function setStatus(api: GitHubApi, sha: string, status: CommitStatus, host: Host): Promise<boolean> {
  try {
    await api.createStatus(sha, status)
    return true
  } catch (error) {
    const denied = (error as { status?: number }).status === 403
    if (denied) host.notice(`No commit status: the token may not write statuses ("statuses: write"): ${(error as Error).message}`, { title: 'image-budget' })
    else host.warning(`The commit status could not be set: ${(error as Error).message}`)
    return false
  }
}
