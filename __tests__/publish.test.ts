import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { getInputs } from '../src/config/inputs.js'
import { octokitApi } from '../src/github/api.js'
import { commentMarker, fitComment, MAX_COMMENT_LENGTH } from '../src/github/comment.js'
import type { GitHubContext } from '../src/github/context.js'
import { commitStatus, publish } from '../src/github/publish.js'
import { emptyReport, type Report } from '../src/report/report.js'
import { GitHubServer, pullRequestContext } from './helpers/github-server.js'
import { RecordingHost } from './helpers/host.js'

const HEAD = 'a'.repeat(40)
const RUN = 'https://github.com/acme/shop/actions/runs/42'

function reportOf(name: string, size: number, verdict: Report['verdict'] = 'pass'): Report {
  const report = emptyReport(name)
  report.verdict = verdict
  report.platforms.push({
    platform: 'linux/amd64',
    digest: `sha256:${'b'.repeat(64)}`,
    size,
    compressedSize: Math.round(size / 2),
    layerCount: 3,
    layers: [],
    wastedBytes: 0,
    efficiency: 1,
    topFiles: [],
    topDirectories: [],
    topWaste: [],
    delta: { size: 2_000_000, sizeRatio: 0.1, compressedSize: 900_000, compressedSizeRatio: 0.09, layerCount: 1, wastedBytes: 0, vulnerabilities: null, stages: [], instructions: [] }
  })
  report.baseline = { source: 'cache', reference: 'main@0123456789ab', unavailable: [] }
  return report
}

const pullRequest = (number = 7): GitHubContext => pullRequestContext(number, HEAD, RUN)

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')

describe('the pull request comment and the commit status (GitHub REST API, local server)', () => {
  const server = new GitHubServer()
  beforeAll(async () => {
    await server.start()
  })
  afterAll(async () => server.stop())
  beforeEach(() => {
    server.requests.length = 0
    server.comments = []
    server.statuses = []
    server.forbidWrites = false
  })
  const api = () => octokitApi('test-token', 'acme', 'shop', server.url)

  it('creates the comment, then updates the same one, and sends nothing when nothing changed', async () => {
    const host = new RecordingHost()
    const context = pullRequest()
    expect((await publish(reportOf('api', 20_000_000), inputsOf({ status: 'false' }), context, api(), host)).comment).toBe('created')
    expect((await publish(reportOf('api', 21_000_000), inputsOf({ status: 'false' }), context, api(), host)).comment).toBe('updated')
    // Another run with the same results: only the run link differs, and the comment stays.
    expect((await publish(reportOf('api', 21_000_000), inputsOf({ status: 'false' }), { ...context, runUrl: `${RUN}0` }, api(), host)).comment).toBe('unchanged')
    expect(server.calls()).toEqual([
      'GET /issues/7/comments?per_page=100',
      'POST /issues/7/comments',
      'GET /issues/7/comments?per_page=100',
      'PATCH /issues/comments/1000',
      'GET /issues/7/comments?per_page=100'
    ])
    expect(server.comments).toHaveLength(1)
    const body = server.comments[0].body
    expect(body.startsWith(`${commentMarker('api')}\n### image-budget: api`)).toBe(true)
    expect(body).toContain('| linux/amd64 | 21.0 MB | +2.00 MB (+10.0%) 🔺 |')
    expect(body).toContain(`[Workflow run](${RUN})`)
  })

  it('finds its comment on a later page among many others', async () => {
    for (let index = 0; index < 150; index++) server.comments.push({ id: index + 1, issue: 7, body: index === 120 ? `${commentMarker('api')}\nold` : `comment ${index}` })
    const outcome = await publish(reportOf('api', 5_000_000), inputsOf({ status: 'false' }), pullRequest(), api(), new RecordingHost())
    expect(outcome.comment).toBe('updated')
    expect(server.calls()).toEqual(['GET /issues/7/comments?per_page=100', 'GET /issues/7/comments?per_page=100&page=2', 'PATCH /issues/comments/121'])
  })

  it('keeps one comment and one status per image name', async () => {
    const context = pullRequest()
    await publish(reportOf('api', 5_000_000), inputsOf({}), context, api(), new RecordingHost())
    await publish(reportOf('worker', 7_000_000, 'fail'), inputsOf({}), context, api(), new RecordingHost())
    await publish(reportOf('api', 6_000_000), inputsOf({}), context, api(), new RecordingHost())
    expect(server.comments.map(comment => comment.body.split('\n')[0])).toEqual([commentMarker('api'), commentMarker('worker')])
    expect(server.statuses.map(status => [status.context, status.state])).toEqual([
      ['image-budget/api', 'success'],
      ['image-budget/worker', 'failure'],
      ['image-budget/api', 'success']
    ])
  })

  it('sets the status on the pull request head with the size, change and verdict within 140 characters', async () => {
    await publish(reportOf('api', 21_000_000, 'fail'), inputsOf({ comment: 'never' }), pullRequest(), api(), new RecordingHost())
    expect(server.requests).toEqual([
      {
        method: 'POST',
        path: `/repos/acme/shop/statuses/${HEAD}`,
        body: { state: 'failure', description: '21.0 MB linux/amd64 (+2.00 MB (+10.0%)): fail', context: 'image-budget/api', target_url: RUN }
      }
    ])
    const long = commitStatus({ ...reportOf('x'.repeat(30), 1), error: `build failed: ${'y'.repeat(300)}` }, RUN)
    expect(long.state).toBe('error')
    expect(long.description.length).toBe(140)
  })

  it('leaves the step green with a notice when the token may not write (a fork)', async () => {
    server.forbidWrites = true
    const host = new RecordingHost()
    const outcome = await publish(reportOf('api', 5_000_000), inputsOf({}), { ...pullRequest(), pullRequest: { ...pullRequest().pullRequest!, fromFork: true } }, api(), host)
    expect(outcome).toEqual({ comment: 'not-allowed' })
    expect(host.notices).toEqual([
      expect.stringMatching(/^No pull request comment: the token may not write to pull request #7/),
      expect.stringMatching(/^No commit status: the token may not write statuses/)
    ])
    expect(host.warnings).toEqual([])
  })

  it('comments as the comment input says', async () => {
    const push = { ...pullRequest(), eventName: 'push', pullRequest: undefined }
    await publish(reportOf('api', 1), inputsOf({ status: 'false' }), push, api(), new RecordingHost())
    await publish(reportOf('api', 1), inputsOf({ comment: 'on-failure', status: 'false' }), pullRequest(), api(), new RecordingHost())
    expect(server.requests).toEqual([])
    await publish(reportOf('api', 1, 'fail'), inputsOf({ comment: 'on-failure', status: 'false' }), pullRequest(), api(), new RecordingHost())
    expect(server.comments).toHaveLength(1)
  })
})

describe('fitComment', () => {
  it('stays under GitHub’s limit by dropping collapsed details first, keeping the marker', () => {
    const marker = commentMarker('api')
    const details = Array.from({ length: 20 }, (_, index) => `<details><summary>part ${index}</summary>\n\n${'x'.repeat(5000)}\n\n</details>`).join('\n\n')
    const fitted = fitComment(`### image-budget: api\n\n| table |\n\n${details}`, marker)
    expect(fitted.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(fitted.startsWith(`${marker}\n### image-budget: api`)).toBe(true)
    expect(fitted).toContain('part 0')
    expect(fitted).not.toContain('part 19')
    expect(fitted).toContain('left out to stay under GitHub’s comment size limit')
    const huge = fitComment('z'.repeat(100_000), marker)
    expect(huge.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH)
    expect(fitComment('short', marker)).toBe(`${marker}\nshort`)
  })
})
