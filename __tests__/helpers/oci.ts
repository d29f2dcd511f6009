import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'

export interface LayerSpec {
  blob: Buffer
  mediaType: string
  createdBy: string
  /** The uncompressed tar's digest, for a blob that does not decompress (a hostile one). */
  diffId?: string
}

export interface PlatformSpec {
  os: string
  architecture: string
  layers: LayerSpec[]
  /** History steps that made no layer (ENV, USER, ...), inserted first. */
  emptySteps?: string[]
}

const digestOf = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** The digest of the uncompressed tar, as a config's rootfs.diff_ids lists it. */
function diffIdOf(layer: LayerSpec): string {
  if (layer.diffId !== undefined) return layer.diffId
  const tar = layer.mediaType.endsWith('+gzip') || layer.mediaType.endsWith('.gzip') ? gunzipSync(layer.blob) : layer.mediaType.endsWith('+zstd') ? zstdDecompress(layer.blob) : layer.blob
  return digestOf(tar)
}

function zstdDecompress(blob: Buffer): Buffer {
  return execFileSync('zstd', ['-d', '-q', '-c'], { input: blob, maxBuffer: 1 << 28 })
}

function writeBlob(dir: string, data: Buffer): { digest: string; size: number } {
  const digest = digestOf(data)
  const file = path.join(dir, 'blobs', 'sha256', digest.slice(7))
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, data)
  return { digest, size: data.length }
}

/**
 * Writes an OCI image layout as buildx does: index.json names an index of one manifest per
 * platform, plus an attestation manifest that is not a platform.
 */
export function writeLayout(dir: string, platforms: PlatformSpec[]): { indexDigest: string; manifestDigests: string[] } {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const manifests = []
  for (const platform of platforms) {
    const layers = platform.layers.map(layer => ({ mediaType: layer.mediaType, ...writeBlob(dir, layer.blob) }))
    const config = {
      os: platform.os,
      architecture: platform.architecture,
      rootfs: { type: 'layers', diff_ids: platform.layers.map(layer => diffIdOf(layer)) },
      history: [
        ...(platform.emptySteps ?? []).map(step => ({ created_by: step, empty_layer: true })),
        ...platform.layers.map(layer => ({ created_by: layer.createdBy }))
      ]
    }
    const configBlob = writeBlob(dir, Buffer.from(JSON.stringify(config)))
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
        layers
      })
    )
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...writeBlob(dir, manifest),
      platform: { os: platform.os, architecture: platform.architecture }
    })
  }
  const attestation = writeBlob(dir, Buffer.from('{"schemaVersion":2,"layers":[]}'))
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        ...manifests,
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...attestation,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': manifests[0].digest }
        }
      ]
    })
  )
  const indexBlob = writeBlob(dir, index)
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...indexBlob }] })
  )
  return { indexDigest: indexBlob.digest, manifestDigests: manifests.map(manifest => manifest.digest) }
}

/** Packs a layout folder into one uncompressed tar, as `docker save` delivers it. */
export function packLayout(dir: string, tarFile: string): void {
  execFileSync('tar', ['--format', 'pax', '-C', dir, '-cf', tarFile, '.'])
}
