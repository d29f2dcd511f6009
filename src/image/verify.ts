// Every blob is content-addressed: its descriptor names its digest and size, and nothing read from
// a layout, an archive or a registry is believed until its bytes match both. A source that serves
// other bytes, more or fewer, fails the read, and nothing of the blob is used or kept.

import { createHash, type Hash } from 'node:crypto'
import { Transform, type Readable, type TransformCallback } from 'node:stream'
import { formatSize } from '../config/size.js'
import { readCapped } from '../net/http.js'
import { OffThreadHash } from './hash-worker.js'
import { checkDigest, INDEX_TYPES, MANIFEST_TYPES, type Descriptor } from './types.js'

const MiB = 1024 * 1024
/** The largest index or manifest read into memory (real ones are a few KiB). */
export const MAX_MANIFEST_BYTES = 4 * MiB
/** The largest image config read into memory (long histories reach a few MiB). */
export const MAX_CONFIG_BYTES = 32 * MiB
/** The largest token response of a registry's authentication service. */
export const MAX_TOKEN_BYTES = 1 * MiB
/** How deep indexes may nest below the roots (buildx writes 2 levels). */
export const MAX_MANIFEST_DEPTH = 8
/** How many indexes and manifests one image may have in all. */
export const MAX_MANIFESTS = 1000

export class BlobIntegrityError extends Error {}

/** A byte count in messages: exact, with its size in the report's units once it is large. */
const bytes = (count: number): string => (count < 1000 ? `${count} bytes` : `${count} bytes (${formatSize(count)})`)

/** The cap of a JSON blob of this media type. */
export function jsonLimit(mediaType: string): number {
  return INDEX_TYPES.includes(mediaType) || MANIFEST_TYPES.includes(mediaType) ? MAX_MANIFEST_BYTES : MAX_CONFIG_BYTES
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

export function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** A descriptor as a manifest or index lists it, checked before its digest names a file or URL. */
export function checkDescriptor(value: unknown, where: string): Descriptor {
  if (!isObject(value)) throw new BlobIntegrityError(`${where} is not a descriptor: ${JSON.stringify(value)?.slice(0, 80)}`)
  const { mediaType, digest, size } = value
  if (typeof mediaType !== 'string') throw new BlobIntegrityError(`${where} has no media type`)
  if (typeof digest !== 'string') throw new BlobIntegrityError(`${where} has no digest`)
  try {
    checkDigest(digest)
  } catch (error) {
    throw new BlobIntegrityError(`${where}: ${(error as Error).message}`)
  }
  if (!isSize(size)) throw new BlobIntegrityError(`${where} (${digest}) has size ${JSON.stringify(size)}, which is not a byte count`)
  const { platform } = value
  if (platform !== undefined && (!isObject(platform) || typeof platform.os !== 'string' || typeof platform.architecture !== 'string' || !['string', 'undefined'].includes(typeof platform.variant))) {
    throw new BlobIntegrityError(`${where} (${digest}) has a platform without os and architecture: ${JSON.stringify(platform)?.slice(0, 80)}`)
  }
  if (value.annotations !== undefined && !isObject(value.annotations)) throw new BlobIntegrityError(`${where} (${digest}) has annotations that are not an object`)
  return value as unknown as Descriptor
}

function hashOf(digest: string): { algorithm: string; expected: string; hash: Hash } {
  const [algorithm, expected] = checkDigest(digest).split(':')
  return { algorithm, expected, hash: createHash(algorithm) }
}

/** The digest of bytes held in memory, in the algorithm of `like` (sha256 when not given). */
export function digestOf(data: Buffer, like = `sha256:${'0'.repeat(64)}`): string {
  const { algorithm, hash } = hashOf(like)
  return `${algorithm}:${hash.update(data).digest('hex')}`
}

/** Blobs from this size on are hashed on a hashing thread (see hash-worker.ts); smaller ones inline. */
export const OFF_THREAD_HASH_BYTES = 1 << 20

/**
 * Hashes and counts a blob as it passes: fails at the first byte past the declared size, and at the
 * end when the blob is shorter or its digest differs. Its readable side ends only for a blob that
 * is exactly what its descriptor says. A layer's bytes are hashed on another thread, in order,
 * while they go on to be decompressed here.
 */
export class BlobVerifier extends Transform {
  private readonly hash: Hash | undefined
  private readonly offThread: OffThreadHash | undefined
  private readonly algorithm: string
  private readonly expected: string
  private received = 0

  constructor(
    private readonly descriptor: Descriptor,
    private readonly label: string
  ) {
    super({ highWaterMark: 1 << 20 })
    const [algorithm, expected] = checkDigest(descriptor.digest).split(':')
    this.algorithm = algorithm
    this.expected = expected
    if (descriptor.size >= OFF_THREAD_HASH_BYTES) this.offThread = new OffThreadHash(algorithm)
    else this.hash = createHash(algorithm)
  }

  private problem(what: string): BlobIntegrityError {
    return new BlobIntegrityError(`${this.label}: blob ${this.descriptor.digest} ${what}`)
  }

  _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.received += chunk.length
    if (this.received > this.descriptor.size) {
      done(this.problem(`has more than the ${bytes(this.descriptor.size)} its descriptor declares`))
      return
    }
    if (this.hash) {
      this.hash.update(chunk)
      done(null, chunk)
      return
    }
    const wait = this.offThread!.update(chunk)
    this.push(chunk)
    if (wait) wait.then(() => done(), done)
    else done()
  }

  _flush(done: TransformCallback): void {
    if (this.received < this.descriptor.size) {
      done(this.problem(`ends after ${this.received} bytes, but its descriptor declares ${bytes(this.descriptor.size)}`))
      return
    }
    const check = (actual: string): void => {
      if (actual !== this.expected) done(this.problem(`holds other content: its bytes have digest ${this.algorithm}:${actual}`))
      else done()
    }
    if (this.hash) check(this.hash.digest('hex'))
    else this.offThread!.digest().then(check, done)
  }

  _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.offThread?.abandon()
    done(error)
  }
}

/** The blob's bytes through a BlobVerifier; errors of `blob` come out of the returned stream. */
export function verifyBlob(blob: Readable, descriptor: Descriptor, label: string): Readable {
  const verifier = new BlobVerifier(descriptor, label)
  blob.on('error', error => verifier.destroy(error))
  verifier.on('close', () => blob.destroy())
  return blob.pipe(verifier)
}

export function parseJson<T>(data: Buffer, what: string): T {
  try {
    return JSON.parse(data.toString('utf8')) as T
  } catch {
    throw new BlobIntegrityError(`${what} is not JSON (${JSON.stringify(data.subarray(0, 40).toString('utf8'))}...)`)
  }
}

/** Refuses a JSON blob whose descriptor claims more than its kind may hold, before it is fetched. */
export function checkJsonSize(descriptor: Descriptor, label: string): void {
  const limit = jsonLimit(descriptor.mediaType)
  if (descriptor.size > limit) {
    throw new BlobIntegrityError(`${label}: blob ${descriptor.digest} (${descriptor.mediaType}) declares ${formatSize(descriptor.size)}, more than the ${formatSize(limit)} such a document may have`)
  }
}

/** A verified JSON blob: its size checked before reading, its bytes while reading. */
export async function readJsonBlob<T>(open: () => Promise<Readable>, descriptor: Descriptor, label: string): Promise<T> {
  checkJsonSize(descriptor, label)
  const data = await readCapped(verifyBlob(await open(), descriptor, label), jsonLimit(descriptor.mediaType), `${label}: blob ${descriptor.digest}`)
  return parseJson<T>(data, `${label}: blob ${descriptor.digest}`)
}
