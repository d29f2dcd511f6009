import type { Host } from '../host.js'
import type { GitHubApi } from './api.js'
import { GitHubApiError } from './api.js'

/** GitHub refuses comment bodies over 65,536 characters. */
export const MAX_COMMENT_LENGTH = 65_536

// A name may not end the HTML comment early: `--` is broken up.
const markerText = (name: string): string => name.replace(/--/g, '- -')

/** The hidden marker that finds this image's comment again; one per image name. */
export function commentMarker(name: string): string {
  return `<!-- image-budget:comment:${markerText(name)} -->`
}

/** The marker of combine mode's one comment, per status context; no image's marker starts like it. */
export function combinedCommentMarker(statusContext: string): string {
  return `<!-- image-budget:combined:${markerText(statusContext)} -->`
}

/**
 * Fits a body under GitHub's limit: drops collapsed <details> sections from the end first, then
 * cuts, always keeping the marker, so the comment can still be found and updated.
 */
export function fitComment(body: string, marker: string, limit = MAX_COMMENT_LENGTH): string {
  let text = body
  const note = '\n\n_Some details were left out to stay under GitHub’s comment size limit; the job summary and the report have them all._\n'
  while (text.length + marker.length + note.length + 2 > limit) {
    const last = text.lastIndexOf('<details>')
    if (last < 0) break
    const end = text.indexOf('</details>', last)
    text = text.slice(0, last).trimEnd() + (end >= 0 ? text.slice(end + '</details>'.length) : '')
  }
  if (text !== body) text += note
  if (text.length + marker.length + 1 > limit) text = `${text.slice(0, limit - marker.length - note.length - 2)}${note}`
  return `${marker}\n${text}`
}

export type CommentOutcome = 'created' | 'updated' | 'unchanged' | 'not-allowed'

/**
 * Creates or updates this image's comment on a pull request; a token that may not write only
 * notices. Lines matching `volatile` (a build time, the run link) change on every run: a body that
 * differs only there is left as it is.
 */
export async function upsertComment(api: GitHubApi, issue: number, name: string, body: string, host: Host, volatile?: RegExp): Promise<CommentOutcome> {
  return upsertMarkedComment(api, issue, commentMarker(name), body, host, volatile)
}

/** The same for the comment that `marker` finds. */
export async function upsertMarkedComment(api: GitHubApi, issue: number, marker: string, body: string, host: Host, volatile?: RegExp): Promise<CommentOutcome> {
  const wanted = fitComment(body, marker)
  const stable = (text: string): string => (volatile ? text.split('\n').filter(line => !volatile.test(line)).join('\n') : text)
  try {
    const existing = await api.findComment(issue, comment => comment.body.startsWith(marker))
    if (existing && stable(existing.body) === stable(wanted)) return 'unchanged'
    if (existing) {
      await api.updateComment(existing.id, wanted)
      return 'updated'
    }
    await api.createComment(issue, wanted)
    return 'created'
  } catch (error) {
    if (error instanceof GitHubApiError && (error.status === 403 || error.status === 404)) {
      host.notice(
        `No pull request comment: the token may not write to pull request #${issue} ` +
          '(a pull request from a fork, or no "pull-requests: write" permission). The job summary has the results; see the README for commenting from a workflow_run.',
        { title: 'image-budget' }
      )
      return 'not-allowed'
    }
    throw error
  }
}
