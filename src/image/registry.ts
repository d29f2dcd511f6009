import { readFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Readable } from 'node:stream'
import { DEFAULT_HTTP_LIMITS, HttpFailure, isRetryableStatus, readCapped, retryAfterMs, send, watchBody, withRetries, type Exchange, type HttpLimits } from '../net/http.js'
import type { BlobSource } from './blobs.js'
import { formatReference, isLoopbackHost, registryBaseUrl, type ImageReference } from './reference.js'
import { checkDigest, INDEX_TYPES, MANIFEST_TYPES, type Descriptor } from './types.js'
import { BlobIntegrityError, checkJsonSize, digestOf, jsonLimit, MAX_MANIFEST_BYTES, MAX_TOKEN_BYTES, parseJson, readJsonBlob, verifyBlob } from './verify.js'

const MANIFEST_ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ')

export class RegistryError extends Error {}

/** Credentials for a registry from Docker's config file (`auths`), when it has them inline. */
export async function dockerConfigAuth(registry: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const configDir = env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker')
  try {
    const config = JSON.parse(await readFile(path.join(configDir, 'config.json'), 'utf8')) as {
      auths?: Record<string, { auth?: string }>
    }
    const keys = registry === 'docker.io' ? ['https://index.docker.io/v1/', 'docker.io'] : [registry, `https://${registry}`]
    for (const key of keys) {
      const auth = config.auths?.[key]?.auth
      if (auth) return auth
    }
  } catch {
    // No config file, or not readable: anonymous access.
  }
  return undefined
}

function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ')
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase()
  const params: Record<string, string> = {}
  for (const match of header.slice(space + 1).matchAll(/(\w+)="([^"]*)"/g)) params[match[1]] = match[2]
  return { scheme, params }
}

/** Timeouts, retries and redirects of registry calls, and the fetch they use (tests pass small values). */
export interface RegistryOptions extends Partial<HttpLimits> {
  fetch?: typeof fetch
}

/**
 * Reads an image from a registry with the distribution API: manifests and configs as JSON, layers
 * as streams, each verified against its digest and size. Anonymous or basic credentials, and the
 * bearer-token flow registries ask for; credentials never follow a redirect to another host (blob
 * storage), and basic credentials reach a token service only over HTTPS or on the loopback.
 */
export class RegistrySource implements BlobSource {
  readonly label: string
  private readonly baseUrl: string
  private readonly origin: string
  private readonly limits: HttpLimits
  private readonly fetchImpl: typeof fetch
  private authorization: string | undefined
  private root: { descriptor: Descriptor; body: Buffer } | undefined

  constructor(
    private readonly reference: ImageReference,
    private readonly basicAuth?: string,
    options: RegistryOptions = {}
  ) {
    this.label = `registry image ${formatReference(reference)}`
    this.baseUrl = registryBaseUrl(reference.registry)
    this.origin = new URL(this.baseUrl).origin
    const { fetch: fetchImpl, ...limits } = options
    this.fetchImpl = fetchImpl ?? fetch
    this.limits = { ...DEFAULT_HTTP_LIMITS, ...limits }
  }

  /**
   * One attempt of a call, until its response headers; a 401 gets credentials once, then the call
   * again. Callers retry attempts with the body read included (JSON) or not (a streamed layer).
   */
  private async attempt(kind: 'manifests' | 'blobs', ref: string, remainingMs: number, accept?: string): Promise<Exchange> {
    const url = new URL(`${this.baseUrl}/v2/${this.reference.repository}/${kind}/${ref}`)
    const describe = `GET ${url.pathname} from ${url.host}`
    const headers: Record<string, string> = accept ? { Accept: accept } : {}
    const options = { fetch: this.fetchImpl, limits: this.limits, headers, credentialsOrigin: this.origin, describe, timeoutMs: remainingMs }
    let exchange = await send(url, { ...options, authorization: this.authorization })
    if (exchange.response.status === 401 && exchange.url.origin === this.origin && this.authorization === undefined) {
      await exchange.response.body?.cancel().catch(() => undefined)
      this.authorization = await this.authorize(exchange.response.headers.get('www-authenticate') ?? '')
      exchange = await send(url, { ...options, authorization: this.authorization })
    }
    const { status } = exchange.response
    if (exchange.response.ok) return exchange
    await exchange.response.body?.cancel().catch(() => undefined)
    const what = status === 404 ? 'not found' : `HTTP ${status}`
    throw new HttpFailure(`${what} for ${describe}`, isRetryableStatus(status), status, retryAfterMs(exchange.response.headers))
  }

  /** Runs attempts with retries; what finally fails names this image. */
  private async retried<T>(attempt: (remainingMs: number) => Promise<T>): Promise<T> {
    try {
      return await withRetries(this.limits, attempt)
    } catch (error) {
      if (error instanceof HttpFailure) throw new RegistryError(`${this.label}: ${error.message}`)
      throw error
    }
  }

  private async authorize(challenge: string): Promise<string> {
    const { scheme, params } = parseChallenge(challenge)
    if (scheme === 'basic') {
      if (!this.basicAuth) throw new RegistryError(`${this.label}: the registry asks for credentials (docker login)`)
      return `Basic ${this.basicAuth}`
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryError(`${this.label}: unsupported authentication "${challenge}"`)
    let url: URL
    try {
      url = new URL(params.realm)
    } catch {
      throw new RegistryError(`${this.label}: the token service "${params.realm}" is not a URL`)
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RegistryError(`${this.label}: the token service "${params.realm}" is not an HTTP URL`)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${this.reference.repository}:pull`)
    // A token service may live on another host; credentials go there only where they cannot be read on the way.
    const withheld = this.basicAuth !== undefined && url.protocol !== 'https:' && !isLoopbackHost(url.hostname)
    const authorization = this.basicAuth && !withheld ? `Basic ${this.basicAuth}` : undefined
    const describe = `the token request to ${url.host}`
    const body = await this.retried(async remainingMs => {
      const exchange = await send(url, { fetch: this.fetchImpl, limits: this.limits, authorization, credentialsOrigin: url.origin, describe, timeoutMs: remainingMs })
      const { status } = exchange.response
      if (!exchange.response.ok) {
        await exchange.response.body?.cancel().catch(() => undefined)
        const note = withheld ? ' (the credentials were not sent: the token service is not HTTPS)' : ''
        throw new HttpFailure(`${describe} was refused (HTTP ${status})${note}`, isRetryableStatus(status), status, retryAfterMs(exchange.response.headers))
      }
      return readCapped(watchBody(exchange, this.limits, describe), MAX_TOKEN_BYTES, `the answer to ${describe}`)
    })
    const answer = parseJson<{ token?: unknown; access_token?: unknown }>(body, `${this.label}: the answer to ${describe}`)
    const token = answer?.token ?? answer?.access_token
    if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) throw new RegistryError(`${this.label}: the answer to ${describe} has no usable token`)
    return `Bearer ${token}`
  }

  /**
   * The manifest the reference names, read once: by digest it must have that digest; by tag, the
   * digest the registry gives (Docker-Content-Digest) when it gives one. Later reads of the same
   * digest use these bytes, so a tag that moves meanwhile cannot mix two images.
   */
  async roots(): Promise<Descriptor[]> {
    if (this.root) return [this.root.descriptor]
    const ref = this.reference.digest ?? this.reference.tag ?? 'latest'
    const named = this.reference.digest === undefined ? undefined : this.checked(this.reference.digest, 'the reference')
    const body = await this.retried(async remainingMs => {
      const exchange = await this.attempt('manifests', ref, remainingMs, MANIFEST_ACCEPT)
      const data = await readCapped(watchBody(exchange, this.limits, `GET manifest ${ref} from ${exchange.url.host}`), MAX_MANIFEST_BYTES, `${this.label}: manifest ${ref}`)
      return { data, headers: exchange.response.headers }
    })
    const header = body.headers.get('docker-content-digest') ?? undefined
    const claimed = named ?? (header === undefined ? undefined : this.checked(header, 'the Docker-Content-Digest header'))
    const actual = digestOf(body.data, claimed)
    if (claimed !== undefined && actual !== claimed) {
      throw new BlobIntegrityError(`${this.label}: manifest ${ref} has digest ${actual}, but ${named ? 'the reference names' : 'the registry says'} ${claimed}`)
    }
    const document = parseJson<{ mediaType?: unknown }>(body.data, `${this.label}: manifest ${ref}`)
    const mediaType = typeof document?.mediaType === 'string' ? document.mediaType : (body.headers.get('content-type')?.split(';')[0].trim() ?? '')
    this.root = { descriptor: { mediaType, digest: actual, size: body.data.length }, body: body.data }
    return [this.root.descriptor]
  }

  private checked(digest: string, where: string): string {
    try {
      return checkDigest(digest)
    } catch (error) {
      throw new RegistryError(`${this.label}: ${where}: ${(error as Error).message}`)
    }
  }

  async readJson<T>(descriptor: Descriptor): Promise<T> {
    if (this.root && descriptor.digest === this.root.descriptor.digest && descriptor.size === this.root.body.length) {
      return parseJson<T>(this.root.body, `${this.label}: manifest ${descriptor.digest}`)
    }
    checkJsonSize(descriptor, this.label)
    const isManifest = jsonLimit(descriptor.mediaType) === MAX_MANIFEST_BYTES
    // The body is part of the attempt: a registry that stalls in it is asked again.
    return this.retried(remainingMs =>
      readJsonBlob<T>(
        async () => {
          const exchange = await this.attempt(isManifest ? 'manifests' : 'blobs', checkDigest(descriptor.digest), remainingMs, isManifest ? MANIFEST_ACCEPT : undefined)
          return watchBody(exchange, this.limits, `GET ${descriptor.digest} from ${exchange.url.host}`)
        },
        descriptor,
        this.label
      )
    )
  }

  async open(descriptor: Descriptor): Promise<Readable> {
    const exchange = await this.retried(remainingMs => this.attempt('blobs', checkDigest(descriptor.digest), remainingMs))
    // An early refusal of a wrong size; with a content encoding, the length is of the encoded bytes.
    const length = exchange.response.headers.get('content-length')
    const encoded = (exchange.response.headers.get('content-encoding') ?? 'identity') !== 'identity'
    if (!encoded && length !== null && /^\d+$/.test(length) && Number(length) !== descriptor.size) {
      exchange.controller.abort()
      throw new BlobIntegrityError(`${this.label}: blob ${descriptor.digest} is sent as ${length} bytes, but its descriptor declares ${descriptor.size}`)
    }
    return verifyBlob(watchBody(exchange, this.limits, `GET blob ${descriptor.digest} from ${exchange.url.host}`), descriptor, this.label)
  }
}
