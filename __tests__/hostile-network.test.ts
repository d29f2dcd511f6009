// A registry that hangs, trickles, loops, lies about digests and sizes, or fails for a while: each
// case ends with the exact outcome, in bounded time, and nothing wrong is kept in the layer store.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import * as path from 'node:path'
import { baselineFromImage } from '../src/baseline/baseline.js'
import { OciDirectorySource, type BlobSource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { parseReference } from '../src/image/reference.js'
import { RegistrySource, type RegistryOptions } from '../src/image/registry.js'
import { tempDir } from './helpers/temp.js'
import { blobOf, descriptorOf, HostileRegistry, imageOf, indexOf, LAYER_GZIP, LocalServer, writeBlobLayout, type Blob, type TestImage } from './helpers/hostile-registry.js'

const FAST: RegistryOptions = { responseTimeoutMs: 300, idleTimeoutMs: 300, minBytesPerSecond: 100, retries: 2, retryDelayMs: 20, maxRetryDelayMs: 2000, totalTimeoutMs: 4000 }
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'


/** Runs `action`, returning its outcome (value or error message) and how long it took. */
async function timed<T>(action: () => Promise<T>): Promise<{ value?: T; error?: string; ms: number }> {
  const started = Date.now()
  try {
    const value = await action()
    return { value, ms: Date.now() - started }
  } catch (error) {
    return { error: (error as Error).message, ms: Date.now() - started }
  }
}

async function measure(source: BlobSource, store = new LayerStore(tempDir('image-budget-store-'))) {
  const platforms = await measureImage(source, await resolveImage(source), { store })
  return { platforms, store }
}

/** A manifest of one layer whose descriptor says what the test wants, served by the registry under tag 1. */
function serveManifest(registry: HostileRegistry, layer: { digest: string; size: number; mediaType?: string }, config: Blob): Blob {
  const manifest = blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(config), layers: [{ mediaType: LAYER_GZIP, ...layer }] }, OCI_MANIFEST)
  registry.add(config).tag('1', manifest)
  return manifest
}

describe('a hostile registry', () => {
  const registry = new HostileRegistry()
  const elsewhere = new LocalServer((_request, response) => response.writeHead(404).end())
  let image: TestImage
  const source = (ref = '1', options: RegistryOptions = FAST) => new RegistrySource(parseReference(`${registry.host}/app:${ref}`), undefined, options)
  const sizes = [40_000, 3_000]

  beforeAll(async () => {
    await registry.start()
    await elsewhere.start()
    image = imageOf(sizes.map((bytes, index) => [{ name: `part${index}/data.bin`, bytes }]))
  })
  afterAll(async () => {
    await registry.stop()
    await elsewhere.stop()
  })
  afterEach(() => {
    registry.reset()
    registry.blobs.clear()
    registry.tags.clear()
    elsewhere.requests.length = 0
  })
  const serveImage = () => registry.add(...image.blobs).tag('1', image.manifest)
  /** Answers the requests of one blob the test's way; the others as the registry does. */
  const onBlob = (blob: Blob, answer: (response: ServerResponse) => void) => {
    registry.intercept = (_request, response, url) => {
      if (!url.endsWith(blob.digest)) return false
      answer(response)
      return true
    }
  }

  it('measures a well-behaved image (the baseline of the cases below)', async () => {
    serveImage()
    const { platforms } = await measure(source())
    expect(platforms[0].layers.map(layer => layer.size)).toEqual(sizes)
  })

  it('gives up on a registry that accepts and never answers, naming it and the wait', async () => {
    registry.intercept = () => true
    const outcome = await timed(() => source().roots())
    expect(outcome.error).toMatch(new RegExp(`^registry image ${registry.host}/app:1: GET /v2/app/manifests/1 from ${registry.host}: no response from ${registry.host} within 0\\.3 s \\(gave up after 3 attempts over \\d\\.\\d s\\)$`))
    expect(registry.requests).toHaveLength(3)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('gives up on a layer that trickles a byte every 50 ms', async () => {
    serveImage()
    const slow = image.layers[0]
    onBlob(slow, response => {
      response.writeHead(200, { 'content-length': String(slow.size) })
      let sent = 0
      const timer = setInterval(() => (sent < slow.size ? response.write(slow.data.subarray(sent, ++sent)) : clearInterval(timer)), 50)
      response.on('close', () => clearInterval(timer))
    })
    const outcome = await timed(() => measure(source()))
    expect(outcome.error).toMatch(new RegExp(`^layer ${slow.digest} of registry image ${registry.host}/app:1: GET blob ${slow.digest} from ${registry.host}: ${registry.host} sent only \\d bytes in 0\\.3 s, under the 100 bytes per second that are waited for$`))
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('gives up on a layer whose body stops after the headers', async () => {
    serveImage()
    const stuck = image.layers[0]
    onBlob(stuck, response => {
      response.writeHead(200, { 'content-length': String(stuck.size) })
      response.write(stuck.data.subarray(0, 100))
    })
    const outcome = await timed(() => measure(source()))
    expect(outcome.error).toBe(`layer ${stuck.digest} of registry image ${registry.host}/app:1: GET blob ${stuck.digest} from ${registry.host}: ${registry.host} sent nothing for 0.3 s (after 100 bytes)`)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('stops a layer that never ends at the first byte past its declared size', async () => {
    serveImage()
    const endless = image.layers[1]
    onBlob(endless, response => {
      response.writeHead(200)
      const pump = () => {
        while (!response.destroyed && response.write(Buffer.alloc(65536, 1)));
      }
      response.on('drain', pump)
      pump()
    })
    const outcome = await timed(() => measure(source()))
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: blob ${endless.digest} has more than the ${endless.size} bytes its descriptor declares`)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('refuses a registry that serves other bytes for a digest, and keeps nothing of them: the genuine image later measures right', async () => {
    serveImage()
    const forged = image.layers[0]
    const other = imageOf([[{ name: 'part0/data.bin', bytes: 90_000 }]]).layers[0]
    onBlob(forged, response => {
      const bytes = Buffer.concat([other.data, Buffer.alloc(forged.size)]).subarray(0, forged.size)
      response.writeHead(200, { 'content-length': String(bytes.length) })
      response.end(bytes)
    })
    const store = new LayerStore(tempDir('image-budget-store-'))
    const outcome = await timed(() => measure(source(), store))
    expect(outcome.error).toMatch(new RegExp(`^registry image ${registry.host}/app:1: blob ${forged.digest} holds other content: its bytes have digest sha256:[0-9a-f]{64}$`))
    // The other layer, read at the same time and verified, may be kept; nothing of the forged one is.
    expect(readdirSync(store.dir).filter(name => name.includes(forged.digest.slice(7)))).toEqual([])
    registry.intercept = undefined
    const genuine = await measure(source(), store)
    expect(genuine.platforms[0].layers.map(layer => layer.size)).toEqual(sizes)
    expect(store.written).toBe(2)
  })

  it('refuses a short blob, by its Content-Length or at its end', async () => {
    serveImage()
    const short = image.layers[0]
    for (const withLength of [true, false]) {
      onBlob(short, response => {
        response.writeHead(200, withLength ? { 'content-length': String(short.size - 10) } : {})
        response.end(short.data.subarray(0, short.size - 10))
      })
      const outcome = await timed(() => measure(source()))
      expect(outcome.error).toBe(
        withLength
          ? `registry image ${registry.host}/app:1: blob ${short.digest} is sent as ${short.size - 10} bytes, but its descriptor declares ${short.size}`
          : `registry image ${registry.host}/app:1: blob ${short.digest} ends after ${short.size - 10} bytes, but its descriptor declares ${short.size} bytes`
      )
    }
  })

  it('does not believe a manifest that claims 10 GB for a 3 kB layer', async () => {
    const layer = image.layers[1]
    registry.add(layer)
    serveManifest(registry, { digest: layer.digest, size: 10_000_000_000 }, image.config)
    const outcome = await timed(() => measure(source()))
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: blob ${layer.digest} is sent as ${layer.size} bytes, but its descriptor declares 10000000000`)
  })

  it.each([
    ['a negative size', -5, 'has size -5, which is not a byte count'],
    ['a fractional size', 1.5, 'has size 1.5, which is not a byte count'],
    ['a size past 2^53', 2 ** 60, `has size ${2 ** 60}, which is not a byte count`],
    ['a size as text', '100', 'has size "100", which is not a byte count']
  ])('refuses a layer descriptor with %s', async (_title, size, message) => {
    serveManifest(registry, { digest: image.layers[0].digest, size: size as number }, image.config)
    const outcome = await timed(() => resolveImage(source()))
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: manifest ${registry.tags.get('1')}: layer 1 (${image.layers[0].digest}) ${message}`)
  })

  it('refuses a digest that is not one before it becomes a URL', async () => {
    serveManifest(registry, { digest: 'sha256:../../../secrets', size: 10 }, image.config)
    const outcome = await timed(() => resolveImage(source()))
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: manifest ${registry.tags.get('1')}: layer 1: "sha256:../../../secrets" is not a valid content digest`)
  })

  it('refuses junk where a manifest should be, naming it', async () => {
    registry.intercept = (_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST })
      response.end('<html>maintenance</html>')
      return true
    }
    expect((await timed(() => resolveImage(source()))).error).toBe(`registry image ${registry.host}/app:1: manifest 1 is not JSON ("<html>maintenance</html>"...)`)
    registry.intercept = undefined
    registry.tag('1', blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(image.config), layers: 'all of them' }, OCI_MANIFEST))
    expect((await timed(() => resolveImage(source()))).error).toBe(`registry image ${registry.host}/app:1: manifest ${registry.tags.get('1')}: layers is not a list`)
    registry.tag('1', blobOf([1, 2, 3], OCI_MANIFEST))
    expect((await timed(() => resolveImage(source()))).error).toBe(`registry image ${registry.host}/app:1: manifest ${registry.tags.get('1')} is not a JSON object`)
  })

  it('stops reading an oversized manifest at 4 MiB, and refuses a config declared larger than 32 MiB before fetching it', async () => {
    let sent = 0
    registry.intercept = (_request, response) => {
      response.writeHead(200, { 'content-type': OCI_MANIFEST })
      const pump = () => {
        while (sent < 500_000_000 && !response.destroyed && response.write(Buffer.alloc(1 << 20, 0x20))) sent += 1 << 20
      }
      response.on('drain', pump)
      pump()
      return true
    }
    const outcome = await timed(() => source().roots())
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: manifest 1 is larger than 4.19 MB, the most that is read`)
    expect(sent).toBeLessThan(64 << 20)
    expect(outcome.ms).toBeLessThan(3000)

    registry.intercept = undefined
    const hugeConfig = { ...image.config, size: 100_000_000 }
    registry.tag('1', blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(hugeConfig), layers: [] }, OCI_MANIFEST))
    registry.requests.length = 0
    expect((await timed(() => resolveImage(source()))).error).toBe(
      `registry image ${registry.host}/app:1: blob ${image.config.digest} (application/vnd.oci.image.config.v1+json) declares 100 MB, more than the 33.6 MB such a document may have`
    )
    expect(registry.requests.map(request => request.path)).toEqual(['/v2/app/manifests/1'])
  })

  it('checks the manifest of a tag against Docker-Content-Digest, and of a digest reference against that digest', async () => {
    serveImage()
    const liar = `sha256:${'e'.repeat(64)}`
    registry.intercept = (_request, response, url) => {
      if (!url.endsWith('/manifests/1') && !url.endsWith(`/manifests/${liar}`)) return false
      response.writeHead(200, { 'content-type': OCI_MANIFEST, 'docker-content-digest': liar })
      response.end(image.manifest.data)
      return true
    }
    expect((await timed(() => source().roots())).error).toBe(`registry image ${registry.host}/app:1: manifest 1 has digest ${image.manifest.digest}, but the registry says ${liar}`)
    const byDigest = new RegistrySource(parseReference(`${registry.host}/app@${liar}`), undefined, FAST)
    expect((await timed(() => byDigest.roots())).error).toBe(`registry image ${registry.host}/app@${liar}: manifest ${liar} has digest ${image.manifest.digest}, but the reference names ${liar}`)
  })

  it('ends an index of indexes at depth 8, as image and as baseline', async () => {
    let child: Blob = image.manifest
    registry.add(...image.blobs)
    const chain: Blob[] = []
    for (let depth = 0; depth < 20; depth++) {
      child = indexOf([child])
      chain.push(child)
      registry.add(child)
    }
    registry.tag('1', child)
    const deepest = chain[chain.length - 9]
    const outcome = await timed(() => resolveImage(source()))
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: index ${deepest.digest} nests indexes more than 8 deep`)
    const baseline = await timed(() => baselineFromImage(source(), `${registry.host}/app:1`))
    expect(baseline.error).toBe(outcome.error)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('ends an index that names a new index for every digest asked, at the first one', async () => {
    let served = 0
    registry.intercept = (_request, response) => {
      const next = `sha256:${(++served).toString(16).padStart(64, '0')}`
      response.writeHead(200, { 'content-type': OCI_INDEX })
      response.end(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_INDEX, digest: next, size: 200 }] }))
      return true
    }
    const outcome = await timed(() => resolveImage(source()))
    expect(outcome.error).toMatch(new RegExp(`^registry image ${registry.host}/app:1: blob sha256:0{63}1 (has more than the 200 bytes|holds other content)`))
    expect(served).toBe(2)
  })

  it('follows a redirect of a blob to storage elsewhere without sending the credentials there', async () => {
    serveImage()
    registry.bearer = { realm: `${registry.url}/token`, token: 'secret-token' }
    const storage = new LocalServer((_request, response, url) => {
      const blob = registry.blobs.get(url.slice(1))
      if (!blob) return void response.writeHead(404).end()
      response.writeHead(200, { 'content-length': String(blob.size) })
      response.end(blob.data)
    })
    await storage.start()
    try {
      registry.intercept = (_request, response, url) => {
        if (url.startsWith('/token')) {
          response.writeHead(200, { 'content-type': 'application/json' })
          response.end('{"token":"secret-token"}')
          return true
        }
        const blob = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url)
        if (!blob || !registry.blobs.get(blob[1])?.mediaType.startsWith(LAYER_GZIP)) return false
        response.writeHead(307, { location: `${storage.url}/${blob[1]}` })
        response.end()
        return true
      }
      const { platforms } = await measure(source())
      expect(platforms[0].layers.map(layer => layer.size)).toEqual(sizes)
      // Layers are fetched several at a time: in any order, each once.
      expect(storage.requests.map(request => request.path).sort()).toEqual(image.layers.map(layer => `/${layer.digest}`).sort())
      expect(storage.requests.filter(request => request.authorization !== undefined)).toEqual([])
      expect(registry.requests.filter(request => request.path.includes('/blobs/')).every(request => request.authorization === 'Bearer secret-token')).toBe(true)
    } finally {
      await storage.stop()
    }
  })

  it('gives up on redirects that loop, after 5', async () => {
    registry.intercept = (_request, response) => {
      response.writeHead(302, { location: '/v2/app/manifests/1' })
      response.end()
      return true
    }
    const outcome = await timed(() => source().roots())
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: GET /v2/app/manifests/1 from ${registry.host}: more than 5 redirects (the last to /v2/app/manifests/1)`)
    expect(registry.requests).toHaveLength(6)
  })

  it('sends basic credentials to a token service only over HTTPS or on the loopback', async () => {
    const seen: Array<{ url: string; authorization: string | null }> = []
    // A token service on another host, answered in-process: nothing leaves this machine.
    const fetchImpl: typeof fetch = async (input, init) => {
      const url = String(input)
      if (!url.startsWith('http://auth.example/')) return fetch(input, init)
      seen.push({ url, authorization: new Headers(init?.headers).get('authorization') })
      return new Response('{"token":"anonymous-token"}', { status: 200 })
    }
    serveImage()
    registry.bearer = { realm: 'http://auth.example/token', token: 'anonymous-token' }
    const withCredentials = new RegistrySource(parseReference(`${registry.host}/app:1`), Buffer.from('user:password').toString('base64'), { ...FAST, fetch: fetchImpl })
    await withCredentials.roots()
    expect(seen).toEqual([{ url: 'http://auth.example/token?service=test&scope=repository%3Aapp%3Apull', authorization: null }])

    registry.bearer = { realm: `${registry.url}/token`, token: 'loopback-token' }
    registry.intercept = (request, response, url) => {
      if (!url.startsWith('/token')) return false
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ token: request.headers.authorization === `Basic ${Buffer.from('user:password').toString('base64')}` ? 'loopback-token' : 'wrong' }))
      return true
    }
    const loopback = new RegistrySource(parseReference(`${registry.host}/app:1`), Buffer.from('user:password').toString('base64'), FAST)
    expect((await loopback.roots())[0].digest).toBe(image.manifest.digest)
  })

  it('waits as long as a 429 says, then succeeds', async () => {
    serveImage()
    let refused = 0
    registry.intercept = (_request, response, url) => {
      if (!url.endsWith('/manifests/1') || refused++ > 0) return false
      response.writeHead(429, { 'retry-after': '1' })
      response.end()
      return true
    }
    const outcome = await timed(() => source().roots())
    expect(outcome.value?.[0].digest).toBe(image.manifest.digest)
    expect(registry.requests).toHaveLength(2)
    expect(outcome.ms).toBeGreaterThanOrEqual(990)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('gives up at once when Retry-After asks for longer than it may wait', async () => {
    registry.intercept = (_request, response) => {
      response.writeHead(503, { 'retry-after': '3600' })
      response.end()
      return true
    }
    const outcome = await timed(() => source().roots())
    expect(outcome.error).toBe(`registry image ${registry.host}/app:1: HTTP 503 for GET /v2/app/manifests/1 from ${registry.host} (gave up after 1 attempt over 0.0 s: the next try would be in 3600 s, past the 2.0 s allowed)`)
    expect(outcome.ms).toBeLessThan(1000)
  })

  it('retries a 503 three times, then measures', async () => {
    serveImage()
    let failures = 0
    registry.intercept = (_request, response, url) => {
      if (!url.includes(image.layers[0].digest) || failures >= 3) return false
      failures++
      response.writeHead(503)
      response.end()
      return true
    }
    const outcome = await timed(() => measure(source('1', { ...FAST, retries: 4 })))
    expect(outcome.value?.platforms[0].layers.map(layer => layer.size)).toEqual(sizes)
    expect(registry.requests.filter(request => request.path.includes(image.layers[0].digest))).toHaveLength(4)
    expect(outcome.ms).toBeLessThan(3000)
  })

  it('gives up on a 500 forever with the registry and the attempts in the message', async () => {
    registry.intercept = (_request, response) => {
      response.writeHead(500)
      response.end()
      return true
    }
    const outcome = await timed(() => source('1', { ...FAST, retries: 3 }).roots())
    expect(outcome.error).toMatch(new RegExp(`^registry image ${registry.host}/app:1: HTTP 500 for GET /v2/app/manifests/1 from ${registry.host} \\(gave up after 4 attempts over 0\\.\\d s\\)$`))
    expect(registry.requests).toHaveLength(4)
    expect(outcome.ms).toBeLessThan(2000)
  })

  it('bounds the whole call, whatever the retries', async () => {
    registry.intercept = () => true
    const outcome = await timed(() => source('1', { ...FAST, retries: 100, totalTimeoutMs: 800 }).roots())
    expect(outcome.error).toMatch(/no response from .* within 0\.3 s \(gave up after 3 attempts over 0\.\d s: the next try would be in 0\.1 s, past the 0\.8 s allowed\)$|within 0\.\d s \(gave up/)
    expect(outcome.ms).toBeLessThan(1500)
  })
})

describe('an OCI layout that lies', () => {
  const layout = (manifests: object[], blobs: Blob[]): string => writeBlobLayout(tempDir('image-budget-oci-'), manifests, blobs)

  it('refuses a blob file whose bytes are not its digest, and one shorter than declared', async () => {
    const image = imageOf([[{ name: 'a.bin', bytes: 5000 }]])
    const dir = layout([descriptorOf(image.manifest)], image.blobs)
    const layer = image.layers[0]
    writeFileSync(path.join(dir, 'blobs', 'sha256', layer.digest.slice(7)), Buffer.alloc(layer.size, 7))
    const store = new LayerStore(tempDir('image-budget-store-'))
    expect((await timed(() => measure(new OciDirectorySource(dir), store))).error).toBe(
      `OCI layout ${dir}: blob ${layer.digest} holds other content: its bytes have digest sha256:${require256(Buffer.alloc(layer.size, 7))}`
    )
    expect(readdirSync(store.dir)).toEqual([])
    writeFileSync(path.join(dir, 'blobs', 'sha256', layer.digest.slice(7)), layer.data.subarray(0, 100))
    expect((await timed(() => measure(new OciDirectorySource(dir), store))).error).toBe(`OCI layout ${dir}: blob ${layer.digest} is 100 bytes, but its descriptor declares ${layer.size}`)
  })

  it('verifies a layer named by a sha512 digest', async () => {
    const image = imageOf([[{ name: 'a.bin', bytes: 5000 }]])
    const layer = image.layers[0]
    const sha512 = `sha512:${createHash('sha512').update(layer.data).digest('hex')}`
    const manifest = blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(image.config), layers: [{ mediaType: LAYER_GZIP, digest: sha512, size: layer.size }] }, OCI_MANIFEST)
    const dir = layout([descriptorOf(manifest, { platform: { os: 'linux', architecture: 'amd64' } })], [manifest, image.config])
    mkdirSync(path.join(dir, 'blobs', 'sha512'))
    writeFileSync(path.join(dir, 'blobs', 'sha512', sha512.slice(7)), layer.data)
    expect((await measure(new OciDirectorySource(dir))).platforms[0].layers.map(entry => [entry.digest, entry.size])).toEqual([[sha512, 5000]])
    const altered = Buffer.from(layer.data)
    altered[altered.length - 1] ^= 0xff
    writeFileSync(path.join(dir, 'blobs', 'sha512', sha512.slice(7)), altered)
    expect((await timed(() => measure(new OciDirectorySource(dir)))).error).toMatch(new RegExp(`^OCI layout ${dir}: blob ${sha512} holds other content: its bytes have digest sha512:[0-9a-f]{128}$`))
  })

  it('stops at 1,000 manifests', async () => {
    const image = imageOf([])
    const manifests = Array.from({ length: 1001 }, (_, index) =>
      blobOf({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptorOf(image.config), layers: [], annotations: { n: String(index) } }, OCI_MANIFEST)
    )
    const index = indexOf(manifests)
    const dir = layout([descriptorOf(index)], [index, image.config, ...manifests])
    const outcome = await timed(() => resolveImage(new OciDirectorySource(dir)))
    expect(outcome.error).toBe(`OCI layout ${dir} has more than 1000 manifests and indexes`)
  })

  it('refuses an index.json over 4 MiB without reading it', async () => {
    const dir = tempDir('image-budget-oci-')
    writeFileSync(path.join(dir, 'index.json'), Buffer.alloc(5 << 20, 0x20))
    expect((await timed(() => resolveImage(new OciDirectorySource(dir)))).error).toBe(`OCI layout ${dir}: index.json is 5242880 bytes, more than an index may have`)
  })
})

function require256(data: Buffer): string {
  return blobOf(data, '').digest.slice(7)
}
