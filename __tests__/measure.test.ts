import { describe, expect, it } from '@jest/globals'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { OciDirectorySource, OciTarSource, type BlobSource } from '../src/image/blobs.js'
import { compressionOf, UnsupportedLayerError } from '../src/image/decompress.js'
import { LayerStore } from '../src/image/layer-store.js'
import { layerHistory, measureImage, resolveImage } from '../src/image/measure.js'
import { gnuTar, makeTree, sampleTree, zstdCompress } from './helpers/tar.js'
import { packLayout, writeLayout } from './helpers/oci.js'
import { tempDir } from './helpers/temp.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd'
const PLAIN = 'application/vnd.oci.image.layer.v1.tar'
const DOCKER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

function fixtureImage() {
  const base = sampleTree()
  const appRoot = tempDir('image-budget-app-')
  makeTree(appRoot, [
    { path: 'srv/app.bin', bytes: 250_000 },
    { path: 'srv/config.json', bytes: 321 }
  ])
  const baseTar = gnuTar(base.root, 'pax')
  const appTar = gnuTar(appRoot, 'gnu')
  const baseGzip = gzipSync(baseTar)
  const appZstd = zstdCompress(appTar)
  const dir = tempDir('image-budget-oci-')
  const layout = writeLayout(dir, [
    {
      os: 'linux',
      architecture: 'amd64',
      emptySteps: ['ENV NODE_ENV=production'],
      layers: [
        { blob: baseGzip, mediaType: GZIP, createdBy: 'COPY rootfs / # buildkit' },
        { blob: appZstd, mediaType: ZSTD, createdBy: 'COPY --from=build /srv /srv # buildkit' }
      ]
    },
    {
      os: 'linux',
      architecture: 'arm64',
      layers: [
        { blob: baseGzip, mediaType: DOCKER_GZIP, createdBy: 'COPY rootfs / # buildkit' },
        { blob: appTar, mediaType: PLAIN, createdBy: 'COPY --from=build /srv /srv # buildkit' }
      ]
    }
  ])
  return { dir, layout, baseBytes: base.regularBytes, appBytes: 250_321, blobs: { baseGzip, appZstd, appTar } }
}

async function measureFrom(source: BlobSource) {
  const image = await resolveImage(source)
  const read: string[] = []
  const store = new LayerStore(tempDir('image-budget-store-'))
  const platforms = await measureImage(source, image, { store, onLayer: (_platform, _index, layer) => read.push(layer.digest) })
  return { image, platforms, read }
}

describe('measureImage', () => {
  const fixture = fixtureImage()

  it.each([
    ['an OCI layout folder', () => new OciDirectorySource(fixture.dir)],
    [
      'an OCI layout tar as docker save writes it',
      () => {
        const file = path.join(tempDir('image-budget-save-'), 'image.tar')
        packLayout(fixture.dir, file)
        return new OciTarSource(file)
      }
    ]
  ])('measures each platform of %s from gzip, zstd and plain layers', async (_title, makeSource) => {
    const { image, platforms, read } = await measureFrom(makeSource())
    expect(image.digest).toBe(fixture.layout.indexDigest)
    expect(platforms.map(platform => platform.platform)).toEqual(['linux/amd64', 'linux/arm64'])
    const [amd64, arm64] = platforms
    expect(amd64.digest).toBe(fixture.layout.manifestDigests[0])
    expect(amd64.layers.map(layer => layer.size)).toEqual([fixture.baseBytes, fixture.appBytes])
    expect(arm64.layers.map(layer => layer.size)).toEqual([fixture.baseBytes, fixture.appBytes])
    expect(amd64.size).toBe(fixture.baseBytes + fixture.appBytes)
    expect(amd64.compressedSize).toBe(fixture.blobs.baseGzip.length + fixture.blobs.appZstd.length)
    expect(arm64.compressedSize).toBe(fixture.blobs.baseGzip.length + fixture.blobs.appTar.length)
    expect(amd64.layerCount).toBe(2)
    expect(amd64.layers.map(layer => layer.createdBy)).toEqual([
      'COPY rootfs / # buildkit',
      'COPY --from=build /srv /srv # buildkit'
    ])
    // The base layer is shared by both platforms and read once.
    expect(read).toHaveLength(3)
  })

  it('skips attestation manifests', async () => {
    const image = await resolveImage(new OciDirectorySource(fixture.dir))
    expect(image.platforms.map(platform => platform.platform)).toEqual(['linux/amd64', 'linux/arm64'])
  })

  it('says which blob a layout lacks', async () => {
    const source = new OciDirectorySource(fixture.dir)
    await expect(source.open({ mediaType: PLAIN, digest: `sha256:${'0'.repeat(64)}`, size: 1 })).rejects.toThrow(
      /names blob sha256:0{64} but does not contain it/
    )
  })

  it('refuses a digest that is not one before using it as a path', async () => {
    const source = new OciDirectorySource(fixture.dir)
    await expect(source.open({ mediaType: PLAIN, digest: 'sha256:../../etc/passwd', size: 1 })).rejects.toThrow(/not a valid content digest/)
  })
})

describe('layerHistory', () => {
  it('pairs layers with the history entries that made them', () => {
    const history = [{ created_by: 'ENV A=1', empty_layer: true }, { created_by: 'COPY a /' }, { created_by: 'RUN b' }]
    expect(layerHistory(history, 2).map(entry => entry?.created_by)).toEqual(['COPY a /', 'RUN b'])
  })

  it('gives no instruction rather than a wrong one when history does not line up', () => {
    expect(layerHistory([{ created_by: 'RUN only one' }], 2)).toEqual([undefined, undefined])
  })
})

describe('compressionOf', () => {
  it.each([
    [GZIP, 'gzip'],
    [DOCKER_GZIP, 'gzip'],
    [ZSTD, 'zstd'],
    [PLAIN, 'none'],
    ['application/vnd.docker.image.rootfs.diff.tar', 'none'],
    ['application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', 'gzip']
  ])('%s is %s', (mediaType, compression) => {
    expect(compressionOf(mediaType)).toBe(compression)
  })

  it('refuses media types it cannot read', () => {
    expect(() => compressionOf('application/vnd.example.layer+bzip2')).toThrow(UnsupportedLayerError)
  })
})
