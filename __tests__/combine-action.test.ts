// Combine mode as the runner runs it: the action bundled from src/ into a temporary folder (dist/ is
// rebuilt at release), inputs as INPUT_* variables, a local GitHub API, report files as fixtures.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { combinedCommentMarker } from '../src/github/comment.js'
import { emptyReport, type Report } from '../src/report/report.js'
import { runActionStepAsync } from './helpers/action.js'
import { GitHubServer } from './helpers/github-server.js'
import { tempDir } from './helpers/temp.js'

const ROOT = path.resolve(new URL('..', import.meta.url).pathname)
const HEAD = '5'.repeat(40)
const MB = 1_000_000

function reportOf(name: string, size: number): Report {
  const report = emptyReport(name)
  report.platforms.push({
    platform: 'linux/amd64',
    digest: `sha256:${'a'.repeat(64)}`,
    size,
    compressedSize: size / 2,
    layerCount: 2,
    layers: [],
    wastedBytes: 0,
    efficiency: 1,
    topFiles: [],
    topDirectories: [],
    topWaste: []
  })
  report.budgets.push({ rule: 'max-size', platform: 'linux/amd64', limit: 50 * MB, actual: size, unit: 'bytes', level: 'error', status: size > 50 * MB ? 'fail' : 'pass' })
  report.verdict = size > 50 * MB ? 'fail' : 'pass'
  report.pullRequest = { number: 4, head: HEAD }
  return report
}

describe('the combine step as a process', () => {
  const github = new GitHubServer()
  let build = ''
  beforeAll(async () => {
    await github.start()
    build = tempDir('image-budget-combine-build-')
    execFileSync('bash', ['scripts/build.sh', build], { cwd: ROOT, stdio: 'pipe' })
  }, 300_000)
  afterAll(async () => github.stop())

  function workspace(): string {
    const cwd = tempDir('image-budget-combine-step-')
    for (const [name, size] of [['api', 70 * MB], ['web', 20 * MB]] as const) {
      mkdirSync(path.join(cwd, 'artifacts', name), { recursive: true })
      writeFileSync(path.join(cwd, 'artifacts', name, `${name}.json`), JSON.stringify(reportOf(name, size)))
    }
    const event = { repository: { default_branch: 'main' }, pull_request: { number: 4, base: { ref: 'main', repo: { full_name: 'acme/shop' } }, head: { ref: 'f', sha: HEAD, repo: { full_name: 'acme/shop' } } } }
    writeFileSync(path.join(cwd, 'event.json'), JSON.stringify(event))
    return cwd
  }

  it('fails the step, comments once and sets one status for the pull request', async () => {
    const cwd = workspace()
    const env = {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path.join(cwd, 'event.json'),
      GITHUB_API_URL: github.url,
      GITHUB_RUN_ID: '8',
      GITHUB_WORKSPACE: cwd
    }
    const step = await runActionStepAsync(cwd, { reports: 'artifacts/**/*.json', expect: 'api,web,jobs', 'github-token': 'test-token' }, env, path.join(build, 'index.js'))
    expect(step.exitCode).toBe(1)
    expect(step.stdout).toContain('::error::The reports do not make a whole verdict:%0A- No report names the expected image "jobs"')
    expect(step.outputs.verdict).toBe('fail')
    expect(Object.keys(JSON.parse(step.outputs.images))).toEqual(['api', 'web', 'jobs'])
    expect(JSON.parse(readFileSync(step.outputs.report, 'utf8')).missing).toEqual(['jobs'])
    expect(step.summary).toContain('| api | linux/amd64 | 70.0 MB |  | 35.0 MB | 2 |  | ❌ fail |')
    expect(github.comments.map(comment => [comment.issue, comment.body.split('\n')[0]])).toEqual([[4, combinedCommentMarker('image-budget')]])
    expect(github.statuses).toEqual([
      { sha: HEAD, state: 'failure', context: 'image-budget', description: 'Failed: api, jobs (missing); 1 passed', target_url: 'https://github.com/acme/shop/actions/runs/8' }
    ])
  })

  it('runs from the CLI with the exit status of the budgets and the table on stdout', () => {
    const cwd = workspace()
    const cli = spawnSync(process.execPath, [path.join(build, 'cli', 'index.js'), '--reports', 'artifacts/*/*.json', '--expect', 'api', '--expect', 'web'], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } })
    expect(cli.status).toBe(1)
    expect(cli.stdout.split('\n').slice(0, 5)).toEqual([
      'image-budget: 2 images: FAIL',
      '',
      'Image  Platform        Size  Change  Compressed  Layers  Vulnerabilities  Verdict',
      '-----  -----------  -------  ------  ----------  ------  ---------------  -------',
      'api    linux/amd64  70.0 MB             35.0 MB       2                   FAIL'
    ])
    expect(JSON.parse(readFileSync(path.join(cwd, 'image-budget-combined.json'), 'utf8')).verdict).toBe('fail')
  })
})
