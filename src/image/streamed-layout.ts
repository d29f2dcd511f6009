// An OCI layout tar read once, as it streams (`docker image save` to a pipe): nothing of the image
// is written to disk. The archive is sorted by name, so its layers come before index.json says what
// they are: each large blob is read as a layer as it passes (verified, decompressed by what its
// first bytes are, scanned into the layer store), small blobs are kept in memory, and once the
// stream ends the image is resolved from those. Measuring then replays the layers from the store.
import { createHash, type Hash } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import * as path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import type { BlobSource } from './blobs.js'
import { MissingBlobError } from './blobs.js'
import { compressionOf, type Compression } from './decompress.js'
import type { LayerStore } from './layer-store.js'
import { readLayer, resolveImage, type ResolvedImage } from './measure.js'
import { TarFormatError, TarHeaderReader, paddedSize } from './tar.js'
import { checkDigest, type Descriptor } from './types.js'
import { BlobIntegrityError, BlobVerifier, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, parseJson, readJsonBlob, verifyBlob } from './verify.js'

const MiB = 2 ** 20
/** Blobs up to this size are kept in memory whatever they are (manifests, configs, small layers). */
const SMALL_BLOB_BYTES = MiB
/** All that is kept in memory of one archive: beyond it, large JSON blobs (attestations) are not kept. */
const MAX_KEPT_BYTES = 64 * MiB
/** The largest pax or GNU long-name record read into memory. */
const MAX_METADATA_BYTES = MiB

const LAYER_TYPES: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  none: 'application/vnd.oci.image.layer.v1.tar'
}

/** The compression a blob's first bytes say (gzip and zstd magic numbers; anything else is a plain tar). */
function sniff(first: Buffer): Compression {
  if (first[0] === 0x1f && first[1] === 0x8b) return 'gzip'
  if (first.length >= 4 && first.readUInt32LE(0) === 0xfd2fb528) return 'zstd'
  return 'none'
}

/** Bytes of a stream taken as they are asked for: whole fields, or pieces of a member's content. */
class StreamBytes {
  private chunk: Buffer = Buffer.alloc(0)
  position = 0
  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    while (this.chunk.length === 0) {
      const next = await this.chunks.next()
      if (next.done) return false
      this.chunk = next.value
    }
    return true
  }

  /** Exactly `count` bytes; undefined when the stream ends before the first of them. */
  async exactly(count: number, what: string): Promise<Buffer | undefined> {
    const parts: Buffer[] = []
    let got = 0
    while (got < count) {
      if (!(await this.fill())) {
        if (got === 0) return undefined
        throw new TarFormatError(`the archive ends at byte ${this.position}, inside ${what}: it is truncated`)
      }
      const piece = this.chunk.subarray(0, count - got)
      this.chunk = this.chunk.subarray(piece.length)
      parts.push(piece)
      got += piece.length
      this.position += piece.length
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts)
  }

  /** The next `count` bytes without taking them (at most what one chunk holds, at least 1). */
  async peek(count: number): Promise<Buffer> {
    if (!(await this.fill())) return Buffer.alloc(0)
    if (this.chunk.length < count) {
      const more = await this.chunks.next()
      if (!more.done) this.chunk = Buffer.concat([this.chunk, more.value])
    }
    return this.chunk.subarray(0, count)
  }

  /** Hands the next `count` bytes to `take` piece by piece, as they arrive. */
  async pieces(count: number, what: string, take: (piece: Buffer) => Promise<void> | void): Promise<void> {
    for (let left = count; left > 0; ) {
      if (!(await this.fill())) throw new TarFormatError(`the archive ends at byte ${this.position}, inside ${what}: it is truncated`)
      const piece = this.chunk.subarray(0, left)
      this.chunk = this.chunk.subarray(piece.length)
      left -= piece.length
      this.position += piece.length
      await take(piece)
    }
  }

  /**
   * Reads what follows the archive's end, which may only be zeros (padding to a record): anything
   * else is a second archive or trailing data, which is never ignored unread.
   */
  async drainZeros(): Promise<void> {
    for (;;) {
      if (this.chunk.some(byte => byte !== 0)) throw new TarFormatError(`data follows the end of the archive at byte ${this.position}: it is not one OCI layout`)
      this.position += this.chunk.length
      const next = await this.chunks.next()
      if (next.done) return
      this.chunk = next.value
    }
  }
}

/** What the walk found of one large blob. */
interface StreamedLayer {
  compression: Compression
  /** Why reading it as a layer failed, without the `layer ... of ...:` that measuring adds again. */
  failure?: Error
}

/** A stream of an OCI layout tar and the end of the program that writes it (which throws when it failed). */
export interface LayoutStream {
  stream: Readable
  finished: Promise<void>
}

export class StreamedLayoutSource implements BlobSource {
  private readonly kept = new Map<string, Buffer>()
  private readonly layers = new Map<string, StreamedLayer>()
  private index: Buffer | undefined
  private keptBytes = 0
  private walked = false

  constructor(
    readonly label: string,
    private readonly start: () => LayoutStream
  ) {}

  /**
   * Reads the whole archive once: layers into the store (those it already holds are skipped
   * unread), the rest kept to resolve the image from. Call before anything else.
   */
  async readAll(store: LayerStore, onLayer?: (digest: string, size: number) => void): Promise<void> {
    if (this.walked) return
    await this.readFrom(this.start(), store, onLayer)
  }

  /**
   * Takes one blob handed in alone (a build pushing it, see PushSink), as a blob of the archive is
   * taken: a layer read into the store as it comes, anything else kept; its bytes are exactly `size`.
   */
  async take(digest: string, size: number, body: AsyncIterable<Buffer>, store: LayerStore, onLayer?: (digest: string, size: number) => void, files?: BlobFiles): Promise<void> {
    checkDigest(digest)
    const bytes = new StreamBytes(body[Symbol.asyncIterator]() as AsyncIterator<Buffer>)
    if (size === 0) {
      this.kept.set(digest, Buffer.alloc(0))
      const file = await files?.open(digest)
      await file?.close()
    } else {
      await this.blob(digest, size, bytes, store, onLayer, files)
    }
    if ((await bytes.peek(1)).length > 0) throw new BlobIntegrityError(`${this.label}: blob ${digest} has more bytes than the ${size} it was sent with`)
  }

  /**
   * Ends what was handed in with take: `root` (the image pushed by tag) is what the source holds,
   * as index.json names the images of an archive.
   */
  handedIn(root: Descriptor): void {
    this.index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [root] }))
    this.walked = true
  }

  /**
   * Reads an archive handed in (a build's export as it is written), as readAll does. With `keepIn`,
   * every blob is also written there as it passes, as the `blobs` folder of an OCI layout, for a
   * reader that needs the image on disk (Trivy): one pass makes both.
   */
  async readFrom(layout: LayoutStream, store: LayerStore, onLayer?: (digest: string, size: number) => void, keepIn?: string): Promise<void> {
    const { stream, finished } = layout
    // The program may end (a failure, or a signal that stops the step) while a blob is still being
    // read: its failure is taken below, and must not be an unhandled rejection until then.
    finished.catch(() => undefined)
    const files = keepIn === undefined ? undefined : new BlobFiles(keepIn, this.label)
    const seen = new Set<string>()
    const bytes = new StreamBytes(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>)
    const reader = new TarHeaderReader()
    try {
      for (;;) {
        const position = bytes.position
        // An archive may end without its zero blocks, as Go's reader allows, but not inside a header.
        const block = await bytes.exactly(512, 'a tar header')
        if (block === undefined) break
        const step = reader.next(block, 0, position)
        if (step === 'end') break
        if (step === 'block') continue
        const size = reader.dataBytes
        if (step === 'metadata') {
          if (size > MAX_METADATA_BYTES) throw new TarFormatError(`the metadata record at byte ${position} declares ${size} bytes, more than a name may need`)
          reader.metadata((await bytes.exactly(paddedSize(size), 'a metadata record'))!.subarray(0, size))
          continue
        }
        const { path, type, sparse } = reader.entry
        const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path)
        const what = `entry "${path}"`
        if (type === 'file' && sparse === undefined && path === 'index.json') {
          if (size > MAX_MANIFEST_BYTES) throw new BlobIntegrityError(`${this.label}: index.json is ${size} bytes, more than an index may have`)
          this.index = size === 0 ? Buffer.alloc(0) : await bytes.exactly(size, what)
        } else if (type === 'file' && sparse === undefined && blob && isDigest(`${blob[1]}:${blob[2]}`) && size > 0) {
          const digest = `${blob[1]}:${blob[2]}`
          // Two versions of one blob: which one was measured, and which one a reader takes, would differ.
          if (seen.has(digest)) throw new BlobIntegrityError(`${this.label}: the archive holds blob ${digest} twice`)
          seen.add(digest)
          await this.blob(digest, size, bytes, store, onLayer, files)
        } else {
          await bytes.pieces(size, what, () => undefined)
        }
        await bytes.pieces(paddedSize(size) - size, what, () => undefined)
      }
      await bytes.drainZeros()
    } catch (error) {
      // Output that ended by itself, cut short, is explained by the program's failure when it failed.
      const endedEarly = stream.readableEnded
      stream.destroy()
      await files?.abandon()
      const failure = await finished.then(
        () => undefined,
        (failed: unknown) => failed ?? new Error('the program writing it failed')
      )
      if (endedEarly && failure !== undefined) throw failure
      if (error instanceof TarFormatError) throw new TarFormatError(`${this.label}: ${error.message}`)
      throw error
    }
    await finished
    this.walked = true
  }

  private async blob(
    digest: string,
    size: number,
    bytes: StreamBytes,
    store: LayerStore,
    onLayer: ((digest: string, size: number) => void) | undefined,
    files: BlobFiles | undefined
  ): Promise<void> {
    const what = `blob ${digest}`
    const first = await bytes.peek(4)
    const json = first[0] === 0x7b
    const file = await files?.open(digest)
    const passOn = async (piece: Buffer): Promise<void> => file?.write(piece)
    const pass = async (): Promise<void> => {
      if (size <= SMALL_BLOB_BYTES || (json && size <= MAX_CONFIG_BYTES)) {
        if (this.keptBytes + size <= MAX_KEPT_BYTES) {
          // Counted before it is read: blobs handed in side by side share one bound.
          this.keptBytes += size
          const kept = (await bytes.exactly(size, what))!
          await passOn(kept)
          this.kept.set(digest, kept)
          if (!json) this.layers.set(digest, { compression: sniff(first) })
          return
        }
        if (size <= SMALL_BLOB_BYTES) throw new BlobIntegrityError(`${this.label} holds more than ${MAX_KEPT_BYTES / MiB} MiB of small blobs`)
      }
      if (json && size <= MAX_CONFIG_BYTES) {
        // A large JSON blob past what is kept (an attestation): not needed unless a manifest names it as a config.
        await bytes.pieces(size, what, passOn)
        return
      }
      await this.layer(digest, size, first, bytes, store, onLayer, file)
    }
    try {
      await pass()
    } catch (error) {
      // What stopped the reading is the error; the file, cut short, goes with the folder.
      await file?.close().catch(() => undefined)
      throw error
    }
    await file?.close()
  }

  private async layer(
    digest: string,
    size: number,
    first: Buffer,
    bytes: StreamBytes,
    store: LayerStore,
    onLayer: ((digest: string, size: number) => void) | undefined,
    file: BlobFile | undefined
  ): Promise<void> {
    const what = `blob ${digest}`
    const passOn = async (piece: Buffer): Promise<void> => file?.write(piece)
    const compression = sniff(first)
    const layer: StreamedLayer = { compression }
    this.layers.set(digest, layer)
    const stored = await store.stored(digest)
    if (stored !== undefined) {
      // Read before: its bytes are not needed (the digest names what the store holds).
      await stored.close()
      await bytes.pieces(size, what, passOn)
      return
    }
    onLayer?.(digest, size)
    // Its bytes go through the verifier below: they are not hashed a second time for the file.
    file?.verifiedElsewhere()
    const descriptor: Descriptor = { mediaType: LAYER_TYPES[compression], digest, size }
    // The bytes are verified here, upstream of what readLayer reads: when its decoder stops on a
    // corrupt blob, the rest still passes through the verifier, which then says whether it was the blob.
    const verifier = new BlobVerifier(descriptor, this.label)
    const member = new PassThrough({ highWaterMark: MiB })
    verifier.on('error', error => member.destroy(error))
    // The failure reaches the reading through `verified`; a reader that already stopped must not make it unhandled.
    member.on('error', () => undefined)
    member.on('close', () => verifier.resume())
    verifier.pipe(member)
    const verified = new Promise<void>((resolve, reject) => {
      verifier.on('end', resolve)
      verifier.on('error', reject)
    })
    verified.catch(() => undefined)
    let opened = 0
    const source: BlobSource = {
      label: this.label,
      roots: async () => [],
      readJson: async () => {
        throw new MissingBlobError(`${this.label}: a layer has no JSON`)
      },
      open: async () => (opened++ === 0 ? member : Readable.from((async function* () {
        await verified
      })()))
    }
    const reading = readLayer(source, descriptor, store, () => undefined).then(
      () => undefined,
      (error: Error) => {
        member.destroy()
        return error
      }
    )
    try {
      await bytes.pieces(size, what, async piece => {
        await passOn(piece)
        if (verifier.destroyed) return
        if (!verifier.write(piece)) await drained(verifier)
      })
    } catch (error) {
      // The archive failed inside the layer: nothing of it is kept, and its hashing stops.
      verifier.destroy(error as Error)
      await reading
      throw error
    }
    verifier.end()
    const failure = await reading
    if (failure) {
      const prefix = `layer ${digest} of ${this.label}: `
      layer.failure = failure.message.startsWith(prefix) && !(failure instanceof BlobIntegrityError) ? new Error(failure.message.slice(prefix.length)) : failure
    }
  }

  private walkedOnly(): void {
    if (!this.walked) throw new Error(`${this.label} is read as it streams: readAll comes first`)
  }

  async roots(): Promise<Descriptor[]> {
    this.walkedOnly()
    if (this.index === undefined) throw new MissingBlobError(`${this.label} has no index.json`)
    const index = parseJson<{ manifests?: unknown }>(this.index, `${this.label}: index.json`)
    if (typeof index !== 'object' || index === null || !Array.isArray(index.manifests ?? [])) throw new BlobIntegrityError(`${this.label}: index.json has no list of manifests`)
    return (index.manifests ?? []) as Descriptor[]
  }

  async readJson<T>(descriptor: Descriptor): Promise<T> {
    return readJsonBlob<T>(() => this.open(descriptor), descriptor, this.label)
  }

  async open(descriptor: Descriptor): Promise<Readable> {
    this.walkedOnly()
    const kept = this.kept.get(descriptor.digest)
    if (kept !== undefined) {
      if (kept.length !== descriptor.size) throw new BlobIntegrityError(`${this.label}: blob ${descriptor.digest} is ${kept.length} bytes, but its descriptor declares ${descriptor.size}`)
      return verifyBlob(Readable.from([kept]), descriptor, this.label)
    }
    const failure = this.layers.get(descriptor.digest)?.failure
    if (failure) throw failure
    throw new MissingBlobError(`${this.label} names blob ${descriptor.digest} but does not contain it (or it was read as a layer and is not one)`)
  }

  /**
   * Refuses a layer the manifests declare in another compression than its bytes are in: it was read
   * by what its bytes are, and a layer that does not decompress as declared is not an image's.
   */
  checkLayers(image: ResolvedImage): void {
    for (const platform of image.platforms) {
      for (const layer of platform.layers) {
        const streamed = this.layers.get(layer.digest)
        if (streamed === undefined || streamed.failure) continue
        const declared = compressionOf(layer.mediaType)
        if (declared !== streamed.compression) {
          throw new BlobIntegrityError(`${this.label}: layer ${layer.digest} is declared ${layer.mediaType}, but its bytes are ${streamed.compression === 'none' ? 'not compressed' : `${streamed.compression} data`}`)
        }
      }
    }
  }
}

/** One blob being written to a layout's `blobs` folder, at the pace the disk takes it. */
interface BlobFile {
  write(piece: Buffer): Promise<void>
  /**
   * The blob is read as a layer, through a verifier of its own whose failure fails every reading
   * of it: the file's bytes need no hash of their own.
   */
  verifiedElsewhere(): void
  /** Closes the file, and refuses a blob whose bytes are not its digest. */
  close(): Promise<void>
}

/**
 * The `blobs` folder of an OCI layout, written as an archive streams past. Every blob written that
 * is not read as a layer is hashed as it is: a layer the store already holds is not read again, but
 * what Trivy reads of it must be what its digest names all the same.
 */
export class BlobFiles {
  constructor(
    private readonly dir: string,
    private readonly label: string
  ) {}

  async open(digest: string): Promise<BlobFile> {
    const [algorithm, hex] = digest.split(':')
    let hash: Hash | undefined = createHash(algorithm)
    const folder = path.join(this.dir, 'blobs', algorithm)
    await mkdir(folder, { recursive: true })
    const file = path.join(folder, hex)
    // Never written over (readFrom refuses a blob the archive holds twice).
    const handle = await open(file, 'wx')
    let closed = false
    return {
      verifiedElsewhere: () => {
        hash = undefined
      },
      write: async piece => {
        hash?.update(piece)
        for (let offset = 0; offset < piece.length; ) offset += (await handle.write(piece, offset)).bytesWritten
      },
      close: async () => {
        if (closed) return
        closed = true
        await handle.close()
        const actual = hash?.digest('hex') ?? hex
        if (actual !== hex) throw new BlobIntegrityError(`${this.label}: blob ${digest} holds other content: its bytes have digest ${algorithm}:${actual}`)
      }
    }
  }

  /** Removes what was written of an archive that failed: no half layout is left to scan. */
  async abandon(): Promise<void> {
    await rm(path.join(this.dir, 'blobs'), { recursive: true, force: true })
  }
}

function isDigest(digest: string): boolean {
  try {
    checkDigest(digest)
    return true
  } catch {
    return false
  }
}

function drained(stream: NodeJS.WritableStream & { destroyed: boolean }): Promise<void> {
  return new Promise(resolve => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}

/**
 * The image a source holds, resolved for measuring. An image read as it streams is read whole
 * first, into the store: its layers come before the manifests that name them.
 */
export async function resolveForMeasuring(source: BlobSource, store: LayerStore, onLayer?: (digest: string, size: number) => void): Promise<ResolvedImage> {
  if (source instanceof StreamedLayoutSource) await source.readAll(store, onLayer)
  const image = await resolveImage(source)
  if (source instanceof StreamedLayoutSource) source.checkLayers(image)
  return image
}
