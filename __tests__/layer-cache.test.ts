import { describe, expect, it } from '@jest/globals'
import { existsSync, readdirSync, rmSync } from 'node:fs'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { OciDirectorySource } from '../src/image/blobs.js'
import { actionsCacheBackend, layerCacheKeys, restoreLayers, saveLayers, type KeptLayers } from '../src/image/layer-cache.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { useCacheServer } from './helpers/cache-server.js'
import { RecordingHost } from './helpers/host.js'
import { writeLayout } from './helpers/oci.js'
import { gnuTar, makeTree } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

function imageWithLayers(sizes: number[]): string {
  const dir = tempDir('image-budget-oci-')
  const layers = sizes.map((bytes, index) => {
    const root = tempDir('image-budget-layer-')
    makeTree(root, [{ path: `layer${index}/data.bin`, bytes }])
    return { blob: gzipSync(gnuTar(root, 'pax')), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', createdBy: `COPY layer${index} /` }
  })
  writeLayout(dir, [{ os: 'linux', architecture: 'amd64', layers }])
  return dir
}

// The cache version hashes the cached paths: like RUNNER_TEMP on a runner, the folder's path stays.
const KEPT_DIR = path.join(tempDir('image-budget-kept-'), 'layers')

/** One run on a fresh runner: an empty layer folder, restored from the cache, then saved. */
async function run(layout: string, runId: string) {
  const host = new RecordingHost()
  const dir = KEPT_DIR
  rmSync(dir, { recursive: true, force: true })
  const kept: KeptLayers = { backend: actionsCacheBackend, dir, name: 'api', env: { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1' } }
  const restored = await restoreLayers(kept, host)
  const store = new LayerStore(dir)
  const source = new OciDirectorySource(layout)
  const read: number[] = []
  const platforms = await measureImage(source, await resolveImage(source), { store, onLayer: (_p, index) => read.push(index) })
  await saveLayers(kept, store, restored, host)
  return { host, restored, read, platforms, dir }
}

describe('the layer index in the Actions cache (cache service v2, local server)', () => {
  const server = useCacheServer()

  it('reads every layer on the first run and saves the index; the next run reads none', async () => {
    const layout = imageWithLayers([100_000, 5_000, 70])
    const first = await run(layout, '101')
    expect(first.restored).toBeUndefined()
    expect(first.read).toEqual([0, 1, 2])
    expect(server.calls()).toEqual(['POST GetCacheEntryDownloadURL', 'POST CreateCacheEntry', 'PUT /devstoreaccount1/cache/1', 'POST FinalizeCacheEntryUpload'])
    expect(server.requests[1].body).toMatchObject({ key: layerCacheKeys('api', { GITHUB_RUN_ID: '101', GITHUB_RUN_ATTEMPT: '1' }).key })

    const second = await run(layout, '102')
    expect(second.restored).toBe('image-budget-layers-v3-linux-api-101-1')
    expect(second.read).toEqual([])
    expect(second.platforms[0].layers.map(layer => layer.size)).toEqual([100_000, 5_000, 70])
    expect(second.platforms).toEqual(first.platforms)
    // Nothing new was read, so nothing is saved: the calls end with the download.
    expect(server.calls().slice(4)).toEqual(['POST GetCacheEntryDownloadURL', 'GET /devstoreaccount1/cache/1'])
  })

  it('reads only the changed layer after a rebuild, and saves an index without the layer it replaced', async () => {
    const layout = imageWithLayers([100_000, 5_000, 71])
    const third = await run(layout, '103')
    expect(third.read).toEqual([2])
    const kept = readdirSync(third.dir).filter(name => name.endsWith('.json'))
    expect(kept).toHaveLength(3)
    expect(server.entries.map(entry => entry.key)).toEqual(['image-budget-layers-v3-linux-api-101-1', 'image-budget-layers-v3-linux-api-103-1'])
  })

  it('warns and reads every layer when the service fails, without failing', async () => {
    const host = new RecordingHost()
    const previous = process.env.ACTIONS_RESULTS_URL
    process.env.ACTIONS_RESULTS_URL = 'http://127.0.0.1:9/'
    try {
      const dir = path.join(tempDir('image-budget-kept-'), 'layers')
      const restored = await restoreLayers({ backend: actionsCacheBackend, dir, name: 'api', env: {} }, host)
      expect(restored).toBeUndefined()
      expect(existsSync(dir)).toBe(false)
    } finally {
      process.env.ACTIONS_RESULTS_URL = previous
    }
  })
})
