import { describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { loadConfig } from '../src/config/config.js'
import { getInputs } from '../src/config/inputs.js'
import { inapplicable } from '../src/pipeline/notices.js'
import { baseToBuild, judge } from '../src/pipeline/stages.js'
import { readGitHubContext } from '../src/github/context.js'
import { tempDir } from './helpers/temp.js'
import type { ImageSpec } from '../src/pipeline/spec.js'
import type { PlatformReport } from '../src/report/report.js'

async function specOf(values: Record<string, string>, budgetFile?: string): Promise<ImageSpec> {
  const inputs = getInputs(name => (({ ...(budgetFile ? { 'budget-file': 'b.yml' } : {}), ...values }) as Record<string, string>)[name] ?? '')
  const config = await loadConfig(inputs, { cwd: '/repo', readText: async () => budgetFile ?? '', exists: async () => budgetFile !== undefined })
  return { ...config, reportPath: '/t/r.json', origin: inputs.image ? { kind: 'image', reference: inputs.image } : { kind: 'build' } }
}

const platform = { platform: 'linux/amd64' } as PlatformReport

/** The GitHub context of a pull_request event whose base commit is `baseSha`, as the runner hands it over. */
async function pullRequestWithBase(baseSha: unknown) {
  const file = path.join(tempDir('image-budget-event-'), 'event.json')
  writeFileSync(file, JSON.stringify({ pull_request: { number: 7, base: { ref: 'main', sha: baseSha }, head: { ref: 'topic', sha: 'b'.repeat(40) } } }))
  return readGitHubContext({ GITHUB_REPOSITORY: 'acme/api', GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: file })
}

describe('budgets and inputs that cannot apply are named, with why', () => {
  it('max-vulnerabilities without a scan', async () => {
    expect(inapplicable(await specOf({ scan: 'false', 'max-vulnerabilities': 'critical=0' }), { platforms: [platform] })).toEqual([
      'The budget max-vulnerabilities cannot apply: scan is false and no trivy-report is given, so nothing counts vulnerabilities'
    ])
    expect(inapplicable(await specOf({ scan: 'true', 'max-vulnerabilities': 'critical=0' }), { platforms: [platform] })).toEqual([])
  })

  it('max-size-increase without a baseline, or without the platform in it', async () => {
    const spec = await specOf({ 'max-size-increase': '5%' })
    expect(inapplicable(spec, { platforms: [platform] })).toEqual(['The budget max-size-increase cannot apply: there is no baseline to compare with (baseline: auto)'])
    expect(inapplicable(spec, { platforms: [platform], baseline: { source: 'file', reference: 'r.json', unavailable: [] } })).toEqual([
      'The budget max-size-increase cannot apply to linux/amd64: the baseline has no such platform'
    ])
  })

  it('baseline: build that gave no baseline says why: in the budget it fails when the base did not build, or on its own', async () => {
    const why = 'the merge base 0123456789ab could not be built (docker buildx build failed (exit code 1))'
    expect(inapplicable(await specOf({ baseline: 'build', 'max-size-increase': '5%' }), { platforms: [platform] }, { missing: why, failed: true })).toEqual([
      `The budget max-size-increase has no baseline: ${why}. It fails rather than passing unchecked`
    ])
    const isNew = 'the merge base 0123456789ab has no app/Dockerfile (the image is new)'
    expect(inapplicable(await specOf({ baseline: 'build', 'max-size-increase': '5%' }), { platforms: [platform] }, { missing: isNew })).toEqual([
      `The budget max-size-increase cannot apply: there is no baseline to compare with (baseline: build: ${isNew})`
    ])
    expect(inapplicable(await specOf({ baseline: 'build' }), { platforms: [platform] }, { missing: why, failed: true })).toEqual([`No baseline to compare with (baseline: build): ${why}`])
    expect(inapplicable(await specOf({ baseline: 'build' }), { platforms: [platform] })).toEqual([])
  })

  it('baseline-ref without baseline: build', async () => {
    expect(inapplicable(await specOf({ 'baseline-ref': 'origin/main' }), { platforms: [platform] })).toEqual([
      'Input "baseline-ref" is ignored: it names the commit that baseline: build builds, and baseline is auto'
    ])
    expect(inapplicable(await specOf({ baseline: 'build', 'baseline-ref': 'origin/main' }), { platforms: [platform] })).toEqual([])
  })

  it('a budget file whose image keys name other images', async () => {
    const spec = await specOf({ name: 'api' }, 'images:\n  web:\n    max-size: 10MB\n  worker:\n    max-size: 20MB\n')
    expect(inapplicable(spec, { platforms: [platform] })).toEqual([
      'The budget file b.yml has budgets for "web", "worker" but this image is "api": only its defaults apply (set name to one of those keys)'
    ])
    expect(inapplicable(await specOf({ name: 'web' }, 'images:\n  web:\n    max-size: 10MB\n'), { platforms: [platform] })).toEqual([])
  })

  it('build inputs given with image', async () => {
    expect(inapplicable(await specOf({ image: 'ghcr.io/acme/api:1', platforms: 'linux/arm64', tags: 'x:1' }), { platforms: [platform] })).toEqual([
      'Inputs "platforms", "tags" are ignored: "image" measures an existing image, nothing is built'
    ])
  })
})

describe('baseline: build on a pull request whose event names no usable base commit', () => {
  it.each<[string, unknown]>([
    ['an option for git', '--upload-pack=touch /tmp/x'],
    ['a refspec', 'refs/heads/main:refs/heads/other'],
    ['no commit at all', undefined],
    ['a number', 42]
  ])('fails max-size-increase unjudged with %s, instead of passing it unchecked', async (_title, baseSha) => {
    const github = await pullRequestWithBase(baseSha)
    const chosen = baseToBuild({ 'baseline-ref': '' }, github)
    expect(chosen).toEqual({ missing: 'the pull request event names no base commit to build', failed: true })
    const spec = await specOf({ baseline: 'build', 'max-size-increase': '5%' })
    const measured = { platforms: [{ ...platform, size: 1000, compressedSize: 500, layers: [] } as unknown as PlatformReport], smells: [] }
    expect(judge(spec, measured, chosen as { missing: string; failed: boolean }).verdict).toBe('fail')
  })

  it('builds the base the event names, or the baseline-ref given', async () => {
    const github = await pullRequestWithBase('a'.repeat(40))
    expect(baseToBuild({ 'baseline-ref': '' }, github)).toBe('a'.repeat(40))
    expect(baseToBuild({ 'baseline-ref': 'origin/main' }, github)).toBe('origin/main')
    // A push names no base: nothing to compare with, and no failure either.
    expect(baseToBuild({ 'baseline-ref': '' }, github && { ...github, eventName: 'push', pullRequest: undefined })).toEqual({
      missing: 'this push run is not for a pull request, and no baseline-ref names the commit to build'
    })
  })
})

