import { availableParallelism } from 'node:os'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { inspectSecretCandidate, isSecretCandidate, type SecretFinding } from '../analysis/secret-files.js'
import type { BlobSource } from './blobs.js'
import { isAttestationDescriptor, isAttestationManifest, notAnImage } from './image-kinds.js'
import { compressionOf, decompressor, type Compression } from './decompress.js'
import { entryKind, EntryKind, OverlayFilesystem, type FileVisitor, type HiddenVersion, type VisibleDirectory, type VisibleFile } from './filesystem.js'
import { LayerStoreError, type EntryVisitor, type LayerStore, type LayerSummary } from './layer-store.js'
import { PackageAttributor, type PackageMeasurement, type UnpackagedBytes } from './package-usage.js'
import { PackageCapture, type LayerPackages } from './packages.js'
import { TarScanner } from './tar.js'
import { joinedChunks } from '../net/joined-chunks.js'
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  platformName,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest
} from './types.js'
import { BlobIntegrityError, checkDescriptor, MAX_MANIFEST_DEPTH, MAX_MANIFESTS } from './verify.js'

export interface LayerMeasurement {
  digest: string
  /** Bytes of regular files recorded in the layer tar (links and headers count 0). */
  size: number
  /** Bytes of the layer blob as the manifest lists it: what a pull transfers. */
  compressedSize: number
  /** The history entry that made the layer. */
  createdBy: string
  /** The digest of the uncompressed tar, as the config lists it. */
  diffId?: string
  files: number
}

export interface PlatformMeasurement {
  platform: string
  /** The platform's manifest digest. */
  digest: string
  configDigest: string
  size: number
  compressedSize: number
  layerCount: number
  layers: LayerMeasurement[]
  /** Bytes of file versions hidden by later layers (see OverlayFilesystem). */
  wastedBytes: number
  /** (size - wastedBytes) / size, 1 for an empty image. */
  efficiency: number
  topFiles: VisibleFile[]
  topDirectories: VisibleDirectory[]
  topWaste: HiddenVersion[]
  /** Files of the final filesystem that hold credentials, with the index of the layer that wrote them. */
  secrets: Array<SecretFinding & { layer: number }>
  /** The final filesystem's bytes by package, largest first (see package-usage.ts). */
  packages: PackageMeasurement[]
  /** The bytes no package owns, by top folder, largest first. */
  unpackaged: UnpackagedBytes[]
  /** Package databases not read, or read in part, and why. */
  packageNotes: string[]
  /** The packages by the owner number a FileVisitor sees. */
  packageOwners: PackageMeasurement[]
  /** Wasted bytes by the layer that wrote them and the layer that hid them, largest first. */
  wasteByLayers: Array<{ writtenBy: number; hiddenBy: number; bytes: number }>
}

export interface PlatformImage {
  platform: string
  manifest: Descriptor
  config: Descriptor
  layers: Descriptor[]
  history: HistoryEntry[]
  /** The user the image runs as (its config's User; empty for root). */
  user: string
  /** The digests of the layers' uncompressed tars, in layer order (the config's rootfs.diff_ids). */
  diffIds: string[]
}

export interface ResolvedImage {
  /** The digest the image is known by: its index, or its manifest for a single platform. */
  digest: string
  platforms: PlatformImage[]
}

export class ImageFormatError extends Error {}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** A list a document may leave out; anything but an array there is refused. */
function listOf(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) throw new ImageFormatError(`${what} is not a list`)
  return value
}

function stringsOf(value: unknown, what: string): string[] {
  const list = listOf(value, what)
  if (list.some(item => typeof item !== 'string')) throw new ImageFormatError(`${what} holds something other than digests`)
  return list as string[]
}

/** A history entry with only the fields of the types they should have: a text is shown, a flag counted. */
function historyEntry(value: unknown): HistoryEntry {
  if (!isObject(value)) return {}
  const entry: HistoryEntry = {}
  for (const key of ['created', 'created_by', 'comment'] as const) if (typeof value[key] === 'string') entry[key] = value[key]
  if (value.empty_layer === true) entry.empty_layer = true
  return entry
}

/** The platform a config names, when the index gave none; only its text fields are believed. */
function configPlatform(config: ImageConfig): { os: string; architecture: string; variant?: string } {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)
  return { os: text(config.os) ?? 'unknown', architecture: text(config.architecture) ?? 'unknown', variant: text(config.variant) }
}

/**
 * Finds every platform image below the source's roots; attestation manifests are not platforms.
 * Every descriptor is checked before it is followed, and the walk is bounded in depth and in
 * manifests, so that an index of indexes without end cannot hold the run.
 */
export async function resolveImage(source: BlobSource): Promise<ResolvedImage> {
  const roots = (await source.roots()).map((root, index) => checkDescriptor(root, `${source.label}: root manifest ${index + 1}`))
  if (roots.length === 0) throw new ImageFormatError(`${source.label} holds no image`)
  const platforms: PlatformImage[] = []
  const seen = new Set<string>()
  const artifacts: string[] = []

  const visit = async (descriptor: Descriptor, depth: number): Promise<void> => {
    if (seen.has(descriptor.digest) || isAttestationDescriptor(descriptor)) return
    seen.add(descriptor.digest)
    if (seen.size > MAX_MANIFESTS) throw new ImageFormatError(`${source.label} has more than ${MAX_MANIFESTS} manifests and indexes`)
    if (INDEX_TYPES.includes(descriptor.mediaType)) {
      if (depth >= MAX_MANIFEST_DEPTH) throw new ImageFormatError(`${source.label}: index ${descriptor.digest} nests indexes more than ${MAX_MANIFEST_DEPTH} deep`)
      const index = await source.readJson<ImageIndex>(descriptor)
      const what = `${source.label}: index ${descriptor.digest}`
      if (!isObject(index)) throw new ImageFormatError(`${what} is not a JSON object`)
      const children = listOf(index.manifests, `${what}: manifests`).map((child, position) => checkDescriptor(child, `${what}: manifest ${position + 1}`))
      for (const child of children) await visit(child, depth + 1)
      return
    }
    if (!MANIFEST_TYPES.includes(descriptor.mediaType)) return
    const what = `${source.label}: manifest ${descriptor.digest}`
    const manifest = await source.readJson<ImageManifest>(descriptor)
    if (!isObject(manifest)) throw new ImageFormatError(`${what} is not a JSON object`)
    if (isAttestationManifest(manifest)) return
    const refusal = notAnImage(manifest)
    if (refusal !== undefined) {
      artifacts.push(`${descriptor.digest} is ${refusal}`)
      return
    }
    const configDescriptor = checkDescriptor(manifest.config, `${what}: config`)
    const layers = listOf(manifest.layers, `${what}: layers`).map((layer, position) => checkDescriptor(layer, `${what}: layer ${position + 1}`))
    const config = await source.readJson<ImageConfig>(configDescriptor)
    const configWhat = `${source.label}: config ${configDescriptor.digest}`
    if (!isObject(config)) throw new ImageFormatError(`${configWhat} is not a JSON object`)
    const history = listOf(config.history, `${configWhat}: history`).map(historyEntry)
    const user = isObject(config.config) && typeof config.config.User === 'string' ? config.config.User : ''
    platforms.push({
      platform: platformName(descriptor.platform ?? configPlatform(config)),
      manifest: descriptor,
      config: configDescriptor,
      layers,
      history,
      user,
      diffIds: stringsOf(isObject(config.rootfs) ? config.rootfs.diff_ids : undefined, `${configWhat}: rootfs.diff_ids`)
    })
  }

  for (const root of roots) await visit(root, 0)
  if (platforms.length === 0 && artifacts.length > 0) {
    throw new ImageFormatError(`${source.label} holds no container image to measure: ${artifacts.join('; ')}`)
  }
  if (platforms.length === 0) throw new ImageFormatError(`${source.label} holds no image manifest`)
  return { digest: roots[0].digest, platforms }
}

/** The history entry of each layer: history lists every step, layers only those not `empty_layer`. */
export function layerHistory(history: HistoryEntry[], layerCount: number): Array<HistoryEntry | undefined> {
  const withLayers = history.filter(entry => !entry.empty_layer)
  // Images whose history is missing or does not line up get no instruction rather than a wrong one.
  if (withLayers.length !== layerCount) return new Array<HistoryEntry | undefined>(layerCount).fill(undefined)
  return withLayers
}

/**
 * Reads one layer: from the store when it was read before (in this run or an earlier one), else by
 * streaming the blob through decompression and the tar scanner, which in the same pass measures it,
 * records its entries in the store and looks into the few files that may hold credentials.
 */
export async function readLayer(
  source: BlobSource,
  layer: Descriptor,
  store: LayerStore,
  apply: EntryVisitor,
  onRead?: () => void
): Promise<LayerSummary> {
  const stored = await store.stored(layer.digest)
  if (stored !== undefined) {
    try {
      checkStoredLayer(source, layer, stored.summary)
    } catch (error) {
      await stored.close()
      throw error
    }
    await stored.replay(apply)
    return stored.summary
  }
  onRead?.()
  const { writer, commit } = await store.writer(layer.digest)
  let size = 0
  let files = 0
  const secrets: SecretFinding[] = []
  const packageCapture = new PackageCapture()
  const scanner = new TarScanner(
    entry => {
      const kind = entryKind(entry.type, entry.path)
      if (kind === EntryKind.File) {
        size += entry.size
        files++
      }
      writer.add(entry.path, kind, entry.size, entry.linkName)
      apply(entry.path, kind, entry.size, entry.linkName)
      if (kind !== EntryKind.File) return false
      return isSecretCandidate(entry.path) || packageCapture.wants(entry)
    },
    (entry, content) => {
      const finding = inspectSecretCandidate(entry.path, content)
      if (finding) secrets.push(finding)
    }
  )
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      try {
        scanner.write(chunk)
        done()
      } catch (error) {
        done(error as Error)
      }
    },
    final(done) {
      try {
        scanner.end()
        done()
      } catch (error) {
        done(error as Error)
      }
    }
  })
  // Which stream failed first: a blob that does not decode may be another blob, and its digest says so.
  let failed: 'blob' | 'decoder' | undefined
  let packages: LayerPackages | undefined
  let compression: Compression = 'none'
  try {
    // Inside the try: a media type of no known compression is the image's fault, told as such.
    compression = compressionOf(layer.mediaType)
    const transform = decompressor(compression)
    const blob = await source.open(layer)
    blob.once('error', () => (failed ??= 'blob'))
    for (const stream of [transform, sink]) stream?.once('error', () => (failed ??= 'decoder'))
    // Sockets and pipes give small pieces: joined once here, whatever the source (see joined-chunks.ts).
    if (transform) await pipeline(blob, joinedChunks(), transform, sink)
    else await pipeline(blob, sink)
    // The source's stream ends only once the blob is verified: a decoder that stopped early must not
    // let an unverified remainder pass.
    if (!blob.readableEnded) throw new Error('the layer was not read to its end')
    packages = packageCapture.finish()
    await commit({ size, files, secrets, ...(packages ? { packages } : {}), compression, blobBytes: layer.size })
  } catch (error) {
    await writer.discard()
    if (error instanceof BlobIntegrityError || error instanceof LayerStoreError) throw error
    if (failed === 'decoder') await verifyWhole(source, layer)
    throw new ImageFormatError(`layer ${layer.digest} of ${source.label}: ${(error as Error).message}`)
  }
  return { version: 0, size, files, entries: writer.entries, entriesBytes: writer.bytes, secrets, ...(packages ? { packages } : {}), compression, blobBytes: layer.size }
}

/**
 * A layer replayed from the store is not read again, so its descriptor is held against what was
 * read: the same digest declared in another compression or length names bytes no puller can
 * decode as declared (the store keeps what a read of the blob found).
 */
function checkStoredLayer(source: BlobSource, layer: Descriptor, summary: LayerSummary): void {
  const declared = compressionOf(layer.mediaType)
  if (declared !== summary.compression) {
    const found = summary.compression === 'none' ? 'not compressed' : `${summary.compression} data`
    throw new BlobIntegrityError(`${source.label}: layer ${layer.digest} is declared ${layer.mediaType}, but its bytes, read before, are ${found}`)
  }
  if (layer.size !== summary.blobBytes) {
    throw new BlobIntegrityError(`${source.label}: layer ${layer.digest} is declared ${layer.size} bytes, but its blob, read before, is ${summary.blobBytes}`)
  }
}

/** Reads a blob to its end for its verification alone; throws only when it is not the blob it should be. */
async function verifyWhole(source: BlobSource, layer: Descriptor): Promise<void> {
  try {
    for await (const _chunk of await source.open(layer));
  } catch (error) {
    if (error instanceof BlobIntegrityError) throw error
  }
}

/** How many layers are read from their blobs at once: one per core, at least 2 (a fetch overlaps a scan), at most 4. */
export function layerReadConcurrency(): number {
  return Math.max(2, Math.min(4, availableParallelism()))
}

/** The process's memory past which no layer is read ahead: the rest are read in order. */
const READ_AHEAD_MEMORY = 128 * 2 ** 20

/**
 * Reads the layers ahead of the one being applied into the store, so that several decompress at
 * once (each on a thread of libuv's pool, their digests on hashing threads); they are then
 * replayed from the store in order. A failure of a layer read ahead is kept until that layer's
 * turn, so that what comes before it is measured as it would be read in order.
 */
class LayersAhead {
  private readonly reads = new Map<string, Promise<{ failed?: unknown; skipped?: boolean }>>()
  private running = 0
  /** Whether the layer being applied is read from its blob (not replayed from a read ahead): it takes a slot. */
  private headReading = false
  private stopped = false
  private readonly waiting: Array<() => void> = []

  constructor(
    private readonly source: BlobSource,
    private readonly store: LayerStore,
    private readonly concurrency: number,
    private readonly memory: number
  ) {}

  /** Starts reading these layers (in order, as slots free up) unless stored, started or already read. */
  start(layers: Array<{ layer: Descriptor; onRead: () => void }>): void {
    for (const { layer, onRead } of layers) {
      if (this.reads.has(layer.digest)) continue
      this.reads.set(
        layer.digest,
        this.slot(async () => {
          const stored = await this.store.stored(layer.digest)
          if (stored !== undefined) return stored.close()
          await readLayer(this.source, layer, this.store, () => undefined, onRead)
        }).then(
          ran => (ran ? {} : { skipped: true }),
          (failed: unknown) => ({ failed })
        )
      )
    }
  }

  /** Runs the work in a free slot; false when it was not run (stopped, or memory is short). */
  private async slot(work: () => Promise<void>): Promise<boolean> {
    // The layer being applied, when read from its blob, takes one of the slots.
    while (this.running >= this.concurrency - (this.headReading ? 1 : 0) && !this.stopped) await new Promise<void>(resolve => this.waiting.push(resolve))
    // An image of many files fills memory with its filesystem, and its layers cost the scan of the
    // tar more than decompression: reading them at once would gain little for the memory it takes.
    if (this.stopped || process.memoryUsage.rss() > this.memory) {
      // The slot stays free: the next one waiting decides for itself.
      this.waiting.shift()?.()
      return false
    }
    this.running++
    try {
      await work()
      return true
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  /** Reads the layer being applied from its blob, in a slot of its own. */
  async readHead<T>(read: () => Promise<T>): Promise<T> {
    this.headReading = true
    try {
      return await read()
    } finally {
      this.headReading = false
      this.waiting.shift()?.()
    }
  }

  /** Waits for the read of this layer when one was started ahead; true when one was. */
  async awaitRead(digest: string): Promise<boolean> {
    const read = this.reads.get(digest)
    if (read === undefined) return false
    const { failed, skipped } = await read
    if (failed !== undefined) throw failed
    return !skipped
  }

  /** Starts nothing more and lets the reads under way finish (their errors dropped): nothing is left writing into the store. */
  async settle(): Promise<void> {
    this.stopped = true
    this.waiting.splice(0).forEach(resolve => resolve())
    await Promise.all(this.reads.values())
  }
}

export interface MeasureOptions {
  /** Where layer entries are kept by digest (a temporary folder when nothing is kept between runs). */
  store: LayerStore
  /** How many of the largest files, directories and wasted versions to keep. */
  topCount?: number
  /**
   * A visitor of every visible path of a platform's final filesystem (e.g. to look for smells),
   * run in the same walk that finds the largest files: the tree is walked once.
   */
  visitFiles?: (platform: PlatformImage) => FileVisitor
  /** Called before each layer is read, for progress in the log. */
  onLayer?: (platform: string, index: number, layer: Descriptor) => void
  /** Called as each platform is finished, so that callers keep what was measured before a failure. */
  onPlatform?: (measurement: PlatformMeasurement) => void
  /** How many layers are read from their blobs at once (see layerReadConcurrency); 1 reads them in order. */
  concurrency?: number
  /** The process's memory (RSS) past which no more layers are read ahead (128 MiB when not given). */
  readAheadMemory?: number
}

/**
 * Measures every platform. A layer shared by several platforms (or repeated) is read once: layers
 * are content-addressed, so the digest is a safe key.
 */
export async function measureImage(
  source: BlobSource,
  image: ResolvedImage,
  options: MeasureOptions
): Promise<PlatformMeasurement[]> {
  const concurrency = options.concurrency ?? layerReadConcurrency()
  const ahead = concurrency > 1 ? new LayersAhead(source, options.store, concurrency, options.readAheadMemory ?? READ_AHEAD_MEMORY) : undefined
  // Each blob once, at its first place: a layer the platforms share must not fill the window of
  // those read ahead, or a distinct layer further on waits for the one before it to finish.
  const order: Array<{ layer: Descriptor; onRead: () => void }> = []
  const placeOf = new Map<string, number>()
  for (const platform of image.platforms) {
    for (const [index, layer] of platform.layers.entries()) {
      if (placeOf.has(layer.digest)) continue
      placeOf.set(layer.digest, order.length)
      order.push({ layer, onRead: () => options.onLayer?.(platform.platform, index, layer) })
    }
  }
  try {
    return await measureInOrder(image, options, async (layer, apply, onRead) => {
      // The layer to apply now is read directly unless it was started ahead; those after it start.
      if (!ahead) return readLayer(source, layer, options.store, apply, onRead)
      const place = placeOf.get(layer.digest)!
      const next = order.slice(place + 1, place + 1 + concurrency * 2)
      if (await ahead.awaitRead(layer.digest)) {
        // Read ahead: replayed from the store.
        ahead.start(next)
        return readLayer(source, layer, options.store, apply)
      }
      return ahead.readHead(() => {
        ahead.start(next)
        return readLayer(source, layer, options.store, apply, onRead)
      })
    })
  } finally {
    await ahead?.settle()
  }
}

type LayerReader = (layer: Descriptor, apply: EntryVisitor, onRead: () => void) => Promise<LayerSummary>

async function measureInOrder(image: ResolvedImage, options: MeasureOptions, read: LayerReader): Promise<PlatformMeasurement[]> {
  const results: PlatformMeasurement[] = []
  for (const platform of image.platforms) {
    const history = layerHistory(platform.history, platform.layers.length)
    const layers: LayerMeasurement[] = []
    const filesystem = new OverlayFilesystem(options.topCount ?? 10)
    const secrets: Array<SecretFinding & { layer: number }> = []
    const layerPackages: Array<LayerPackages | undefined> = []
    for (const [index, layer] of platform.layers.entries()) {
      const content = await read(
        layer,
        (path, kind, size, linkName) => filesystem.apply(path, kind, size, index, linkName),
        () => options.onLayer?.(platform.platform, index, layer)
      )
      for (const finding of content.secrets) secrets.push({ ...finding, layer: index })
      layerPackages.push(content.packages)
      layers.push({
        digest: layer.digest,
        size: content.size,
        compressedSize: layer.size,
        createdBy: history[index]?.created_by ?? '',
        ...(platform.diffIds[index] ? { diffId: platform.diffIds[index] } : {}),
        files: content.files
      })
    }
    const size = layers.reduce((sum, layer) => sum + layer.size, 0)
    const attribution = new PackageAttributor(filesystem, layerPackages)
    const visitor = options.visitFiles?.(platform)
    const largest = filesystem.largest(
      options.topCount ?? 10,
      visitor === undefined
        ? attribution.visit
        : (path, fileSize, layer, owner) => {
            attribution.visit(path, fileSize, layer, owner)
            visitor(path, fileSize, layer, owner)
          }
    )
    const packages = attribution.finish()
    const measurement: PlatformMeasurement = {
      platform: platform.platform,
      digest: platform.manifest.digest,
      configDigest: platform.config.digest,
      size,
      compressedSize: layers.reduce((sum, layer) => sum + layer.compressedSize, 0),
      layerCount: layers.length,
      layers,
      wastedBytes: filesystem.wastedBytes,
      efficiency: size === 0 ? 1 : (size - filesystem.wastedBytes) / size,
      topFiles: largest.files,
      topDirectories: largest.directories,
      topWaste: filesystem.topWaste.items,
      // A secret file counts only while the version that holds it is the visible one.
      secrets: secrets.filter(finding => filesystem.visibleLayer(finding.path) === finding.layer),
      packages: packages.packages,
      unpackaged: packages.unpackaged,
      packageNotes: packages.notes,
      packageOwners: packages.owners,
      wasteByLayers: [...filesystem.wasteByLayers]
        .map(([pair, bytes]) => ({ writtenBy: Math.floor(pair / 0x10000), hiddenBy: pair % 0x10000, bytes }))
        .sort((a, b) => b.bytes - a.bytes)
    }
    results.push(measurement)
    options.onPlatform?.(measurement)
  }
  return results
}
