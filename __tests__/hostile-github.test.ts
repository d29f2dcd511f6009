// The GitHub API hanging, rate-limiting, failing, redirecting elsewhere and paginating without end:
// each call ends with the exact outcome in bounded time, and the token never leaves the API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { GitHubApiError, octokitApi, type GitHubApiOptions } from '../src/github/api.js'
import { commentMarker } from '../src/github/comment.js'
import type { GitHubContext } from '../src/github/context.js'
import { publish } from '../src/github/publish.js'
import { getInputs } from '../src/config/inputs.js'
import { emptyReport } from '../src/report/report.js'
import { RecordingHost } from './helpers/host.js'
import { GitHubServer } from './helpers/github-server.js'
import { LocalServer } from './helpers/hostile-registry.js'

const FAST: GitHubApiOptions = { responseTimeoutMs: 300, idleTimeoutMs: 300, minBytesPerSecond: 100, retries: 2, retryDelayMs: 20, maxRetryDelayMs: 2000, totalTimeoutMs: 4000 }
const SHA = 'a'.repeat(40)
const STATUS = { state: 'success', description: '20 MB: pass', context: 'image-budget/api', target_url: 'https://example.invalid/run' } as const

async function timed<T>(action: () => Promise<T>): Promise<{ value?: T; error?: GitHubApiError; ms: number }> {
  const started = Date.now()
  try {
    return { value: await action(), ms: Date.now() - started }
  } catch (error) {
    return { error: error as GitHubApiError, ms: Date.now() - started }
  }
}

describe('a hostile GitHub API (local server)', () => {
  const server = new GitHubServer()
  const elsewhere = new LocalServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    response.end('[]')
  })
  const api = (options: GitHubApiOptions = {}) => octokitApi('test-token', 'acme', 'shop', server.url, { ...FAST, ...options })
  const comments = (issue = 7) => `/repos/acme/shop/issues/${issue}/comments`
  /** Fails the first `times` requests whose path starts with `path` with `status` and `headers`. */
  const failFirst = (times: number, path: string, status: number, headers: Record<string, string> = {}) => {
    let failed = 0
    server.intercept = (_request, response, url) => {
      if (!url.pathname.startsWith(path) || failed >= times) return false
      failed++
      response.writeHead(status, { 'content-type': 'application/json', ...headers })
      response.end('{"message":"try later"}')
      return true
    }
  }

  beforeAll(async () => {
    await server.start()
    await elsewhere.start()
  })
  afterAll(async () => {
    await server.stop()
    await elsewhere.stop()
  })
  beforeEach(() => {
    server.requests.length = 0
    server.comments = []
    server.statuses = []
    server.intercept = undefined
    elsewhere.requests.length = 0
  })

  it('waits as long as a 429 says, then sets the status', async () => {
    failFirst(1, `/repos/acme/shop/statuses/`, 429, { 'retry-after': '1' })
    const outcome = await timed(() => api().createStatus(SHA, STATUS))
    expect(outcome.error).toBeUndefined()
    expect(server.calls()).toEqual([`POST /statuses/${SHA}`, `POST /statuses/${SHA}`])
    expect(server.statuses).toHaveLength(1)
    expect(outcome.ms).toBeGreaterThanOrEqual(990)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('waits out a secondary rate limit (403 with Retry-After), and takes a plain 403 as a refusal', async () => {
    failFirst(1, comments(), 403, { 'retry-after': '1' })
    const limited = await timed(() => api().findComment(7, () => true))
    expect([limited.value, limited.error]).toEqual([undefined, undefined])
    expect(server.calls()).toEqual(['GET /issues/7/comments?per_page=100', 'GET /issues/7/comments?per_page=100'])
    expect(limited.ms).toBeGreaterThanOrEqual(990)

    server.requests.length = 0
    failFirst(1, comments(), 403)
    const refused = await timed(() => api().findComment(7, () => true))
    expect(refused.error).toBeInstanceOf(GitHubApiError)
    expect(refused.error).toMatchObject({ status: 403, message: 'try later' })
    expect(server.requests).toHaveLength(1)
  })

  it('gives up on an API that accepts and never answers, naming the call and the wait', async () => {
    server.intercept = () => true
    const outcome = await timed(() => api().findComment(7, () => true))
    expect(outcome.error).toBeInstanceOf(GitHubApiError)
    expect(outcome.error!.status).toBe(0)
    expect(outcome.error!.message).toMatch(
      new RegExp(`^GitHub API: GET ${comments()}: no response from ${server.url.slice(7)} within 0\\.3 s \\(gave up after 3 attempts over \\d\\.\\d s\\)$`)
    )
    expect(server.requests).toHaveLength(3)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('leaves the step going with warnings when the API hangs, in bounded time', async () => {
    server.intercept = () => true
    const context: GitHubContext = { owner: 'acme', repo: 'shop', eventName: 'pull_request', sha: SHA, branch: 'f', defaultBranch: 'main', pullRequest: { number: 7, baseRef: 'main', headSha: SHA, fromFork: false }, runUrl: 'r', runAttemptUrl: 'r/attempts/1', serverUrl: 'https://github.com', apiUrl: server.url, privateRepository: false }
    const host = new RecordingHost()
    const outcome = await timed(() => publish(emptyReport('api'), getInputs(() => ''), context, api({ retries: 0 }), host))
    expect(outcome.value).toEqual({})
    expect(host.warnings.map(warning => warning.message.replace(/over \d\.\d s/, 'over N s'))).toEqual([
      `The pull request comment could not be written: GitHub API: GET ${comments()}: no response from ${server.url.slice(7)} within 0.3 s (gave up after 1 attempt over N s)`,
      `The commit status could not be set: GitHub API: POST /repos/acme/shop/statuses/${SHA}: no response from ${server.url.slice(7)} within 0.3 s (gave up after 1 attempt over N s)`
    ])
    expect(outcome.ms).toBeLessThan(2000)
  })

  it('retries a 503 twice, then updates the comment', async () => {
    server.comments.push({ id: 5, issue: 7, body: 'old' })
    failFirst(2, '/repos/acme/shop/issues/comments/5', 503)
    const outcome = await timed(() => api().updateComment(5, 'new'))
    expect(outcome.error).toBeUndefined()
    expect(server.comments[0].body).toBe('new')
    expect(server.calls()).toEqual(['PATCH /issues/comments/5', 'PATCH /issues/comments/5', 'PATCH /issues/comments/5'])
  })

  it('gives up on a 500 forever in bounded time, with the call and the attempts in the message', async () => {
    failFirst(1000, '/repos/acme/shop/statuses/', 500)
    const outcome = await timed(() => api({ retries: 3 }).createStatus(SHA, STATUS))
    expect(outcome.error!.message).toMatch(new RegExp(`^GitHub API: POST /repos/acme/shop/statuses/${SHA}: HTTP 500 \\(gave up after 4 attempts over 0\\.\\d s\\)$`))
    expect(server.requests).toHaveLength(4)
    expect(outcome.ms).toBeLessThan(2000)
  })

  it('stops at a Link that leads back to a page already read', async () => {
    server.intercept = (_request, response, url) => {
      if (url.pathname !== comments()) return false
      response.writeHead(200, { 'content-type': 'application/json', link: `<${server.url}${comments()}?per_page=100&page=2>; rel="next"` })
      response.end(JSON.stringify([{ id: 1, body: 'someone else' }]))
      return true
    }
    const outcome = await timed(() => api().findComment(7, () => false))
    expect(outcome.error!.message).toBe(`GitHub API: page 2 of the comments of #7 links back to an earlier page (${server.url}${comments()}?per_page=100&page=2)`)
    expect(server.requests).toHaveLength(2)
  })

  it('stops at the page cap when the pages never end', async () => {
    server.intercept = (_request, response, url) => {
      if (url.pathname !== comments()) return false
      const page = Number(url.searchParams.get('page') ?? 1)
      response.writeHead(200, { 'content-type': 'application/json', link: `<${server.url}${comments()}?per_page=100&page=${page + 1}>; rel="next"` })
      response.end('[]')
      return true
    }
    const outcome = await timed(() => api({ maxPages: 5 }).findComment(7, () => false))
    expect(outcome.error!.message).toBe('GitHub API: the comments of #7 go on past 5 pages; the search stops there')
    expect(server.requests).toHaveLength(5)
  })

  it('follows a redirect to another host without the token', async () => {
    server.intercept = (_request, response, url) => {
      if (url.pathname !== comments()) return false
      response.writeHead(307, { location: `${elsewhere.url}/moved${url.search}` })
      response.end()
      return true
    }
    const outcome = await timed(() => api().findComment(7, () => true))
    expect([outcome.value, outcome.error]).toEqual([undefined, undefined])
    expect(elsewhere.requests).toEqual([{ method: 'GET', path: '/moved?per_page=100' }])
  })

  it('refuses a Link to another host rather than send the token there', async () => {
    server.comments.push({ id: 1, issue: 7, body: 'someone else' })
    server.intercept = (_request, response, url) => {
      if (url.pathname !== comments()) return false
      response.writeHead(200, { 'content-type': 'application/json', link: `<${elsewhere.url}${comments()}?page=2>; rel="next"` })
      response.end(JSON.stringify([{ id: 1, body: 'someone else' }]))
      return true
    }
    const outcome = await timed(() => api().findComment(7, comment => comment.body.startsWith(commentMarker('api'))))
    expect(outcome.error!.message).toBe(`GitHub API: GET ${comments()}: ${elsewhere.url} is not the API (${server.url}), and is not sent the token`)
    expect(elsewhere.requests).toEqual([])
  })

  it('refuses a comment list that is not one', async () => {
    server.intercept = (_request, response, url) => {
      if (url.pathname !== comments()) return false
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify([{ id: 'one', body: 3 }]))
      return true
    }
    expect((await timed(() => api().findComment(7, () => true))).error!.message).toBe('GitHub API: an entry of page 1 of the comments of #7 is not a comment')
  })
})
