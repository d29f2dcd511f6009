// Several runs measuring the same layers into one layer folder at once, in one process and in
// separate ones: every run succeeds with the same figures, and none reads a torn layer.
import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { promisify } from 'node:util'
import ts from 'typescript'
import { OciDirectorySource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { readLayer } from '../src/image/measure.js'
import { tempDir } from './helpers/temp.js'
import { blobOf, descriptorOf, imageOf, writeBlobLayout, type TestImage } from './helpers/hostile-registry.js'


/** Layers of many entries, so that writing one takes long enough for runs to overlap. */
const ENTRIES = [12_000, 8_000, 3]
const layoutOf = (image: TestImage): string =>
  writeBlobLayout(tempDir('image-budget-oci-'), [descriptorOf(image.manifest, { platform: { os: 'linux', architecture: 'amd64' } })], image.blobs)
const image = imageOf(ENTRIES.map((count, layer) => Array.from({ length: count }, (_, index) => ({ name: `l${layer}/d${index % 50}/f${index}`, bytes: index % 7 }))))
const expectedSizes = ENTRIES.map(count => Array.from({ length: count }, (_, index) => index % 7).reduce((sum, bytes) => sum + bytes, 0))

/** The folder's files: two per layer, and no partial file left behind. */
function expectCompleteFolder(dir: string): void {
  const names = readdirSync(dir).sort()
  expect(names).toEqual(image.layers.flatMap(layer => [`${layer.digest.replace(':', '-')}.entries`, `${layer.digest.replace(':', '-')}.json`]).sort())
  for (const layer of image.layers) {
    const base = path.join(dir, layer.digest.replace(':', '-'))
    const summary = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { entriesBytes: number; entries: number }
    expect(statSync(`${base}.entries`).size).toBe(summary.entriesBytes)
  }
}

describe('a layer folder shared by concurrent runs', () => {
  const layout = layoutOf(image)

  it('lets 8 readers of one layer in one process write it at once', async () => {
    const dir = tempDir('image-budget-store-')
    const layer = image.layers[0]
    const source = new OciDirectorySource(layout)
    const results = await Promise.all(Array.from({ length: 8 }, () => readLayer(source, layer, new LayerStore(dir), () => undefined)))
    expect(new Set(results.map(result => JSON.stringify({ size: result.size, files: result.files, entries: result.entries }))).size).toBe(1)
    expect(results[0]).toMatchObject({ size: expectedSizes[0], files: ENTRIES[0], entries: ENTRIES[0] })
    expect(readdirSync(dir).sort()).toEqual([`${layer.digest.replace(':', '-')}.entries`, `${layer.digest.replace(':', '-')}.json`])
  })

  it('gives 6 processes measuring the same image into one folder the same figures, twice each', async () => {
    const build = tempDir('image-budget-js-')
    transpileSources(build)
    const child = path.join(build, 'child.mjs')
    writeFileSync(
      child,
      `import { OciDirectorySource } from './src/image/blobs.js'
import { LayerStore } from './src/image/layer-store.js'
import { measureImage, resolveImage } from './src/image/measure.js'
const [layout, dir] = process.argv.slice(2)
const rounds = []
for (let round = 0; round < 2; round++) {
  const source = new OciDirectorySource(layout)
  const store = new LayerStore(dir)
  const [platform] = await measureImage(source, await resolveImage(source), { store })
  rounds.push({ sizes: platform.layers.map(layer => layer.size), files: platform.layers.map(layer => layer.files), topFiles: platform.topFiles.length, written: store.written })
}
process.stdout.write(JSON.stringify(rounds))
`
    )
    const dir = path.join(tempDir('image-budget-shared-'), 'layers')
    const started = Date.now()
    const runs = await Promise.all(Array.from({ length: 6 }, () => promisify(execFile)(process.execPath, [child, layout, dir], { encoding: 'utf8' })))
    const rounds = runs.map(run => JSON.parse(run.stdout) as Array<{ sizes: number[]; files: number[]; topFiles: number; written: number }>)
    for (const [first, second] of rounds) {
      expect(first).toMatchObject({ sizes: expectedSizes, files: ENTRIES, topFiles: 10 })
      expect(second).toEqual({ ...first, written: 0 })
    }
    expectCompleteFolder(dir)
    expect(Date.now() - started).toBeLessThan(60_000)
  })
})

describe('a layer folder left torn or altered', () => {
  const layout = layoutOf(image)
  const layer = image.layers[1]
  const source = new OciDirectorySource(layout)

  async function storedOnce(): Promise<{ dir: string; base: string }> {
    const dir = tempDir('image-budget-store-')
    await readLayer(source, layer, new LayerStore(dir), () => undefined)
    return { dir, base: path.join(dir, layer.digest.replace(':', '-')) }
  }

  async function readAgain(dir: string): Promise<{ reads: number; size: number; files: number }> {
    let reads = 0
    let files = 0
    const summary = await readLayer(source, layer, new LayerStore(dir), (_path, kind) => (files += kind === 0 ? 1 : 0), () => reads++)
    return { reads, size: summary.size, files }
  }

  it('reads the blob again when the entries are shorter than the summary says', async () => {
    const { dir, base } = await storedOnce()
    truncateSync(`${base}.entries`, 1000)
    expect(await readAgain(dir)).toEqual({ reads: 1, size: expectedSizes[1], files: ENTRIES[1] })
    expectLayerStored(dir)
  })

  it('reads the blob again when the summary is torn or of another kind', async () => {
    const { dir, base } = await storedOnce()
    const { blobBytes: _length, ...written } = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Record<string, unknown>
    for (const text of [
      '{"version":1,"size":',
      JSON.stringify({ version: 1, size: 1, files: 1, entries: 1, secrets: [] }),
      JSON.stringify({ version: 1, size: -1, files: 1, entries: 1, entriesBytes: 1, secrets: [] }),
      // What the blob decoded as must be known, or a manifest's claim about it cannot be held to it.
      JSON.stringify(written),
      JSON.stringify({ ...written, blobBytes: 10, compression: 'brotli' })
    ]) {
      writeFileSync(`${base}.json`, text)
      expect(await readAgain(dir)).toEqual({ reads: 1, size: expectedSizes[1], files: ENTRIES[1] })
    }
    expect(await readAgain(dir)).toEqual({ reads: 0, size: expectedSizes[1], files: ENTRIES[1] })
  })

  it('refuses entries altered at their length rather than replaying a different filesystem', async () => {
    const { dir, base } = await storedOnce()
    const entries = readFileSync(`${base}.entries`)
    entries.write('9', 0)
    writeFileSync(`${base}.entries`, entries)
    await expect(readAgain(dir)).rejects.toThrow(`the stored entries of layer ${layer.digest} are damaged (line 1): remove the layer folder to read it again`)
  })

  it('prunes what a dead run left, and not what a live one is writing', async () => {
    const { dir, base } = await storedOnce()
    const live = `${base}.entries.${process.pid + 1}-abc.partial`
    const dead = `${base}.entries.${process.pid + 2}-def.partial`
    writeFileSync(live, 'x')
    writeFileSync(dead, 'x')
    const hoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000)
    utimesSync(dead, hoursAgo, hoursAgo)
    const unused = path.join(dir, `${blobOf(Buffer.from('other'), '').digest.replace(':', '-')}.json`)
    writeFileSync(unused, '{}')
    const store = new LayerStore(dir)
    await readLayer(source, layer, store, () => undefined)
    expect(await store.prune()).toBe(2)
    expect(readdirSync(dir).sort()).toEqual([path.basename(live), `${path.basename(base)}.entries`, `${path.basename(base)}.json`].sort())
  })

  function expectLayerStored(dir: string): void {
    const base = path.join(dir, layer.digest.replace(':', '-'))
    const summary = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as { entriesBytes: number }
    expect(statSync(`${base}.entries`).size).toBe(summary.entriesBytes)
  }
})

/** The sources as ES modules for separate Node processes (type-stripped, as ts-jest does for the tests). */
function transpileSources(outDir: string): void {
  const root = path.resolve('src')
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap(entry => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.ts') ? [path.join(dir, entry.name)] : []))
  for (const file of walk(root)) {
    const output = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022, isolatedModules: true } })
    const target = path.join(outDir, 'src', path.relative(root, file)).replace(/\.ts$/, '.js')
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, output.outputText)
  }
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}')
  symlinkSync(path.resolve('node_modules'), path.join(outDir, 'node_modules'))
}
