// Which layers are read ahead: each distinct blob once, so that layers the platforms share do not
// keep a later distinct one from starting while an earlier one is still being read.
import { describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { PassThrough, type Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { ustarHeader } from '../__fixtures__/tar-header.js'
import { OciDirectorySource, type BlobSource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { writeLayout, type PlatformSpec } from './helpers/oci.js'
import { tempDir } from './helpers/temp.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

function layerOf(name: string): Buffer {
  const size = 50_000
  return gzipSync(Buffer.concat([ustarHeader(name, size), randomBytes(size), Buffer.alloc((512 - (size % 512)) % 512), Buffer.alloc(1024)]))
}

describe('layers read ahead', () => {
  it('starts a later distinct layer while an earlier one is held, past the layers both platforms share', async () => {
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map(name => layerOf(`${name}.bin`))
    // Three layers shared, then one of each platform's own: a window counted in places would hold
    // only shared layers once the head reaches the second one.
    const platforms: PlatformSpec[] = [
      { os: 'linux', architecture: 'amd64', layers: [a, b, c, d].map((blob, index) => ({ blob, mediaType: GZIP, createdBy: `COPY ${index}` })) },
      { os: 'linux', architecture: 'arm64', layers: [a, b, c, e].map((blob, index) => ({ blob, mediaType: GZIP, createdBy: `COPY ${index}` })) }
    ]
    const dir = tempDir('image-budget-oci-')
    writeLayout(dir, platforms)
    const layout = new OciDirectorySource(dir)
    // d's bytes are held until e has been opened (or 5 s have passed): only a read of e started
    // while d is still being read lets d go on in time.
    let releaseHeld: (by: string) => void = () => undefined
    const released = new Promise<string>(resolve => (releaseHeld = resolve))
    const timer = setTimeout(() => releaseHeld('timeout'), 5000)
    const opened: string[] = []
    const source: BlobSource = {
      label: layout.label,
      roots: () => layout.roots(),
      readJson: descriptor => layout.readJson(descriptor),
      open: async descriptor => {
        opened.push(descriptor.digest)
        if (descriptor.digest === sha256(e)) releaseHeld('e')
        const stream = await layout.open(descriptor)
        if (descriptor.digest !== sha256(d)) return stream
        const held = new PassThrough()
        void released.then(() => stream.pipe(held))
        return held as Readable
      }
    }
    try {
      const measured = await measureImage(source, await resolveImage(source), { store: new LayerStore(tempDir('image-budget-store-')), concurrency: 2, readAheadMemory: Infinity })
      expect(await released).toBe('e')
      expect(measured.map(platform => platform.layers.map(layer => layer.digest))).toEqual([
        [a, b, c, d].map(sha256),
        [a, b, c, e].map(sha256)
      ])
      // Every distinct blob opened once.
      expect([...opened].sort()).toEqual([a, b, c, d, e].map(sha256).sort())
    } finally {
      clearTimeout(timer)
    }
  })
})
