// The image of a build that is not pushed, taken as the build pushes it to a registry that the step
// serves on 127.0.0.1 for the build's duration (`export-mode: registry`). The registry protocol lets
// the receiver say which blobs it has: the layers the layer store already read are never sent, and
// those that are sent are read into the store as they arrive, with no copy of the image on disk
// (unless Trivy scans it, when the blobs are written to a layout folder as they pass).
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { readCapped, TooLargeError } from '../net/http.js'
import type { LayerStore } from './layer-store.js'
import { BlobFiles, StreamedLayoutSource } from './streamed-layout.js'
import { checkDigest, INDEX_TYPES, MANIFEST_TYPES, type Descriptor } from './types.js'
import { BlobIntegrityError, MAX_MANIFEST_BYTES } from './verify.js'

/** The tag the build pushes the image under: the only manifest pushed by name, the image's root. */
const TAG = 'measured'
/** Uploads open at once: a builder pushes a few blobs side by side, never thousands. */
const MAX_OPEN_UPLOADS = 256
/** How long a connection may send nothing, and an upload may stay open unfinished. */
export interface PushSinkLimits {
  idleMs: number
}
const DEFAULT_LIMITS: PushSinkLimits = { idleMs: 10 * 60 * 1000 }

/** What the registry protocol answers an error with (distribution spec, "Error Codes"). */
function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json' })
  response.end(JSON.stringify({ errors: [{ code, message }] }))
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const chunk of request) void chunk
}

/** A request's Content-Length as a whole number of bytes, or undefined. */
function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length']
  if (header === undefined || !/^\d{1,15}$/.test(header)) return undefined
  return Number(header)
}

export class PushSink {
  readonly source: StreamedLayoutSource
  /**
   * A repository name no other pusher uses by chance. It is on the build's command line, so not a
   * secret: what another local process pushes under it can only make the build fail (every blob
   * and manifest is checked against its digest, and the tag is taken once).
   */
  private readonly repository = `image-budget-${randomBytes(12).toString('hex')}`
  /** The blobs taken in this run, with their lengths. */
  private readonly received = new Map<string, number>()
  /** The uploads begun and not finished, with when each began. */
  private readonly uploads = new Map<string, number>()
  /** The manifests taken, by digest, with their sizes (their bytes are kept by the source, within its bound). */
  private readonly manifests = new Map<string, number>()
  private readonly files: BlobFiles | undefined
  private readonly pending = new Set<Promise<void>>()
  private server: Server | undefined
  private failure: Error | undefined
  private root: Descriptor | undefined
  private uploadCount = 0
  /** What the build sent, and the layers it did not send because the store had read them. */
  readonly traffic = { blobs: 0, bytes: 0, layersHad: new Set<string>() }

  constructor(
    readonly label: string,
    private readonly store: LayerStore,
    private readonly onLayer?: (digest: string, size: number) => void,
    /** Every blob is also written here as the `blobs` folder of an OCI layout (Trivy reads it): none is skipped. */
    private readonly keepIn?: string,
    private readonly limits: PushSinkLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now
  ) {
    this.source = new StreamedLayoutSource(label, () => {
      throw new BlobIntegrityError(`${label} was pushed to the step: there is nothing to read again`)
    })
    this.files = keepIn === undefined ? undefined : new BlobFiles(keepIn, label)
  }

  /** Starts serving on a free port of 127.0.0.1 and returns the image name to push to. */
  async start(): Promise<string> {
    // A PUT is read at the pace its layer is analysed: a large layer takes longer than Node's
    // default 300 s for a whole request. A connection idle for the limit (10 minutes) still ends.
    const server = createServer({ requestTimeout: 0 }, (request, response) => {
      const handled = this.handle(request, response).catch((error: Error) => {
        this.failure ??= error
        if (!response.headersSent) sendError(response, 500, 'UNKNOWN', error.message)
        else response.destroy()
      })
      this.pending.add(handled)
      void handled.finally(() => this.pending.delete(handled))
    })
    server.timeout = this.limits.idleMs
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    // An error of the listening socket later on (too many open files) fails the build, not the process.
    server.on('error', error => {
      this.failure ??= error
    })
    this.server = server
    return `127.0.0.1:${(server.address() as AddressInfo).port}/${this.repository}:${TAG}`
  }

  /**
   * Stops serving once the build is over and makes the source hold what was pushed: the image
   * pushed by tag. Throws the first thing that went wrong in the pushing, or when nothing was pushed.
   */
  async finish(): Promise<StreamedLayoutSource> {
    await this.stop()
    if (this.failure) throw this.failure
    if (!this.root) throw new BlobIntegrityError(`${this.label}: the build pushed no image to the step`)
    this.source.handedIn(this.root)
    return this.source
  }

  /** Stops serving and removes any layout folder begun: for a build that failed. */
  async abandon(): Promise<void> {
    await this.stop()
    await this.files?.abandon()
  }

  private async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    const closed = new Promise<void>(resolve => server.close(() => resolve()))
    server.closeAllConnections()
    await closed
    await Promise.all([...this.pending])
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const method = request.method ?? ''
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      await drain(request)
      response.writeHead(200, { 'Docker-Distribution-API-Version': 'registry/2.0', 'Content-Type': 'application/json' })
      response.end('{}')
      return
    }
    const prefix = `/v2/${this.repository}/`
    if (!url.pathname.startsWith(prefix)) {
      await drain(request)
      return sendError(response, 404, 'NAME_UNKNOWN', 'repository name not known to registry')
    }
    const rest = url.pathname.slice(prefix.length)
    const upload = /^blobs\/uploads\/([^/]*)$/.exec(rest)
    const blob = /^blobs\/([^/]+)$/.exec(rest)
    const manifest = /^manifests\/([^/]+)$/.exec(rest)
    if (upload && method === 'POST') return this.startUpload(request, response)
    if (upload && method === 'PUT') return this.finishUpload(upload[1], url.searchParams.get('digest') ?? '', request, response)
    if (upload) {
      await drain(request)
      // A builder sends each blob in one PUT; a chunked upload is not taken rather than half taken.
      return sendError(response, 405, 'UNSUPPORTED', `${method} of an upload is not supported: blobs are taken in one PUT`)
    }
    if (blob && (method === 'HEAD' || method === 'GET')) return this.blobExists(decodeURIComponent(blob[1]), request, response)
    if (manifest && method === 'PUT') return this.putManifest(decodeURIComponent(manifest[1]), request, response)
    if (manifest && (method === 'HEAD' || method === 'GET')) return this.manifestExists(decodeURIComponent(manifest[1]), method, request, response)
    await drain(request)
    sendError(response, 405, 'UNSUPPORTED', `${method} ${rest} is not supported`)
  }

  private async startUpload(request: IncomingMessage, response: ServerResponse): Promise<void> {
    await drain(request)
    // An upload left unfinished for the idle limit is dropped: a pusher that gave up on it cannot hold a place.
    for (const [open, began] of this.uploads) if (this.now() - began >= this.limits.idleMs) this.uploads.delete(open)
    if (this.uploads.size >= MAX_OPEN_UPLOADS) return sendError(response, 429, 'TOOMANYREQUESTS', 'too many uploads open at once')
    // A cross-repository mount (?mount=&from=) is answered with a plain upload: this registry holds no other repository.
    const id = `${++this.uploadCount}-${randomBytes(8).toString('hex')}`
    this.uploads.set(id, this.now())
    response.writeHead(202, { Location: `/v2/${this.repository}/blobs/uploads/${id}`, 'Docker-Upload-UUID': id, Range: '0-0', 'Content-Length': '0' })
    response.end()
  }

  private async finishUpload(id: string, digest: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.uploads.delete(id)) {
      await drain(request)
      return sendError(response, 404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} is not known`)
    }
    try {
      checkDigest(digest)
    } catch (error) {
      await drain(request)
      return sendError(response, 400, 'DIGEST_INVALID', (error as Error).message)
    }
    const size = declaredLength(request)
    if (size === undefined) {
      await drain(request)
      return sendError(response, 411, 'SIZE_INVALID', 'a blob is sent with its Content-Length')
    }
    if (this.received.has(digest)) {
      // Sent twice (two platforms share it): the first copy was taken.
      await drain(request)
    } else {
      this.received.set(digest, size)
      this.traffic.blobs++
      this.traffic.bytes += size
      try {
        await this.source.take(digest, size, request, this.store, this.onLayer, this.files)
      } catch (error) {
        this.failure ??= error as Error
        request.resume()
        return sendError(response, 400, 'BLOB_UPLOAD_INVALID', (error as Error).message)
      }
    }
    response.writeHead(201, { Location: `/v2/${this.repository}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' })
    response.end()
  }

  /**
   * Whether the registry has a blob. A layer the layer store read before is had: the build then
   * never sends it, and measuring replays it from the store. With a layout folder to write, only
   * the blobs sent in this run are had.
   */
  private async blobExists(digest: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    await drain(request)
    let length = this.received.get(digest)
    if (length === undefined && this.keepIn === undefined && /^sha256:[a-f0-9]{64}$/.test(digest)) {
      const stored = await this.store.stored(digest)
      if (stored) {
        await stored.close()
        length = stored.summary.blobBytes
        this.traffic.layersHad.add(digest)
      }
    }
    if (length === undefined || request.method === 'GET') {
      // Nothing is served back: the build only asks whether to send.
      return sendError(response, 404, 'BLOB_UNKNOWN', `blob ${digest} is not held`)
    }
    response.writeHead(200, { 'Docker-Content-Digest': digest, 'Content-Length': String(length) })
    response.end()
  }

  private async putManifest(reference: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim()
    if (!MANIFEST_TYPES.includes(mediaType) && !INDEX_TYPES.includes(mediaType)) {
      await drain(request)
      return this.refuseManifest(response, 'MANIFEST_INVALID', `a manifest of type "${mediaType}" is not an image's`)
    }
    let body: Buffer
    try {
      body = await readCapped(request, MAX_MANIFEST_BYTES, 'a manifest')
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error
      return this.refuseManifest(response, 'SIZE_INVALID', `a manifest is more than ${MAX_MANIFEST_BYTES} bytes`)
    }
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
    const byDigest = reference.includes(':')
    if (byDigest && reference !== digest) return this.refuseManifest(response, 'DIGEST_INVALID', `manifest ${reference} has digest ${digest}`)
    if (!byDigest && reference !== TAG) return this.refuseManifest(response, 'TAG_INVALID', `the image is pushed as ${TAG}, not ${reference}`)
    if (!this.manifests.has(digest)) {
      this.manifests.set(digest, body.length)
      await this.source.take(digest, body.length, Readable.from([body]), this.store, undefined, this.files)
    }
    if (!byDigest) {
      if (this.root && this.root.digest !== digest) return this.refuseManifest(response, 'TAG_INVALID', `${TAG} was pushed twice, as ${this.root.digest} and ${digest}`)
      this.root = { mediaType, digest, size: body.length }
    }
    response.writeHead(201, { Location: `/v2/${this.repository}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': '0' })
    response.end()
  }

  private refuseManifest(response: ServerResponse, code: string, message: string): void {
    this.failure ??= new BlobIntegrityError(`${this.label}: ${message}`)
    sendError(response, 400, code, message)
  }

  private async manifestExists(reference: string, method: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    await drain(request)
    const size = this.manifests.get(reference)
    if (size === undefined || method === 'GET') return sendError(response, 404, 'MANIFEST_UNKNOWN', `manifest ${reference} is not held`)
    response.writeHead(200, { 'Docker-Content-Digest': reference, 'Content-Length': String(size) })
    response.end()
  }
}
