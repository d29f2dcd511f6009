import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { combineReports, CombineError, type CombineDeps, type CombineOutcome } from '../src/combine/run.js'
import { parseReportFile } from '../src/combine/report-file.js'
import { aggregateStatus } from '../src/combine/render.js'
import { getInputs } from '../src/config/inputs.js'
import { octokitApi } from '../src/github/api.js'
import { combinedCommentMarker, commentMarker } from '../src/github/comment.js'
import { readGitHubContext, type GitHubContext } from '../src/github/context.js'
import { emptyReport, type PlatformReport, type Report } from '../src/report/report.js'
import { GitHubServer, pullRequestContext } from './helpers/github-server.js'
import { RecordingHost } from './helpers/host.js'
import { tempDir } from './helpers/temp.js'

const HEAD = 'c'.repeat(40)
const RUN = 'https://github.com/acme/shop/actions/runs/42'
const MB = 1_000_000

function platformOf(platform: string, size: number, delta?: { size: number; base: number }): PlatformReport {
  return {
    platform,
    digest: `sha256:${'d'.repeat(64)}`,
    size,
    compressedSize: Math.round(size / 2),
    layerCount: 4,
    layers: [{ digest: `sha256:${'e'.repeat(64)}`, size, compressedSize: Math.round(size / 2), createdBy: 'COPY . /app # buildkit' }],
    wastedBytes: 0,
    efficiency: 1,
    topFiles: [],
    topDirectories: [],
    topWaste: [],
    vulnerabilities: { critical: 0, high: 2, medium: 1, low: 0, unknown: 0 },
    ...(delta
      ? {
          delta: {
            size: delta.size,
            sizeRatio: delta.size / delta.base,
            compressedSize: Math.round(delta.size / 2),
            compressedSizeRatio: delta.size / delta.base,
            layerCount: 0,
            wastedBytes: 0,
            vulnerabilities: null,
            stages: [],
            instructions: []
          }
        }
      : {})
  }
}

/** A report as a run on pull request #7 writes it: measured, compared with main, budgeted at 50 MB. */
function reportOf(name: string, size: number, grownBy = 0, pullRequest: Report['pullRequest'] | null = { number: 7, head: HEAD }): Report {
  const report = emptyReport(name)
  report.digest = `sha256:${'f'.repeat(64)}`
  report.platforms.push(platformOf('linux/amd64', size, { size: grownBy, base: size - grownBy }))
  report.baseline = { source: 'cache', reference: 'main@0123456789ab', unavailable: [] }
  report.budgets.push({ rule: 'max-size', platform: 'linux/amd64', limit: 50 * MB, actual: size, unit: 'bytes', level: 'error', status: size > 50 * MB ? 'fail' : 'pass' })
  report.verdict = size > 50 * MB ? 'fail' : 'pass'
  report.scan = { source: 'trivy 0.68.0', severities: ['critical', 'high', 'medium', 'low', 'unknown'], ignoreUnfixed: false, ignored: 0, expiredIgnores: [] }
  if (pullRequest) report.pullRequest = pullRequest
  report.build = { seconds: 12.5, steps: 9, cachedSteps: 3 }
  return report
}

const onPullRequest = (runUrl = RUN): GitHubContext => pullRequestContext(7, HEAD, runUrl)

describe('combine mode: one comment and one status for many images (GitHub REST API, local server)', () => {
  const server = new GitHubServer()
  beforeAll(async () => server.start())
  afterAll(async () => server.stop())
  beforeEach(() => server.reset())

  /** A workspace with the artifacts of three jobs, as a `needs:` job downloads them. */
  function workspace(reports: Record<string, unknown>): string {
    const dir = tempDir('image-budget-combine-')
    for (const [file, report] of Object.entries(reports)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
      writeFileSync(path.join(dir, file), typeof report === 'string' ? report : JSON.stringify(report))
    }
    return dir
  }
  const threeReports = () => ({
    'artifacts/api/api.json': reportOf('api', 62 * MB, 12 * MB),
    'artifacts/web/web.json': reportOf('web', 20 * MB, 0),
    'artifacts/worker/worker.json': reportOf('worker', 30 * MB, 3 * MB)
  })

  async function combineIn(cwd: string, values: Record<string, string>, context: GitHubContext | undefined = onPullRequest(), host = new RecordingHost()) {
    const given: Record<string, string> = { reports: 'artifacts/**/*.json', 'github-token': 'test-token', ...values }
    const inputs = getInputs(name => given[name] ?? '')
    const deps: CombineDeps = { cwd, tempRoot: cwd, env: {}, ...(context ? { github: { context, api: octokitApi('test-token', 'acme', 'shop', server.url) } } : {}) }
    let outcome: CombineOutcome | undefined
    let error: CombineError | undefined
    try {
      outcome = await combineReports(inputs, host, deps)
    } catch (caught) {
      if (!(caught instanceof CombineError)) throw caught
      error = caught
      outcome = caught.outcome
    }
    return { outcome: outcome!, error, host }
  }

  it('writes one comment with a row per image and platform, and one failing status naming the image over budget', async () => {
    const cwd = workspace(threeReports())
    const { outcome, error, host } = await combineIn(cwd, { expect: 'api, web, worker' })
    expect(error).toBeUndefined()
    expect(outcome.failed).toBe(true)
    expect(outcome.comment).toBe('created')
    expect(server.calls()).toEqual(['GET /issues/7/comments?per_page=100', 'POST /issues/7/comments', `POST /statuses/${HEAD}`])
    const body = server.comments[0].body
    expect(body.split('\n')[0]).toBe(combinedCommentMarker('image-budget'))
    expect(body).toContain(
      [
        '### image-budget: 3 images — ❌ fail',
        '',
        '| Image | Platform | Size | Change | Compressed | Layers | Vulnerabilities | Verdict |',
        '|:---|:---|---:|---:|---:|---:|:---|:---|',
        '| api | linux/amd64 | 62.0 MB | +12.0 MB (+24.0%) 🔺 | 31.0 MB | 4 | 2 high, 1 medium | ❌ fail |',
        '| web | linux/amd64 | 20.0 MB | ±0 | 10.0 MB | 4 | 2 high, 1 medium | ✅ pass |',
        '| worker | linux/amd64 | 30.0 MB | +3.00 MB (+11.1%) 🔺 | 15.0 MB | 4 | 2 high, 1 medium | ✅ pass |'
      ].join('\n')
    )
    // Each image's own summary, collapsed, after the table.
    expect(body).toContain('<details><summary>api — ❌ fail</summary>\n\n### image-budget: api — ❌ fail')
    expect(body).toContain('<details><summary>worker — ✅ pass</summary>')
    expect(body.trimEnd().endsWith(`[Workflow run](${RUN})`)).toBe(true)
    expect(server.statuses).toEqual([{ sha: HEAD, state: 'failure', description: 'Failed: api; 2 passed', context: 'image-budget', target_url: RUN }])
    // The same table in the job summary, and the outputs of the whole set.
    expect(host.presented!.markdown).toContain('| api | linux/amd64 | 62.0 MB |')
    expect(host.outputs.get('verdict')).toBe('fail')
    expect(JSON.parse(host.outputs.get('images')!)).toEqual({
      api: { verdict: 'fail', digest: `sha256:${'f'.repeat(64)}`, size: 62 * MB, compressedSize: 31 * MB, platforms: { 'linux/amd64': { digest: `sha256:${'d'.repeat(64)}`, size: 62 * MB, compressedSize: 31 * MB, verdict: 'fail' } } },
      web: expect.objectContaining({ verdict: 'pass', size: 20 * MB }),
      worker: expect.objectContaining({ verdict: 'pass', size: 30 * MB })
    })
    const written = JSON.parse(readFileSync(host.outputs.get('report')!, 'utf8'))
    expect(written).toMatchObject({ schemaVersion: 2, verdict: 'fail', pullRequest: { number: 7, head: HEAD }, missing: [], problems: [] })
    expect(written.images.map((report: Report) => report.name)).toEqual(['api', 'web', 'worker'])
    // The combined report is itself a report of schema version 2: it can be combined again.
    expect(parseReportFile(readFileSync(host.outputs.get('report')!, 'utf8')).reports.map(report => report.name)).toEqual(['api', 'web', 'worker'])
  })

  it('leaves the comment alone when a second combine finds the same, and updates it in place when a report changed', async () => {
    const cwd = workspace(threeReports())
    expect((await combineIn(cwd, {})).outcome.comment).toBe('created')
    const { id } = server.comments[0]
    // Another run of the same commit: only the run link and build times differ.
    const rerun = onPullRequest(`${RUN}9`)
    const again = threeReports()
    again['artifacts/web/web.json'].build = { seconds: 99.1, steps: 9, cachedSteps: 9 }
    writeFileSync(path.join(cwd, 'artifacts/web/web.json'), JSON.stringify(again['artifacts/web/web.json']))
    expect((await combineIn(cwd, {}, rerun)).outcome.comment).toBe('unchanged')
    writeFileSync(path.join(cwd, 'artifacts/worker/worker.json'), JSON.stringify(reportOf('worker', 40 * MB, 13 * MB)))
    expect((await combineIn(cwd, {})).outcome.comment).toBe('updated')
    expect(server.calls().filter(call => !call.startsWith('POST /statuses'))).toEqual([
      'GET /issues/7/comments?per_page=100',
      'POST /issues/7/comments',
      'GET /issues/7/comments?per_page=100',
      'GET /issues/7/comments?per_page=100',
      `PATCH /issues/comments/${id}`
    ])
    expect(server.comments).toHaveLength(1)
    expect(server.comments[0].body).toContain('| worker | linux/amd64 | 40.0 MB | +13.0 MB (+48.1%) 🔺 |')
  })

  it('finds its comment among the per-image ones on a later page, and leaves those alone', async () => {
    for (let index = 0; index < 130; index++) server.comments.push({ id: index + 1, issue: 7, body: index === 3 ? `${commentMarker('api')}\nper image` : `comment ${index}` })
    server.comments.push({ id: 131, issue: 7, body: `${combinedCommentMarker('image-budget')}\nold` })
    const { outcome } = await combineIn(workspace(threeReports()), {})
    expect(outcome.comment).toBe('updated')
    expect(server.calls().slice(0, 3)).toEqual(['GET /issues/7/comments?per_page=100', 'GET /issues/7/comments?per_page=100&page=2', 'PATCH /issues/comments/131'])
    expect(server.comments[3].body).toBe(`${commentMarker('api')}\nper image`)
  })

  it('fails naming an expected image that no report names, in the error, the table and the status', async () => {
    const { outcome, error } = await combineIn(workspace(threeReports()), { expect: 'api\nweb\nworker\njobs' })
    expect(error?.message).toContain('No report names the expected image "jobs"')
    expect(outcome.combined.missing).toEqual(['jobs'])
    expect(server.comments[0].body).toContain('| jobs |  |  |  |  |  |  | ❌ missing |')
    expect(server.statuses[0]).toMatchObject({ state: 'failure', description: 'Failed: api, jobs (missing); 2 passed' })
  })

  it('is green only when every expected image is there and within budget', async () => {
    const reports = { 'artifacts/web.json': reportOf('web', 20 * MB), 'artifacts/worker.json': reportOf('worker', 30 * MB, 1 * MB) }
    const { outcome, error, host } = await combineIn(workspace(reports), { expect: 'web,worker' })
    expect(error).toBeUndefined()
    expect(outcome.failed).toBe(false)
    expect(host.outputs.get('verdict')).toBe('pass')
    expect(server.statuses[0]).toMatchObject({ state: 'success', description: 'Passed: web, worker', context: 'image-budget' })
  })

  it('expects the images of the budget file with expect: budget-file', async () => {
    const cwd = workspace(threeReports())
    mkdirSync(path.join(cwd, '.github'))
    writeFileSync(path.join(cwd, '.github/image-budget.yml'), 'version: 1\nimages:\n  api: { max-size: 70MB }\n  web: {}\n  __proto__: {}\n')
    const { outcome, error } = await combineIn(cwd, { expect: 'budget-file' })
    expect(outcome.combined.missing).toEqual(['__proto__'])
    expect(error?.message).toContain('No report names the expected image "__proto__"')
    const none = workspace(threeReports())
    const empty = await combineIn(none, { expect: 'budget-file', 'budget-file': 'budgets.yml' })
    expect(empty.error?.message).toMatch(/Input "expect": "budget-file" stands for the images of the budget file: Input "budget-file": cannot read "budgets.yml" \(ENOENT\)/)
  })

  it('refuses two reports of the same image and platform, naming both files', async () => {
    const reports = { ...threeReports(), 'artifacts/api-again/api.json': reportOf('api', 40 * MB) }
    const { outcome, error } = await combineIn(workspace(reports), {})
    expect(error?.message).toContain('artifacts/api/api.json: image "api" on linux/amd64 is reported twice, here and in artifacts/api-again/api.json')
    expect(outcome.combined.verdict).toBe('fail')
    expect(server.statuses[0]).toMatchObject({ state: 'failure', description: 'Failed: api, 1 unusable report; 2 passed' })
  })

  it('joins the platforms of one image reported by two jobs, one per platform', async () => {
    const arm = reportOf('api', 30 * MB)
    arm.platforms[0].platform = 'linux/arm64'
    arm.budgets[0].platform = 'linux/arm64'
    const reports = { 'artifacts/amd64/api.json': reportOf('api', 20 * MB), 'artifacts/arm64/api.json': arm }
    const { outcome, host } = await combineIn(workspace(reports), { expect: 'api' })
    expect(outcome.combined.images.map(image => [image.name, image.parts.length, image.verdict])).toEqual([['api', 2, 'pass']])
    expect(JSON.parse(host.outputs.get('images')!).api).toMatchObject({ digest: null, size: 30 * MB, platforms: { 'linux/amd64': { size: 20 * MB }, 'linux/arm64': { size: 30 * MB } } })
  })

  it('combines a report of schema version 1 with one of version 2', async () => {
    const reports = {
      'artifacts/one.json': reportOf('api', 20 * MB),
      'artifacts/two.json': { schemaVersion: 2, images: [reportOf('web', 10 * MB), { ...reportOf('worker', 60 * MB), schemaVersion: undefined }] }
    }
    const { outcome, error } = await combineIn(workspace(reports), { expect: 'api,web,worker' })
    expect(outcome.combined.images.map(image => [image.name, image.parts[0].file, image.verdict])).toEqual([
      ['api', 'artifacts/one.json', 'pass'],
      ['web', 'artifacts/two.json images[0]', 'pass'],
      ['worker', 'artifacts/two.json images[1]', 'fail']
    ])
    expect(error).toBeUndefined()
    expect(server.statuses[0].description).toBe('Failed: worker; 2 passed')
  })

  it('names the file and the field of a malformed report, and a file that is no report at all', async () => {
    const broken = reportOf('web', 10 * MB) as any
    broken.platforms[0].size = '12'
    const nested = { schemaVersion: 2, images: [reportOf('api', 1), { ...reportOf('worker', 2), budgets: [{ ...reportOf('worker', 2).budgets[0], status: 'great' }] }] }
    const reports = { 'artifacts/web.json': broken, 'artifacts/two.json': nested, 'artifacts/notes.json': 'not json', 'artifacts/v3.json': { schemaVersion: 3 } }
    const { error, outcome } = await combineIn(workspace(reports), { expect: 'web' })
    expect(error?.message.split('\n').slice(1)).toEqual([
      '- artifacts/notes.json: not an image-budget report: not JSON (Unexpected token \'o\', "not json" is not valid JSON)',
      '- artifacts/two.json: not an image-budget report: images[1].budgets[0].status is "great", not one of pass, warn, fail',
      '- artifacts/v3.json: not an image-budget report: schemaVersion is 3, not 1 or 2',
      '- artifacts/web.json: not an image-budget report: platforms[0].size is "12", not a whole, non-negative number',
      '- No report names the expected image "web": its job failed or did not upload its report'
    ])
    expect(server.statuses[0]).toMatchObject({ state: 'failure', description: 'Failed: web (missing), 4 unusable reports' })
    expect(outcome.combined.images).toEqual([])
  })

  it('fails when a glob matches no file, so that an empty set is never green', async () => {
    const { error } = await combineIn(workspace({}), { reports: 'artifacts/*.json' })
    expect(error?.message).toContain('Input "reports": "artifacts/*.json" matches no file')
    expect(server.statuses[0]).toMatchObject({ state: 'failure', description: 'Failed: 1 unusable report' })
    // Only globs that leave files out: no report, and no green either.
    const nothing = await combineIn(workspace(threeReports()), { reports: '!artifacts/web/*.json' })
    expect(nothing.error?.message).toContain('No report was found to combine: the set has no image')
    expect(nothing.outcome.combined.verdict).toBe('fail')
  })

  it('refuses a report made for another pull request or another commit of it', async () => {
    const reports = {
      ...threeReports(),
      'artifacts/web/web.json': reportOf('web', 20 * MB, 0, { number: 8, head: HEAD }),
      'artifacts/worker/worker.json': reportOf('worker', 20 * MB, 0, { number: 7, head: 'b'.repeat(40) })
    }
    const { error } = await combineIn(workspace(reports), {})
    expect(error?.message).toContain('artifacts/web/web.json: the report is for pull request #8, and this run’s event is for #7')
    expect(error?.message).toContain(`artifacts/worker/worker.json: the report is for commit bbbbbbbbbbbb of pull request #7, and this run’s event is for its commit cccccccccccc`)
  })

  it('comments on a fork’s pull request from a workflow_run, with the number and head from the reports', async () => {
    const forkHead = '9'.repeat(40)
    const fromFork = { number: 31, head: forkHead }
    const cwd = workspace({
      'artifacts/api/api.json': reportOf('api', 62 * MB, 12 * MB, fromFork),
      'artifacts/web/web.json': reportOf('web', 20 * MB, 0, fromFork),
      'artifacts/worker/worker.json': reportOf('worker', 30 * MB, 3 * MB, fromFork)
    })
    const eventFile = path.join(cwd, 'event.json')
    writeFileSync(eventFile, JSON.stringify({ action: 'completed', repository: { default_branch: 'main' }, workflow_run: { id: 5, event: 'pull_request', head_sha: forkHead, pull_requests: [] } }))
    const context = await readGitHubContext({ GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: eventFile, GITHUB_SHA: '1'.repeat(40), GITHUB_RUN_ID: '77' })
    const { outcome } = await combineIn(cwd, { expect: 'api,web,worker' }, context)
    expect(outcome.combined.pullRequest).toEqual(fromFork)
    expect(server.calls()).toEqual(['GET /issues/31/comments?per_page=100', 'POST /issues/31/comments', `POST /statuses/${forkHead}`])
    expect(server.statuses[0]).toMatchObject({ state: 'failure', description: 'Failed: api; 2 passed', target_url: 'https://github.com/acme/shop/actions/runs/77' })

    // A report without the pull request beside those that name it: which one it is for would be a guess.
    writeFileSync(path.join(cwd, 'artifacts/web/web.json'), JSON.stringify(reportOf('web', 20 * MB, 0, null)))
    const { error } = await combineIn(cwd, {}, context)
    expect(error?.message).toContain('artifacts/web/web.json: the report names no pull request, and artifacts/api/api.json names #31')
  })

  it('stays green-free but does not fail the step for budgets with fail-on: never, and still fails it for a missing image', async () => {
    const cwd = workspace(threeReports())
    const relaxed = await combineIn(cwd, { 'fail-on': 'never' })
    expect(relaxed.error).toBeUndefined()
    expect(relaxed.outcome.failed).toBe(false)
    expect(server.statuses[0].state).toBe('failure')
    const missing = await combineIn(cwd, { 'fail-on': 'never', expect: 'gone' })
    expect(missing.error?.message).toContain('"gone"')
  })

  it('keeps secrets of this step out of what other jobs wrote', async () => {
    const leaky = reportOf('api', 1 * MB)
    leaky.error = 'build failed: token s3cr3t-value leaked'
    const { error, outcome } = await combineIn(workspace({ 'artifacts/api.json': leaky }), { 'github-token': 's3cr3t-value' }, undefined)
    expect(error?.message).toContain('artifacts/api.json: the run of "api" stopped with an error: build failed: token *** leaked')
    expect(aggregateStatus(outcome.combined, 'image-budget', RUN)).toMatchObject({ state: 'failure', description: 'Failed: api (error)' })
    expect(error?.message).not.toContain('s3cr3t-value')
  })
})

describe('the aggregate status description', () => {
  it('names failures first and stays within GitHub’s 140 characters', () => {
    const images = Array.from({ length: 30 }, (_, index) => ({ name: `service-number-${index}`, parts: [], verdict: index % 2 === 0 ? ('fail' as const) : ('pass' as const) }))
    const status = aggregateStatus({ verdict: 'fail', images, missing: ['gone'], problems: [] }, 'image-budget', RUN)
    expect(status.description.length).toBeLessThanOrEqual(140)
    expect(status.description).toMatch(/^Failed: service-number-0, service-number-2, .* and \d+ more; 15 passed$/)
  })
})
