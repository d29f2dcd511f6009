// A registry on 127.0.0.1 that serves the distribution API's two reads (manifests by tag or digest,
// blobs by digest) from memory, and lets a test answer any request its own way instead: hang,
// trickle, redirect, lie about a digest or a size.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { ustarHeader } from '../../__fixtures__/tar-header.js'

export interface Blob {
  mediaType: string
  digest: string
  size: number
  data: Buffer
}

export const LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

export function blobOf(data: Buffer | object, mediaType: string): Blob {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data))
  return { mediaType, digest: digestOf(bytes), size: bytes.length, data: bytes }
}

export const descriptorOf = (blob: Blob, extra: object = {}) => ({ mediaType: blob.mediaType, digest: blob.digest, size: blob.size, ...extra })

/** An uncompressed tar of regular files, written without a tar program. */
export function tarOf(files: Array<{ name: string; bytes: number }>): Buffer {
  const parts: Buffer[] = []
  for (const file of files) {
    parts.push(ustarHeader(file.name, file.bytes), Buffer.alloc(Math.ceil(file.bytes / 512) * 512, 0x61))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

export interface TestImage {
  layers: Blob[]
  config: Blob
  manifest: Blob
  /** Every blob, manifest first. */
  blobs: Blob[]
}

/** A one-platform image whose layers hold the given files (gzip). */
export function imageOf(layerFiles: Array<Array<{ name: string; bytes: number }>>): TestImage {
  const layers = layerFiles.map(files => blobOf(gzipSync(tarOf(files)), LAYER_GZIP))
  const config = blobOf(
    { os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] }, history: layers.map((_, index) => ({ created_by: `COPY part${index} /` })) },
    'application/vnd.oci.image.config.v1+json'
  )
  const manifest = blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(config), layers: layers.map(layer => descriptorOf(layer)) }, OCI_MANIFEST)
  return { layers, config, manifest, blobs: [manifest, config, ...layers] }
}

export const indexOf = (children: Blob[]): Blob =>
  blobOf({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: children.map(child => descriptorOf(child, child.mediaType === OCI_MANIFEST ? { platform: { os: 'linux', architecture: 'amd64' } } : {})) }, OCI_INDEX)

/** Writes blobs as an OCI layout in `dir`, with index.json listing `manifests`. */
export function writeBlobLayout(dir: string, manifests: object[], blobs: Blob[]): string {
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true })
  for (const blob of blobs) writeFileSync(path.join(dir, 'blobs', 'sha256', blob.digest.slice(7)), blob.data)
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
  return dir
}

export interface RecordedRequest {
  method: string
  path: string
  authorization?: string
}

/** Answers instead of the registry when it returns true. */
export type Intercept = (request: IncomingMessage, response: ServerResponse, path: string) => boolean

/** A bare HTTP server on 127.0.0.1 that records requests; closing it drops connections that hang. */
export class LocalServer {
  readonly requests: RecordedRequest[] = []
  private server: Server | undefined
  host = ''

  constructor(private readonly handle: (request: IncomingMessage, response: ServerResponse, path: string) => void) {}

  get url(): string {
    return `http://${this.host}`
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const path = request.url ?? '/'
      this.requests.push({ method: request.method ?? '', path, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) })
      this.handle(request, response, path)
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.host = `127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => this.server?.close(() => resolve()) ?? resolve())
  }
}

export class HostileRegistry extends LocalServer {
  readonly blobs = new Map<string, Blob>()
  readonly tags = new Map<string, string>()
  intercept: Intercept | undefined
  /** When set, every call without `Bearer <token>` gets a 401 pointing at this realm. */
  bearer: { realm: string; token: string } | undefined

  constructor(readonly repository = 'app') {
    super((request, response, path) => this.answer(request, response, path))
  }

  add(...blobs: Blob[]): this {
    for (const blob of blobs) this.blobs.set(blob.digest, blob)
    return this
  }

  tag(name: string, blob: Blob): this {
    this.add(blob)
    this.tags.set(name, blob.digest)
    return this
  }

  reset(): void {
    this.requests.length = 0
    this.intercept = undefined
    this.bearer = undefined
  }

  private answer(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (this.intercept?.(request, response, path)) return
    if (this.bearer && request.headers.authorization !== `Bearer ${this.bearer.token}`) {
      response.writeHead(401, { 'www-authenticate': `Bearer realm="${this.bearer.realm}",service="test",scope="repository:${this.repository}:pull"` })
      response.end()
      return
    }
    const match = new RegExp(`^/v2/${this.repository}/(manifests|blobs)/([^/?]+)$`).exec(path)
    const blob = match && this.blobs.get(match[1] === 'manifests' ? (this.tags.get(match[2]) ?? match[2]) : match[2])
    if (!blob) {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
      return
    }
    response.writeHead(200, { 'content-type': blob.mediaType, 'content-length': String(blob.size), 'docker-content-digest': blob.digest })
    response.end(blob.data)
  }
}
