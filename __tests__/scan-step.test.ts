import { describe, expect, it } from '@jest/globals'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { gzipSync } from 'node:zlib'
import { evaluateBudgets } from '../src/budget/evaluate.js'
import { getInputs } from '../src/config/inputs.js'
import { createExec } from '../src/exec.js'
import { OciDirectorySource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { emptyReport, platformReport } from '../src/report/report.js'
import { DEFAULT_TRIVY_VERSION } from '../src/scan/install.js'
import { actionsCacheBackend } from '../src/image/layer-cache.js'
import { platformLayout, restoreDatabase, saveDatabase, ScanError, trivyArgs } from '../src/scan/scan.js'
import { scanStep, worstCounts, type ScanStepDeps } from '../src/scan/scan-step.js'
import { useCacheServer } from './helpers/cache-server.js'
import { RecordingHost } from './helpers/host.js'
import { writeLayout } from './helpers/oci.js'
import { gnuTar, makeTree } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'
import { fixturePath, trivyStandIn } from './helpers/trivy-standin.js'

const DAY = Date.parse('2026-11-22T12:00:00Z')

/** A two-platform image written by the test, measured, and a Trivy report whose layer is its layer. */
async function imageAndReport(fixture: string) {
  const dir = tempDir('image-budget-oci-')
  const root = tempDir('image-budget-layer-')
  makeTree(root, [{ path: 'lib/apk/db/installed', bytes: 4000 }])
  const blob = gzipSync(gnuTar(root, 'pax'))
  const layers = [{ blob, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', createdBy: 'RUN apk add openssl # buildkit' }]
  writeLayout(dir, [
    { os: 'linux', architecture: 'amd64', layers },
    { os: 'linux', architecture: 'arm64', layers }
  ])
  const source = new OciDirectorySource(dir)
  const image = await resolveImage(source)
  const report = emptyReport('api')
  const store = new LayerStore(tempDir('image-budget-store-'))
  await measureImage(source, image, { store, onPlatform: measurement => report.platforms.push(platformReport(measurement)) })
  // The layer Trivy names is the image's own layer, with a Dockerfile line, as a build gives it.
  const layerDigest = report.platforms[0].layers[0].digest
  for (const platform of report.platforms) Object.assign(platform.layers[0], { instruction: 'RUN apk add openssl', line: 4, stage: 'runtime' })
  const trivyReport = JSON.parse(readFileSync(fixturePath(fixture), 'utf8'))
  // Trivy gives the blob digest when it read the blob; the DiffID alone must be enough too.
  for (const result of trivyReport.Results) {
    for (const [index, vulnerability] of (result.Vulnerabilities ?? []).entries()) {
      vulnerability.Layer = index % 2 === 0 ? { Digest: layerDigest } : { DiffID: report.platforms[0].layers[0].diffId }
    }
  }
  const reportFile = path.join(dir, 'trivy-report.json')
  writeFileSync(reportFile, JSON.stringify(trivyReport))
  return { dir, image, report, reportFile }
}

function stepDeps(extra: Partial<ScanStepDeps> = {}): ScanStepDeps & { host: RecordingHost; waits: number[] } {
  const waits: number[] = []
  const root = tempDir('image-budget-scan-')
  return {
    exec: createExec(process.stderr),
    host: new RecordingHost(),
    clock: { now: () => DAY },
    sleep: async wait => {
      waits.push(wait)
    },
    fetch: globalThis.fetch,
    cwd: root,
    workDir: path.join(root, 'work'),
    toolDir: path.join(root, 'tools'),
    trivyCacheDir: path.join(root, 'trivy-cache'),
    waits,
    ...extra
  } as ScanStepDeps & { host: RecordingHost; waits: number[] }
}

/** Puts the stand-in where the installer looks for an installed release of the default version. */
function installStandIn(deps: ScanStepDeps, options: { report: string; failures?: number; failure?: string }) {
  return trivyStandIn({ version: DEFAULT_TRIVY_VERSION, dir: path.join(deps.toolDir, DEFAULT_TRIVY_VERSION), ...options })
}

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')

describe('trivy command line', () => {
  const settings = { binary: 'trivy', cacheDir: '/c', dbRepositories: ['mirror.gcr.io/aquasec/trivy-db:2', 'ghcr.io/aquasecurity/trivy-db:2'] }
  const common = ['image', '--format', 'json', '--output', '/o.json', '--scanners', 'vuln', '--cache-dir', '/c', '--quiet', '--db-repository', 'mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2']
  it.each([
    [{ kind: 'layout', dir: '/l', platform: 'linux/amd64' } as const, [...common, '--input', '/l']],
    [{ kind: 'archive', file: '/i.tar', platform: 'linux/arm64' } as const, [...common, '--platform', 'linux/arm64', '--input', '/i.tar']],
    [{ kind: 'registry', reference: 'ghcr.io/a/b:1', platform: 'linux/amd64' } as const, [...common, '--platform', 'linux/amd64', '--image-src', 'remote', 'ghcr.io/a/b:1']]
  ])('scans a %j', (target, args) => {
    expect(trivyArgs(target, '/o.json', settings)).toEqual(args)
  })
})

describe('the scan step, with a trivy stand-in that writes a real Trivy report', () => {
  const targetFor = (dir: string) => async (platform: { manifest: any; platform: string }, into: string) => ({
    kind: 'layout' as const,
    dir: await platformLayout(dir, platform.manifest, into),
    platform: platform.platform
  })

  it('scans each platform from its own OCI layout and puts counts and findings with their Dockerfile line in the report', async () => {
    const { dir, image, report, reportFile } = await imageAndReport('alpine-39')
    const deps = stepDeps()
    const trivy = installStandIn(deps, { report: reportFile })
    const { sarifPath } = await scanStep(
      { inputs: inputsOf({ sarif: 'out/trivy.sarif' }), report, platforms: image.platforms, targetFor: targetFor(dir), dockerfile: 'Dockerfile', version: '1.0.0' },
      deps
    )
    const calls = trivy.calls()
    expect(calls).toHaveLength(2)
    for (const [index, call] of calls.entries()) {
      const layout = call[call.indexOf('--input') + 1]
      expect(JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests).toEqual([image.platforms[index].manifest])
    }
    for (const platform of report.platforms) {
      expect(platform.vulnerabilities).toEqual({ critical: 2, high: 0, medium: 4, low: 0, unknown: 0 })
      expect(platform.fixable).toEqual({ critical: 2, high: 0, medium: 4, low: 0, unknown: 0 })
      expect(platform.findings![0]).toMatchObject({ id: 'CVE-2019-14697', severity: 'critical', layer: { instruction: 'RUN apk add openssl', line: 4, stage: 'runtime' } })
    }
    expect(report.scan).toEqual({ source: `trivy ${DEFAULT_TRIVY_VERSION}`, severities: ['critical', 'high', 'medium', 'low', 'unknown'], ignoreUnfixed: false, ignored: 0, expiredIgnores: [] })
    expect(worstCounts(report.platforms)).toEqual({ critical: 2, high: 0, medium: 4, low: 0, unknown: 0 })
    const sarif = JSON.parse(readFileSync(sarifPath!, 'utf8'))
    expect(sarif.runs[0].results).toHaveLength(12)
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'Dockerfile', uriBaseId: '%SRCROOT%' }, region: { startLine: 4 } })

    const budgets = evaluateBudgets({ 'max-vulnerabilities': { limits: { critical: 0, medium: 4 }, fixableOnly: false, level: 'error', source: 'x' } }, report.platforms)
    expect(budgets.map(budget => [budget.platform, budget.severity, budget.actual, budget.status])).toEqual([
      ['linux/amd64', 'critical', 2, 'fail'],
      ['linux/amd64', 'medium', 4, 'pass'],
      ['linux/arm64', 'critical', 2, 'fail'],
      ['linux/arm64', 'medium', 4, 'pass']
    ])
  })

  it('retries Trivy when a registry rate-limits it, with backoff', async () => {
    const { dir, image, report, reportFile } = await imageAndReport('debian-buster')
    const deps = stepDeps()
    installStandIn(deps, { report: reportFile, failures: 2, failure: 'FATAL init error: DB error: failed to download vulnerability DB: GET https://mirror.gcr.io/v2/: TOOMANYREQUESTS: rate limit' })
    await scanStep({ inputs: inputsOf({}), report, platforms: image.platforms, targetFor: targetFor(dir), version: '1.0.0' }, deps)
    expect(deps.waits).toEqual([5000, 15000])
    expect(report.platforms[0].vulnerabilities).toEqual({ critical: 1, high: 0, medium: 0, low: 1, unknown: 0 })
    expect(deps.host.warnings.map(warning => warning.message)).toEqual(expect.arrayContaining([expect.stringContaining('TOOMANYREQUESTS')]))
  })

  it('fails with Trivy stderr by default, and only warns with scan-failure: warning', async () => {
    const failure = 'FATAL Fatal error: unable to initialize the scanner: no space left on device'
    const first = await imageAndReport('debian-buster')
    const failing = stepDeps()
    installStandIn(failing, { report: first.reportFile, failures: 5, failure })
    const attempt = scanStep({ inputs: inputsOf({}), report: first.report, platforms: first.image.platforms, targetFor: targetFor(first.dir), version: '1' }, failing)
    await expect(attempt).rejects.toThrow(ScanError)
    await expect(attempt).rejects.toThrow(/trivy failed on linux\/amd64 \(exit code 1\):\n.*no space left on device/)
    expect(failing.waits).toEqual([])

    const second = await imageAndReport('debian-buster')
    const warned = stepDeps()
    installStandIn(warned, { report: second.reportFile, failures: 5, failure })
    await scanStep(
      { inputs: inputsOf({ 'scan-failure': 'warning' }), report: second.report, platforms: second.image.platforms, targetFor: targetFor(second.dir), version: '1' },
      warned
    )
    expect(second.report.scan?.error).toContain('no space left on device')
    expect(second.report.platforms.every(platform => platform.vulnerabilities === undefined && platform.size === 4000)).toBe(true)
    expect(warned.host.warnings[0].message).toMatch(/^The image was not scanned \(scan-failure: warning\): trivy failed/)
  })

  it('gates on an existing Trivy report with severity, ignore-unfixed and ignore files, saying which rules expired', async () => {
    const { image, report } = await imageAndReport('ubuntu-1804')
    const deps = stepDeps()
    mkdirSync(deps.cwd, { recursive: true })
    writeFileSync(path.join(deps.cwd, '.trivyignore'), 'CVE-2019-5094 exp:2026-11-01\n')
    writeFileSync(path.join(deps.cwd, 'ignore.yaml'), 'vulnerabilities:\n  - id: CVE-2019-18276\n    expired_at: 2027-01-01\n')
    await scanStep(
      {
        inputs: inputsOf({ 'trivy-report': fixturePath('ubuntu-1804'), trivyignores: '.trivyignore,ignore.yaml', severity: 'MEDIUM,LOW' }),
        report,
        platforms: image.platforms,
        targetFor: async () => {
          throw new Error('no Trivy run with trivy-report')
        },
        version: '1'
      },
      deps
    )
    // The expired rule no longer hides the four CVE-2019-5094; the live one hides CVE-2019-18276.
    expect(report.platforms[0].vulnerabilities).toEqual({ critical: 0, high: 0, medium: 4, low: 0, unknown: 0 })
    // One finding ignored on each of the two platforms.
    expect(report.scan).toMatchObject({ source: fixturePath('ubuntu-1804'), ignored: 2, expiredIgnores: ['CVE-2019-5094 (.trivyignore:1, expired 2026-11-01)'] })
    expect(deps.host.warnings.map(warning => warning.message)).toContain('An ignore rule has expired and no longer suppresses: CVE-2019-5094 (.trivyignore:1, expired 2026-11-01)')
  })

  it('names the input when an ignore file or report cannot be read', async () => {
    const { image, report } = await imageAndReport('alpine-39')
    const run = (values: Record<string, string>) =>
      scanStep({ inputs: inputsOf(values), report, platforms: image.platforms, targetFor: async () => ({ kind: 'registry', reference: 'x', platform: 'p' }), version: '1' }, stepDeps())
    await expect(run({ trivyignores: 'missing.trivyignore' })).rejects.toThrow('Input "trivyignores": cannot read "missing.trivyignore" (ENOENT)')
    await expect(run({ 'trivy-report': 'nowhere.json' })).rejects.toThrow('Input "trivy-report": cannot read "nowhere.json" (ENOENT)')
    await expect(run({ 'trivy-version': 'latest' })).rejects.toThrow('Input "trivy-version": "latest" is not a version like')
  })
})

describe('the vulnerability DB in the Actions cache (cache service v2, local server)', () => {
  const server = useCacheServer()

  it('restores the newest DB by prefix and saves once a day', async () => {
    const cacheDir = path.join(tempDir('image-budget-trivy-'), 'cache')
    const host = new RecordingHost()
    mkdirSync(path.join(cacheDir, 'db'), { recursive: true })
    writeFileSync(path.join(cacheDir, 'db', 'trivy.db'), 'db of the 21st')
    expect(await restoreDatabase(actionsCacheBackend, cacheDir, '2026-11-21', host)).toBeUndefined()
    await saveDatabase(actionsCacheBackend, cacheDir, '2026-11-21', undefined, host)

    writeFileSync(path.join(cacheDir, 'db', 'trivy.db'), 'overwritten')
    // The next day falls back to yesterday's DB, and saves today's.
    expect(await restoreDatabase(actionsCacheBackend, cacheDir, '2026-11-22', host)).toBe('image-budget-trivy-db-2026-11-21')
    expect(readFileSync(path.join(cacheDir, 'db', 'trivy.db'), 'utf8')).toBe('db of the 21st')
    await saveDatabase(actionsCacheBackend, cacheDir, '2026-11-22', 'image-budget-trivy-db-2026-11-21', host)
    // A second run the same day restores today's entry and does not save again.
    expect(await restoreDatabase(actionsCacheBackend, cacheDir, '2026-11-22', host)).toBe('image-budget-trivy-db-2026-11-22')
    await saveDatabase(actionsCacheBackend, cacheDir, '2026-11-22', 'image-budget-trivy-db-2026-11-22', host)
    expect(server.entries.map(entry => entry.key)).toEqual(['image-budget-trivy-db-2026-11-21', 'image-budget-trivy-db-2026-11-22'])
    expect(host.warnings).toEqual([])
  })
})
