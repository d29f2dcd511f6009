// One measured task per process, so that its peak RSS is its own: `measure` runs the measuring
// step of image-budget on an OCI layout; `gunzip` streams the same layer blobs through Node's zlib
// and discards the output. Both read with the same stream and zlib chunk sizes.
import { createReadStream, mkdtempSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { OciDirectorySource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'

const [mode, dir, storeDir] = process.argv.slice(2)
let layersRead = 0

/** The full analysis of image-budget: measurement, the overlay filesystem, waste and top lists. */
async function measure(): Promise<number> {
  const source = new OciDirectorySource(dir)
  // Without a store folder, a new empty one: every layer is read from its blob, as on a first run.
  const store = new LayerStore(storeDir ?? mkdtempSync(path.join(os.tmpdir(), 'image-budget-bench-store-')))
  const platforms = await measureImage(source, await resolveImage(source), { store, onLayer: () => layersRead++ })
  return platforms.reduce((sum, platform) => sum + platform.size, 0)
}

async function gunzip(): Promise<number> {
  const source = new OciDirectorySource(dir)
  const image = await resolveImage(source)
  let bytes = 0
  for (const platform of image.platforms) {
    for (const layer of platform.layers) {
      const sink = new Writable({
        highWaterMark: 1 << 20,
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length
          done()
        }
      })
      await pipeline(
        createReadStream(path.join(dir, 'blobs/sha256', layer.digest.slice(7)), { highWaterMark: 1 << 20 }),
        createGunzip({ chunkSize: 256 * 1024 }),
        sink
      )
    }
  }
  return bytes
}

const started = process.hrtime.bigint()
const result = mode === 'measure' ? await measure() : await gunzip()
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stdout.write(JSON.stringify({ mode, seconds, result, layersRead, maxRssBytes: process.resourceUsage().maxRSS * 1024 }))
