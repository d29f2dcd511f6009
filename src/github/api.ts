import type { getOctokit } from '@actions/github'
import { DEFAULT_HTTP_LIMITS, HttpFailure, isRetryableStatus, readCapped, retryAfterMs, send, watchBody, withRetries, type HttpLimits } from '../net/http.js'

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
  /** A file of a branch, with its blob SHA; undefined when the branch or the file does not exist. Capped at `maxBytes`. */
  readFile(path: string, branch: string, maxBytes: number): Promise<RepositoryFile | undefined>
  /** Writes a file on an existing branch: `sha` is the blob it replaces (none for a new file); 409 or 422 when that is not the file's. */
  writeFile(path: string, change: FileChange): Promise<void>
  branchExists(branch: string): Promise<boolean>
  /** Makes a branch of one commit, without parents, holding the one file; 422 when the branch exists. */
  createOrphanBranch(path: string, change: Omit<FileChange, 'sha'>): Promise<void>
}

export interface RepositoryFile {
  text: string
  sha: string
}

export interface FileChange {
  branch: string
  message: string
  text: string
  sha?: string
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

/** Comment pages read at most (100 comments each) before the search gives up. */
export const MAX_COMMENT_PAGES = 100
/** The largest answer of the API read into memory. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024

/** Timeouts and retries of every call, the page cap, and the fetch below them (tests pass small values). */
export interface GitHubApiOptions extends Partial<HttpLimits> {
  fetch?: typeof fetch
  maxPages?: number
}

function wrap(error: unknown): never {
  if (error instanceof GitHubApiError) throw error
  // What gave up after retries says so itself; its status is not the API's answer to the request.
  const cause = (error as { cause?: unknown }).cause
  if (cause instanceof HttpFailure) throw new GitHubApiError(`GitHub API: ${cause.message}`, 0)
  const status = (error as { status?: number }).status
  throw new GitHubApiError((error as Error).message, typeof status === 'number' ? status : 0)
}

/** How long GitHub asks to wait: Retry-After, or the reset of an exhausted rate limit; undefined when it does not ask. */
function rateLimitWait(status: number, headers: Headers): number | undefined {
  const retryAfter = retryAfterMs(headers)
  if (retryAfter !== undefined) return retryAfter
  if (status === 403 || status === 429) {
    const reset = Number(headers.get('x-ratelimit-reset'))
    if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset)) return Math.max(0, reset * 1000 - Date.now())
  }
  return undefined
}

/**
 * The fetch under Octokit: only to the API's own origin, with timeouts and retries (429, 5xx, and
 * a 403 that is a rate limit), and redirects followed by hand so the token stays with the API.
 */
function apiFetch(baseUrl: string, inner: typeof fetch, limits: HttpLimits): typeof fetch {
  const origin = new URL(baseUrl).origin
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const method = init.method ?? 'GET'
    const describe = `${method} ${url.pathname}`
    if (url.origin !== origin) throw new HttpFailure(`${describe}: ${url.origin} is not the API (${origin}), and is not sent the token`, false)
    const headers: Record<string, string> = {}
    let authorization: string | undefined
    for (const [name, value] of new Headers(init.headers)) {
      if (name === 'authorization') authorization = value
      else headers[name] = value
    }
    const body = typeof init.body === 'string' ? init.body : undefined
    return withRetries(limits, async remainingMs => {
      const exchange = await send(url, { fetch: inner, limits, method, headers, body, authorization, credentialsOrigin: origin, describe, timeoutMs: remainingMs })
      const data = await readCapped(watchBody(exchange, limits, describe), MAX_RESPONSE_BYTES, `the answer to ${describe}`)
      const { status, statusText, headers: responseHeaders } = exchange.response
      const wait = rateLimitWait(status, responseHeaders)
      if (isRetryableStatus(status) || (status === 403 && wait !== undefined)) {
        throw new HttpFailure(`${describe}: HTTP ${status}${status === 403 || status === 429 ? ' (rate limited)' : ''}`, true, status, wait)
      }
      return new Response([204, 205, 304].includes(status) ? null : data, { status, statusText, headers: responseHeaders })
    })
  }
}

const nextLink = (link: string | undefined): string | undefined => /<([^<>]+)>;\s*rel="next"/.exec(link ?? '')?.[1]

function commentOf(value: unknown, what: string): IssueComment {
  const comment = value as { id?: unknown; body?: unknown } | null
  const bodyIsText = comment !== null && typeof comment === 'object' && (typeof comment.body === 'string' || comment.body === undefined || comment.body === null)
  if (!bodyIsText || !Number.isSafeInteger(comment.id)) {
    throw new GitHubApiError(`GitHub API: ${what} is not a comment`, 0)
  }
  return { id: comment.id as number, body: (comment.body as string | null | undefined) ?? '' }
}

const isSha = (value: unknown): value is string => typeof value === 'string' && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(value)

/** The answer to GET contents of a file, checked: a file, in base64, of at most `maxBytes`. */
function fileOf(value: unknown, what: string, maxBytes: number): RepositoryFile {
  const file = value as { type?: unknown; encoding?: unknown; content?: unknown; sha?: unknown; size?: unknown } | null
  if (file === null || typeof file !== 'object' || Array.isArray(file) || file.type !== 'file') throw new GitHubApiError(`GitHub API: ${what} is not a file`, 0)
  if (!isSha(file.sha)) throw new GitHubApiError(`GitHub API: ${what} has no blob SHA`, 0)
  if (typeof file.size === 'number' && file.size > maxBytes) throw new GitHubApiError(`GitHub API: ${what} is ${file.size} bytes, more than the ${maxBytes} read`, 0)
  // Files over 1 MB come without content (encoding "none"): image-budget writes none that large.
  if (file.encoding === 'none') throw new GitHubApiError(`GitHub API: ${what} is larger than the 1 MB the contents API sends`, 0)
  if (file.encoding !== 'base64' || typeof file.content !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(file.content)) {
    throw new GitHubApiError(`GitHub API: ${what} does not come as base64 content`, 0)
  }
  const bytes = Buffer.from(file.content, 'base64')
  if (bytes.length > maxBytes) throw new GitHubApiError(`GitHub API: ${what} is more than the ${maxBytes} bytes read`, 0)
  return { text: bytes.toString('utf8'), sha: file.sha }
}

const shaOf = (value: unknown, what: string): string => {
  const sha = (value as { sha?: unknown } | null)?.sha
  if (!isSha(sha)) throw new GitHubApiError(`GitHub API: ${what} has no SHA`, 0)
  return sha
}

const statusOf = (error: unknown): number => {
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : 0
}

type Octokit = ReturnType<typeof getOctokit>

let loadedOctokit: Promise<{ getOctokit: typeof getOctokit; defaults: typeof import('@actions/github/lib/utils').defaults }> | undefined

/**
 * Octokit, loaded on the first API call: a run that never calls the API (the CLI, a step without a
 * token) does not pay for loading it. Loaded once for every client, its two modules one after the
 * other: they share modules, and jest's module linker fails on a module two imports load at once.
 */
function octokitModule(): NonNullable<typeof loadedOctokit> {
  loadedOctokit ??= (async () => {
    const { getOctokit } = await import('@actions/github')
    const { defaults } = await import('@actions/github/lib/utils')
    return { getOctokit, defaults }
  })()
  return loadedOctokit
}

export function octokitApi(token: string, owner: string, repo: string, baseUrl: string, options: GitHubApiOptions = {}): GitHubApi {
  const { fetch: fetchOption, maxPages = MAX_COMMENT_PAGES, ...limits } = options
  let client: Promise<Octokit> | undefined
  const octokit = (): Promise<Octokit> =>
    (client ??= octokitModule().then(({ getOctokit, defaults }) => {
      const inner = fetchOption ?? (defaults.request?.fetch as typeof fetch | undefined) ?? fetch
      return getOctokit(token, { baseUrl, request: { fetch: apiFetch(baseUrl, inner, { ...DEFAULT_HTTP_LIMITS, ...limits }) } })
    }))
  return {
    async findComment(issue, visit) {
      try {
        const what = `the comments of #${issue}`
        let response: { data: unknown; headers: { link?: string } } = await (await octokit()).rest.issues.listComments({ owner, repo, issue_number: issue, per_page: 100 })
        const pages = new Set<string>()
        for (let page = 1; ; page++) {
          if (!Array.isArray(response.data)) throw new GitHubApiError(`GitHub API: page ${page} of ${what} is not a list`, 0)
          for (const item of response.data as unknown[]) {
            const found = commentOf(item, `an entry of page ${page} of ${what}`)
            if (visit(found)) return found
          }
          const next = nextLink(response.headers.link)
          if (next === undefined) return undefined
          if (page >= maxPages) throw new GitHubApiError(`GitHub API: ${what} go on past ${maxPages} pages; the search stops there`, 0)
          if (pages.has(next)) throw new GitHubApiError(`GitHub API: page ${page} of ${what} links back to an earlier page (${next})`, 0)
          pages.add(next)
          response = await (await octokit()).request(`GET ${next}`)
        }
      } catch (error) {
        return wrap(error)
      }
    },
    async createComment(issue, body) {
      try {
        const { data } = await (await octokit()).rest.issues.createComment({ owner, repo, issue_number: issue, body })
        return commentOf(data, `the answer to the new comment on #${issue}`)
      } catch (error) {
        return wrap(error)
      }
    },
    async updateComment(id, body) {
      try {
        await (await octokit()).rest.issues.updateComment({ owner, repo, comment_id: id, body })
      } catch (error) {
        wrap(error)
      }
    },
    async createStatus(sha, status) {
      try {
        await (await octokit()).rest.repos.createCommitStatus({ owner, repo, sha, ...status })
      } catch (error) {
        wrap(error)
      }
    },
    async readFile(path, branch, maxBytes) {
      try {
        const { data } = await (await octokit()).rest.repos.getContent({ owner, repo, path, ref: branch })
        return fileOf(data, `${path} of ${branch}`, maxBytes)
      } catch (error) {
        if (statusOf(error) === 404) return undefined
        return wrap(error)
      }
    },
    async writeFile(path, change) {
      try {
        const content = Buffer.from(change.text, 'utf8').toString('base64')
        await (await octokit()).rest.repos.createOrUpdateFileContents({ owner, repo, path, branch: change.branch, message: change.message, content, ...(change.sha ? { sha: change.sha } : {}) })
      } catch (error) {
        wrap(error)
      }
    },
    async branchExists(branch) {
      try {
        await (await octokit()).rest.git.getRef({ owner, repo, ref: `heads/${branch}` })
        return true
      } catch (error) {
        if (statusOf(error) === 404) return false
        return wrap(error)
      }
    },
    async createOrphanBranch(path, change) {
      try {
        const { git } = (await octokit()).rest
        const tree = await git.createTree({ owner, repo, tree: [{ path, mode: '100644', type: 'blob', content: change.text }] })
        const commit = await git.createCommit({ owner, repo, message: change.message, tree: shaOf(tree.data, 'the new tree'), parents: [] })
        await git.createRef({ owner, repo, ref: `refs/heads/${change.branch}`, sha: shaOf(commit.data, 'the new commit') })
      } catch (error) {
        wrap(error)
      }
    }
  }
}
