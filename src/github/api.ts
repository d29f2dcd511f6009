import { getOctokit } from '@actions/github'

export interface IssueComment {
  id: number
  body: string
}

export interface CommitStatus {
  state: 'success' | 'failure' | 'error' | 'pending'
  description: string
  context: string
  target_url: string
}

/** The GitHub REST calls image-budget makes, behind an interface so the core stays testable. */
export interface GitHubApi {
  /** Every comment of an issue or pull request, page after page; stops when `visit` returns true. */
  findComment(issue: number, visit: (comment: IssueComment) => boolean): Promise<IssueComment | undefined>
  createComment(issue: number, body: string): Promise<IssueComment>
  updateComment(id: number, body: string): Promise<void>
  createStatus(sha: string, status: CommitStatus): Promise<void>
}

/** An HTTP error of the API, with its status (403 for a token that may not write, as on fork PRs). */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message)
  }
}

function wrap(error: unknown): never {
  const status = (error as { status?: number }).status
  throw new GitHubApiError((error as Error).message, typeof status === 'number' ? status : 0)
}

export function octokitApi(token: string, owner: string, repo: string, baseUrl: string): GitHubApi {
  const octokit = getOctokit(token, { baseUrl })
  return {
    async findComment(issue, visit) {
      try {
        const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, { owner, repo, issue_number: issue, per_page: 100 })
        for await (const page of pages) {
          for (const comment of page.data) {
            const found = { id: comment.id, body: comment.body ?? '' }
            if (visit(found)) return found
          }
        }
        return undefined
      } catch (error) {
        return wrap(error)
      }
    },
    async createComment(issue, body) {
      try {
        const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issue, body })
        return { id: data.id, body: data.body ?? '' }
      } catch (error) {
        return wrap(error)
      }
    },
    async updateComment(id, body) {
      try {
        await octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body })
      } catch (error) {
        wrap(error)
      }
    },
    async createStatus(sha, status) {
      try {
        await octokit.rest.repos.createCommitStatus({ owner, repo, sha, ...status })
      } catch (error) {
        wrap(error)
      }
    }
  }
}
