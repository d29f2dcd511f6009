// Generates a two-platform OCI layout with over 1 GiB of layer content, for the benchmark. Layers
// are distinct per platform so that every byte is really read; contents compress like typical
// binaries and libraries (a random block repeated with changes), with many small files too.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import { createGzip } from 'node:zlib'
import { ustarHeader } from '../__fixtures__/tar-header.js'

const MiB = 2 ** 20
export const LAYOUT_VERSION = 'bench-v1'

interface FileSpec {
  name: string
  size: number
}

/** Yields a tar stream of the files; content is a seeded block with a counter stamped in. */
function* tarChunks(files: FileSpec[], seed: Buffer): Generator<Buffer> {
  const block = Buffer.alloc(256 * 1024)
  for (let i = 0; i < block.length; i += seed.length) seed.copy(block, i)
  let counter = 0
  for (const file of files) {
    yield ustarHeader(file.name, file.size, { mtime: 0o14000000000 })
    let left = file.size
    while (left > 0) {
      const piece = Math.min(left, block.length)
      // A different stamp every 4 KiB keeps gzip from collapsing the repeats entirely.
      for (let offset = 0; offset < piece; offset += 4096) block.writeUInt32LE(counter++ >>> 0, offset)
      yield Buffer.from(block.subarray(0, piece))
      left -= piece
    }
    const pad = (512 - (file.size % 512)) % 512
    if (pad > 0) yield Buffer.alloc(pad)
  }
  yield Buffer.alloc(1024)
}

/** Many small files, as a node_modules or a Python site-packages has: for memory with a million files. */
function smallFiles(layer: number, count: number): FileSpec[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `pkg${layer}/m${Math.floor(index / 1000)}/d${Math.floor(index / 40) % 25}/f${index}.js`,
    size: 64 + (index % 400)
  }))
}

function layerFiles(layer: number, contentBytes: number): FileSpec[] {
  const files: FileSpec[] = []
  let total = 0
  let index = 0
  // Mostly large files, and one small file in every five, as application layers have.
  while (total < contentBytes) {
    const size = index % 5 === 4 ? 700 + (index % 3000) : Math.min(4 * MiB + (index % 7) * 131_072, contentBytes - total)
    files.push({ name: `layer${layer}/dir${index % 50}/file${index}.bin`, size })
    total += size
    index++
  }
  return files
}

async function writeBlob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`
  const file = path.join(dir, 'blobs/sha256', digest.slice(7))
  writeFileSync(file, data)
  return { digest, size: data.length }
}

async function writeLayer(dir: string, files: FileSpec[], seed: Buffer): Promise<{ digest: string; size: number; tarBytes: number }> {
  const temp = path.join(dir, 'blobs/sha256', `tmp-${randomBytes(4).toString('hex')}`)
  const hash = createHash('sha256')
  let tarBytes = 0
  const source = Readable.from(
    (function* () {
      for (const chunk of tarChunks(files, seed)) {
        tarBytes += chunk.length
        yield chunk
      }
    })()
  )
  const gzip = createGzip({ level: 1 })
  gzip.on('data', chunk => hash.update(chunk))
  await pipeline(source, gzip, createWriteStream(temp))
  const digest = `sha256:${hash.digest('hex')}`
  renameSync(temp, path.join(dir, 'blobs/sha256', digest.slice(7)))
  return { digest, size: statSync(path.join(dir, 'blobs/sha256', digest.slice(7))).size, tarBytes }
}

export interface GeneratedLayout {
  dir: string
  contentBytes: number
  tarBytes: number
  layers: number
  files: number
}

export interface LayoutShape {
  platforms: string[]
  layersPerPlatform: number
  /** Bytes of file content in all, mostly in files of a few MB... */
  totalContent?: number
  /** ...or this many small files in all. */
  fileCount?: number
}

/** Makes the layout once and reuses it while its shape is the same. */
export async function generateLayout(dir: string, shape: LayoutShape): Promise<GeneratedLayout> {
  const marker = path.join(dir, 'bench.json')
  const requested = JSON.stringify(shape)
  if (existsSync(marker)) {
    const previous = JSON.parse(readFileSync(marker, 'utf8')) as GeneratedLayout & { version: string; requested: string }
    if (previous.version === LAYOUT_VERSION && previous.requested === requested) return previous
  }
  mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true })
  const layerCount = shape.platforms.length * shape.layersPerPlatform
  const perLayer = Math.ceil((shape.totalContent ?? 0) / layerCount)
  const filesPerLayer = Math.ceil((shape.fileCount ?? 0) / layerCount)
  const manifests = []
  let contentBytes = 0
  let tarBytes = 0
  let fileCount = 0
  for (const [platformIndex, architecture] of shape.platforms.entries()) {
    const layers = []
    const history = []
    for (let layer = 0; layer < shape.layersPerPlatform; layer++) {
      const files = shape.fileCount ? smallFiles(platformIndex * 100 + layer, filesPerLayer) : layerFiles(platformIndex * 100 + layer, perLayer)
      const seed = randomBytes(64 * 1024)
      const written = await writeLayer(dir, files, seed)
      layers.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: written.digest, size: written.size })
      history.push({ created_by: `COPY layer${layer} /layer${layer} # buildkit` })
      contentBytes += files.reduce((sum, file) => sum + file.size, 0)
      tarBytes += written.tarBytes
      fileCount += files.length
    }
    const config = await writeBlob(dir, Buffer.from(JSON.stringify({ os: 'linux', architecture, history, rootfs: { type: 'layers', diff_ids: [] } })))
    const manifest = await writeBlob(
      dir,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
          layers
        })
      )
    )
    manifests.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, platform: { os: 'linux', architecture } })
  }
  const index = await writeBlob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })))
  writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...index }] }))
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const result: GeneratedLayout = { dir, contentBytes, tarBytes, layers: layerCount, files: fileCount }
  writeFileSync(marker, JSON.stringify({ ...result, version: LAYOUT_VERSION, requested }))
  return result
}

/**
 * The image after a rebuild that changed one small layer: the same layout with the last layer of
 * every platform replaced by a new small one. Unchanged blobs are hard links to the original's.
 */
export async function rebuildLayout(original: string, dir: string): Promise<{ dir: string; changedBytes: number }> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true })
  for (const name of readdirSync(path.join(original, 'blobs/sha256'))) {
    linkSync(path.join(original, 'blobs/sha256', name), path.join(dir, 'blobs/sha256', name))
  }
  const readBlob = (digest: string) => JSON.parse(readFileSync(path.join(original, 'blobs/sha256', digest.slice(7)), 'utf8'))
  const rootIndex = JSON.parse(readFileSync(path.join(original, 'index.json'), 'utf8'))
  const index = readBlob(rootIndex.manifests[0].digest)
  let changedBytes = 0
  const manifests = []
  for (const entry of index.manifests) {
    const manifest = readBlob(entry.digest)
    const files = [{ name: `app/changed-${entry.platform.architecture}.js`, size: 20_000 }]
    const written = await writeLayer(dir, files, randomBytes(64 * 1024))
    changedBytes += written.size
    manifest.layers[manifest.layers.length - 1] = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: written.digest,
      size: written.size
    }
    manifests.push({ ...entry, ...(await writeBlob(dir, Buffer.from(JSON.stringify(manifest)))) })
  }
  const newIndex = await writeBlob(dir, Buffer.from(JSON.stringify({ ...index, manifests })))
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...newIndex }] })
  )
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  return { dir, changedBytes }
}
