// Generates a two-platform OCI layout with over 1 GiB of layer content, for the benchmark. Layers
// are distinct per platform so that every byte is really read; contents compress like typical
// binaries and libraries (a random block repeated with changes), with many small files too.
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
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

/** Makes the layout once and reuses it while its parameters are the same. */
export async function generateLayout(dir: string, totalContent: number, layersPerPlatform: number): Promise<GeneratedLayout> {
  const marker = path.join(dir, 'bench.json')
  if (existsSync(marker)) {
    const previous = JSON.parse(readFileSync(marker, 'utf8')) as GeneratedLayout & { version: string; requested: number }
    if (previous.version === LAYOUT_VERSION && previous.requested === totalContent && previous.layers === layersPerPlatform * 2) {
      return previous
    }
  }
  mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true })
  const perLayer = Math.ceil(totalContent / (2 * layersPerPlatform))
  const manifests = []
  let contentBytes = 0
  let tarBytes = 0
  let fileCount = 0
  for (const [platformIndex, architecture] of ['amd64', 'arm64'].entries()) {
    const layers = []
    const history = []
    for (let layer = 0; layer < layersPerPlatform; layer++) {
      const files = layerFiles(platformIndex * 100 + layer, perLayer)
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
  const result: GeneratedLayout = { dir, contentBytes, tarBytes, layers: layersPerPlatform * 2, files: fileCount }
  writeFileSync(marker, JSON.stringify({ ...result, version: LAYOUT_VERSION, requested: totalContent }))
  return result
}
