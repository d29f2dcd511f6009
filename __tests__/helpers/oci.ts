import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
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
export type AttestationForm = 'unknown-platform' | 'artifact'

/** An attestation of the given platform manifest, in the form older BuildKit or BuildKit 0.32 stores it. */
function attestationEntry(dir: string, subject: { mediaType: string; digest: string; size: number }, form: AttestationForm) {
  const statement = writeBlob(dir, Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: 'https://slsa.dev/provenance/v0.2', predicate: {} })))
  const layers = [{ mediaType: 'application/vnd.in-toto+json', ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } }]
  if (form === 'unknown-platform') {
    const config = writeBlob(dir, Buffer.from('{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}'))
    const manifest = writeBlob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })))
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { os: 'unknown', architecture: 'unknown' },
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': subject.digest }
    }
  }
  // BuildKit 0.32: an OCI artifact with an empty config and a subject, known by its artifact type alone.
  const empty = writeBlob(dir, Buffer.from('{}'))
  const artifactType = 'application/vnd.docker.attestation.manifest.v1+json'
  const manifest = writeBlob(
    dir,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType, config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty }, layers, subject }))
  )
  return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, artifactType }
}

export function writeLayout(dir: string, platforms: PlatformSpec[], form: AttestationForm = 'unknown-platform'): { indexDigest: string; manifestDigests: string[] } {
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
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [...manifests, ...manifests.map(manifest => attestationEntry(dir, { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size }, form))]
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

/** An OCI layout holding a Helm chart: an OCI artifact that is not a container image. */
export function writeHelmChartLayout(dir: string): { manifestDigest: string } {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const config = writeBlob(dir, Buffer.from('{"name":"chart","version":"0.1.0","apiVersion":"v2"}'))
  const chart = writeBlob(dir, Buffer.from('chart archive bytes'))
  const manifest = writeBlob(
    dir,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', ...chart }]
      })
    )
  )
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest }] }))
  return { manifestDigest: manifest.digest }
}

/** Pushes every blob and manifest of a layout to a registry (plain HTTP) with the distribution API, and tags its root. */
export async function pushLayout(dir: string, reference: string): Promise<string> {
  const [host, ...rest] = reference.split('/')
  const [repository, tag] = rest.join('/').split(':')
  const base = `http://${host}/v2/${repository}`
  const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'))
  const blobFile = (digest: string): string => path.join(dir, 'blobs', 'sha256', digest.slice(7))
  const manifests = new Set<string>()
  const collect = (digest: string): void => {
    const document = JSON.parse(readFileSync(blobFile(digest), 'utf8'))
    manifests.add(digest)
    for (const child of document.manifests ?? []) collect(child.digest)
  }
  for (const root of index.manifests) collect(root.digest)
  for (const name of readdirSync(path.join(dir, 'blobs', 'sha256'))) {
    const digest = `sha256:${name}`
    if (manifests.has(digest)) continue
    // As a builder pushes: a blob the registry says it has is not sent.
    if ((await fetch(`${base}/blobs/${digest}`, { method: 'HEAD' })).status === 200) continue
    const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
    const location = new URL(started.headers.get('location')!, `http://${host}`)
    location.searchParams.set('digest', digest)
    const put = await fetch(location, { method: 'PUT', body: readFileSync(blobFile(digest)), headers: { 'content-type': 'application/octet-stream' } })
    if (!put.ok) throw new Error(`blob ${digest}: HTTP ${put.status}`)
  }
  // Children before the indexes that name them, as registries require.
  for (const digest of [...manifests].reverse()) {
    const body = readFileSync(blobFile(digest))
    const mediaType = JSON.parse(body.toString('utf8')).mediaType
    const put = await fetch(`${base}/manifests/${digest}`, { method: 'PUT', body, headers: { 'content-type': mediaType } })
    if (!put.ok) throw new Error(`manifest ${digest}: HTTP ${put.status} ${await put.text()}`)
  }
  const root = index.manifests[0]
  const tagged = await fetch(`${base}/manifests/${tag}`, { method: 'PUT', body: readFileSync(blobFile(root.digest)), headers: { 'content-type': root.mediaType } })
  if (!tagged.ok) throw new Error(`tag ${tag}: HTTP ${tagged.status}`)
  return root.digest
}
