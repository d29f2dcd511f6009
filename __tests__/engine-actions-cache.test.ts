// The GitHub Actions cache for real: BuildKit's type=gha cache and the action's own @actions/cache
// both talk to a local cache service v2 (see helpers/cache-server.ts), as on a runner.
import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import type { Report } from '../src/report/report.js'
import { runActionStepAsync } from './helpers/action.js'
import { CacheServer } from './helpers/cache-server.js'
import { describeWithEngine, docker, makeContext } from './helpers/engine.js'

const readReport = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report

describeWithEngine('the GitHub Actions cache (type=gha and the layer index) against a local cache service', () => {
  const server = new CacheServer()
  const context = makeContext()
  beforeAll(async () => {
    await server.start()
  })
  afterAll(async () => {
    await server.stop()
  })
  const step = (name: string) => runActionStepAsync(context, { name, platforms: 'linux/amd64' }, { ...server.env(), GITHUB_RUN_ID: String(Date.now()) })

  it('writes the cache on a cold build, and serves the same build from it after the builder forgot everything', async () => {
    const cold = await step('gha-a')
    expect(cold.exitCode).toBe(0)
    const first = readReport(cold.outputs.report)
    expect(first.build!.actionsCache).toEqual({ used: true })
    expect(first.build!.cachedSteps).toBeLessThan(first.build!.steps)
    expect(cold.summary).toContain('GitHub Actions cache: used.')
    const keys = server.entries.filter(entry => entry.finalized).map(entry => entry.key)
    expect(keys.some(key => key.startsWith('buildkit-blob-1-sha256:'))).toBe(true)
    expect(keys.some(key => key.startsWith('index-gha-a-'))).toBe(true)
    expect(keys.some(key => key.startsWith('image-budget-layers-v3-linux-gha-a-'))).toBe(true)
    // Blobs of every size went up: BuildKit uploads large ones as blocks and a block list.
    expect(server.requests.some(request => request.method === 'PUT' && request.path.includes('comp=blocklist'))).toBe(true)

    docker(['buildx', 'prune', '--all', '--force'])
    const warm = await step('gha-a')
    expect(warm.exitCode).toBe(0)
    const second = readReport(warm.outputs.report)
    // Served from the Actions cache: BuildKit's own cache was emptied. One step is now and then rebuilt
    // when the engine is busy (seen 1 run in 4 on this machine); every other step must come from the cache.
    expect(second.build!.cachedSteps).toBeGreaterThanOrEqual(second.build!.steps - 1)
    expect(second.build!.cachedSteps).toBeGreaterThan(first.build!.cachedSteps)
    expect(second.platforms.map(platform => [platform.platform, platform.size, platform.compressedSize, platform.layerCount])).toEqual(
      first.platforms.map(platform => [platform.platform, platform.size, platform.compressedSize, platform.layerCount])
    )
    // Served from the cache service: ranged reads of the blobs the first run wrote.
    expect(server.requests.some(request => request.method === 'GET' && request.path.startsWith('/devstoreaccount1/cache/'))).toBe(true)
    // Two builds around a prune of the whole builder cache, which on a busy machine takes minutes.
  }, 300_000)

  it('keeps a separate scope per image name', async () => {
    const other = await step('gha-b')
    expect(other.exitCode).toBe(0)
    expect(server.entries.some(entry => entry.key.startsWith('index-gha-b-'))).toBe(true)
    expect(server.entries.some(entry => entry.key.startsWith('index-gha-a-'))).toBe(true)
  })

  it.each([
    ['rate-limited', /not used, the cache service is rate limiting \(HTTP 429, Retry-After 1\)/],
    ['unavailable', /not used, the cache service is failing \(HTTP 503, Retry-After 1\)/],
    ['hang', /not used, the cache service did not answer within 10 s/]
  ] as const)('neither fails nor holds the step when the cache service is %s, and says why', async (fault, reason) => {
    server.fault = fault
    const started = Date.now()
    try {
      const faulty = await step(`gha-${fault}`)
      expect(faulty.exitCode).toBe(0)
      expect(faulty.outputs.verdict).toBe('pass')
      expect(faulty.summary).toMatch(reason)
      expect(faulty.stdout).toMatch(/::warning::The GitHub Actions cache is not used in this run/)
      expect(readReport(faulty.outputs.report).platforms).toHaveLength(1)
    } finally {
      server.fault = 'none'
    }
    expect(Date.now() - started).toBeLessThan(60_000)
  })
})
