// The registry a build pushes to when export-mode is registry, driven here over real HTTP by the
// distribution protocol's push calls: what it takes measures as the layout it came from, the
// layers its store read before are had (never sent again), and anything a pusher gets wrong fails.
import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { ustarHeader } from '../__fixtures__/tar-header.js'
import { OciDirectorySource, type BlobSource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { PushSink, type PushSinkLimits } from '../src/image/push-sink.js'
import { resolveForMeasuring } from '../src/image/streamed-layout.js'
import { BlobIntegrityError } from '../src/image/verify.js'
import { pushLayout, writeLayout, type LayerSpec } from './helpers/oci.js'
import { digestOf } from './helpers/hostile-registry.js'
import { tempDir } from './helpers/temp.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'

function tarOf(files: Array<{ name: string; size: number }>): Buffer {
  const parts: Buffer[] = []
  for (const file of files) parts.push(ustarHeader(file.name, file.size), randomBytes(file.size), Buffer.alloc((512 - (file.size % 512)) % 512))
  parts.push(Buffer.alloc(1024))
  return Buffer.concat(parts)
}

/** Two large layers (read as they are pushed) and a small one (kept until measured). */
function layoutOf(): { dir: string; layers: LayerSpec[] } {
  const layers: LayerSpec[] = [
    { blob: gzipSync(tarOf([{ name: 'base/lib.so', size: 1_500_000 }])), mediaType: GZIP, createdBy: 'ADD base /' },
    { blob: gzipSync(tarOf([{ name: 'app/bin', size: 1_300_000 }, { name: 'base/lib.so', size: 10 }])), mediaType: GZIP, createdBy: 'COPY bin /app' },
    { blob: gzipSync(tarOf([{ name: 'app/config.json', size: 300 }])), mediaType: GZIP, createdBy: 'COPY config.json /app' }
  ]
  const dir = tempDir('image-budget-oci-')
  writeLayout(dir, [{ os: 'linux', architecture: 'amd64', layers }])
  return { dir, layers }
}

async function measure(source: BlobSource, store: LayerStore) {
  const image = await resolveForMeasuring(source, store)
  const platforms = await measureImage(source, image, { store })
  return platforms.map(platform => ({ platform: platform.platform, size: platform.size, layers: platform.layers.map(layer => [layer.digest, layer.size]) }))
}

/** A sink started on a new store (or the one given), with the base URL of its repository. */
async function started(store = new LayerStore(tempDir('image-budget-store-')), keepIn?: string, limits?: PushSinkLimits, now?: () => number) {
  const streamed: string[] = []
  const sink = new PushSink('the build of app', store, digest => streamed.push(digest), keepIn, limits, now)
  const name = await sink.start()
  const repository = name.replace(/:measured$/, '')
  return { sink, store, name, base: `http://${repository.replace(/^([^/]+)\//, '$1/v2/')}`, streamed }
}

async function upload(base: string, digest: string, body: Buffer): Promise<Response> {
  const begun = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
  expect(begun.status).toBe(202)
  const location = new URL(begun.headers.get('location')!, base)
  location.searchParams.set('digest', digest)
  return fetch(location, { method: 'PUT', body, headers: { 'content-type': 'application/octet-stream' } })
}

/** A raw request, for what fetch will not send (a body without its length, a body cut short). */
function raw(url: string, method: string, headers: Record<string, string>, write: (request: http.ClientRequest) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers }, response => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', reject)
    write(request)
  })
}

describe('the registry a build pushes to', () => {
  it('measures what was pushed as the layout it came from, its large layers read as they arrived', async () => {
    const { dir, layers } = layoutOf()
    const fromFolder = await measure(new OciDirectorySource(dir), new LayerStore(tempDir('image-budget-store-')))
    const { sink, store, name, streamed } = await started()
    await pushLayout(dir, name)
    const source = await sink.finish()
    // Read into the store while they were pushed, before any measuring.
    expect(streamed.sort()).toEqual([digestOf(layers[0].blob), digestOf(layers[1].blob)].sort())
    const stored = await store.stored(digestOf(layers[0].blob))
    expect(stored).toBeDefined()
    await stored!.close()
    expect(await measure(source, store)).toEqual(fromFolder)
    // Sent: every blob of the layout but its manifests, which are pushed as manifests.
    const files = readdirSync(path.join(dir, 'blobs', 'sha256')).map(name => readFileSync(path.join(dir, 'blobs', 'sha256', name)))
    const blobs = files.filter(file => !/"(layers|manifests)":/.test(file.toString('latin1')))
    expect(blobs.length).toBeGreaterThanOrEqual(layers.length + 1)
    expect(sink.traffic).toEqual({ blobs: blobs.length, bytes: blobs.reduce((sum, file) => sum + file.length, 0), layersHad: new Set() })
  })

  it('has the layers its store read before, and no blob it never took; with a layout to write, it has none', async () => {
    const { dir, layers } = layoutOf()
    const store = new LayerStore(tempDir('image-budget-store-'))
    const first = await started(store)
    await pushLayout(dir, first.name)
    await measure(await first.sink.finish(), store)

    const again = await started(store)
    for (const layer of layers) {
      const had = await fetch(`${again.base}/blobs/${digestOf(layer.blob)}`, { method: 'HEAD' })
      expect(had.status).toBe(200)
      // The blob's length, as a registry answers (the store kept it).
      expect(had.headers.get('content-length')).toBe(String(layer.blob.length))
    }
    expect((await fetch(`${again.base}/blobs/${digestOf(randomBytes(8))}`, { method: 'HEAD' })).status).toBe(404)
    // Nothing is served back, even of what it has.
    expect((await fetch(`${again.base}/blobs/${digestOf(layers[0].blob)}`)).status).toBe(404)
    expect(again.sink.traffic.layersHad.size).toBe(3)
    await again.sink.abandon()

    const keepIn = tempDir('image-budget-keep-')
    const scanned = await started(store, keepIn)
    for (const layer of layers) expect((await fetch(`${scanned.base}/blobs/${digestOf(layer.blob)}`, { method: 'HEAD' })).status).toBe(404)
    await pushLayout(dir, scanned.name)
    await scanned.sink.finish()
    // Every blob pushed is in the layout folder (manifests included): what Trivy reads.
    const written = readdirSync(path.join(keepIn, 'blobs', 'sha256')).sort()
    const inLayout = readdirSync(path.join(dir, 'blobs', 'sha256')).sort()
    expect(written).toEqual(inLayout)
  })

  it('holds a layer the build did not send to what was read of it before: another compression or length fails the measuring', async () => {
    const { dir, layers } = layoutOf()
    const store = new LayerStore(tempDir('image-budget-store-'))
    const first = await started(store)
    await pushLayout(dir, first.name)
    await measure(await first.sink.finish(), store)

    // The same gzip bytes, declared zstd: the store has them, so the build does not send them.
    const relabelled = tempDir('image-budget-oci-')
    writeLayout(relabelled, [{ os: 'linux', architecture: 'amd64', layers: [{ ...layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }, ...layers.slice(1)] }])
    const again = await started(store)
    await pushLayout(relabelled, again.name)
    expect(again.sink.traffic.layersHad.has(digestOf(layers[0].blob))).toBe(true)
    expect(again.streamed).toEqual([])
    await expect(measure(await again.sink.finish(), store)).rejects.toThrow(
      `layer ${digestOf(layers[0].blob)} is declared application/vnd.oci.image.layer.v1.tar+zstd, but its bytes, read before, are gzip data`
    )

    // Declared one byte longer than the blob the store read.
    const source = new OciDirectorySource(dir)
    const image = await resolveImage(source)
    image.platforms[0].layers[1] = { ...image.platforms[0].layers[1], size: layers[1].blob.length + 1 }
    await expect(measureImage(source, image, { store })).rejects.toThrow(
      `is declared ${layers[1].blob.length + 1} bytes, but its blob, read before, is ${layers[1].blob.length}`
    )
  })

  it('drops an upload left unfinished for the idle limit, so that abandoned uploads cannot fill its places', async () => {
    let clock = 1_000_000
    const { sink, base } = await started(undefined, undefined, { idleMs: 60_000 }, () => clock)
    const locations: string[] = []
    for (let open = 0; open < 256; open++) {
      const begun = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
      expect(begun.status).toBe(202)
      locations.push(begun.headers.get('location')!)
    }
    expect((await fetch(`${base}/blobs/uploads/`, { method: 'POST' })).status).toBe(429)
    clock += 59_999
    expect((await fetch(`${base}/blobs/uploads/`, { method: 'POST' })).status).toBe(429)
    clock += 1
    const again = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
    expect(again.status).toBe(202)
    // An upload dropped is not known any more.
    const blob = Buffer.from('{"a":1}')
    const dropped = new URL(locations[0], base)
    dropped.searchParams.set('digest', digestOf(blob))
    expect((await fetch(dropped, { method: 'PUT', body: blob })).status).toBe(404)
    await sink.abandon()
  })

  it('closes a connection that stops sending for the idle limit, and the build fails with it', async () => {
    const { sink, base } = await started(undefined, undefined, { idleMs: 300 })
    const blob = randomBytes(100)
    const begun = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
    const location = new URL(begun.headers.get('location')!, base)
    location.searchParams.set('digest', digestOf(blob))
    const stalled = Date.now()
    // Declares 100 bytes, sends 7, and then neither sends nor hangs up.
    await expect(raw(location.href, 'PUT', { 'content-length': '100' }, request => request.write(blob.subarray(0, 7)))).rejects.toThrow()
    expect(Date.now() - stalled).toBeGreaterThanOrEqual(250)
    await expect(sink.finish()).rejects.toThrow()
  })

  it('refuses every other repository: another process cannot push into the image', async () => {
    const { sink, name } = await started()
    const port = /^127\.0\.0\.1:(\d+)\//.exec(name)![1]
    const begun = await fetch(`http://127.0.0.1:${port}/v2/other/blobs/uploads/`, { method: 'POST' })
    expect(begun.status).toBe(404)
    expect(await begun.json()).toEqual({ errors: [{ code: 'NAME_UNKNOWN', message: expect.any(String) }] })
    expect((await fetch(`http://127.0.0.1:${port}/v2/`)).status).toBe(200)
    await expect(sink.finish()).rejects.toThrow('the build of app: the build pushed no image to the step')
  })

  it('takes a layer whose bytes are not its digest, and measuring it then fails rather than measure it', async () => {
    const { dir, layers } = layoutOf()
    const { sink, store, name, base } = await started()
    const forged = Buffer.from(layers[0].blob)
    forged[forged.length - 20] ^= 0xff
    // Pushed first under the real digest: the layout's own copy then counts as sent twice.
    await upload(base, digestOf(layers[0].blob), forged)
    await pushLayout(dir, name)
    const source = await sink.finish()
    await expect(measure(source, store)).rejects.toThrow(BlobIntegrityError)
    expect(await store.stored(digestOf(layers[0].blob))).toBeUndefined()
  })

  it.each([
    ['a manifest whose bytes are not the digest it is pushed as', async (base: string) => fetch(`${base}/manifests/${digestOf(Buffer.from('x'))}`, { method: 'PUT', body: '{"schemaVersion":2}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }), 400, 'has digest'],
    ['a manifest that is no image manifest', async (base: string) => fetch(`${base}/manifests/measured`, { method: 'PUT', body: '{}', headers: { 'content-type': 'text/plain' } }), 400, 'of type "text/plain"'],
    ['a manifest larger than a manifest may be', async (base: string) => fetch(`${base}/manifests/measured`, { method: 'PUT', body: Buffer.alloc(4 * 2 ** 20 + 1, 0x20), headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' } }), 400, 'more than 4194304 bytes'],
    ['a tag other than the one the step gave', async (base: string) => fetch(`${base}/manifests/latest`, { method: 'PUT', body: '{"schemaVersion":2}', headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' } }), 400, 'not latest']
  ])('refuses %s, and the build fails with it', async (_what, send, status, message) => {
    const { sink, base } = await started()
    expect((await send(base)).status).toBe(status)
    await expect(sink.finish()).rejects.toThrow(message)
  })

  it('refuses an upload it did not start, a bad digest, a chunked or cut-short body, and PATCH', async () => {
    const { sink, base } = await started()
    const blob = Buffer.from('{"a":1}')
    expect((await fetch(`${base}/blobs/uploads/unknown?digest=${digestOf(blob)}`, { method: 'PUT', body: blob })).status).toBe(404)
    expect((await upload(base, 'sha256:12', blob)).status).toBe(400)
    const begun = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
    const location = new URL(begun.headers.get('location')!, base)
    expect((await fetch(location, { method: 'PATCH', body: blob })).status).toBe(405)
    location.searchParams.set('digest', digestOf(blob))
    const chunked = await raw(location.href, 'PUT', { 'transfer-encoding': 'chunked' }, request => request.end(blob))
    expect(chunked).toBe(411)
    // Declares 100 bytes, sends 7, then hangs up: never taken as the blob.
    const short = await started()
    const shortBegun = await fetch(`${short.base}/blobs/uploads/`, { method: 'POST' })
    const shortLocation = new URL(shortBegun.headers.get('location')!, short.base)
    shortLocation.searchParams.set('digest', digestOf(blob))
    await raw(shortLocation.href, 'PUT', { 'content-length': '100' }, request => {
      request.write(blob)
      setTimeout(() => request.destroy(), 50)
    }).catch(() => 0)
    await expect(short.sink.finish()).rejects.toThrow()
    await expect(sink.finish()).rejects.toThrow('the build pushed no image to the step')
  })
})
