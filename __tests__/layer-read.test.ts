// Layers read several at a time, their digests computed on hashing threads: the same measurement as
// reading them one by one, and every blob that is not what its descriptor says still refused.
import { describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, readdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { ustarHeader } from '../__fixtures__/tar-header.js'
import { OciDirectorySource, type BlobSource } from '../src/image/blobs.js'
import { LayerStore, LayerStoreError } from '../src/image/layer-store.js'
import { measureImage, resolveImage, type PlatformMeasurement } from '../src/image/measure.js'
import { BlobIntegrityError, OFF_THREAD_HASH_BYTES, verifyBlob } from '../src/image/verify.js'
import { writeLayout, type PlatformSpec } from './helpers/oci.js'
import { tempDir } from './helpers/temp.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

/** A tar of these files (random content, so that gzip keeps layers large). */
function tarOf(files: Array<{ name: string; size: number }>): Buffer {
  const parts: Buffer[] = []
  for (const file of files) {
    parts.push(ustarHeader(file.name, file.size), randomBytes(file.size), Buffer.alloc((512 - (file.size % 512)) % 512))
  }
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** A stream of the data in pieces of these sizes, in turn. */
const inPieces = (data: Buffer, sizes: number[]): Readable =>
  Readable.from(
    (function* () {
      for (let at = 0, turn = 0; at < data.length; turn++) {
        const size = sizes[turn % sizes.length]
        yield data.subarray(at, at + size)
        at += size
      }
    })()
  )

describe('verifying a layer blob on a hashing thread', () => {
  const blob = randomBytes(11 * 2 ** 20 + 12345)
  const descriptor = { mediaType: GZIP, digest: sha256(blob), size: blob.length }

  it('passes the blob through unchanged, whatever its pieces (larger than the ring, or a few bytes)', async () => {
    expect(blob.length).toBeGreaterThan(OFF_THREAD_HASH_BYTES)
    for (const sizes of [[1 << 20], [5 * 2 ** 20 + 3, 17, 65536], [blob.length]]) {
      expect((await collect(verifyBlob(inPieces(blob, sizes), descriptor, 'test'))).equals(blob)).toBe(true)
    }
  })

  it('refuses a blob with one byte changed, naming the digest its bytes have', async () => {
    const forged = Buffer.from(blob)
    forged[forged.length - 100] ^= 1
    const attempt = collect(verifyBlob(inPieces(forged, [300_000]), descriptor, 'test'))
    await expect(attempt).rejects.toThrow(BlobIntegrityError)
    await expect(collect(verifyBlob(inPieces(forged, [300_000]), descriptor, 'test'))).rejects.toThrow(
      `test: blob ${descriptor.digest} holds other content: its bytes have digest ${sha256(forged)}`
    )
  })

  it('refuses a blob shorter or longer than declared', async () => {
    await expect(collect(verifyBlob(inPieces(blob.subarray(0, blob.length - 1), [1 << 20]), descriptor, 'test'))).rejects.toThrow(
      `ends after ${blob.length - 1} bytes, but its descriptor declares ${blob.length} bytes`
    )
    await expect(collect(verifyBlob(inPieces(Buffer.concat([blob, Buffer.alloc(1)]), [1 << 20]), descriptor, 'test'))).rejects.toThrow('has more than the')
  })

  it('verifies many blobs at once, more than there are hashing threads, each against its own digest', async () => {
    const blobs = Array.from({ length: 9 }, (_, index) => randomBytes(OFF_THREAD_HASH_BYTES + index * 100_003))
    const forgedAt = 4
    const results = await Promise.allSettled(
      blobs.map((data, index) => {
        const declared = { mediaType: GZIP, digest: sha256(index === forgedAt ? blobs[0] : data), size: data.length }
        return collect(verifyBlob(inPieces(data, [200_000 + index]), declared, `blob ${index}`))
      })
    )
    expect(results.map(result => result.status)).toEqual(blobs.map((_, index) => (index === forgedAt ? 'rejected' : 'fulfilled')))
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') expect(result.value.equals(blobs[index])).toBe(true)
    })
  })
})

describe('reading several layers at once', () => {
  // Each layer overwrites part of the previous one's files, so that the order they are applied in shows.
  const layerTars = Array.from({ length: 6 }, (_, layer) =>
    tarOf([
      { name: `shared/file${layer % 2}.bin`, size: 300_000 + layer * 1000 },
      { name: `layer${layer}/data.bin`, size: 700_000 + layer * 5000 },
      { name: 'shared/last.txt', size: 100 + layer }
    ])
  )
  const platforms = (blobs: Buffer[]): PlatformSpec[] => [
    { os: 'linux', architecture: 'amd64', layers: blobs.slice(0, 4).map((blob, index) => ({ blob, mediaType: GZIP, createdBy: `COPY ${index}` })) },
    // The first two layers again (read once), then two of its own.
    { os: 'linux', architecture: 'arm64', layers: [...blobs.slice(0, 2), ...blobs.slice(4)].map((blob, index) => ({ blob, mediaType: GZIP, createdBy: `COPY ${index}` })) }
  ]

  async function measure(dir: string, concurrency: number, store = new LayerStore(tempDir('image-budget-store-')), readAheadMemory = Infinity) {
    const layout = new OciDirectorySource(dir)
    // Counts the blobs open at once: layers read ahead show as more than one.
    let open = 0
    let mostOpen = 0
    const source: BlobSource = {
      label: layout.label,
      roots: () => layout.roots(),
      readJson: descriptor => layout.readJson(descriptor),
      open: async descriptor => {
        const stream = await layout.open(descriptor)
        mostOpen = Math.max(mostOpen, ++open)
        stream.once('close', () => open--)
        return stream
      }
    }
    const read: string[] = []
    const finished: PlatformMeasurement[] = []
    try {
      const measured = await measureImage(source, await resolveImage(source), {
        store,
        concurrency,
        // Whatever the test process holds already: these layers are small.
        readAheadMemory,
        onLayer: (_platform, _index, layer) => read.push(layer.digest),
        onPlatform: platform => finished.push(platform)
      })
      return { measured, read, finished, store, mostOpen }
    } catch (error) {
      return { error: error as Error, read, finished, store, mostOpen }
    }
  }

  it('measures exactly as reading them in order does, each distinct layer read once', async () => {
    const dir = tempDir('image-budget-oci-')
    const blobs = layerTars.map(tar => gzipSync(tar))
    writeLayout(dir, platforms(blobs))
    const inOrder = await measure(dir, 1)
    const atOnce = await measure(dir, 4)
    expect(atOnce.error).toBeUndefined()
    expect(atOnce.measured).toEqual(inOrder.measured)
    expect(inOrder.mostOpen).toBe(1)
    expect(atOnce.mostOpen).toBeGreaterThan(1)
    expect(atOnce.read.sort()).toEqual(blobs.map(sha256).sort())
    expect(inOrder.measured![1].wastedBytes).toBeGreaterThan(0)
  })

  it('reads the rest in order, every layer still read once, once memory is short', async () => {
    const dir = tempDir('image-budget-oci-')
    const blobs = layerTars.map(tar => gzipSync(tar))
    writeLayout(dir, platforms(blobs))
    const inOrder = await measure(dir, 1)
    // Enough memory for the first read ahead, short for every one after it (waiting for a slot meanwhile).
    let asked = 0
    const shortAfterFirst = { valueOf: () => (asked++ === 0 ? Infinity : 0) } as unknown as number
    const short = await measure(dir, 2, undefined, shortAfterFirst)
    expect(short.error).toBeUndefined()
    expect(short.measured).toEqual(inOrder.measured)
    expect(short.read.sort()).toEqual([...inOrder.read].sort())
    expect(asked).toBeGreaterThan(1)
    const never = await measure(dir, 4, undefined, 0)
    expect(never.measured).toEqual(inOrder.measured)
    expect(never.mostOpen).toBe(1)
    expect(never.read).toEqual(inOrder.read)
  })

  it('refuses a layer read ahead whose bytes are not its digest, once its turn comes, with what came before it measured', async () => {
    const dir = tempDir('image-budget-oci-')
    const blobs = layerTars.map(tar => gzipSync(tar))
    writeLayout(dir, platforms(blobs))
    // The last layer of the second platform: read ahead while the first platform is measured.
    const forged = blobs[5]
    const other = Buffer.from(forged)
    other[1000] ^= 0xff
    writeFileSync(path.join(dir, 'blobs/sha256', sha256(forged).slice(7)), other)
    for (const concurrency of [1, 4]) {
      const outcome = await measure(dir, concurrency)
      expect(outcome.error).toBeInstanceOf(BlobIntegrityError)
      expect(outcome.error!.message).toBe(`OCI layout ${dir}: blob ${sha256(forged)} holds other content: its bytes have digest ${sha256(other)}`)
      expect(outcome.finished.map(platform => platform.platform)).toEqual(['linux/amd64'])
      expect(readdirSync(outcome.store.dir).filter(name => name.includes(sha256(forged).slice(7)))).toEqual([])
    }
  })

  it('refuses a layer whose blob is its digest but does not decompress, as reading in order does', async () => {
    const dir = tempDir('image-budget-oci-')
    const blobs = layerTars.map(tar => gzipSync(tar))
    const corrupt = Buffer.from(blobs[3])
    corrupt.fill(0x55, 5000, 9000)
    blobs[3] = corrupt
    const specs = platforms(blobs)
    specs[0].layers[3].diffId = sha256(layerTars[3])
    writeLayout(dir, specs)
    const inOrder = await measure(dir, 1)
    const atOnce = await measure(dir, 4)
    // Where the damage falls decides what fails first (gzip, or the tar inside): either way it is refused, alike.
    expect(inOrder.error?.message).toMatch(new RegExp(`^layer ${sha256(corrupt)} of OCI layout ${dir}: (the gzip data of the layer blob is corrupt|tar header at byte \\d+ .*checksum mismatch)`))
    expect(atOnce.error?.message).toBe(inOrder.error?.message)
    expect(atOnce.finished).toEqual([])
    expect(readdirSync(atOnce.store.dir).filter(name => name.includes(sha256(corrupt).slice(7)))).toEqual([])
  })

  it('stops with an error naming the store when it cannot be written (a full disk), and the process goes on', async () => {
    const dir = tempDir('image-budget-oci-')
    writeLayout(dir, platforms(layerTars.map(tar => gzipSync(tar))))
    // /dev/full fails every write with ENOSPC, as a full runner disk does; a missing folder fails the open.
    const failures: Array<[string, (file: string) => ReturnType<typeof createWriteStream>, RegExp]> = [
      ['full', () => createWriteStream('/dev/full'), /ENOSPC/],
      ['missing', file => createWriteStream(path.join(path.dirname(file), 'gone', path.basename(file))), /ENOENT/]
    ]
    for (const [, openFile, cause] of failures) {
      for (const concurrency of [1, 4]) {
        const storeDir = tempDir('image-budget-store-')
        const outcome = await measure(dir, concurrency, new LayerStore(storeDir, openFile))
        expect(outcome.error).toBeInstanceOf(LayerStoreError)
        expect(outcome.error!.message).toMatch(new RegExp(`^the layer index could not be written to ${storeDir}: `))
        expect(outcome.error!.message).toMatch(cause)
        expect(outcome.finished).toEqual([])
        expect(readdirSync(storeDir)).toEqual([])
      }
    }
  })

  it('reads from their blobs only the layers the store lacks', async () => {
    const dir = tempDir('image-budget-oci-')
    const blobs = layerTars.map(tar => gzipSync(tar))
    writeLayout(dir, platforms(blobs))
    const first = await measure(dir, 4)
    const rebuilt = tempDir('image-budget-oci-')
    const changed = gzipSync(tarOf([{ name: 'app/changed.js', size: 20_000 }]))
    writeLayout(rebuilt, platforms([...blobs.slice(0, 5), changed]))
    const again = await measure(rebuilt, 4, first.store)
    expect(again.read).toEqual([sha256(changed)])
    expect(again.measured![0]).toEqual(first.measured![0])
  })
})
