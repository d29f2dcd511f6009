import { describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { baselineFromImage, baselineFromReport, BaselineError, computeDelta, readBaselineFile } from '../src/baseline/baseline.js'
import { OciDirectorySource } from '../src/image/blobs.js'
import { writeLayout } from './helpers/oci.js'
import { applyBaseline, loadBaseline, reportCacheKeys, saveBaseline, type BaselineDeps } from '../src/baseline/step.js'
import { evaluateBudgets } from '../src/budget/evaluate.js'
import { getInputs } from '../src/config/inputs.js'
import type { GitHubContext } from '../src/github/context.js'
import { actionsCacheBackend } from '../src/image/layer-cache.js'
import { sizeChart } from '../src/report/compare.js'
import { emptyReport, type PackageReport, type PlatformReport, type Report } from '../src/report/report.js'
import { markdownSummary } from '../src/report/summary.js'
import { useCacheServer } from './helpers/cache-server.js'
import { RecordingHost } from './helpers/host.js'
import { removeTempDir, tempDir } from './helpers/temp.js'

function platform(size: number, layers: Array<[string, number, number?]>, stages?: Array<[string, number]>): PlatformReport {
  return {
    platform: 'linux/amd64',
    digest: 'sha256:x',
    size,
    compressedSize: Math.round(size / 2),
    layerCount: layers.length,
    layers: layers.map(([instruction, bytes, line], index) => ({ digest: `sha256:${index}${instruction.length}`, size: bytes, compressedSize: bytes / 2, createdBy: `${instruction} # buildkit`, instruction, ...(line ? { line } : {}) })),
    wastedBytes: 1000,
    efficiency: 0.99,
    topFiles: [],
    topDirectories: [],
    topWaste: [],
    ...(stages ? { stages: stages.map(([stage, bytes]) => ({ stage, bytes, layers: 1 })) } : {}),
    vulnerabilities: { critical: 1, high: 2, medium: 0, low: 0, unknown: 0 }
  }
}

function reportWith(p: PlatformReport, createdAt = '2026-11-20T10:00:00.000Z'): Report {
  const report = emptyReport('api')
  report.platforms.push(p)
  report.createdAt = createdAt
  return report
}

const base = platform(10_000_000, [['COPY rootfs /', 6_000_000], ['RUN npm ci', 3_000_000, 8], ['COPY . /app', 1_000_000, 9]], [['base image', 6_000_000], ['runtime', 4_000_000]])
const current = platform(12_500_000, [['COPY rootfs /', 6_000_000], ['RUN npm ci', 5_000_000, 8], ['COPY . /app', 1_500_000, 9]], [['base image', 6_000_000], ['runtime', 6_500_000]])

describe('computeDelta', () => {
  it('gives the change of size, compressed size, layers, waste, vulnerabilities, stages and lines', () => {
    const delta = computeDelta({ ...current, vulnerabilities: { critical: 0, high: 3, medium: 1, low: 0, unknown: 0 } }, baselineFromReport(reportWith(base), 'file', 'old.json').platforms[0])
    expect(delta).toEqual({
      size: 2_500_000,
      sizeRatio: 0.25,
      compressedSize: 1_250_000,
      compressedSizeRatio: 0.25,
      layerCount: 0,
      wastedBytes: 0,
      vulnerabilities: { critical: -1, high: 1, medium: 1, low: 0, unknown: 0 },
      stages: [{ name: 'runtime', bytes: 2_500_000 }],
      instructions: [
        { name: 'RUN npm ci', line: 8, bytes: 2_000_000 },
        { name: 'COPY . /app', line: 9, bytes: 500_000 }
      ]
    })
  })

  it('pairs a layer with a registry baseline by its history, whatever text the Dockerfile gives it', async () => {
    const dir = tempDir('image-budget-registry-baseline-')
    const layer = (bytes: number, createdBy: string) => ({ blob: Buffer.alloc(bytes, 1), mediaType: 'application/vnd.oci.image.layer.v1.tar', createdBy })
    // The base image's history, as BuildKit writes it: RUN with its shell, COPY without --from.
    writeLayout(dir, [{ os: 'linux', architecture: 'amd64', layers: [layer(1024, 'COPY /out/ /app/ # buildkit'), layer(1536, 'RUN |1 V=1 /bin/sh -c ./build.sh # buildkit')] }])
    const baseline = await baselineFromImage(new OciDirectorySource(dir), 'registry.example/app:main')
    // This run's layers know their Dockerfile text too; the same RUN wrote 1,000 bytes more.
    const grown = platform(0, [['COPY --from=build /out/ /app/', 2048], ['RUN ./build.sh', 5072, 12]])
    grown.layers[0].createdBy = 'COPY /out/ /app/ # buildkit'
    grown.layers[1].createdBy = 'RUN |1 V=1 /bin/sh -c ./build.sh # buildkit'
    const delta = computeDelta(grown, baseline.platforms[0])
    expect(delta.instructions).toEqual([{ name: 'RUN ./build.sh', line: 12, bytes: 1000 }])
  })

  it('budgets the increase in bytes or percent, and says nothing without a baseline', () => {
    const withDelta = { ...current, delta: computeDelta(current, baselineFromReport(reportWith(base), 'file', 'x').platforms[0]) }
    const results = evaluateBudgets(
      { 'max-size-increase': { limit: 0.2, unit: 'ratio', level: 'error', source: 'x' } },
      [withDelta, { ...current, platform: 'linux/arm64' }]
    )
    expect(results).toEqual([{ rule: 'max-size-increase', platform: 'linux/amd64', limit: 0.2, actual: 0.25, unit: 'ratio', level: 'error', status: 'fail' }])
    expect(evaluateBudgets({ 'max-size-increase': { limit: 3_000_000, unit: 'bytes', level: 'error', source: 'x' } }, [withDelta])[0].status).toBe('pass')
  })

  it('draws baseline and current size per platform, stacked by stage', () => {
    const report = reportWith(current)
    applyBaseline(report, baselineFromReport(reportWith(base), 'file', 'old.json'))
    const chart = sizeChart(report)!
    expect(chart.split('\n')).toEqual([
      '```mermaid',
      'xychart-beta',
      '  title "Size of api (MB): baseline and this run"',
      '  x-axis ["amd64 baseline", "amd64 now"]',
      '  y-axis "MB"',
      '  bar [10.00, 12.50]',
      '  bar [6.00, 6.00]',
      '```'
    ])
    const summary = markdownSummary(report, { chart: true })
    expect(summary).toContain('Compared with the report `old.json`, made 2026-11-20 10:00 UTC.')
    expect(summary).toContain('| linux/amd64 | 12.5 MB | +2.50 MB (+25.0%) 🔺 |')
    expect(summary).toContain('| linux/amd64 | RUN npm ci | 8 | +2.00 MB |')
    expect(summary).toContain('xychart-beta')
  })

  it('refuses a file that is not a report, naming the input', async () => {
    const file = path.join(tempDir('image-budget-baseline-'), 'x.json')
    writeFileSync(file, '{"hello": 1}')
    await expect(readBaselineFile(file, 'x.json')).rejects.toThrow(BaselineError)
    await expect(readBaselineFile(file, 'x.json')).rejects.toThrow('Input "baseline": "x.json" is not an image-budget report of schema version 1')
    await expect(readBaselineFile('/nowhere.json', 'nowhere.json')).rejects.toThrow('Input "baseline": cannot read the report "nowhere.json" (ENOENT)')
  })
})

describe('baseline: auto, through the Actions cache (cache service v2, local server)', () => {
  const server = useCacheServer()
  const SHA = 'c'.repeat(40)
  const context = (eventName: string, extra: Partial<GitHubContext> = {}): GitHubContext => ({
    owner: 'acme',
    repo: 'shop',
    eventName,
    sha: SHA,
    branch: 'main',
    defaultBranch: 'main',
    runUrl: 'r',
    runAttemptUrl: 'r/attempts/1',
    serverUrl: 'https://github.com',
    apiUrl: '',
    privateRepository: false,
    ...extra
  })
  // The folder's path stays the same between runs, as RUNNER_TEMP does on a runner.
  const dir = path.join(tempDir('image-budget-kept-'), 'baseline')
  const deps = (github: GitHubContext, host = new RecordingHost()): BaselineDeps => ({ host, cwd: '/', env: {}, fetch: globalThis.fetch, cache: actionsCacheBackend, github, dir })

  it('keeps the report of a push to the default branch, and a pull request compares with it', async () => {
    const reportFile = path.join(tempDir('image-budget-report-'), 'api.json')
    writeFileSync(reportFile, JSON.stringify(reportWith(base)))
    const inputs = getInputs(() => '')
    expect(await saveBaseline(inputs, 'api', reportFile, deps(context('push', { branch: 'feature' })))).toBe(false)
    expect(await saveBaseline(inputs, 'api', reportFile, deps(context('push')))).toBe(true)
    expect(server.entries.map(entry => entry.key)).toEqual([reportCacheKeys('api', 'main', SHA).key])

    const host = new RecordingHost()
    const pr = context('pull_request', { sha: 'd'.repeat(40), branch: 'feature', pullRequest: { number: 3, baseRef: 'main', headSha: 'd'.repeat(40), fromFork: false } })
    const baseline = await loadBaseline(inputs, 'api', deps(pr, host))
    expect(baseline).toMatchObject({ source: 'cache', reference: `main@${'c'.repeat(12)}`, createdAt: '2026-11-20T10:00:00.000Z', unavailable: [] })
    expect(baseline!.platforms[0].size).toBe(10_000_000)
    expect(await loadBaseline(getInputs(name => (name === 'baseline' ? 'none' : '')), 'api', deps(pr))).toBeUndefined()
    expect(await loadBaseline(inputs, 'other-image', deps(pr, host))).toBeUndefined()
    expect(host.lines).toContain('No report of main in the cache yet: nothing to compare with')
  })

  it('baseline: build keeps the report of the default branch and takes it first, as auto does', async () => {
    const reportFile = path.join(tempDir('image-budget-report-'), 'web.json')
    writeFileSync(reportFile, JSON.stringify(reportWith(base)))
    const inputs = getInputs(name => (name === 'baseline' ? 'build' : ''))
    expect(await saveBaseline(inputs, 'web', reportFile, deps(context('push')))).toBe(true)
    const pr = context('pull_request', { sha: 'e'.repeat(40), branch: 'feature', pullRequest: { number: 4, baseRef: 'main', headSha: 'e'.repeat(40), fromFork: false } })
    expect(await loadBaseline(inputs, 'web', deps(pr))).toMatchObject({ source: 'cache', reference: `main@${'c'.repeat(12)}` })
    // None kept: nothing is loaded, and the compare stage builds the merge base.
    const host = new RecordingHost()
    expect(await loadBaseline(inputs, 'never-kept', deps(pr, host))).toBeUndefined()
    expect(host.lines).toContain('No report of main in the cache yet')
  })
})

describe('a baseline built from the merge base', () => {
  it('is a report of the base without vulnerabilities, and the summary names the commit', () => {
    const commit = '0123456789abcdef0123456789abcdef01234567'
    const report = reportWith(current)
    // Measured as the head is, and not scanned.
    const measured: PlatformReport = { ...base, vulnerabilities: undefined }
    applyBaseline(report, { ...baselineFromReport({ platforms: [measured] }, 'build', commit), digest: `sha256:${'9'.repeat(64)}` })
    expect(report.baseline).toEqual({ source: 'build', reference: commit, digest: `sha256:${'9'.repeat(64)}`, unavailable: ['vulnerabilities'] })
    expect(report.platforms[0].delta!.size).toBe(2_500_000)
    expect(markdownSummary(report)).toContain('Compared with the baseline built from `0123456789ab`, the merge base, built for this run. It cannot give: vulnerabilities.')
  })
})

describe('package changes against the baseline', () => {
  const withPackages = (p: PlatformReport, items: Array<[PackageReport['ecosystem'], string, string, number]>): PlatformReport => ({
    ...p,
    packages: items.map(([ecosystem, name, version, bytes]) => ({ ecosystem, name, version, bytes, files: 1, layer: 'sha256:l' }))
  })
  const before = withPackages(base, [['npm', 'typescript', '5.6.3', 22_000_000], ['deb', 'libssl3', '3.0.11', 5_000_000], ['npm', 'ms', '2.1.3', 10_000], ['npm', 'ms', '2.1.2', 9_000]])
  const after = withPackages(current, [['npm', '@aws-sdk/client-s3', '3.1.0', 38_000_000], ['deb', 'libssl3', '3.0.13', 5_100_000], ['npm', 'ms', '2.1.3', 10_000], ['npm', 'ms', '2.1.2', 9_000]])

  it('lists the packages added, removed and changed, largest change first, and shows them among what changed', () => {
    const delta = computeDelta(after, baselineFromReport(reportWith(before), 'file', 'old.json').platforms[0])
    expect(delta.packages).toEqual([
      { ecosystem: 'npm', name: '@aws-sdk/client-s3', bytes: 38_000_000, change: 'added', version: '3.1.0' },
      { ecosystem: 'npm', name: 'typescript', bytes: -22_000_000, change: 'removed', baseVersion: '5.6.3' },
      { ecosystem: 'deb', name: 'libssl3', bytes: 100_000, change: 'changed', version: '3.0.13', baseVersion: '3.0.11' }
    ])
    const report = reportWith({ ...after, delta })
    report.baseline = { source: 'file', reference: 'old.json', unavailable: [] }
    const summary = markdownSummary(report)
    expect(summary).toContain('| linux/amd64 | @aws-sdk/client-s3 3.1.0 added (npm) |  | +38.0 MB |')
    expect(summary).toContain('| linux/amd64 | typescript 5.6.3 removed (npm) |  | -22.0 MB 🔽 |')
    expect(summary).toContain('| linux/amd64 | libssl3 3.0.11 → 3.0.13 changed (deb) |  | +100 kB |')
    // A baseline without packages (an older report, a registry image) gives no package changes.
    expect(computeDelta(after, baselineFromReport(reportWith(base), 'file', 'old.json').platforms[0]).packages).toBeUndefined()
  })

  it('reads the packages of a baseline file, and names a package field that is wrong', async () => {
    const dir = tempDir('image-budget-pkg-baseline-')
    try {
      const file = path.join(dir, 'old.json')
      writeFileSync(file, JSON.stringify(reportWith(before)))
      expect((await readBaselineFile(file, 'old.json')).platforms[0].packages).toHaveLength(4)
      const broken = reportWith(before)
      broken.platforms[0].packages![1] = { ...broken.platforms[0].packages![1], bytes: -5 }
      writeFileSync(file, JSON.stringify(broken))
      await expect(readBaselineFile(file, 'old.json')).rejects.toThrow('platforms[0].packages[1].bytes is -5, not a whole, non-negative number')
    } finally {
      removeTempDir(dir)
    }
  })
})
