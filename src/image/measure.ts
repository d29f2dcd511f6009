import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { BlobSource } from './blobs.js'
import { compressionOf, decompressor } from './decompress.js'
import { TarScanner, type TarEntry } from './tar.js'
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

export interface LayerMeasurement {
  digest: string
  /** Bytes of regular files recorded in the layer tar (links and headers count 0). */
  size: number
  /** Bytes of the layer blob as the manifest lists it: what a pull transfers. */
  compressedSize: number
  /** The history entry that made the layer. */
  createdBy: string
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
}

export interface PlatformImage {
  platform: string
  manifest: Descriptor
  config: Descriptor
  layers: Descriptor[]
  history: HistoryEntry[]
}

export interface ResolvedImage {
  /** The digest the image is known by: its index, or its manifest for a single platform. */
  digest: string
  platforms: PlatformImage[]
}

export class ImageFormatError extends Error {}

function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
  )
}

/** Finds every platform image below the source's roots; attestation manifests are not platforms. */
export async function resolveImage(source: BlobSource): Promise<ResolvedImage> {
  const roots = await source.roots()
  if (roots.length === 0) throw new ImageFormatError(`${source.label} holds no image`)
  const platforms: PlatformImage[] = []
  const seen = new Set<string>()

  const visit = async (descriptor: Descriptor): Promise<void> => {
    if (seen.has(descriptor.digest) || isAttestation(descriptor)) return
    seen.add(descriptor.digest)
    if (INDEX_TYPES.includes(descriptor.mediaType)) {
      const index = await source.readJson<ImageIndex>(descriptor)
      for (const child of index.manifests ?? []) await visit(child)
      return
    }
    if (!MANIFEST_TYPES.includes(descriptor.mediaType)) return
    const manifest = await source.readJson<ImageManifest>(descriptor)
    const config = await source.readJson<ImageConfig>(manifest.config)
    const platform = descriptor.platform ?? {
      os: config.os ?? 'unknown',
      architecture: config.architecture ?? 'unknown',
      variant: config.variant
    }
    platforms.push({
      platform: platformName(platform),
      manifest: descriptor,
      config: manifest.config,
      layers: manifest.layers ?? [],
      history: config.history ?? []
    })
  }

  for (const root of roots) await visit(root)
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

export interface LayerContent {
  size: number
  files: number
}

/** Listens to the entries of a layer; issue-specific analyses add their own. */
export type EntryVisitor = (entry: TarEntry) => void

/** Streams one layer blob through decompression and the tar scanner. */
export async function scanLayer(source: BlobSource, layer: Descriptor, visit?: EntryVisitor): Promise<LayerContent> {
  const content: LayerContent = { size: 0, files: 0 }
  const scanner = new TarScanner(entry => {
    if (entry.type === 'file') {
      content.size += entry.size
      content.files++
    }
    visit?.(entry)
  })
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
  const transform = decompressor(compressionOf(layer.mediaType))
  const blob = await source.open(layer)
  try {
    if (transform) await pipeline(blob, transform, sink)
    else await pipeline(blob, sink)
  } catch (error) {
    throw new ImageFormatError(`layer ${layer.digest} of ${source.label}: ${(error as Error).message}`)
  }
  return content
}

export interface MeasureOptions {
  /** Called before each layer is read, for progress in the log. */
  onLayer?: (platform: string, index: number, layer: Descriptor) => void
  /** Called as each platform is finished, so that callers keep what was measured before a failure. */
  onPlatform?: (measurement: PlatformMeasurement) => void
}

/**
 * Measures every platform. A layer shared by several platforms (or repeated) is read once: layers
 * are content-addressed, so the digest is a safe key.
 */
export async function measureImage(
  source: BlobSource,
  image: ResolvedImage,
  options: MeasureOptions = {}
): Promise<PlatformMeasurement[]> {
  const contents = new Map<string, LayerContent>()
  const results: PlatformMeasurement[] = []
  for (const platform of image.platforms) {
    const history = layerHistory(platform.history, platform.layers.length)
    const layers: LayerMeasurement[] = []
    for (const [index, layer] of platform.layers.entries()) {
      let content = contents.get(layer.digest)
      if (content === undefined) {
        options.onLayer?.(platform.platform, index, layer)
        content = await scanLayer(source, layer)
        contents.set(layer.digest, content)
      }
      layers.push({
        digest: layer.digest,
        size: content.size,
        compressedSize: layer.size,
        createdBy: history[index]?.created_by ?? '',
        files: content.files
      })
    }
    const measurement: PlatformMeasurement = {
      platform: platform.platform,
      digest: platform.manifest.digest,
      configDigest: platform.config.digest,
      size: layers.reduce((sum, layer) => sum + layer.size, 0),
      compressedSize: layers.reduce((sum, layer) => sum + layer.compressedSize, 0),
      layerCount: layers.length,
      layers
    }
    results.push(measurement)
    options.onPlatform?.(measurement)
  }
  return results
}
