// One measured task per process, so that its peak RSS is its own: `measure` runs the measuring
// step of image-budget on an OCI layout; `gunzip` streams the same layer blobs through Node's zlib
// and discards the output. Both read with the same stream and zlib chunk sizes. `gunzip-save` and
// `gunzip-registry` are the floors of measuring an existing image: every distinct layer blob of
// `docker image save` (streamed) or of a registry, gunzipped once, on one thread, unverified.
import { spawn } from 'node:child_process'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { tuneHeap } from '../src/heap.js'
import { OciDirectorySource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'

const [mode, dir, storeDir] = process.argv.slice(2)
let layersRead = 0

/** The full analysis of image-budget: measurement, the overlay filesystem, waste and top lists. */
async function measure(): Promise<number> {
  // As the action and the CLI run (the plain floors keep Node's defaults).
  tuneHeap()
  const source = new OciDirectorySource(dir)
  // Without a store folder, a new empty one: every layer is read from its blob, as on a first run.
  const fresh = storeDir === undefined ? mkdtempSync(path.join(os.tmpdir(), 'image-budget-bench-store-')) : undefined
  const store = new LayerStore(storeDir ?? fresh!)
  if (fresh) process.once('exit', () => rmSync(fresh, { recursive: true, force: true }))
  const concurrency = process.env.BENCH_CONCURRENCY ? Number(process.env.BENCH_CONCURRENCY) : undefined
  const platforms = await measureImage(source, await resolveImage(source), { store, concurrency, onLayer: () => layersRead++ })
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

const discard = (count: (bytes: number) => void): Writable =>
  new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      count(chunk.length)
      done()
    }
  })

/** Walks the tar `docker image save` writes as it comes, gunzipping each gzip member. */
async function gunzipSave(reference: string): Promise<number> {
  const save = spawn('docker', ['image', 'save', reference], { stdio: ['ignore', 'pipe', 'inherit'] })
  let bytes = 0
  let header = Buffer.alloc(0)
  let left = 0
  let pad = 0
  let member: ReturnType<typeof createGunzip> | undefined
  let first = true
  const done: Promise<void>[] = []
  for await (const piece of save.stdout as AsyncIterable<Buffer>) {
    let chunk = piece
    while (chunk.length > 0) {
      if (left > 0) {
        const take = chunk.subarray(0, Math.min(left, chunk.length))
        if (first) {
          first = false
          if (take[0] === 0x1f && take[1] === 0x8b) {
            member = createGunzip({ chunkSize: 256 * 1024 })
            done.push(pipeline(member, discard(count => (bytes += count))))
          }
        }
        if (member && !member.write(take)) await new Promise(resolve => member!.once('drain', resolve))
        left -= take.length
        chunk = chunk.subarray(take.length)
        if (left === 0) {
          member?.end()
          member = undefined
        }
        continue
      }
      if (pad > 0) {
        const skip = Math.min(pad, chunk.length)
        pad -= skip
        chunk = chunk.subarray(skip)
        continue
      }
      const need = 512 - header.length
      header = Buffer.concat([header, chunk.subarray(0, need)])
      chunk = chunk.subarray(need)
      if (header.length < 512) continue
      const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8)
      header = Buffer.alloc(0)
      left = size
      pad = (512 - (size % 512)) % 512
      first = true
    }
  }
  await Promise.all(done)
  return bytes
}

/** Fetches the manifests of a reference, then gunzips each distinct layer blob once. */
async function gunzipRegistry(reference: string): Promise<number> {
  const slash = reference.indexOf('/')
  const registry = reference.slice(0, slash)
  const [repository, tag] = reference.slice(slash + 1).split(':')
  const accept = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json'
  const get = (kind: string, ref: string) => fetch(`http://${registry}/v2/${repository}/${kind}/${ref}`, { headers: { accept } })
  const layers = new Set<string>()
  const visit = async (ref: string): Promise<void> => {
    const document = (await (await get('manifests', ref)).json()) as { manifests?: Array<{ digest: string; platform?: { os: string } }>; layers?: Array<{ digest: string; mediaType: string }> }
    for (const child of document.manifests ?? []) if (child.platform?.os !== 'unknown') await visit(child.digest)
    for (const layer of document.layers ?? []) if (layer.mediaType.includes('gzip')) layers.add(layer.digest)
  }
  await visit(tag ?? 'latest')
  let bytes = 0
  for (const digest of layers) {
    const response = await get('blobs', digest)
    await pipeline(Readable.fromWeb(response.body! as import('node:stream/web').ReadableStream), createGunzip({ chunkSize: 256 * 1024 }), discard(count => (bytes += count)))
  }
  return bytes
}

const started = process.hrtime.bigint()
const result =
  mode === 'measure' ? await measure() : mode === 'gunzip-save' ? await gunzipSave(dir) : mode === 'gunzip-registry' ? await gunzipRegistry(dir) : await gunzip()
const seconds = Number(process.hrtime.bigint() - started) / 1e9
process.stdout.write(JSON.stringify({ mode, seconds, result, layersRead, maxRssBytes: process.resourceUsage().maxRSS * 1024 }))
