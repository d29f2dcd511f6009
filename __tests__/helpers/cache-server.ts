// A local stand-in for the GitHub Actions cache service v2, speaking the protocol that
// @actions/cache 6 uses: Twirp JSON calls on ACTIONS_RESULTS_URL
// (github.actions.results.api.v1.CacheService), an Azure Blob single-shot PUT to the signed upload
// URL, and a plain GET of the signed download URL. Bodies use the protobuf field names
// (restore_keys, size_bytes, signed_upload_url), as Twirp's JSON does. Listens on 127.0.0.1 only.
import { afterAll, beforeAll } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import type { AddressInfo } from 'node:net'

const SERVICE = '/twirp/github.actions.results.api.v1.CacheService/'
// The Azure SDK reads an IP-style URL as /<account>/<container>/<blob>, as Azurite serves it.
const BLOB_PATH = 'devstoreaccount1/cache/'

interface Entry {
  id: number
  key: string
  version: string
  data?: Buffer
  finalized: boolean
  created: number
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
  url = ''

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
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
    await new Promise<void>(resolve => this.server?.close(() => resolve()))
  }

  /** The environment a runner gives a step that may use the cache service v2. */
  env(): NodeJS.ProcessEnv {
    return { ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_RESULTS_URL: this.url, ACTIONS_RUNTIME_TOKEN: 'test-runtime-token' }
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
      if (request.headers.authorization !== 'Bearer test-runtime-token') return { status: 401, body: '{"code":"unauthenticated","msg":"no token"}' }
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, any>
      this.requests.push({ method: 'POST', path: url.pathname, body })
      const method = url.pathname.slice(SERVICE.length)
      if (method === 'CreateCacheEntry') {
        if (this.entries.some(entry => entry.key === body.key && entry.version === body.version)) {
          return this.json({ ok: false, message: 'cache entry already exists' })
        }
        const entry: Entry = { id: this.nextId++, key: body.key, version: body.version, finalized: false, created: Date.now() + this.nextId }
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
      this.requests.push({ method: request.method ?? '', path: url.pathname })
      const entry = this.entries.find(candidate => candidate.id === Number(blob[1]))
      if (!entry) return { status: 404 }
      if (request.method === 'PUT') {
        if (request.headers['x-ms-blob-type'] !== 'BlockBlob') return { status: 400, body: 'x-ms-blob-type must be BlockBlob' }
        entry.data = raw
        return { status: 201, headers: { etag: `"${entry.id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-id': String(entry.id) } }
      }
      if (request.method === 'GET' && entry.finalized && entry.data) {
        return { status: 200, body: entry.data, headers: { 'content-type': 'application/octet-stream', 'content-length': String(entry.data.length) } }
      }
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
    const env = { ...server.env(), RUNNER_TEMP: mkdtempSync(path.join(os.tmpdir(), 'image-budget-runner-')) }
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
