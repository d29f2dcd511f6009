// A build is read as buildx exports it: unpushed with export-mode stream, its OCI tar streams from
// buildx's standard output into the measuring, with nothing of it on disk unless Trivy needs the
// layout; pushed, it is measured and scanned where it was pushed. Each is checked against an
// independent reading of the same image.
import { expect, it } from '@jest/globals'
import { readdirSync, statSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import type { Exec } from '../src/host.js'
import { execute } from '../src/main.js'
import { describeWithEngine, docker, makeContext, REGISTRY, uniqueTag } from './helpers/engine.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { readPushedImage } from './helpers/registry.js'
import { expectVerifiedLayouts, fixturePath, trivyStandIn } from './helpers/trivy-standin.js'
import { tempDir } from './helpers/temp.js'
import { DEFAULT_TRIVY_VERSION } from '../src/constants.js'

const MiB = 2 ** 20

/** Every file under a folder with its size (links not followed). */
function filesUnder(dir: string): Array<{ file: string; size: number }> {
  const found: Array<{ file: string; size: number }> = []
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = path.join(entry.parentPath, entry.name)
    found.push({ file, size: statSync(file).size })
  }
  return found
}

/** A run through the pipeline on the real engine, with the build's argv and, at its end, what was on disk. */
async function run(context: string, values: Record<string, string>, trivy?: string) {
  const host = new RecordingHost()
  const buildArgs: string[][] = []
  const onDisk: Array<Array<{ file: string; size: number }>> = []
  const base = createExec(process.stderr)
  const layerCacheDir = tempDir('image-budget-layers-')
  const deps = depsFor(context, { layerCacheDir })
  const exec: Exec = async (command, args, options) => {
    if (command === 'trivy' && trivy) return base(trivy, args, options)
    const result = await base(command, args, options)
    if (args[0] === 'buildx' && args[1] === 'build') {
      buildArgs.push(args)
      // The build is over, and with it the reading of its export: what does its run folder hold?
      onDisk.push(filesUnder(deps.tempRoot))
    }
    return result
  }
  const inputs = getInputs(name => ({ scan: 'false', ...values } as Record<string, string>)[name] ?? '')
  const outcome = await execute(inputs, host, { ...deps, exec })
  return { host, report: outcome.report, buildArgs, onDisk }
}

describeWithEngine('a build read as buildx exports it', () => {
  it('exports an unpushed build to a layout folder with export-mode folder, which it measures as export-mode stream does', async () => {
    const context = makeContext()
    const folder = await run(context, { platforms: 'linux/amd64', name: 'folder', 'export-mode': 'folder' })
    const streamed = await run(context, { platforms: 'linux/amd64', name: 'folder', 'export-mode': 'stream' })
    expect(folder.buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual([expect.stringMatching(/^type=oci,dest=.*\/oci,tar=false$/)])
    expect(folder.report.platforms).toHaveLength(1)
    const shape = (run: { report: { platforms: Array<{ size: number; compressedSize: number; layers: Array<{ digest: string; size: number }> }> } }) =>
      run.report.platforms.map(platform => ({ size: platform.size, compressedSize: platform.compressedSize, layers: platform.layers.map(layer => [layer.digest, layer.size]) }))
    expect(shape(streamed)).toEqual(shape(folder))
  })

  const platforms = 'linux/amd64,linux/arm64'

  it('measures an unpushed two-platform build from buildx standard output, with no copy of it on disk, as its pushed twin reads', async () => {
    const context = makeContext()
    const streamed = await run(context, { platforms, name: 'streamed', 'export-mode': 'stream' })
    expect(streamed.report.error).toBeUndefined()
    expect(streamed.buildArgs).toHaveLength(1)
    expect(streamed.buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual(['type=oci,dest=-'])
    // The image is about 2 MB compressed per platform; no file in the run's folder holds a layer.
    expect(streamed.onDisk[0].filter(entry => entry.size > MiB / 4)).toEqual([])
    // Layers of 1 MiB or more are read as they pass; smaller ones once the stream has ended.
    expect(streamed.host.lines.filter(line => / as the image streams$/.test(line)).length).toBeGreaterThanOrEqual(1)

    // The same build pushed (from the build cache: the same layers), read from the registry by the helper.
    const tag = uniqueTag('streamed-twin')
    docker(['buildx', 'build', '--platform', platforms, '--tag', tag, '--push', context])
    const pushed = await readPushedImage(tag)
    for (const expected of pushed.platforms) {
      const measured = streamed.report.platforms.find(platform => platform.platform === expected.platform)!
      expect(measured.layers.map(layer => layer.compressedSize)).toEqual(expected.layerBlobSizes)
      expect(measured.layers.map(layer => layer.size)).toEqual(expected.layerFileBytes)
      expect(measured.size).toBe(expected.layerFileBytes.reduce((a, b) => a + b, 0))
    }
    expect(streamed.report.platforms).toHaveLength(2)
  })

  it('hands Trivy a layout of each platform written as the export streamed, every blob of its manifest there and verified', async () => {
    const context = makeContext()
    const trivy = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39') })
    const scanned = await run(context, { platforms, name: 'scanned', scan: 'true', 'export-mode': 'stream' }, trivy.binary)
    expect(scanned.report.error).toBeUndefined()
    expect(scanned.buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual(['type=oci,dest=-'])
    expect(scanned.report.platforms).toHaveLength(2)
    expectVerifiedLayouts(trivy, scanned.report.platforms)
    expect(scanned.report.platforms.every(platform => platform.vulnerabilities !== undefined)).toBe(true)
  })

  it('scans a pushed build in its registry, by the pushed digest, with no export beside the push', async () => {
    const context = makeContext()
    const tag = uniqueTag('scanned-pushed')
    const trivy = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39') })
    const pushedRun = await run(context, { platforms, name: 'pushed', scan: 'true', push: 'true', tags: tag }, trivy.binary)
    expect(pushedRun.report.error).toBeUndefined()
    expect(pushedRun.buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual([])
    const pushed = await readPushedImage(tag)
    const repository = tag.replace(/:[^:/]+$/, '')
    expect(repository.startsWith(`${REGISTRY}/`)).toBe(true)
    const calls = trivy.calls()
    expect(calls.map(call => [call[call.indexOf('--platform') + 1], call.at(-1)]).sort()).toEqual([
      ['linux/amd64', `${repository}@${pushed.indexDigest}`],
      ['linux/arm64', `${repository}@${pushed.indexDigest}`]
    ])
    expect(calls.every(call => !call.includes('--input') && call.join(' ').includes('--image-src remote'))).toBe(true)
    expect(pushedRun.report.digest).toBe(pushed.indexDigest)
  })
})

