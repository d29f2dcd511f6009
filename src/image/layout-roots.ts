// The images an OCI layout folder really holds. When a build runs several exporters (a push or a
// load beside the layout that is measured), BuildKit may name in the layout's index.json the index
// another exporter made (with an attestation the layout lacks: buildx #3306), so index.json alone
// cannot be trusted. The layout's own blobs can: its manifests are found among them, and those that
// no index in the layout refers to are its roots.
import { access, open, readdir } from 'node:fs/promises'
import * as path from 'node:path'
import { isAttestationManifest, manifestKind } from './image-kinds.js'
import { INDEX_TYPES, MediaType, type Descriptor, type ImageIndex, type ImageManifest } from './types.js'

/** Manifests and indexes are small; a larger blob is a layer and is not opened. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024

interface FoundManifest {
  descriptor: Descriptor
  document: ImageIndex | ImageManifest
}

async function readSmallJson(file: string): Promise<{ document: unknown; size: number } | undefined> {
  const handle = await open(file, 'r')
  try {
    const { size } = await handle.stat()
    if (size > MAX_MANIFEST_BYTES || size < 2) return undefined
    const first = Buffer.alloc(1)
    await handle.read(first, 0, 1, 0)
    if (first[0] !== 0x7b) return undefined
    const text = (await handle.readFile()).toString('utf8')
    try {
      return { document: JSON.parse(text) as unknown, size }
    } catch {
      return undefined
    }
  } finally {
    await handle.close()
  }
}

/** Every index and manifest among the layout's blobs. */
async function manifestsOf(dir: string): Promise<FoundManifest[]> {
  const found: FoundManifest[] = []
  for (const algorithm of ['sha256', 'sha512']) {
    const names = await readdir(path.join(dir, 'blobs', algorithm)).catch(() => [] as string[])
    for (const name of names.sort()) {
      const read = await readSmallJson(path.join(dir, 'blobs', algorithm, name))
      if (read === undefined || typeof read.document !== 'object' || read.document === null) continue
      const document = read.document as ImageIndex | ImageManifest
      const kind = manifestKind(document)
      if (kind === 'other') continue
      const mediaType = document.mediaType ?? (kind === 'index' ? MediaType.OciIndex : MediaType.OciManifest)
      found.push({ descriptor: { mediaType, digest: `${algorithm}:${name}`, size: read.size }, document })
    }
  }
  return found
}

/**
 * The layout's roots: index.json's when every one of them and every manifest they name is in the
 * layout; otherwise the indexes and manifests among the blobs that no other index refers to,
 * attestations left out. Their platforms come from each manifest's own config.
 */
export async function layoutRoots(dir: string, named: Descriptor[]): Promise<Descriptor[]> {
  if (named.length > 0 && (await namesOnlyPresentBlobs(dir, named))) return named
  const found = await manifestsOf(dir)
  const referenced = new Set<string>()
  for (const { document } of found) {
    if (manifestKind(document) === 'index') for (const child of (document as ImageIndex).manifests ?? []) referenced.add(child.digest)
  }
  return found
    .filter(({ descriptor }) => !referenced.has(descriptor.digest))
    .filter(({ document }) => manifestKind(document) === 'index' || !isAttestationManifest(document as ImageManifest))
    .map(({ descriptor }) => descriptor)
}

function blobFile(dir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  return path.join(dir, 'blobs', algorithm, hex)
}

async function present(dir: string, digest: string): Promise<boolean> {
  return access(blobFile(dir, digest)).then(
    () => true,
    () => false
  )
}

async function namesOnlyPresentBlobs(dir: string, named: Descriptor[]): Promise<boolean> {
  for (const root of named) {
    if (!(await present(dir, root.digest))) return false
    if (!INDEX_TYPES.includes(root.mediaType)) continue
    const read = await readSmallJson(blobFile(dir, root.digest))
    const children = (read?.document as ImageIndex | undefined)?.manifests
    if (!Array.isArray(children)) return false
    for (const child of children) {
      if (!(await present(dir, child.digest))) return false
    }
  }
  return true
}
