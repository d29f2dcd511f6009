// The engine GitHub's runners have unless told otherwise: the docker driver on the classic image
// store (overlay2), where buildx exports no OCI layout. A third dockerd of scripts/setup-engine.sh,
// reached with DOCKER_CONTEXT, as a user reaches an engine. An unpushed build is loaded into that
// engine under a name of the step's, measured there, and the name removed.
import { expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import type { Report } from '../src/report/report.js'
import { runActionStep, runActionStepAsync, type StepResult } from './helpers/action.js'
import { CacheServer } from './helpers/cache-server.js'
import { describeWithEngine, makeContext, uniqueTag } from './helpers/engine.js'
import { registryDigest } from './helpers/registry.js'
import { fixturePath, trivyStandIn } from './helpers/trivy-standin.js'
import { DEFAULT_TRIVY_VERSION } from '../src/constants.js'

const CLASSIC_SOCKET = path.join(process.env.IMAGE_BUDGET_CLASSIC_ENGINE ?? '/var/lib/image-budget/classic-engine', 'run', 'docker.sock')
const CLASSIC = { DOCKER_CONTEXT: 'image-budget-classic' }

const readReport = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report
/** What the engine of a context holds, by repository:tag. */
function imagesOf(env: NodeJS.ProcessEnv): string[] {
  const listed = spawnSync('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}'], { env: { ...process.env, ...env }, encoding: 'utf8' })
  expect(listed.status).toBe(0)
  return listed.stdout.split('\n').filter(line => line !== '')
}
// The bytes of each layer and the largest files (a folder's time differs from engine to engine, and with it the layer's digest).
const layersOf = (report: Report) =>
  report.platforms.map(platform => ({
    platform: platform.platform,
    size: platform.size,
    layers: platform.layers.map(layer => [layer.size, layer.createdBy]),
    files: platform.topFiles.map(file => [file.path, file.size])
  }))
// Files copied from the context only: the same files in the same layers on either engine.
const COPY_ONLY = 'FROM scratch\nCOPY busybox/amd64/busybox /bin/busybox\nCOPY seed /seed\n'

describeWithEngine('the docker driver on the classic image store', () => {
  it('has the classic-store engine that scripts/setup-engine.sh starts', () => {
    expect(existsSync(CLASSIC_SOCKET)).toBe(true)
    const storage = spawnSync('docker', ['info', '--format', '{{.Driver}} {{json .DriverStatus}}'], { env: { ...process.env, ...CLASSIC }, encoding: 'utf8' })
    expect(storage.stdout).toMatch(/^overlay2 /)
    expect(storage.stdout).not.toContain('io.containerd.snapshotter')
  })

  it.each(['folder', 'stream'])('measures an unpushed build (export-mode %s) as the containerd store measures it, and leaves no name of its own in the engine', mode => {
    const context = makeContext(COPY_ONLY)
    const before = imagesOf(CLASSIC)
    const classic = runActionStep(context, { platforms: 'linux/amd64', 'export-mode': mode }, CLASSIC)
    expect(classic.stdout).toMatch(/The engine keeps images in its classic store, from which buildx exports no OCI layout: the build is loaded into the engine as image-budget-[a-f0-9]{24}:measured and measured there/)
    expect(classic.exitCode).toBe(0)
    const containerd = runActionStep(context, { platforms: 'linux/amd64', 'export-mode': mode })
    expect(containerd.exitCode).toBe(0)
    expect(containerd.stdout).not.toContain('classic store')
    expect(layersOf(readReport(classic.outputs.report))).toEqual(layersOf(readReport(containerd.outputs.report)))
    expect(readReport(classic.outputs.report).platforms[0].layers).toHaveLength(2)
    expect(classic.outputs.digest).toMatch(/^sha256:[a-f0-9]{64}$/)
    // The step's name is nobody else's business: the metadata output names no image.
    expect(JSON.parse(classic.outputs.metadata)['image.name']).toBeUndefined()
    expect(imagesOf(CLASSIC).filter(image => image.includes('image-budget-'))).toEqual(before.filter(image => image.includes('image-budget-')))
  })

  it.each([
    ['the containerd store', {}],
    ['the classic store', CLASSIC]
  ])('writes a local output of the user\'s beside what it measures, on %s, as build-push-action does (with no image ID file)', (_store, env) => {
    const context = makeContext(COPY_ONLY)
    const step = runActionStep(context, { platforms: 'linux/amd64', outputs: 'type=local,dest=out' }, env)
    expect(step.exitCode).toBe(0)
    expect(readFileSync(path.join(context, 'out', 'seed'), 'utf8')).toBe(readFileSync(path.join(context, 'seed'), 'utf8'))
    expect(readReport(step.outputs.report).platforms[0].topFiles.map(file => file.path)).toContain('/seed')
    // From buildx's metadata instead.
    expect(step.outputs.imageid).toMatch(/^sha256:[a-f0-9]{64}$/)
  })

  it('builds on a runner pushed and not, without the build cache and the provenance that BuildKit cannot make there', async () => {
    const context = makeContext()
    // A runner's cache service, which the step's layer index uses and BuildKit there cannot.
    const server = new CacheServer()
    await server.start()
    // A push to a public repository, where the step (as build-push-action) would add a provenance attestation.
    const eventFile = path.join(context, 'event.json')
    writeFileSync(eventFile, JSON.stringify({ repository: { private: false, default_branch: 'main' } }))
    const runner = {
      ...CLASSIC,
      ...server.env(),
      GITHUB_RUN_ID: String(Date.now()),
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: eventFile
    }
    const tag = uniqueTag('classic-pushed')
    let pushed: StepResult
    let unpushed: StepResult
    try {
      pushed = await runActionStepAsync(context, { platforms: 'linux/amd64', push: 'true', tags: tag }, runner)
      unpushed = await runActionStepAsync(context, { platforms: 'linux/amd64' }, runner)
    } finally {
      await server.stop()
    }
    expect(server.entries.filter(entry => entry.key.startsWith('buildkit-'))).toEqual([])
    expect(server.entries.some(entry => entry.finalized && entry.key.startsWith('image-budget-layers-'))).toBe(true)
    for (const step of [pushed, unpushed]) {
      expect(step.stdout).not.toContain('Cache export is not supported')
      expect(step.stdout).not.toContain('Attestation is not supported')
      expect(step.stdout).not.toContain('--attest')
      expect(step.exitCode).toBe(0)
      expect(step.stdout).toContain('the docker driver on the classic image store neither reads nor writes a build cache')
    }
    expect(pushed.outputs.digest).toBe(await registryDigest(tag))
    expect(readReport(pushed.outputs.report).platforms.map(platform => platform.size)).toEqual(readReport(unpushed.outputs.report).platforms.map(platform => platform.size))
  })

  it('builds the merge base there too to compare with, and leaves neither build\'s name in the engine', () => {
    const root = makeContext(COPY_ONLY)
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, encoding: 'utf8' })
    git('init', '-q', '-b', 'main')
    git('add', '-A')
    git('commit', '-q', '-m', 'the image')
    writeFileSync(path.join(root, 'added.bin'), randomBytes(50_000))
    writeFileSync(path.join(root, 'Dockerfile'), `${COPY_ONLY}COPY added.bin /added.bin\n`)
    git('add', '-A')
    git('commit', '-q', '-m', 'a file more')
    const measuredNames = () => imagesOf(CLASSIC).filter(image => /image-budget-[a-f0-9]{24}:measured/.test(image))
    const before = measuredNames()
    const step = runActionStep(root, { platforms: 'linux/amd64', baseline: 'build', 'baseline-ref': 'HEAD~1' }, CLASSIC)
    expect(step.exitCode).toBe(0)
    const report = readReport(step.outputs.report)
    expect(report.baseline).toMatchObject({ source: 'build', reference: git('rev-parse', 'HEAD~1').trim() })
    expect(report.platforms[0].delta).toMatchObject({ size: 50_000 })
    expect(step.stdout.match(/loaded into the engine as image-budget-[a-f0-9]{24}:measured/g)).toHaveLength(2)
    expect(measuredNames()).toEqual(before)
  })

  it('keeps the user\'s tags in the engine with load: true, and removes only its own', () => {
    const context = makeContext()
    const tag = `image-budget-test/classic-loaded:${path.basename(context).slice(-6).toLowerCase()}`
    const step = runActionStep(context, { platforms: 'linux/amd64', load: 'true', tags: tag }, CLASSIC)
    expect(step.exitCode).toBe(0)
    const inspected = spawnSync('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', tag], { env: { ...process.env, ...CLASSIC }, encoding: 'utf8' })
    expect(inspected.status).toBe(0)
    expect(JSON.parse(inspected.stdout)).toEqual(readReport(step.outputs.report).platforms[0].layers.map(layer => layer.diffId))
    expect(imagesOf(CLASSIC).filter(image => /image-budget-[a-f0-9]{24}:measured/.test(image))).toEqual([])
    expect(JSON.parse(step.outputs.metadata)['image.name']).toBe(`docker.io/${tag}`)
    spawnSync('docker', ['image', 'rm', tag], { env: { ...process.env, ...CLASSIC } })
  })

  it('hands Trivy the saved image, and fails a build that does not build with buildx\'s reason, leaving no name behind', () => {
    const context = makeContext()
    const trivy = trivyStandIn({ version: DEFAULT_TRIVY_VERSION, report: fixturePath('alpine-39') })
    const scanned = runActionStep(context, { platforms: 'linux/amd64', scan: 'true' }, { ...CLASSIC, PATH: `${trivy.dir}:${process.env.PATH}` })
    expect(scanned.exitCode).toBe(0)
    expect(JSON.parse(scanned.outputs.vulnerabilities)).toEqual({ critical: 2, high: 0, medium: 4, low: 0, unknown: 0 })
    // One run, on the image as the engine saved it.
    expect(trivy.calls()).toEqual([expect.arrayContaining(['image', '--input', expect.stringMatching(/image\.tar$/)])])

    const broken = makeContext('FROM scratch\nCOPY busybox/amd64/busybox /bin/busybox\nRUN ["/bin/busybox", "false"]\n')
    const failed = runActionStep(broken, { platforms: 'linux/amd64' }, CLASSIC)
    expect(failed.exitCode).toBe(1)
    expect(failed.stdout).toMatch(/docker buildx build failed \(exit code 1\)/)
    expect(failed.stdout).not.toContain('could not be removed')

    // An attestation asked for: buildx refuses it there, and the step names the input.
    const attested = runActionStep(context, { platforms: 'linux/amd64', sbom: 'true' }, CLASSIC)
    expect(attested.exitCode).toBe(1)
    expect(attested.stdout).toContain('Input "sbom" asks for an attestation, which the docker driver on the classic image store does not make')

    // A bake definition, whose targets are each read from an OCI layout: refused before baking.
    writeFileSync(path.join(context, 'docker-bake.hcl'), 'group "default" {\n  targets = ["app"]\n}\ntarget "app" {\n  context = "."\n  platforms = ["linux/amd64"]\n}\n')
    const baked = runActionStep(context, { files: 'docker-bake.hcl' }, CLASSIC)
    expect(baked.exitCode).toBe(1)
    expect(baked.stdout).toContain('Input "files": a bake definition needs the docker-container driver (docker/setup-buildx-action) or the containerd image store')
    expect(baked.stdout).not.toMatch(/\[command\]\S*docker buildx bake (?!--print)/)

    // Two platforms: refused before building, naming the input and what would build them.
    const two = runActionStep(context, { platforms: 'linux/amd64,linux/arm64' }, CLASSIC)
    expect(two.exitCode).toBe(1)
    expect(two.stdout).toContain('Input "platforms": "linux/amd64,linux/arm64" needs the docker-container driver (docker/setup-buildx-action) or the containerd image store')
    expect(two.stdout).not.toContain('docker buildx build --progress')
    expect(imagesOf(CLASSIC).filter(image => /image-budget-[a-f0-9]{24}:measured/.test(image))).toEqual([])
  })
})
