// An image of the local engine read as `docker image save` streams it, in one pass: the same
// measurement as the saved archive gives, and every blob that is not what it should be refused.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { ustarHeader } from '../__fixtures__/tar-header.js'
import { OciTarSource, type BlobSource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { ImageFormatError, measureImage, resolveImage } from '../src/image/measure.js'
import { ImageNotFoundError, openImageInput } from '../src/image/source.js'
import { StreamedLayoutSource } from '../src/image/streamed-layout.js'
import { TarFormatError } from '../src/image/tar.js'
import { BlobIntegrityError } from '../src/image/verify.js'
import type { Exec, StreamExec } from '../src/host.js'
import { packLayout, writeLayout, type LayerSpec } from './helpers/oci.js'
import { zstdCompress } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'
const PLAIN = 'application/vnd.oci.image.layer.v1.tar'
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

function tarOf(files: Array<{ name: string; size: number }>): Buffer {
  const parts: Buffer[] = []
  for (const file of files) parts.push(ustarHeader(file.name, file.size), randomBytes(file.size), Buffer.alloc((512 - (file.size % 512)) % 512))
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

/** Large layers (read as they stream) of each compression, and a small one (kept in memory). */
function layers(): LayerSpec[] {
  return [
    { blob: gzipSync(tarOf([{ name: 'base/lib.so', size: 1_500_000 }, { name: 'etc/os-release', size: 200 }])), mediaType: GZIP, createdBy: 'ADD base /' },
    { blob: zstdCompress(tarOf([{ name: 'app/bin', size: 1_300_000 }])), mediaType: ZSTD, createdBy: 'COPY bin /app' },
    { blob: tarOf([{ name: 'app/data', size: 1_200_000 }, { name: 'base/lib.so', size: 10 }]), mediaType: PLAIN, createdBy: 'COPY data /app' },
    { blob: gzipSync(tarOf([{ name: 'app/config.json', size: 300 }])), mediaType: GZIP, createdBy: 'COPY config.json /app' }
  ]
}

function archiveOf(specs: LayerSpec[]): string {
  const dir = tempDir('image-budget-oci-')
  writeLayout(dir, [{ os: 'linux', architecture: 'amd64', layers: specs }])
  const file = path.join(tempDir('image-budget-archive-'), 'image.tar')
  packLayout(dir, file)
  return file
}

const streamOf = (file: string, exitCode = 0, stderr = ''): StreamExec => () => ({ stdout: createReadStream(file), finished: Promise.resolve({ exitCode, stderr }) })

async function measure(source: BlobSource, store = new LayerStore(tempDir('image-budget-store-'))) {
  try {
    const streamed: string[] = []
    if (source instanceof StreamedLayoutSource) await source.readAll(store, digest => streamed.push(digest))
    const image = await resolveImage(source)
    if (source instanceof StreamedLayoutSource) source.checkLayers(image)
    const read: string[] = []
    const platforms = await measureImage(source, image, { store, onLayer: (_platform, _index, layer) => read.push(layer.digest) })
    return { platforms, streamed, read, store }
  } catch (error) {
    return { error: error as Error, store }
  }
}

const streamed = (file: string, stream = streamOf(file)) =>
  new StreamedLayoutSource('image app:1 from the engine', () => {
    const { stdout, finished } = stream('docker', ['image', 'save', 'app:1'])
    return { stream: stdout, finished: finished.then(({ exitCode }) => void (exitCode === 0 || Promise.reject(new Error('save failed')))) }
  })

describe('an engine image read as it streams', () => {
  it('measures as the saved archive does, its large layers read as they pass and nothing read twice', async () => {
    const specs = layers()
    const file = archiveOf(specs)
    const fromArchive = await measure(new OciTarSource(file))
    const fromStream = await measure(streamed(file))
    expect(fromStream.error).toBeUndefined()
    expect(fromStream.platforms).toEqual(fromArchive.platforms)
    expect(fromStream.streamed!.sort()).toEqual(specs.slice(0, 3).map(spec => sha256(spec.blob)).sort())
    // The small layer is read from memory while measuring; the others replay from the store.
    expect(fromStream.read).toEqual([sha256(specs[3].blob)])
  })

  it('skips the layers the store already holds, and opens the image through docker image save when Trivy does not scan it', async () => {
    const file = archiveOf(layers())
    const store = new LayerStore(tempDir('image-budget-store-'))
    await measure(streamed(file), store)
    const exec: Exec = async () => ({ exitCode: 0, stdout: 'sha256:abc\n', stderr: '' })
    const calls: string[][] = []
    const streamExec: StreamExec = (command, args) => (calls.push([command, ...args]), streamOf(file)(command, args))
    const opened = await openImageInput('app:1', { exec, streamExec, workDir: tempDir('image-budget-work-'), env: {} })
    expect(opened).toMatchObject({ origin: 'engine', imageId: 'sha256:abc' })
    expect(opened.archive).toBeUndefined()
    const again = await measure(opened.source, store)
    expect(again.streamed).toEqual([])
    expect(calls).toEqual([['docker', 'image', 'save', 'app:1']])
  })

  it('refuses a large layer whose bytes are not its digest, and keeps nothing of it', async () => {
    const specs = layers()
    const file = archiveOf(specs)
    const forged = specs[0].blob
    const data = readFileSync(file)
    const at = data.indexOf(forged.subarray(0, 4096))
    data[at + 5000] ^= 0xff
    writeFileSync(file, data)
    const outcome = await measure(streamed(file))
    expect(outcome.error).toBeInstanceOf(BlobIntegrityError)
    expect(outcome.error!.message).toMatch(new RegExp(`^image app:1 from the engine: blob ${sha256(forged)} holds other content: its bytes have digest sha256:[0-9a-f]{64}$`))
    expect(readdirSync(outcome.store.dir).filter(name => name.includes(sha256(forged).slice(7)))).toEqual([])
  })

  it('refuses a large layer that is its digest but does not decompress, as the archive does', async () => {
    const specs = layers()
    const corrupt = Buffer.from(specs[0].blob)
    corrupt.fill(0x55, 5000, 9000)
    specs[0] = { ...specs[0], blob: corrupt, diffId: sha256(Buffer.alloc(1)) }
    const file = archiveOf(specs)
    const outcome = await measure(streamed(file))
    expect(outcome.error).toBeInstanceOf(ImageFormatError)
    // Where the damage falls decides what fails first: gzip, or the tar inside.
    expect(outcome.error!.message).toMatch(new RegExp(`^layer ${sha256(corrupt)} of image app:1 from the engine: (the gzip data of the layer blob is corrupt|tar header at byte \\d+ .*checksum mismatch)`))
    const fromArchive = await measure(new OciTarSource(file))
    expect(outcome.error!.message.replace('image app:1 from the engine', 'X')).toBe(fromArchive.error!.message.replace(`image archive ${file}`, 'X'))
  })

  it('refuses a layer declared gzip whose bytes are a plain tar', async () => {
    const specs = layers()
    specs[2] = { ...specs[2], mediaType: GZIP, diffId: sha256(specs[2].blob) }
    const outcome = await measure(streamed(archiveOf(specs)))
    expect(outcome.error).toBeInstanceOf(BlobIntegrityError)
    expect(outcome.error!.message).toBe(`image app:1 from the engine: layer ${sha256(specs[2].blob)} is declared ${GZIP}, but its bytes are not compressed`)
  })

  it('refuses an archive cut short inside a layer, naming where', async () => {
    const file = archiveOf(layers())
    const data = readFileSync(file)
    writeFileSync(file, data.subarray(0, 700_000))
    const outcome = await measure(streamed(file))
    expect(outcome.error).toBeInstanceOf(TarFormatError)
    expect(outcome.error!.message).toMatch(/^image app:1 from the engine: the archive ends at byte 700000, inside blob sha256:[0-9a-f]{64}: it is truncated$/)
  })

  it('fails when docker image save fails, with what it said', async () => {
    const exec: Exec = async () => ({ exitCode: 0, stdout: 'sha256:abc\n', stderr: '' })
    const streamExec: StreamExec = () => ({ stdout: Readable.from([]), finished: Promise.resolve({ exitCode: 1, stderr: 'Error response from daemon: content digest not found\n' }) })
    const opened = await openImageInput('app:1', { exec, streamExec, workDir: tempDir('image-budget-work-'), env: {} })
    const outcome = await measure(opened.source)
    expect(outcome.error).toBeInstanceOf(ImageNotFoundError)
    expect(outcome.error!.message).toBe('docker image save app:1 failed: Error response from daemon: content digest not found')
  })

  it('fails with what stopped docker image save when its output ends inside a layer, not with the truncation that caused', async () => {
    const data = readFileSync(archiveOf(layers()))
    // The program fails at once (a signal stops it); its output ends inside the first large layer a while later.
    const stream = new PassThrough()
    stream.write(data.subarray(0, 700_000))
    const failure = new ImageNotFoundError('docker image save app:1 failed: it was stopped by SIGINT')
    const source = new StreamedLayoutSource('image app:1 from the engine', () => ({ stream, finished: Promise.reject(failure) }))
    const reading = source.readAll(new LayerStore(tempDir('image-budget-store-')))
    await new Promise(resolve => setTimeout(resolve, 100))
    stream.end()
    await expect(reading).rejects.toBe(failure)
  })
})

/** A layout of the test's layers, and its archive. */
function packedLayout(): { layout: string; file: string } {
  const layout = tempDir('image-budget-oci-')
  writeLayout(layout, [{ os: 'linux', architecture: 'amd64', layers: layers() }])
  const file = path.join(tempDir('image-budget-archive-'), 'image.tar')
  packLayout(layout, file)
  return { layout, file }
}

/** Appends a second copy of one of the layout's blobs to its archive; returns the blob's hex digest. */
function appendBlobAgain(layout: string, file: string): string {
  const [name] = readdirSync(path.join(layout, 'blobs', 'sha256'))
  execFileSync('tar', ['--format', 'pax', '-C', layout, '-rf', file, `./blobs/sha256/${name}`])
  return name
}

/** The first bytes of the largest blob of a layout: where a layer's content starts in its archive. */
function specsBlobStart(layout: string): Buffer {
  const dir = path.join(layout, 'blobs', 'sha256')
  const largest = readdirSync(dir).map(name => readFileSync(path.join(dir, name))).sort((a, b) => b.length - a.length)[0]
  return largest.subarray(0, 64)
}

describe('a build export read as it streams, its layout kept for Trivy', () => {
  /** Each blob file of a layout by name, with the digest of what it holds. */
  const blobsOf = (dir: string): Map<string, string> =>
    new Map(readdirSync(path.join(dir, 'blobs', 'sha256')).map(name => [name, sha256(readFileSync(path.join(dir, 'blobs', 'sha256', name)))]))
  const build = () => new StreamedLayoutSource('the build of app', () => {
    throw new Error('read from the build')
  })
  const exportOf = (file: string) => ({ stream: createReadStream(file), finished: Promise.resolve() })

  it('writes every blob as it passes, those the store already holds too, and measures as the archive does', async () => {
    const { layout, file } = packedLayout()
    const store = new LayerStore(tempDir('image-budget-store-'))
    for (const round of ['first', 'again']) {
      const keepIn = tempDir(`image-budget-kept-${round}-`)
      const source = build()
      const layers: string[] = []
      await source.readFrom(exportOf(file), store, digest => layers.push(digest), keepIn)
      const kept = blobsOf(keepIn)
      expect(kept).toEqual(blobsOf(layout))
      for (const [name, digest] of kept) expect(digest).toBe(`sha256:${name}`)
      // The second time the store holds every layer: none is read, all are written.
      expect(layers.length).toBe(round === 'first' ? 3 : 0)
      const fromArchive = await measure(new OciTarSource(file))
      const image = await resolveImage(source)
      expect(await measureImage(source, image, { store })).toEqual(fromArchive.platforms)
    }
  })

  it('refuses an archive that holds a blob twice, and leaves no blobs behind', async () => {
    const { layout, file } = packedLayout()
    const name = appendBlobAgain(layout, file)
    const keepIn = tempDir('image-budget-kept-')
    const reading = build().readFrom(exportOf(file), new LayerStore(tempDir('image-budget-store-')), undefined, keepIn)
    await expect(reading).rejects.toThrow(BlobIntegrityError)
    await expect(reading).rejects.toThrow(`the archive holds blob sha256:${name} twice`)
    expect(readdirSync(keepIn)).toEqual([])
  })

  it('refuses a layer the store holds whose bytes in the export are not its digest: what Trivy reads is checked too', async () => {
    const { layout, file } = packedLayout()
    const store = new LayerStore(tempDir('image-budget-store-'))
    await build().readFrom(exportOf(file), store)
    // The first large layer, one byte changed in the archive: the store already holds its digest.
    const data = readFileSync(file)
    const at = data.indexOf(specsBlobStart(layout)) + 1000
    data[at] ^= 0xff
    writeFileSync(file, data)
    const keepIn = tempDir('image-budget-kept-')
    await expect(build().readFrom(exportOf(file), store, undefined, keepIn)).rejects.toThrow(/^the build of app: blob sha256:[0-9a-f]{64} holds other content: its bytes have digest sha256:[0-9a-f]{64}$/)
    expect(readdirSync(keepIn)).toEqual([])
  })

  it('refuses an archive that holds a blob twice when nothing is kept on disk too', async () => {
    const { layout, file } = packedLayout()
    const name = appendBlobAgain(layout, file)
    await expect(build().readFrom(exportOf(file), new LayerStore(tempDir('image-budget-store-')))).rejects.toThrow(`the build of app: the archive holds blob sha256:${name} twice`)
  })

  it('refuses data after the end of the archive (a second archive) rather than ignore it unread', async () => {
    const file = archiveOf(layers())
    const data = readFileSync(file)
    writeFileSync(file, Buffer.concat([data, data]))
    await expect(build().readFrom(exportOf(file), new LayerStore(tempDir('image-budget-store-')))).rejects.toThrow(/^the build of app: data follows the end of the archive at byte \d+: it is not one OCI layout$/)
    // Zeros after the end are padding, as tar writes to fill a record.
    writeFileSync(file, Buffer.concat([data, Buffer.alloc(10240)]))
    await expect(build().readFrom(exportOf(file), new LayerStore(tempDir('image-budget-store-')))).resolves.toBeUndefined()
  })

  it('leaves no blobs behind of an export cut short', async () => {
    const file = archiveOf(layers())
    writeFileSync(file, readFileSync(file).subarray(0, 2_000_000))
    const keepIn = tempDir('image-budget-kept-')
    await expect(build().readFrom(exportOf(file), new LayerStore(tempDir('image-budget-store-')), undefined, keepIn)).rejects.toThrow(/^the build of app: the archive ends at byte 2000000, inside blob/)
    expect(readdirSync(keepIn)).toEqual([])
  })
})

