import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { execute } from '../src/main.js'
import type { Report } from '../src/report/report.js'
import { runActionStepAsync } from './helpers/action.js'
import { CacheServer } from './helpers/cache-server.js'
import { describeWithEngine, makeContext, uniqueTag } from './helpers/engine.js'
import { GitHubServer } from './helpers/github-server.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { tempDir } from './helpers/temp.js'

const MAIN_SHA = '1'.repeat(40)
const PR_HEAD = '2'.repeat(40)

describeWithEngine('baselines, the pull request comment and the status on the real engine', () => {
  const github = new GitHubServer()
  const cache = new CacheServer()
  beforeAll(async () => {
    await github.start()
    await cache.start()
  })
  afterAll(async () => {
    await github.stop()
    await cache.stop()
  })

  function runnerEnv(event: object, extra: Record<string, string>): NodeJS.ProcessEnv {
    const eventFile = path.join(tempDir('image-budget-event-'), 'event.json')
    writeFileSync(eventFile, JSON.stringify(event))
    return {
      ...cache.env(),
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_PATH: eventFile,
      GITHUB_API_URL: github.url,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_RUN_ID: String(Date.now()),
      GITHUB_RUN_ATTEMPT: '1',
      // A fixed RUNNER_TEMP, as on a runner: the cache keys hash the cached folders' paths.
      RUNNER_TEMP: runnerTemp,
      ...extra
    }
  }
  const runnerTemp = tempDir('image-budget-runner-')

  it('keeps the report of main, then compares a pull request with it in a sticky comment and a status', async () => {
    const context = makeContext()
    // buildx here predates the cache service v2: no type=gha cache, which the runner variables would ask for.
    const inputs = { platforms: 'linux/amd64,linux/arm64', name: 'shop', 'github-token': 'test-token', 'cache-from': 'type=local,src=/nonexistent', 'cache-to': `type=local,dest=${tempDir('c-')}` }
    const onMain = await runActionStepAsync(
      context,
      inputs,
      runnerEnv({ repository: { default_branch: 'main' } }, { GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: MAIN_SHA })
    )
    expect(onMain.exitCode).toBe(0)
    expect(onMain.stdout).toContain('Report kept as the baseline of main (image-budget-report-v1-shop-main-')
    expect(cache.entries.map(entry => entry.key)).toContain(`image-budget-report-v1-shop-main-${MAIN_SHA}`)
    expect(github.requests).toEqual([])

    // The pull request adds 200,000 bytes to the final image.
    writeFileSync(path.join(context, 'Dockerfile'), readFileSync(path.join(context, 'Dockerfile'), 'utf8').replace('RUN echo ok > /ok', 'RUN echo ok > /ok && head -c 200000 /dev/zero > /grown'))
    const prEvent = {
      repository: { default_branch: 'main' },
      pull_request: { number: 12, base: { ref: 'main', repo: { full_name: 'acme/shop' } }, head: { ref: 'feature', sha: PR_HEAD, repo: { full_name: 'acme/shop' } } }
    }
    const pr = await runActionStepAsync(context, { ...inputs, 'max-size-increase': '5%' }, runnerEnv(prEvent, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/12/merge', GITHUB_SHA: '3'.repeat(40) }))
    expect(pr.exitCode).toBe(1)
    expect(pr.outputs['size-delta']).toBe('200000')
    const report = JSON.parse(readFileSync(pr.outputs.report, 'utf8')) as Report
    // The run on main was not scanned: its report gives no vulnerability counts to compare.
    expect(report.baseline).toMatchObject({ source: 'cache', reference: `main@${'1'.repeat(12)}`, unavailable: ['vulnerabilities'] })
    for (const platform of report.platforms) {
      expect(platform.delta).toMatchObject({ size: 200_000, layerCount: 0, wastedBytes: 0 })
      // The changed RUN line is a new instruction, and the old one (3 bytes) is gone.
      expect(platform.delta!.instructions).toEqual([
        { name: 'RUN echo ok > /ok && head -c 200000 /dev/zero > /grown', line: 15, bytes: 200_003 },
        { name: 'RUN echo ok > /ok', bytes: -3 }
      ])
    }
    expect(report.budgets.filter(budget => budget.rule === 'max-size-increase').map(budget => budget.status)).toEqual(['fail', 'fail'])

    expect(github.calls()).toEqual(['GET /issues/12/comments?per_page=100', 'POST /issues/12/comments', `POST /statuses/${PR_HEAD}`])
    const comment = github.comments[0].body
    expect(comment.split('\n')[0]).toBe('<!-- image-budget:comment:shop -->')
    expect(comment).toMatch(/\| linux\/amd64 \| [\d.]+ MB \| \+200 kB \(\+\d+\.\d%\) 🔺 \|/)
    expect(comment).toContain('#### What changed most')
    expect(github.statuses).toEqual([
      { sha: PR_HEAD, state: 'failure', description: expect.stringMatching(/^[\d.]+ MB linux\/amd64 \(\+200 kB \(\+\d+\.\d%\)\): fail$/), context: 'image-budget/shop', target_url: expect.stringMatching(/^https:\/\/github.com\/acme\/shop\/actions\/runs\/\d+$/) }
    ])
    expect(pr.summary).toContain('xychart-beta')
    // For fork pull requests, a workflow_run job comments from the report folder: both are there.
    expect(report.pullRequest).toEqual({ number: 12, head: PR_HEAD })
    expect(readFileSync(pr.outputs.report.replace(/\.json$/, '.comment.md'), 'utf8')).toBe(comment)

    // The same run again: the comment is found and left alone, the status is set again.
    const again = await runActionStepAsync(context, { ...inputs, 'max-size-increase': '5%' }, runnerEnv(prEvent, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/12/merge', GITHUB_SHA: '3'.repeat(40) }))
    expect(again.exitCode).toBe(1)
    expect(github.calls().slice(3).filter(call => !call.startsWith('POST /statuses'))).toEqual(['GET /issues/12/comments?per_page=100'])

    // From a fork, the token may not write: the step stays green, with a notice and the summary.
    github.forbidWrites = true
    const forkEvent = { ...prEvent, pull_request: { ...prEvent.pull_request, number: 13, head: { ...prEvent.pull_request.head, repo: { full_name: 'someone/shop' } } } }
    const fork = await runActionStepAsync(context, inputs, runnerEnv(forkEvent, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/13/merge', GITHUB_SHA: '4'.repeat(40) }))
    expect(fork.exitCode).toBe(0)
    expect(fork.stdout).toMatch(/::notice title=image-budget::No pull request comment: the token may not write to pull request #13/)
    expect(fork.summary).toContain('### image-budget: shop')
    expect(github.comments.filter(comment => comment.issue === 13)).toEqual([])
  })

  it('compares with an image in a registry from its manifests and configs alone', async () => {
    const context = makeContext()
    const tag = uniqueTag('baseline')
    const host = new RecordingHost()
    const run = (values: Record<string, string>, fetchImpl?: typeof fetch) =>
      execute(getInputs(name => ({ scan: 'false', ...values } as Record<string, string>)[name] ?? ''), host, depsFor(context, fetchImpl ? { fetch: fetchImpl } : {}))
    const first = await run({ platforms: 'linux/amd64,linux/arm64', tags: tag, push: 'true' })

    writeFileSync(path.join(context, 'Dockerfile'), readFileSync(path.join(context, 'Dockerfile'), 'utf8').replace('RUN echo ok > /ok', 'RUN echo ok > /ok && head -c 50000 /dev/urandom > /more'))
    const fetched: string[] = []
    const recording: typeof fetch = async (input, init) => {
      fetched.push(String(input))
      return fetch(input, init)
    }
    const second = await run({ platforms: 'linux/amd64,linux/arm64', baseline: tag }, recording)
    expect(second.report.baseline).toEqual({ source: 'image', reference: tag, unavailable: ['size', 'wastedBytes', 'vulnerabilities', 'stages'] })
    for (const platform of second.report.platforms) {
      const before = first.report.platforms.find(candidate => candidate.platform === platform.platform)!
      expect(platform.delta).toMatchObject({ size: null, wastedBytes: null, compressedSize: platform.compressedSize - before.compressedSize, layerCount: 0 })
      expect(platform.delta!.compressedSize).toBeGreaterThan(50_000)
    }
    // Manifests and configs only: no layer blob was requested.
    const layerDigests = new Set(first.report.platforms.flatMap(platform => platform.layers.map(layer => layer.digest)))
    expect(fetched.some(url => url.includes('/manifests/'))).toBe(true)
    expect(fetched.filter(url => [...layerDigests].some(digest => url.endsWith(digest)))).toEqual([])
  })
})
