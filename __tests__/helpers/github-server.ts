// A local stand-in for GitHub's REST API, for the calls image-budget makes, with paths, bodies
// and pagination as GitHub's OpenAPI description defines them:
//   GET   /repos/{owner}/{repo}/issues/{issue_number}/comments   (per_page, page; Link header)
//   POST  /repos/{owner}/{repo}/issues/{issue_number}/comments   { body } -> 201
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     { body } -> 200
//   POST  /repos/{owner}/{repo}/statuses/{sha}                   { state, target_url, description, context } -> 201
// Listens on 127.0.0.1 only; `forbid` answers writes with 403 as GitHub does for a fork's token,
// and `intercept` lets a test answer a request its own way (hang, rate-limit, redirect, loop).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { GitHubContext } from '../../src/github/context.js'

/** The context of a run on pull request `number` of acme/shop, whose head is `head`. */
export const pullRequestContext = (number: number, head: string, runUrl: string): GitHubContext => ({
  owner: 'acme',
  repo: 'shop',
  eventName: 'pull_request',
  sha: head,
  branch: 'feature',
  defaultBranch: 'main',
  pullRequest: { number, baseRef: 'main', headSha: head, fromFork: false },
  runUrl,
  runAttemptUrl: `${runUrl}/attempts/1`,
  serverUrl: 'https://github.com',
  apiUrl: '',
  privateRepository: false
})

export interface ApiRequest {
  method: string
  path: string
  body?: any
}

export class GitHubServer {
  readonly requests: ApiRequest[] = []
  comments: Array<{ id: number; issue: number; body: string }> = []
  statuses: Array<{ sha: string; state: string; description: string; context: string; target_url: string }> = []
  forbidWrites = false
  /** Answers instead of the API when it returns true (after the request is recorded). */
  intercept: ((request: IncomingMessage, response: ServerResponse, url: URL) => boolean) | undefined
  private nextId = 1000
  private server: Server | undefined
  url = ''

  constructor(
    readonly owner = 'acme',
    readonly repo = 'shop'
  ) {}

  async start(): Promise<this> {
    this.server = createServer(async (request, response) => {
      const chunks: Buffer[] = []
      for await (const chunk of request) chunks.push(chunk as Buffer)
      const raw = Buffer.concat(chunks).toString('utf8')
      const url = new URL(request.url ?? '/', this.url)
      const body = raw ? JSON.parse(raw) : undefined
      this.requests.push({ method: request.method ?? '', path: `${url.pathname}${url.search}`, ...(body ? { body } : {}) })
      if (this.intercept?.(request, response, url)) return
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        response.end(JSON.stringify(payload))
      }
      if (request.headers.authorization !== 'token test-token' && request.headers.authorization !== 'Bearer test-token') {
        send(401, { message: 'Bad credentials' })
        return
      }
      const base = `/repos/${this.owner}/${this.repo}`
      const list = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname)
      const update = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname)
      const status = new RegExp(`^${base}/statuses/([0-9a-f]{40})$`).exec(url.pathname)
      const forbidden = () => send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest' })
      if (list && request.method === 'GET') {
        const issue = Number(list[1])
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        const all = this.comments.filter(comment => comment.issue === issue)
        const slice = all.slice((page - 1) * perPage, page * perPage)
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const link: Record<string, string> = page < last ? { link: `<${this.url}${base}/issues/${issue}/comments?per_page=${perPage}&page=${page + 1}>; rel="next", <${this.url}${base}/issues/${issue}/comments?per_page=${perPage}&page=${last}>; rel="last"` } : {}
        send(200, slice.map(comment => ({ id: comment.id, body: comment.body, user: { login: 'github-actions[bot]' } })), link)
      } else if (list && request.method === 'POST') {
        if (this.forbidWrites) return forbidden()
        const comment = { id: this.nextId++, issue: Number(list[1]), body: body.body }
        this.comments.push(comment)
        send(201, { id: comment.id, body: comment.body })
      } else if (update && request.method === 'PATCH') {
        if (this.forbidWrites) return forbidden()
        const comment = this.comments.find(candidate => candidate.id === Number(update[1]))
        if (!comment) return send(404, { message: 'Not Found' })
        comment.body = body.body
        send(200, { id: comment.id, body: comment.body })
      } else if (status && request.method === 'POST') {
        if (this.forbidWrites) return forbidden()
        if (!['error', 'failure', 'pending', 'success'].includes(body.state)) return send(422, { message: 'Validation Failed' })
        if ((body.description ?? '').length > 140) return send(422, { message: 'description is too long (maximum is 140 characters)' })
        this.statuses.push({ sha: status[1], ...body })
        send(201, { id: this.nextId++, ...body })
      } else {
        send(404, { message: 'Not Found' })
      }
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }

  /** Forgets every request, comment and status between tests. */
  reset(): void {
    this.requests.length = 0
    this.comments = []
    this.statuses = []
    this.forbidWrites = false
  }

  calls(): string[] {
    return this.requests.map(request => `${request.method} ${request.path.replace(`/repos/${this.owner}/${this.repo}`, '')}`)
  }
}
