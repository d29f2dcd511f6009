// A second reading of a pushed image, independent of src/: the registry's HTTP API for manifests
// and blob sizes, and GNU tar for the bytes of regular files in each layer.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

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

export async function readPushedImage(reference: string): Promise<{ indexDigest: string; platforms: RegistryPlatform[] }> {
  const { host, repository, tag } = split(reference)
  const base = `http://${host}/v2/${repository}`
  const head = await fetch(`${base}/manifests/${tag}`, { headers: { Accept: ACCEPT } })
  const indexDigest = head.headers.get('docker-content-digest') ?? ''
  const index = (await head.json()) as { manifests: any[] }
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'image-budget-blobs-'))
  const platforms: RegistryPlatform[] = []
  for (const entry of index.manifests) {
    if (entry.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') continue
    const manifest = await getJson(`${base}/manifests/${entry.digest}`)
    const layerFileBytes: number[] = []
    for (const layer of manifest.layers) {
      const blob = Buffer.from(await (await fetch(`${base}/blobs/${layer.digest}`)).arrayBuffer())
      const file = path.join(scratch, layer.digest.replace(':', '-'))
      writeFileSync(file, blob)
      layerFileBytes.push(tarFileBytes(file))
    }
    platforms.push({
      platform: [entry.platform.os, entry.platform.architecture, entry.platform.variant].filter(Boolean).join('/'),
      digest: entry.digest,
      layerBlobSizes: manifest.layers.map((layer: { size: number }) => layer.size),
      layerFileBytes
    })
  }
  return { indexDigest, platforms }
}
