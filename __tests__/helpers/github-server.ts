// A local stand-in for GitHub's REST API, for the calls image-budget makes, with paths, bodies
// and pagination as GitHub's OpenAPI description defines them:
//   GET   /repos/{owner}/{repo}/issues/{issue_number}/comments   (per_page, page; Link header)
//   POST  /repos/{owner}/{repo}/issues/{issue_number}/comments   { body } -> 201
//   PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}     { body } -> 200
//   POST  /repos/{owner}/{repo}/statuses/{sha}                   { state, target_url, description, context } -> 201
//   GET   /repos/{owner}/{repo}/contents/{path}?ref={branch}     -> 200 { type: file, encoding: base64, content, sha, size } | 404
//   PUT   /repos/{owner}/{repo}/contents/{path}                  { message, content (base64), sha?, branch } -> 201 new | 200 updated;
//         404 no such branch, 409 sha is not the file's, 422 sha missing for a file that exists (or a body that is not valid)
//   GET   /repos/{owner}/{repo}/git/ref/heads/{branch}           -> 200 { ref, object: { sha, type: commit } } | 404
//   POST  /repos/{owner}/{repo}/git/trees                        { tree: [{ path, mode, type: blob, content }] } -> 201 { sha }
//   POST  /repos/{owner}/{repo}/git/commits                      { message, tree, parents } -> 201 { sha }
//   POST  /repos/{owner}/{repo}/git/refs                         { ref: refs/heads/..., sha } -> 201 | 422 Reference already exists
// Listens on 127.0.0.1 only; `forbid` answers writes with 403 as GitHub does for a fork's token,
// and `intercept` lets a test answer a request its own way (hang, rate-limit, redirect, loop).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createHash } from 'node:crypto'
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

/** Git's SHA-1 of a blob or an object's text: what the contents API calls the file's sha. */
const gitSha = (kind: string, text: string): string => {
  const body = Buffer.from(text, 'utf8')
  return createHash('sha1').update(`${kind} ${body.length}\0`).update(body).digest('hex')
}

/** A branch: its head commit and its files (path → text), as the contents API sees them. */
export interface Branch {
  commit: string
  parents: string[]
  files: Map<string, string>
  /** Commit messages, oldest first. */
  log: string[]
}

export interface ApiRequest {
  method: string
  path: string
  body?: any
}

export class GitHubServer {
  readonly requests: ApiRequest[] = []
  comments: Array<{ id: number; issue: number; body: string }> = []
  statuses: Array<{ sha: string; state: string; description: string; context: string; target_url: string }> = []
  branches = new Map<string, Branch>()
  private trees = new Map<string, Map<string, string>>()
  private commits = new Map<string, { tree: string; message: string; parents: string[] }>()
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
      } else if (url.pathname.startsWith(`${base}/contents/`) || url.pathname.startsWith(`${base}/git/`)) {
        this.answerGit(request.method ?? '', url, base, body, send, forbidden)
      } else {
        send(404, { message: 'Not Found' })
      }
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`
    return this
  }

  /** The contents and git endpoints, on the branches of `branches`. */
  private answerGit(method: string, url: URL, base: string, body: any, send: (status: number, payload: unknown) => void, forbidden: () => void): void {
    // Octokit sends `heads/x` and paths with slashes escaped (%2F): GitHub takes both.
    const pathname = decodeURIComponent(url.pathname)
    const filePath = pathname.startsWith(`${base}/contents/`) ? pathname.slice(`${base}/contents/`.length) : undefined
    const notFound = () => send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents' })
    if (filePath !== undefined && method === 'GET') {
      const branch = this.branches.get(url.searchParams.get('ref') ?? 'main')
      const text = branch?.files.get(filePath)
      if (text === undefined) return notFound()
      const content = Buffer.from(text, 'utf8').toString('base64').replace(/(.{60})/g, '$1\n')
      return send(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(text), name: filePath.split('/').pop(), path: filePath, content, sha: gitSha('blob', text) })
    }
    if (filePath !== undefined && method === 'PUT') {
      if (this.forbidWrites) return forbidden()
      if (typeof body?.message !== 'string' || typeof body?.content !== 'string') return send(422, { message: 'Invalid request.\n\n"message" and "content" are required.' })
      const name = body.branch ?? 'main'
      const branch = this.branches.get(name)
      if (!branch) return send(404, { message: `Branch ${name} not found` })
      const existing = branch.files.get(filePath)
      if (existing !== undefined && body.sha === undefined) return send(422, { message: 'Invalid request.\n\n"sha" wasn\'t supplied.' })
      if (existing !== undefined && body.sha !== gitSha('blob', existing)) return send(409, { message: `${filePath} does not match ${body.sha}` })
      const text = Buffer.from(body.content, 'base64').toString('utf8')
      branch.files.set(filePath, text)
      branch.parents = [branch.commit]
      branch.commit = gitSha('commit', `${branch.commit} ${body.message} ${text}`)
      branch.log.push(body.message)
      return send(existing === undefined ? 201 : 200, { content: { path: filePath, sha: gitSha('blob', text) }, commit: { sha: branch.commit, message: body.message } })
    }
    const ref = new RegExp(`^${base}/git/ref/heads/(.+)$`).exec(pathname)
    if (ref && method === 'GET') {
      const branch = this.branches.get(ref[1])
      if (!branch) return notFound()
      return send(200, { ref: `refs/heads/${ref[1]}`, object: { sha: branch.commit, type: 'commit' } })
    }
    if (method === 'POST' && this.forbidWrites) return forbidden()
    if (pathname === `${base}/git/trees` && method === 'POST') {
      if (body?.base_tree !== undefined || !Array.isArray(body?.tree)) return send(422, { message: 'Invalid tree' })
      const files = new Map<string, string>(body.tree.map((entry: any) => [entry.path, entry.content]))
      const sha = gitSha('tree', JSON.stringify([...files]))
      this.trees.set(sha, files)
      return send(201, { sha, tree: body.tree.map((entry: any) => ({ path: entry.path, mode: entry.mode, type: 'blob', sha: gitSha('blob', entry.content) })) })
    }
    if (pathname === `${base}/git/commits` && method === 'POST') {
      if (!this.trees.has(body?.tree) || !Array.isArray(body?.parents)) return send(422, { message: 'Invalid commit' })
      const sha = gitSha('commit', `${body.tree} ${body.message} ${body.parents.join(' ')}`)
      this.commits.set(sha, { tree: body.tree, message: body.message, parents: body.parents })
      return send(201, { sha, tree: { sha: body.tree }, message: body.message, parents: body.parents })
    }
    if (pathname === `${base}/git/refs` && method === 'POST') {
      const name = /^refs\/heads\/(.+)$/.exec(body?.ref ?? '')?.[1]
      const commit = this.commits.get(body?.sha)
      if (!name || !commit) return send(422, { message: 'Invalid reference' })
      if (this.branches.has(name)) return send(422, { message: 'Reference already exists' })
      this.branches.set(name, { commit: body.sha, parents: commit.parents, files: new Map(this.trees.get(commit.tree)), log: [commit.message] })
      return send(201, { ref: body.ref, object: { sha: body.sha, type: 'commit' } })
    }
    notFound()
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
    this.branches.clear()
    this.forbidWrites = false
  }

  calls(): string[] {
    return this.requests.map(request => `${request.method} ${request.path.replace(`/repos/${this.owner}/${this.repo}`, '')}`)
  }
}
