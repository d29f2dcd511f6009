// What runners produce and how users reach their engines, on the real engine: attestations in both
// of BuildKit's forms, an OCI artifact that is not an image, a builder on another endpoint
// (a second dockerd selected by DOCKER_CONTEXT or DOCKER_HOST), and the action under Node 24.
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { OciDirectorySource } from '../src/image/blobs.js'
import { resolveImage } from '../src/image/measure.js'
import type { Report } from '../src/report/report.js'
import { NODE24, runActionStep, runCliProcess } from './helpers/action.js'
import { describeWithEngine, makeContext, uniqueTag } from './helpers/engine.js'
import { pushLayout, writeHelmChartLayout, writeLayout, type AttestationForm } from './helpers/oci.js'
import { readPushedImage, registryDigest } from './helpers/registry.js'
import { gnuTar, sampleTree } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

const REMOTE_SOCKET = path.join(process.env.IMAGE_BUDGET_REMOTE_ENGINE ?? '/var/lib/image-budget/remote-engine', 'run', 'docker.sock')
const readReport = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report

function twoPlatformLayout(dir: string, form: AttestationForm) {
  const { root } = sampleTree()
  const layer = { blob: gnuTar(root, 'pax'), mediaType: 'application/vnd.oci.image.layer.v1.tar', createdBy: 'COPY . /' }
  return writeLayout(dir, [
    { os: 'linux', architecture: 'amd64', layers: [layer] },
    { os: 'linux', architecture: 'arm64', layers: [layer] }
  ], form)
}

describe('attestations in either form are not platforms', () => {
  it.each<AttestationForm>(['unknown-platform', 'artifact'])('a layout whose attestations are %s manifests measures its two platforms only', async form => {
    const dir = tempDir('image-budget-attest-')
    const layout = twoPlatformLayout(dir, form)
    const image = await resolveImage(new OciDirectorySource(dir))
    expect(image.digest).toBe(layout.indexDigest)
    expect(image.platforms.map(platform => [platform.platform, platform.manifest.digest])).toEqual([
      ['linux/amd64', layout.manifestDigests[0]],
      ['linux/arm64', layout.manifestDigests[1]]
    ])
  })
})

describeWithEngine('images and engines as runners have them', () => {
  it.each<AttestationForm>(['unknown-platform', 'artifact'])('measures a pushed index with %s attestations, and its digest output is the index', async form => {
    const dir = tempDir('image-budget-attest-push-')
    twoPlatformLayout(dir, form)
    const tag = uniqueTag(`attest-${form}`)
    const pushedRoot = await pushLayout(dir, tag)
    const step = runActionStep(tempDir('image-budget-cwd-'), { image: tag })
    expect(step.exitCode).toBe(0)
    expect(step.outputs.digest).toBe(await registryDigest(tag))
    expect(step.outputs.digest).toBe(pushedRoot)
    const report = readReport(step.outputs.report)
    const pushed = await readPushedImage(tag)
    expect(report.platforms.map(platform => [platform.platform, platform.size, platform.layerCount])).toEqual(
      pushed.platforms.map(platform => [platform.platform, platform.layerFileBytes.reduce((a, b) => a + b, 0), platform.layerBlobSizes.length])
    )
  })

  it('refuses an OCI artifact that is not a container image (a Helm chart), with exit status 2', async () => {
    const dir = tempDir('image-budget-helm-')
    writeHelmChartLayout(dir)
    const tag = uniqueTag('helm-chart')
    await pushLayout(dir, tag)
    const cli = runCliProcess(tempDir('image-budget-cwd-'), ['--image', tag])
    expect(cli.exitCode).toBe(2)
    expect(cli.stderr).toContain('is an OCI artifact of type application/vnd.cncf.helm.config.v1+json (a Helm chart), not a container image')
    const step = runActionStep(tempDir('image-budget-cwd-'), { image: tag })
    expect(step.exitCode).toBe(1)
    expect(step.outputs.verdict).toBe('fail')
    expect(step.stdout).toMatch(/::error::.*holds no container image to measure: sha256:[a-f0-9]{64} is an OCI artifact/)
  })

  describe('a builder on another endpoint', () => {
    const context = makeContext()
    const remoteHas = (tag: string): boolean =>
      spawnSync('docker', ['image', 'inspect', tag], { env: { ...process.env, DOCKER_HOST: `unix://${REMOTE_SOCKET}` } }).status === 0
    const localHas = (tag: string): boolean => spawnSync('docker', ['image', 'inspect', tag], { env: { ...process.env, DOCKER_HOST: '' } }).status === 0

    it('has the second engine that scripts/setup-engine.sh starts', () => {
      expect(existsSync(REMOTE_SOCKET)).toBe(true)
    })

    it.each([
      ['DOCKER_CONTEXT', { DOCKER_CONTEXT: 'image-budget-remote' }],
      ['DOCKER_HOST', { DOCKER_HOST: `unix://${REMOTE_SOCKET}` }]
    ])('builds where %s points, pushes one platform and measures what that builder built', async (_how, env) => {
      const tag = uniqueTag('remote')
      const step = runActionStep(context, { platforms: 'linux/amd64', tags: tag, push: 'true', load: 'true' }, env)
      expect(step.exitCode).toBe(0)
      expect(step.outputs.digest).toBe(await registryDigest(tag))
      const pushed = await readPushedImage(tag)
      const report = readReport(step.outputs.report)
      expect(report.platforms.map(platform => [platform.platform, platform.size])).toEqual(
        pushed.platforms.map(platform => [platform.platform, platform.layerFileBytes.reduce((a, b) => a + b, 0)])
      )
      // Loaded into the engine that built it, and never into the local one.
      expect(remoteHas(tag)).toBe(true)
      expect(localHas(tag)).toBe(false)
    })

    it('takes a build of the engine DOCKER_CONTEXT points at as it pushes it to the step (export-mode registry), and loads it there', () => {
      const tag = `image-budget-test/remote-sunk:${path.basename(context).slice(-6).toLowerCase()}`
      const env = { DOCKER_CONTEXT: 'image-budget-remote' }
      const folder = runActionStep(context, { platforms: 'linux/amd64', 'export-mode': 'folder' }, env)
      const sunk = runActionStep(context, { platforms: 'linux/amd64', tags: tag, load: 'true', 'export-mode': 'registry' }, env)
      expect(folder.exitCode).toBe(0)
      expect(sunk.exitCode).toBe(0)
      expect(sunk.stdout).toMatch(/The build sent \d+ blobs \([\d.]+ [kM]B\) to the step; 0 layers read before were not sent/)
      const layersOf = (step: typeof sunk) => readReport(step.outputs.report).platforms.map(platform => [platform.size, platform.layers.map(layer => layer.digest)])
      expect(layersOf(sunk)).toEqual(layersOf(folder))
      expect(remoteHas(tag)).toBe(true)
      expect(localHas(tag)).toBe(false)
    })

    it('explains that buildx refuses --builder for the docker driver of another context', () => {
      const step = runActionStep(context, { builder: 'default' }, { DOCKER_CONTEXT: 'image-budget-remote' })
      expect(step.exitCode).toBe(1)
      expect(step.stdout).toContain('Input "builder": "default" is the docker driver of another Docker context (default)')
    })
  })

  describe('under Node 24, as runners run the action (using: node24)', () => {
    it('has the Node 24 that scripts/ensure-node24.sh installs', () => {
      expect(spawnSync(NODE24, ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^v24\./)
    })

    it('builds, pushes one platform, measures it and fails one byte under its size, as under Node 20', async () => {
      const context = makeContext()
      const tag = uniqueTag('node24')
      const first = runActionStep(context, { platforms: 'linux/amd64', tags: tag, push: 'true' }, {}, NODE24)
      expect(first.exitCode).toBe(0)
      expect(first.outputs.digest).toBe(await registryDigest(tag))
      const pushed = await readPushedImage(tag)
      expect(Number(first.outputs.size)).toBe(pushed.platforms[0].layerFileBytes.reduce((a, b) => a + b, 0))
      const under = runActionStep(context, { platforms: 'linux/amd64', 'max-size': String(Number(first.outputs.size) - 1) }, {}, NODE24)
      expect(under.exitCode).toBe(1)
      expect(under.outputs.verdict).toBe('fail')
      // The same build pushed to the step's own registry instead, served by Node 24's http.
      const sunk = runActionStep(context, { platforms: 'linux/amd64', 'export-mode': 'registry', 'max-size': first.outputs.size }, {}, NODE24)
      expect(sunk.exitCode).toBe(0)
      expect(sunk.outputs.size).toBe(first.outputs.size)
    })
  })
})
