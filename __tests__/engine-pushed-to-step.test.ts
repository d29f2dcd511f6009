// export-mode registry: an unpushed build is pushed by BuildKit to a registry the step serves on
// 127.0.0.1 for the build's duration. What it measures is checked against the folder export of the
// same build; a second run whose layer store read the layers before is sent none of them.
import { expect, it } from '@jest/globals'
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import type { Exec } from '../src/host.js'
import { execute } from '../src/main.js'
import { DEFAULT_TRIVY_VERSION } from '../src/constants.js'
import { describeWithEngine, docker, makeContext } from './helpers/engine.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { expectVerifiedLayouts, fixturePath, trivyStandIn } from './helpers/trivy-standin.js'
import { tempDir } from './helpers/temp.js'


function largestFileUnder(dir: string): number {
  let largest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) largest = Math.max(largest, statSync(path.join(entry.parentPath, entry.name)).size)
  }
  return largest
}

function newLayerStore(): string {
  const dir = tempDir('image-budget-layers-')
  return dir
}

/** A run on the real engine, with the build's argv and the largest file its run folder held when the build ended. */
async function run(context: string, values: Record<string, string>, layerCacheDir = newLayerStore(), trivy?: string, fake: { driver?: string; storage?: string; engineName?: string } = {}, buildArgs: string[][] = []) {
  const host = new RecordingHost()
  let largestOnDisk = 0
  const base = createExec(process.stderr)
  const deps = depsFor(context, { layerCacheDir })
  const exec: Exec = async (command, args, options) => {
    if (command === 'trivy' && trivy) return base(trivy, args, options)
    const result = await base(command, args, options)
    // A builder of another driver, as `docker buildx inspect` would describe it.
    if (fake.driver && args[0] === 'buildx' && args[1] === 'inspect') return { ...result, stdout: result.stdout.replace(/^Driver:.*$/m, `Driver: ${fake.driver}`) }
    // An engine on the classic image store, as `docker info` describes it.
    if (fake.storage && args[0] === 'info') return { ...result, stdout: fake.storage }
    // An engine on another host (or beside a job container), by the host name it gives.
    if (fake.engineName && args[0] === 'info' && args.some(arg => arg.includes('{{json .Name}}'))) return { ...result, stdout: result.stdout.replace(/^\["[^"]*"/, JSON.stringify([fake.engineName]).slice(0, -1)) }
    if (args[0] === 'buildx' && args[1] === 'build') {
      buildArgs.push(args)
      largestOnDisk = largestFileUnder(deps.tempRoot)
    }
    return result
  }
  const inputs = getInputs(name => ({ scan: 'false', ...values } as Record<string, string>)[name] ?? '')
  const outcome = await execute(inputs, host, { ...deps, exec })
  return { host, report: outcome.report, buildArgs, largestOnDisk, outputs: host.outputs }
}

type Run = Awaited<ReturnType<typeof run>>
const shape = (measured: Run) =>
  measured.report.platforms.map(platform => ({
    platform: platform.platform,
    size: platform.size,
    compressedSize: platform.compressedSize,
    layers: platform.layers.map(layer => [layer.digest, layer.size, layer.compressedSize])
  }))
/** What the step said it read of the layers' bytes: nothing when the layer store held every layer. */
const layerReadings = (measured: Run) => measured.host.lines.filter(line => /reading layer /.test(line))
/** What the step said the build sent it. */
function traffic(measured: Run): { blobs: number; kB: number; had: number } {
  const line = measured.host.lines.find(text => text.startsWith('The build sent '))
  const parsed = /^The build sent (\d+) blobs \(([\d.]+) (B|kB|MB)\) to the step; (\d+) layers read before were not sent$/.exec(line ?? '')
  if (!parsed) throw new Error(`no traffic line: ${line}`)
  const scale = { B: 0.001, kB: 1, MB: 1000 }[parsed[3] as 'B' | 'kB' | 'MB']
  return { blobs: Number(parsed[1]), kB: Number(parsed[2]) * scale, had: Number(parsed[4]) }
}
const pushOutput = (args: string[]) => args.filter(arg => arg.startsWith('type=image,name=127.0.0.1:'))

describeWithEngine('a build pushed to the step (export-mode registry)', () => {
  const platforms = 'linux/amd64,linux/arm64'

  it('measures a two-platform build as its folder export measures, with no layer on disk, and sends no layer twice', async () => {
    const context = makeContext()
    const folder = await run(context, { platforms, name: 'sunk', 'export-mode': 'folder' })
    const store = newLayerStore()
    const first = await run(context, { platforms, name: 'sunk', 'export-mode': 'registry' }, store)
    expect(first.report.error).toBeUndefined()
    expect(first.buildArgs).toHaveLength(1)
    expect(pushOutput(first.buildArgs[0])).toEqual([expect.stringMatching(/^type=image,name=127\.0\.0\.1:\d+\/image-budget-[a-f0-9]{24}:measured,push=true,store=false,registry\.insecure=true$/)])
    expect(first.buildArgs[0].some(arg => arg.startsWith('type=oci'))).toBe(false)
    expect(shape(first)).toEqual(shape(folder))
    expect(first.report.platforms).toHaveLength(2)
    // Each platform's busybox layer is about 1 MB compressed: nothing of that size was written.
    expect(first.largestOnDisk).toBeLessThan(64 * 1024)
    expect(layerReadings(first).length).toBeGreaterThanOrEqual(2)
    // The step's registry is nobody else's business: not in the metadata output, and no image in the engine.
    expect(first.outputs.get('metadata') ?? '').not.toContain('image-budget-')
    expect(first.outputs.get('digest')).toMatch(/^sha256:[a-f0-9]{64}$/)
    expect(docker(['image', 'ls', '--format', '{{.Repository}}'])).not.toMatch(/127\.0\.0\.1:\d+\/image-budget-[a-f0-9]{24}/)

    const second = await run(context, { platforms, name: 'sunk', 'export-mode': 'registry' }, store)
    expect(second.report.error).toBeUndefined()
    expect(layerReadings(second)).toEqual([])
    // Every layer of both platforms was had: the build sent only manifests and configs, a few kB.
    const layerCount = new Set(first.report.platforms.flatMap(platform => platform.layers.map(layer => layer.digest))).size
    expect(traffic(first)).toEqual({ blobs: expect.any(Number), kB: expect.any(Number), had: 0 })
    expect(traffic(first).kB).toBeGreaterThan(1000)
    expect(traffic(second).had).toBe(layerCount)
    expect(traffic(second).kB).toBeLessThan(20)
    expect(shape(second)).toEqual(shape(first))
  })

  it('is what export-mode auto (the default) picks for the docker driver of the engine on this machine, and says so', async () => {
    const context = makeContext()
    const chosen = await run(context, { platforms: 'linux/amd64', name: 'auto' })
    const folder = await run(context, { platforms: 'linux/amd64', name: 'auto', 'export-mode': 'folder' })
    expect(chosen.report.error).toBeUndefined()
    expect(pushOutput(chosen.buildArgs[0])).toHaveLength(1)
    expect(chosen.buildArgs[0].some(arg => arg.startsWith('type=oci'))).toBe(false)
    expect(chosen.host.lines).toContain(
      'export-mode auto: the build is pushed to a registry the step serves on 127.0.0.1 (the docker driver of an engine on this machine, with the containerd image store), which is sent only the layers not read before'
    )
    expect(traffic(chosen).blobs).toBeGreaterThan(0)
    expect(shape(chosen)).toEqual(shape(folder))
  })

  it.each([
    ['a builder whose BuildKit does not reach 127.0.0.1 of this machine', { driver: 'docker-container' }, 'the docker-container driver, whose BuildKit does not reach 127.0.0.1 of this machine'],
    ['an engine on another host', { engineName: 'build-host-7' }, 'an engine that is not on this machine']
  ])('falls back to a layout folder with export-mode auto for %s, and says why', async (_case, fake, why) => {
    const context = makeContext()
    const chosen = await run(context, { platforms: 'linux/amd64', name: 'auto-folder' }, undefined, undefined, fake)
    expect(chosen.report.error).toBeUndefined()
    expect(chosen.buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual([expect.stringMatching(/^type=oci,dest=.*\/oci,tar=false$/)])
    expect(pushOutput(chosen.buildArgs[0])).toEqual([])
    expect(chosen.host.lines).toContain(`export-mode auto: the build is written to an OCI layout folder (${why})`)
    expect(chosen.report.platforms).toHaveLength(1)
  })

  it('measures a one-platform build that is also loaded into the engine', async () => {
    const context = makeContext()
    const tag = `image-budget-test/sunk-loaded:${path.basename(context).slice(-6).toLowerCase()}`
    const loaded = await run(context, { platforms: 'linux/amd64', name: 'loaded', load: 'true', tags: tag, 'export-mode': 'registry' })
    expect(loaded.report.error).toBeUndefined()
    // The tag names the loaded image only: given as --tag, buildx would push the step's export to it.
    expect(loaded.buildArgs[0]).toContain(`type=docker,"name=${tag}"`)
    expect(loaded.buildArgs[0]).not.toContain('--tag')
    expect(loaded.report.platforms.map(platform => platform.platform)).toEqual(['linux/amd64'])
    const inEngine = JSON.parse(docker(['image', 'inspect', tag]))[0] as { RootFS: { Layers: string[] } }
    expect(inEngine.RootFS.Layers).toHaveLength(loaded.report.platforms[0].layers.length)
    expect(loaded.report.platforms[0].layers.map(layer => layer.diffId)).toEqual(inEngine.RootFS.Layers)
    docker(['image', 'rm', tag])
  })

  it('refuses a builder whose BuildKit cannot reach 127.0.0.1 of this machine before building, naming the input and the driver', async () => {
    const context = makeContext()
    const builds: string[][] = []
    const refused = run(context, { platforms: 'linux/amd64', name: 'elsewhere', 'export-mode': 'registry' }, undefined, undefined, { driver: 'docker-container' }, builds)
    await expect(refused).rejects.toThrow('Input "export-mode": "registry" needs a builder that reaches 127.0.0.1 of this machine (the docker driver), and the current builder uses the docker-container driver: use folder or stream')
    expect(builds).toEqual([])
  })

  it('refuses an engine on the classic image store before building, naming the input and the store', async () => {
    const builds: string[][] = []
    const classic = '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],["Native Overlay Diff","true"],["userxattr","false"]]'
    const refused = run(makeContext(), { platforms: 'linux/amd64', name: 'classic', 'export-mode': 'registry' }, undefined, undefined, { storage: classic }, builds)
    await expect(refused).rejects.toThrow(`Input "export-mode": "registry" needs an engine with the containerd image store, and this engine uses the classic store: use folder or stream`)
    expect(builds).toEqual([])
  })

  it('hands Trivy a layout of each platform written as the layers were pushed, every blob there and verified', async () => {
    const context = makeContext()
    const trivy = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39') })
    const store = newLayerStore()
    // The store already holds every layer: with a layout to write, they are sent all the same.
    await run(context, { platforms, name: 'sunk-scanned', 'export-mode': 'registry' }, store)
    const scanned = await run(context, { platforms, name: 'sunk-scanned', scan: 'true', 'export-mode': 'registry' }, store, trivy.binary)
    expect(scanned.report.error).toBeUndefined()
    expectVerifiedLayouts(trivy, scanned.report.platforms)
    expect(scanned.report.platforms).toHaveLength(2)
  })
})
