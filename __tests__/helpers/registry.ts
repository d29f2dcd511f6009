// A second reading of an image, independent of src/: the registry's HTTP API, or an OCI layout
// extracted by GNU tar, for manifests and blob sizes, and GNU tar for the bytes of regular files in
// each layer.
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { removeTempDir, tempDir } from './temp.js'

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export interface RegistryPlatform {
  platform: string
  digest: string
  layerBlobSizes: number[]
  layerFileBytes: number[]
}

export interface ReadImage {
  /** The digest of what the reference or layout names: an index, or a manifest. */
  indexDigest: string
  platforms: RegistryPlatform[]
}

function split(reference: string): { host: string; repository: string; tag: string } {
  const [host, ...rest] = reference.split('/')
  const [repository, tag] = rest.join('/').split(':')
  return { host, repository, tag }
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url, { headers: { Accept: ACCEPT } })
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return response.json()
}

/** Sums the sizes GNU tar lists for regular files (`-` in the mode column); links count 0. */
export function tarFileBytes(blobFile: string): number {
  const listing = execFileSync('tar', ['--numeric-owner', '-tvf', blobFile], { encoding: 'utf8', maxBuffer: 1 << 28 })
  let total = 0
  for (const line of listing.split('\n')) {
    if (!line.startsWith('-')) continue
    total += Number(line.trim().split(/\s+/)[2])
  }
  return total
}

interface ImageReader {
  json(digest: string): Promise<any>
  /** A file holding the blob, for GNU tar. */
  blobFile(digest: string): Promise<string>
}

const isAttestation = (entry: any): boolean =>
  entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
  entry.artifactType === 'application/vnd.docker.attestation.manifest.v1+json' ||
  (entry.platform?.os === 'unknown' && entry.platform?.architecture === 'unknown')

/** Walks indexes down to the platform manifests (attestations left out) and reads each layer. */
async function readPlatforms(root: any, rootDigest: string, reader: ImageReader): Promise<RegistryPlatform[]> {
  const platforms: RegistryPlatform[] = []
  const visit = async (document: any, digest: string, platform?: any): Promise<void> => {
    if (Array.isArray(document.manifests)) {
      for (const entry of document.manifests) {
        if (!isAttestation(entry)) await visit(await reader.json(entry.digest), entry.digest, entry.platform)
      }
      return
    }
    const config = platform ?? (await reader.json(document.config.digest))
    const layerFileBytes: number[] = []
    for (const layer of document.layers) layerFileBytes.push(tarFileBytes(await reader.blobFile(layer.digest)))
    platforms.push({
      platform: [config.os, config.architecture, config.variant].filter(Boolean).join('/'),
      digest,
      layerBlobSizes: document.layers.map((layer: { size: number }) => layer.size),
      layerFileBytes
    })
  }
  await visit(root, rootDigest)
  return platforms
}

export async function readPushedImage(reference: string): Promise<ReadImage> {
  const { host, repository, tag } = split(reference)
  const base = `http://${host}/v2/${repository}`
  const head = await fetch(`${base}/manifests/${tag}`, { headers: { Accept: ACCEPT } })
  if (!head.ok) throw new Error(`${reference}: HTTP ${head.status}`)
  const indexDigest = head.headers.get('docker-content-digest') ?? ''
  const scratch = tempDir('image-budget-blobs-')
  try {
    const reader: ImageReader = {
      json: digest => getJson(`${base}/manifests/${digest}`).catch(() => getJson(`${base}/blobs/${digest}`)),
      blobFile: async digest => {
        const file = path.join(scratch, digest.replace(':', '-'))
        writeFileSync(file, Buffer.from(await (await fetch(`${base}/blobs/${digest}`)).arrayBuffer()))
        return file
      }
    }
    return { indexDigest, platforms: await readPlatforms(await head.json(), indexDigest, reader) }
  } finally {
    removeTempDir(scratch)
  }
}

/**
 * Reads an OCI layout tar (`docker image save`, `--output type=oci,dest=x.tar`) extracted by GNU
 * tar; the blob files' own sizes are checked against the manifests that name them.
 */
export async function readOciArchive(archive: string): Promise<ReadImage> {
  const dir = tempDir('image-budget-layout-')
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir])
    const blob = (digest: string): string => path.join(dir, 'blobs', ...digest.split(':'))
    const reader: ImageReader = {
      json: async digest => JSON.parse(readFileSync(blob(digest), 'utf8')),
      blobFile: async digest => blob(digest)
    }
    const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'))
    const platforms = await readPlatforms(index, '', reader)
    for (const platform of platforms) {
      const manifest = await reader.json(platform.digest)
      for (const layer of manifest.layers) {
        if (statSync(blob(layer.digest)).size !== layer.size) throw new Error(`${archive}: blob ${layer.digest} is not ${layer.size} bytes`)
      }
    }
    return { indexDigest: index.manifests?.length === 1 ? index.manifests[0].digest : '', platforms }
  } finally {
    removeTempDir(dir)
  }
}

/** The registry's digest of a tag, from the Docker-Content-Digest header of a HEAD request. */
export async function registryDigest(reference: string): Promise<string> {
  const { host, repository, tag } = split(reference)
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: ACCEPT } })
  if (!response.ok) throw new Error(`${reference}: HTTP ${response.status}`)
  return response.headers.get('docker-content-digest') ?? ''
}
