// A local stand-in for the GitHub Actions cache service v2, speaking the protocol that both
// @actions/cache 6 and BuildKit's type=gha cache use: Twirp JSON calls on ACTIONS_RESULTS_URL
// (github.actions.results.api.v1.CacheService), Azure Blob uploads to the signed upload URL (one
// PUT, or blocks then a block list), and GETs of the signed download URL, ranged or whole. Bodies
// use the protobuf field names (restore_keys, size_bytes, signed_upload_url), as Twirp's JSON does;
// an existing entry is a Twirp already_exists (409); every blob response carries x-ms-request-id
// (dockerd 28.5 crashes without it). The runtime token is JWT-shaped with the claims BuildKit reads.
// Listens on 127.0.0.1 only. `fault` makes it fail: 429 or 503 on every call, or never answer.
import { afterAll, beforeAll } from '@jest/globals'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tempDir } from './temp.js'

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/'
// The Azure SDK reads an IP-style URL as /<account>/<container>/<blob>, as Azurite serves it.
const BLOB_PATH = 'devstoreaccount1/cache/'

interface Entry {
  id: number
  key: string
  version: string
  data?: Buffer
  /** Blocks staged with comp=block, by block id, until a block list commits them. */
  blocks: Map<string, Buffer>
  finalized: boolean
  created: number
}

export type CacheFault = 'none' | 'rate-limited' | 'unavailable' | 'hang'

/** A JWT as the runner hands it to steps: BuildKit reads `ac`, `exp` and `nbf` without checking the signature. */
export function runtimeToken(): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  const now = Math.floor(Date.now() / 1000)
  const claims = { ac: JSON.stringify([{ Scope: 'refs/heads/main', Permission: 3 }]), exp: now + 6 * 3600, nbf: now - 60, iss: 'local-cache-service' }
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.${Buffer.from('local-signature').toString('base64url')}`
}

export interface RecordedRequest {
  method: string
  path: string
  body?: unknown
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export class CacheServer {
  readonly requests: RecordedRequest[] = []
  readonly entries: Entry[] = []
  private server: Server | undefined
  private nextId = 1
  private readonly token = runtimeToken()
  private readonly hanging = new Set<import('node:http').ServerResponse>()
  url = ''
  fault: CacheFault = 'none'

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      if (this.fault !== 'none') {
        this.requests.push({ method: request.method ?? '', path: new URL(request.url ?? '/', 'http://x').pathname })
        if (this.fault === 'hang') {
          this.hanging.add(response)
          request.resume()
          return
        }
        request.resume()
        response.writeHead(this.fault === 'rate-limited' ? 429 : 503, { 'content-type': 'application/json', 'retry-after': '1', 'x-ms-request-id': 'fault' })
        response.end(JSON.stringify({ code: this.fault === 'rate-limited' ? 'resource_exhausted' : 'unavailable', msg: this.fault }))
        return
      }
      this.handle(request)
        .then(({ status, body, headers }) => {
          response.writeHead(status, { ...headers })
          response.end(body)
        })
        .catch(error => {
          response.writeHead(500, { 'content-type': 'application/json' })
          response.end(JSON.stringify({ code: 'internal', msg: String(error) }))
        })
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/`
    return this
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy()
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }

  /** The environment a runner gives a step that may use the cache service v2. */
  env(): NodeJS.ProcessEnv {
    return { ACTIONS_CACHE_SERVICE_V2: 'True', ACTIONS_RESULTS_URL: this.url, ACTIONS_RUNTIME_TOKEN: this.token }
  }

  calls(): string[] {
    return this.requests.map(request => `${request.method} ${request.path.replace(SERVICE, '').replace(/\?.*$/, '')}`)
  }

  private json(body: unknown) {
    return { status: 200, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
  }

  private async handle(request: IncomingMessage): Promise<{ status: number; body?: Buffer | string; headers?: Record<string, string> }> {
    const url = new URL(request.url ?? '/', this.url)
    const raw = await readBody(request)
    if (request.method === 'POST' && url.pathname.startsWith(SERVICE)) {
      if (request.headers.authorization !== `Bearer ${this.token}`) return { status: 401, body: '{"code":"unauthenticated","msg":"no token"}' }
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, any>
      this.requests.push({ method: 'POST', path: url.pathname, body })
      const method = url.pathname.slice(SERVICE.length)
      if (method === 'CreateCacheEntry') {
        if (this.entries.some(entry => entry.key === body.key && entry.version === body.version)) {
          return { status: 409, body: JSON.stringify({ code: 'already_exists', msg: 'cache entry already exists' }), headers: { 'content-type': 'application/json' } }
        }
        const entry: Entry = { id: this.nextId++, key: body.key, version: body.version, blocks: new Map(), finalized: false, created: Date.now() + this.nextId }
        this.entries.push(entry)
        return this.json({ ok: true, signed_upload_url: `${this.url}${BLOB_PATH}${entry.id}?sig=upload` })
      }
      if (method === 'FinalizeCacheEntryUpload') {
        const entry = this.entries.find(candidate => candidate.key === body.key && candidate.version === body.version)
        if (!entry?.data || Number(body.size_bytes) !== entry.data.length) return this.json({ ok: false, message: 'size mismatch' })
        entry.finalized = true
        return this.json({ ok: true, entry_id: String(entry.id) })
      }
      if (method === 'GetCacheEntryDownloadURL') {
        const usable = this.entries.filter(entry => entry.finalized && entry.version === body.version)
        let match = usable.find(entry => entry.key === body.key)
        for (const prefix of (body.restore_keys as string[] | undefined) ?? []) {
          if (match) break
          match = usable.filter(entry => entry.key.startsWith(prefix)).sort((a, b) => b.created - a.created)[0]
        }
        if (!match) return this.json({ ok: false, signed_download_url: '', matched_key: '' })
        return this.json({ ok: true, signed_download_url: `${this.url}${BLOB_PATH}${match.id}?sig=download`, matched_key: match.key })
      }
      return { status: 404, body: '{"code":"bad_route"}' }
    }
    const blob = new RegExp(`^/${BLOB_PATH}(\\d+)$`).exec(url.pathname)
    if (blob) {
      this.requests.push({ method: request.method ?? '', path: url.pathname + url.search })
      const requestId = { 'x-ms-request-id': `${blob[1]}-${this.requests.length}`, 'x-ms-version': '2025-01-05' }
      const entry = this.entries.find(candidate => candidate.id === Number(blob[1]))
      if (!entry) return { status: 404, headers: requestId }
      const written = { etag: `"${entry.id}-${this.requests.length}"`, 'last-modified': new Date().toUTCString(), ...requestId }
      if (request.method === 'PUT' && url.searchParams.get('comp') === 'block') {
        const id = url.searchParams.get('blockid')
        if (!id) return { status: 400, body: 'blockid is required', headers: requestId }
        entry.blocks.set(id, raw)
        return { status: 201, headers: written }
      }
      if (request.method === 'PUT' && url.searchParams.get('comp') === 'blocklist') {
        const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map(match => match[1])
        const missing = ids.filter(id => !entry.blocks.has(id))
        if (missing.length > 0) return { status: 400, body: `unknown blocks ${missing.join(',')}`, headers: requestId }
        entry.data = Buffer.concat(ids.map(id => entry.blocks.get(id)!))
        entry.blocks.clear()
        return { status: 201, headers: written }
      }
      if (request.method === 'PUT') {
        if (request.headers['x-ms-blob-type'] !== 'BlockBlob') return { status: 400, body: 'x-ms-blob-type must be BlockBlob', headers: requestId }
        entry.data = raw
        return { status: 201, headers: written }
      }
      if ((request.method === 'GET' || request.method === 'HEAD') && entry.finalized && entry.data) {
        const data = entry.data
        const range = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers['x-ms-range'] ?? request.headers.range ?? ''))
        const common = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', 'x-ms-blob-type': 'BlockBlob', ...written }
        if (range) {
          const start = Number(range[1])
          const end = Math.min(range[2] === '' ? data.length - 1 : Number(range[2]), data.length - 1)
          if (start > end) return { status: 416, headers: { ...common, 'content-range': `bytes */${data.length}` } }
          const part = data.subarray(start, end + 1)
          return { status: 206, body: request.method === 'HEAD' ? '' : part, headers: { ...common, 'content-length': String(part.length), 'content-range': `bytes ${start}-${end}/${data.length}` } }
        }
        return { status: 200, body: request.method === 'HEAD' ? '' : data, headers: { ...common, 'content-length': String(data.length) } }
      }
      return { status: 404, headers: requestId }
    }
    return { status: 404 }
  }
}

/**
 * Starts a CacheServer for the enclosing describe block and points the runner variables that
 * @actions/cache reads at it (RUNNER_TEMP too), restoring them afterwards.
 */
export function useCacheServer(): CacheServer {
  const server = new CacheServer()
  const saved: Record<string, string | undefined> = {}
  beforeAll(async () => {
    await server.start()
    const env = { ...server.env(), RUNNER_TEMP: tempDir('image-budget-runner-') }
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name]
      process.env[name] = value
    }
  })
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    await server.stop()
  })
  return server
}
