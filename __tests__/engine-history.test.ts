import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { octokitApi } from '../src/github/api.js'
import type { GitHubContext } from '../src/github/context.js'
import { parseHistory } from '../src/history/history.js'
import { execute } from '../src/main.js'
import type { Report } from '../src/report/report.js'
import { Writable } from 'node:stream'
import { runCli } from '../src/command-line.js'
import { docker, describeWithEngine, makeContext, MULTI_STAGE_DOCKERFILE, uniqueTag } from './helpers/engine.js'
import { GitHubServer, pullRequestContext } from './helpers/github-server.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { runActionStepAsync, runCliProcessAsync } from './helpers/action.js'
import { tempDir } from './helpers/temp.js'

const commit = (n: number): string => String(n).repeat(40).slice(0, 40)

describeWithEngine('the history kept on pushes and read by a pull request, on the real engine and the local GitHub server', () => {
  const github = new GitHubServer()
  beforeAll(async () => {
    await github.start()
  })
  afterAll(async () => {
    await github.stop()
  })

  const push = (sha: string): GitHubContext => ({ ...pullRequestContext(1, sha, 'https://github.com/acme/shop/actions/runs/1'), eventName: 'push', branch: 'main', pullRequest: undefined })

  async function run(context: string, values: Record<string, string>, gh: GitHubContext) {
    const host = new RecordingHost()
    const deps = depsFor(context, { github: { context: gh, api: octokitApi('test-token', 'acme', 'shop', github.url, { retries: 2, retryDelayMs: 1 }) } })
    const outcome = await execute(getInputs(name => ({ scan: 'false', name: 'shop', platforms: 'linux/amd64', history: 'branch', ...values } as Record<string, string>)[name] ?? ''), host, deps)
    return { outcome, host, report: JSON.parse(readFileSync(outcome.reportPath, 'utf8')) as Report }
  }

  /** Each change adds 80 kB to the final image: about 3.5% of it. */
  const grow = (context: string, step: number): void => {
    writeFileSync(path.join(context, 'Dockerfile'), MULTI_STAGE_DOCKERFILE.replace('RUN echo ok > /ok', `RUN echo ok > /ok && head -c ${80_000 * step} /dev/zero > /grown`))
  }

  it('keeps a point per push, charts a pull request as the last point, and fails the creep max-size-increase lets through', async () => {
    const context = makeContext()
    const sizes: number[] = []
    let lastReport = ''
    for (let n = 1; n <= 3; n++) {
      if (n > 1) grow(context, n - 1)
      const { outcome, host, report } = await run(context, {}, push(commit(n)))
      expect(outcome.failed).toBe(false)
      expect(host.lines).toContain(`History of shop kept on branch image-budget-history: ${n} points`)
      sizes.push(report.platforms[0].size)
      lastReport = outcome.reportPath
    }
    expect(sizes[1] - sizes[0]).toBe(80_000)
    expect(sizes[2] - sizes[1]).toBe(80_000)
    const branch = github.branches.get('image-budget-history')!
    expect(branch.log).toEqual([1, 2, 3].map(n => `image-budget: history of shop at ${commit(n).slice(0, 12)}`))
    const stored = parseHistory(branch.files.get('shop.json')!, 'shop.json')
    expect(stored.points.map(point => [point.commit, point.platforms[0].platform, point.platforms[0].size])).toEqual([1, 2, 3].map(n => [commit(n), 'linux/amd64', sizes[n - 1]]))
    expect(stored.points[0].platforms[0].layers).toBeGreaterThan(2)

    // The pull request adds 80 kB more: 3.4% against main, within max-size-increase; 10.5% since the first point.
    grow(context, 3)
    github.requests.length = 0
    const { outcome, host, report } = await run(
      context,
      { baseline: lastReport, 'max-size-increase': '5%', 'max-drift': '8%', 'drift-from': commit(1).slice(0, 7), 'github-token': 'test-token' },
      pullRequestContext(12, commit(9), 'https://github.com/acme/shop/actions/runs/9')
    )
    expect(outcome.failed).toBe(true)
    const size = report.platforms[0].size
    expect(size - sizes[2]).toBe(80_000)
    expect(report.budgets.map(result => [result.rule, result.status])).toEqual([
      ['max-size-increase', 'pass'],
      ['max-drift', 'fail']
    ])
    expect(report.platforms[0].drift).toEqual({ from: commit(1).slice(0, 7), commit: commit(1), date: stored.points[0].date, referenceSize: sizes[0], size: size - sizes[0], sizeRatio: (size - sizes[0]) / sizes[0] })
    expect(report.history?.points).toEqual(stored.points)

    const x = `  x-axis ["1111111", "2222222", "3333333", "PR #12"]`
    const line = `  line [${[...sizes, size].map(value => (value / 1e6).toFixed(2)).join(', ')}]`
    for (const markdown of [host.presented!.markdown, github.comments[0].body]) {
      expect(markdown).toContain('xychart-beta')
      expect(markdown).toContain(x)
      expect(markdown).toContain(line)
      expect(markdown).toContain(`- Drift of linux/amd64: +${((size - sizes[0]) / 1000).toFixed(0)} kB since 1111111 (111111111111,`)
    }
    expect(host.presented!.text).toMatch(/History of linux\/amd64: ▁\S\S█ [\d.]+ MB → [\d.]+ MB \(\+\d+\.\d%\) over 4 points/)
    // The pull request read the history and wrote nothing to it.
    expect(github.calls().filter(call => call.includes('/contents/') || call.includes('/git/'))).toEqual(['GET /contents/shop.json?ref=image-budget-history'])
    expect(branch.log).toHaveLength(3)
  })

  it('compares two built images file by file from the local engine, and an image with its report', async () => {
    const context = makeContext()
    const tags = [uniqueTag('compare-a'), uniqueTag('compare-b')]
    const reports: string[] = []
    for (const [index, tag] of tags.entries()) {
      if (index === 1) writeFileSync(path.join(context, 'Dockerfile'), MULTI_STAGE_DOCKERFILE.replace('RUN echo ok > /ok', 'RUN echo ok > /ok && head -c 123456 /dev/zero > /added && rm /bin/vi'))
      const { outcome } = await run(context, { history: 'none', load: 'true', tags: tag }, push(commit(index + 5)))
      reports.push(outcome.reportPath)
    }
    let stdout = ''
    let stderr = ''
    const io = { stdout: new Writable({ write: (chunk, _e, done) => ((stdout += String(chunk)), done()) }), stderr: new Writable({ write: (chunk, _e, done) => ((stderr += String(chunk)), done()) }) }
    const cacheDir = path.join(context, '.layers')
    const status = await runCli(['compare', tags[0], tags[1]], io, { cwd: context, env: { ...process.env, IMAGE_BUDGET_CACHE_DIR: cacheDir } })
    expect([status, stderr]).toEqual([0, ''])
    expect(stdout.split('\n').slice(0, 2)).toEqual([`image ${tags[0]} (local engine)`, `→ image ${tags[1]} (local engine)`])
    expect(stdout).toMatch(/Files of linux\/amd64: 1 came, 1 went\n/)
    expect(stdout).toMatch(/\ncame +\+123 kB +123 kB +\/added\n/)
    // /bin/vi is a link busybox installed: its removal is a file that went, of no bytes.
    expect(stdout).toMatch(/\nwent +±0 +0 B +\/bin\/vi\n/)
    // The changed RUN line is another instruction: its layer came, the old one went.
    expect(stdout).toMatch(/\ncame +\+123 kB +123 kB +RUN \/bin\/busybox sh -c echo ok > \/ok && head -c 123456 \/dev\/zero > \/added && rm \/bin\/vi\nwent +-3 B +3 B +RUN \/bin\/busybox sh -c echo ok > \/ok\n/)
    // The engine's image against the report of the same build: the same size, files only as far as the report lists them.
    stdout = ''
    expect(await runCli(['compare', reports[1], tags[1]], io, { cwd: context, env: { ...process.env, IMAGE_BUDGET_CACHE_DIR: cacheDir } })).toBe(0)
    expect(stdout).toMatch(/ {2}size {8}([\d.]+ [kM]B) → \1, ±0/)
    expect(stdout).toContain('A report keeps only the largest files of its image')
    for (const tag of tags) docker(['image', 'rm', tag])
  })

  it('keeps and reads the history as the action runs on a runner: inputs, event files and the API from the environment', async () => {
    const context = makeContext()
    const runner = (event: object, extra: Record<string, string>): NodeJS.ProcessEnv => {
      const eventFile = path.join(tempDir('image-budget-event-'), 'event.json')
      writeFileSync(eventFile, JSON.stringify(event))
      return { GITHUB_REPOSITORY: 'acme/web', GITHUB_EVENT_PATH: eventFile, GITHUB_SERVER_URL: 'https://github.com', GITHUB_RUN_ID: '7', ...extra }
    }
    const web = new GitHubServer('acme', 'web')
    await web.start()
    try {
      const env = (event: object, extra: Record<string, string>) => ({ ...runner(event, extra), GITHUB_API_URL: web.url })
      const inputs = { name: 'web', platforms: 'linux/amd64', history: 'branch', 'history-branch': 'sizes/history', 'github-token': 'test-token' }
      const main = { repository: { default_branch: 'main' } }
      const first = await runActionStepAsync(context, inputs, env(main, { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: commit(1) }))
      expect(first.exitCode).toBe(0)
      expect(first.stdout).toContain('History of web kept on branch sizes/history: 1 points')
      grow(context, 1)
      const second = await runActionStepAsync(context, inputs, env(main, { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: commit(2) }))
      expect(second.stdout).toContain('History of web kept on branch sizes/history: 2 points')
      const points = parseHistory(web.branches.get('sizes/history')!.files.get('web.json')!, 'web.json').points
      expect(points.map(point => point.commit)).toEqual([commit(1), commit(2)])

      grow(context, 2)
      const prEvent = { ...main, pull_request: { number: 3, base: { ref: 'main', repo: { full_name: 'acme/web' } }, head: { ref: 'feature', sha: commit(8), repo: { full_name: 'acme/web' } } } }
      const pr = await runActionStepAsync(context, { ...inputs, 'max-drift': '1%', 'drift-from': commit(1).slice(0, 8) }, env(prEvent, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/3/merge', GITHUB_SHA: commit(7) }))
      expect(pr.exitCode).toBe(1)
      expect(pr.stdout).toContain('History of web: 2 points from branch sizes/history')
      expect(pr.summary).toContain(`  x-axis ["${commit(1).slice(0, 7)}", "${commit(2).slice(0, 7)}", "PR #3"]`)
      expect(web.comments[0].body).toContain('xychart-beta')
      expect(web.calls().filter(call => call.includes('/contents/') || call.includes('/git/')).filter(call => !call.startsWith('GET'))).toEqual([
        'POST /git/trees',
        'POST /git/commits',
        'POST /git/refs',
        'PUT /contents/web.json'
      ])
      // The CLI reads the same branch.
      const printed = await runCliProcessAsync(context, ['history', '--repository', 'acme/web', '--branch', 'sizes/history', '--name', 'web'], { GITHUB_TOKEN: 'test-token', GITHUB_API_URL: web.url })
      expect([printed.exitCode, printed.stdout.split('\n')[0]]).toEqual([0, 'History of web: 2 points'])
    } finally {
      await web.stop()
    }
  })
})
