import { expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import * as path from 'node:path'
import { BuildError } from '../src/build/build.js'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import type { Exec } from '../src/host.js'
import { ImageNotFoundError } from '../src/image/source.js'
import { execute } from '../src/main.js'
import type { Report } from '../src/report/report.js'
import { describeWithEngine, docker, makeContext, uniqueTag } from './helpers/engine.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { readPushedImage } from './helpers/registry.js'
import { removeTempDir, tempDir } from './helpers/temp.js'

async function runOn(context: string, values: Record<string, string>) {
  const host = new RecordingHost()
  // Trivy cannot be downloaded here: runs that are not about scanning leave it out.
  const inputs = getInputs(name => ({ scan: 'false', ...values } as Record<string, string>)[name] ?? '')
  const outcome = await execute(inputs, host, depsFor(context))
  return { host, outcome }
}

describeWithEngine('building with the real engine', () => {
  it('measures linux/amd64 and linux/arm64 exactly as the pushed image and a second reading of its layers say', async () => {
    const context = makeContext()
    const tag = uniqueTag('multistage')
    const { outcome, host } = await runOn(context, { platforms: 'linux/amd64,linux/arm64', tags: tag, push: 'true', name: 'multistage' })
    const pushed = await readPushedImage(tag)
    const report = outcome.report

    expect(report.platforms.map(platform => platform.platform).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(pushed.platforms.map(platform => platform.platform).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    for (const expected of pushed.platforms) {
      const measured = report.platforms.find(platform => platform.platform === expected.platform)!
      expect(measured.digest).toBe(expected.digest)
      expect(measured.layerCount).toBe(expected.layerBlobSizes.length)
      expect(measured.layers.map(layer => layer.compressedSize)).toEqual(expected.layerBlobSizes)
      expect(measured.compressedSize).toBe(expected.layerBlobSizes.reduce((a, b) => a + b, 0))
      expect(measured.layers.map(layer => layer.size)).toEqual(expected.layerFileBytes)
      expect(measured.size).toBe(expected.layerFileBytes.reduce((a, b) => a + b, 0))
      // The 300,000-byte app is counted once: its hard link and symlink add nothing.
      const appLayer = measured.layers.find(layer => layer.createdBy.startsWith('COPY /out/ /app/'))
      expect(appLayer?.size).toBe(300_000 + `${expected.platform.split('/')[1]}\n`.length)
    }
    expect(host.outputs.get('digest')).toBe(pushed.indexDigest)
    expect(report.digest).toBe(pushed.indexDigest)
    expect(report.build?.steps).toBeGreaterThanOrEqual(8)
    const written = JSON.parse(readFileSync(outcome.reportPath, 'utf8')) as Report
    expect(written).toEqual(report)
    expect(written.schemaVersion).toBe(1)
  })

  it('measures a pushed build from its registry, with no OCI layout exported beside the push, and reads again only the layers it lacks', async () => {
    const context = makeContext()
    const tag = uniqueTag('from-registry')
    const layers = tempDir('image-budget-layers-')
    try {
      const buildArgs: string[][] = []
      const base = createExec(process.stderr)
      const exec: Exec = async (command, args, options) => {
        if (args[0] === 'buildx' && args[1] === 'build') buildArgs.push(args)
        return base(command, args, options)
      }
      const run = async () => {
        const host = new RecordingHost()
        const inputs = getInputs(name => ({ scan: 'false', platforms: 'linux/amd64,linux/arm64', tags: tag, push: 'true' } as Record<string, string>)[name] ?? '')
        const outcome = await execute(inputs, host, depsFor(context, { exec, layerCacheDir: layers }))
        return { host, report: outcome.report }
      }
      const first = await run()
      expect(buildArgs).toHaveLength(1)
      expect(buildArgs[0].filter(arg => arg.startsWith('type=oci'))).toEqual([])
      expect(first.host.warnings).toEqual([])
      const pushed = await readPushedImage(tag)
      for (const expected of pushed.platforms) {
        const measured = first.report.platforms.find(platform => platform.platform === expected.platform)!
        expect(measured.digest).toBe(expected.digest)
        expect(measured.layers.map(layer => layer.compressedSize)).toEqual(expected.layerBlobSizes)
        expect(measured.layers.map(layer => layer.size)).toEqual(expected.layerFileBytes)
      }
      expect(first.report.digest).toBe(pushed.indexDigest)
      expect(first.host.lines.filter(line => line.includes(': reading layer ')).length).toBeGreaterThan(0)

      // Nothing changed: the manifests come from the registry again, no layer does.
      const second = await run()
      expect(second.host.lines.filter(line => line.includes(': reading layer '))).toEqual([])
      expect(second.report.platforms).toEqual(first.report.platforms)
    } finally {
      removeTempDir(layers)
    }
  })

  it('exports a pushed build to measure it when its registry refuses this step, with a warning that says why', async () => {
    const context = makeContext()
    const tag = uniqueTag('registry-refuses')
    const host = new RecordingHost()
    // As a registry whose credentials only the engine's credential helper holds.
    const refusing: typeof fetch = async () => new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } })
    const inputs = getInputs(name => ({ scan: 'false', tags: tag, push: 'true' } as Record<string, string>)[name] ?? '')
    const { report } = await execute(inputs, host, depsFor(context, { fetch: refusing }))
    expect(host.warnings.map(warning => warning.message)).toEqual([
      expect.stringMatching(/^The pushed image could not be read from its registry \(.*asks for credentials \(docker login\)\): it is exported from the build to be measured instead$/)
    ])
    const pushed = await readPushedImage(tag)
    expect(report.platforms.map(platform => platform.layers.map(layer => layer.size))).toEqual(pushed.platforms.map(platform => platform.layerFileBytes))
    expect(report.platforms.map(platform => platform.digest)).toEqual(pushed.platforms.map(platform => platform.digest))
  })

  it('reports the steps of a rebuild from a type=local cache as cached', async () => {
    const context = makeContext()
    const cacheDir = tempDir('image-budget-cache-')
    const first = await runOn(context, { 'cache-to': `type=local,dest=${cacheDir},mode=max` })
    expect(first.outcome.report.build!.cachedSteps).toBeLessThan(first.outcome.report.build!.steps)

    // Empty BuildKit's own cache, so that only the exported cache can make steps cached.
    docker(['buildx', 'prune', '--all', '--force'])
    const second = await runOn(context, { 'cache-from': `type=local,src=${cacheDir}` })
    const build = second.outcome.report.build!
    expect(build.steps).toBe(first.outcome.report.build!.steps)
    expect(build.cachedSteps).toBe(build.steps)
    expect(second.outcome.report.platforms[0].size).toBe(first.outcome.report.platforms[0].size)
    // Two builds around a prune of all of BuildKit's cache: minutes on a busy machine.
  }, 300_000)

  it('measures an existing image from the local engine and from a registry, as the build did', async () => {
    const context = makeContext()
    const tag = uniqueTag('existing')
    const built = await runOn(context, { platforms: 'linux/amd64,linux/arm64', tags: tag, push: 'true', load: 'true' })
    const sizes = (report: Report) =>
      report.platforms.map(platform => [platform.platform, platform.size, platform.compressedSize, platform.layerCount]).sort()

    const local = await runOn(context, { image: tag })
    expect(local.outcome.report.build).toBeUndefined()
    expect(sizes(local.outcome.report)).toEqual(sizes(built.outcome.report))
    expect(local.host.outputs.get('imageid')).toMatch(/^sha256:[a-f0-9]{64}$/)

    docker(['image', 'rm', tag])
    const remote = await runOn(context, { image: tag })
    expect(sizes(remote.outcome.report)).toEqual(sizes(built.outcome.report))
    expect(remote.outcome.report.digest).toBe(built.outcome.report.digest)
  })

  it('fails a broken build with the failing step and its last lines, and still writes the report', async () => {
    const context = makeContext('FROM scratch\nCOPY busybox/amd64/busybox /bin/sh\nRUN echo "linking app" && echo "undefined reference to main" >&2 && exit 7\n')
    const host = new RecordingHost()
    const deps = depsFor(context)
    const inputs = getInputs(name => ({ name: 'broken', report: 'out/report.json', scan: 'false' })[name as 'name'] ?? '')
    const attempt = execute(inputs, host, deps)
    await expect(attempt).rejects.toThrow(BuildError)
    await attempt.catch((error: Error) => {
      expect(error.message).toContain('failed step: [2/2] RUN echo "linking app"')
      expect(error.message).toContain('undefined reference to main')
      expect(error.message).toMatch(/exit code: 7/)
    })
    const written = JSON.parse(readFileSync(path.join(context, 'out/report.json'), 'utf8')) as Report
    expect(written).toMatchObject({ name: 'broken', verdict: 'fail', platforms: [] })
    expect(written.error).toContain('undefined reference to main')
    expect(host.outputs.get('verdict')).toBe('fail')
  })

  it('names an image that exists neither in the engine nor in its registry', async () => {
    const context = makeContext()
    const missing = uniqueTag('never-pushed')
    const attempt = runOn(context, { image: missing })
    await expect(attempt).rejects.toThrow(ImageNotFoundError)
    await expect(runOn(context, { image: missing })).rejects.toThrow(
      new RegExp(`Input "image": "${missing.replace(/[.:/]/g, '\\$&')}" was not found: the local engine does not have it, and .*not found`)
    )
  })
})
