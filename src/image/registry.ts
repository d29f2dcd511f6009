import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import * as os from 'node:os'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { BlobSource } from './blobs.js'
import { formatReference, registryBaseUrl, type ImageReference } from './reference.js'
import { checkDigest, INDEX_TYPES, MANIFEST_TYPES, type Descriptor } from './types.js'

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

/**
 * Reads an image from a registry with the distribution API: manifests and configs as JSON, layers
 * as streams. Anonymous or basic credentials, and the bearer-token flow registries ask for.
 */
export class RegistrySource implements BlobSource {
  readonly label: string
  private readonly baseUrl: string
  private authorization: string | undefined

  constructor(
    private readonly reference: ImageReference,
    private readonly basicAuth?: string,
    private readonly fetchImpl: typeof fetch = fetch
  ) {
    this.label = `registry image ${formatReference(reference)}`
    this.baseUrl = registryBaseUrl(reference.registry)
  }

  private async request(url: string, accept?: string): Promise<Response> {
    const send = (): Promise<Response> => {
      const headers: Record<string, string> = {}
      if (accept) headers.Accept = accept
      if (this.authorization) headers.Authorization = this.authorization
      return this.fetchImpl(url, { headers, redirect: 'follow' })
    }
    let response: Response
    try {
      response = await send()
      if (response.status === 401 && this.authorization === undefined) {
        await response.body?.cancel()
        this.authorization = await this.authorize(response.headers.get('www-authenticate') ?? '')
        response = await send()
      }
    } catch (error) {
      throw new RegistryError(`${this.label}: cannot reach ${this.baseUrl} (${(error as Error).message})`)
    }
    if (!response.ok) {
      await response.body?.cancel()
      const what = response.status === 404 ? 'not found' : `HTTP ${response.status}`
      throw new RegistryError(`${this.label}: ${what} for ${url.replace(this.baseUrl, '')}`)
    }
    return response
  }

  private async authorize(challenge: string): Promise<string> {
    const { scheme, params } = parseChallenge(challenge)
    if (scheme === 'basic') {
      if (!this.basicAuth) throw new RegistryError(`${this.label}: the registry asks for credentials (docker login)`)
      return `Basic ${this.basicAuth}`
    }
    if (scheme !== 'bearer' || !params.realm) throw new RegistryError(`${this.label}: unsupported authentication "${challenge}"`)
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    url.searchParams.set('scope', params.scope ?? `repository:${this.reference.repository}:pull`)
    const headers: Record<string, string> = this.basicAuth ? { Authorization: `Basic ${this.basicAuth}` } : {}
    const response = await this.fetchImpl(url, { headers })
    if (!response.ok) throw new RegistryError(`${this.label}: token request refused (HTTP ${response.status})`)
    const body = (await response.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`${this.label}: token response had no token`)
    return `Bearer ${token}`
  }

  private url(kind: 'manifests' | 'blobs', ref: string): string {
    return `${this.baseUrl}/v2/${this.reference.repository}/${kind}/${ref}`
  }

  async roots(): Promise<Descriptor[]> {
    const ref = this.reference.digest ?? this.reference.tag ?? 'latest'
    const response = await this.request(this.url('manifests', ref), MANIFEST_ACCEPT)
    const body = Buffer.from(await response.arrayBuffer())
    const digest = response.headers.get('docker-content-digest') ?? `sha256:${createHash('sha256').update(body).digest('hex')}`
    const mediaType =
      (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ??
      response.headers.get('content-type')?.split(';')[0] ??
      ''
    return [{ mediaType, digest, size: body.length }]
  }

  async readJson<T>(descriptor: Descriptor): Promise<T> {
    const isManifest = [...INDEX_TYPES, ...MANIFEST_TYPES].includes(descriptor.mediaType)
    const response = await this.request(
      this.url(isManifest ? 'manifests' : 'blobs', checkDigest(descriptor.digest)),
      isManifest ? MANIFEST_ACCEPT : undefined
    )
    return (await response.json()) as T
  }

  async open(descriptor: Descriptor): Promise<Readable> {
    const response = await this.request(this.url('blobs', checkDigest(descriptor.digest)))
    if (!response.body) throw new RegistryError(`${this.label}: empty response for blob ${descriptor.digest}`)
    return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>, { highWaterMark: 1 << 20 })
  }
}
