import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { evaluateBudgets, verdictOf } from '../src/budget/evaluate.js'
import { loadConfig, type ConfigFiles } from '../src/config/config.js'
import { parseBudgetFile } from '../src/config/budget-file.js'
import { getInputs } from '../src/config/inputs.js'
import { octokitApi } from '../src/github/api.js'
import type { GitHubContext } from '../src/github/context.js'
import { historyChart, sparkline } from '../src/history/chart.js'
import { parseDriftFrom, platformDrifts } from '../src/history/drift.js'
import { emptyHistory, pointOf, type History } from '../src/history/history.js'
import { recallHistory } from '../src/history/step.js'
import { saveStoredHistory } from '../src/history/store.js'
import { describeBudget } from '../src/pipeline/writers.js'
import { inapplicable } from '../src/pipeline/notices.js'
import type { ImageSpec } from '../src/pipeline/spec.js'
import type { Report } from '../src/report/report.js'
import { commitOf, reportOfRun } from './helpers/reports.js'
import { markdownSummary, textSummary } from '../src/report/summary.js'
import { combinedMarkdown } from '../src/combine/render.js'
import { combine } from '../src/combine/combine.js'
import { parseReportFile } from '../src/combine/report-file.js'
import { GitHubServer, pullRequestContext } from './helpers/github-server.js'
import { RecordingHost } from './helpers/host.js'

const sha = commitOf
const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')
const files = (budgetFile?: string): ConfigFiles => ({ cwd: '/w', readText: async () => budgetFile ?? '', exists: async () => budgetFile !== undefined })

/** Run n's report, with its change against the run before when given. */
function reportAt(n: number, size: number, delta?: number): Report {
  const change = delta === undefined ? {} : { delta: { size: delta, sizeRatio: delta / (size - delta), compressedSize: 0, compressedSizeRatio: 0, layerCount: 0, wastedBytes: 0, vulnerabilities: null, stages: [], instructions: [] } }
  return reportOfRun(n, size, { extra: change })
}

describe('the reference of max-drift', () => {
  it('is a day, a commit or a size with its unit', () => {
    expect(parseDriftFrom('2026-03-01')).toEqual({ kind: 'date', text: '2026-03-01', until: Date.UTC(2026, 2, 1, 23, 59, 59, 999) })
    expect(parseDriftFrom('ABCDEF1')).toEqual({ kind: 'commit', text: 'ABCDEF1', prefix: 'abcdef1' })
    expect(parseDriftFrom(1234567)).toMatchObject({ kind: 'commit', prefix: '1234567' })
    expect(parseDriftFrom('140MB')).toEqual({ kind: 'size', text: '140MB', bytes: 140_000_000 })
    expect(() => parseDriftFrom('2026-02-30')).toThrow('"2026-02-30" is not a day of the calendar (YYYY-MM-DD)')
    expect(() => parseDriftFrom('150')).toThrow('"150" is neither a commit (7 hexadecimal digits or more), a day (YYYY-MM-DD) nor a size with its unit')
    expect(() => parseDriftFrom('last week')).toThrow('"last week" is neither a commit')
  })

  it('is required, named in errors with the input and the value', async () => {
    await expect(loadConfig(inputsOf({ 'max-drift': '10%' }), files())).rejects.toThrow('Input "max-drift": "10%" needs its reference in "drift-from" (a day like 2026-03-01, a commit, or a size like 140MB)')
    await expect(loadConfig(inputsOf({ 'drift-from': '140MB' }), files())).rejects.toThrow('Input "drift-from": "140MB" is the reference of "max-drift", which is not given')
    await expect(loadConfig(inputsOf({ 'max-drift': '10%', 'drift-from': 'soon' }), files())).rejects.toThrow('Input "drift-from": "soon" is neither a commit')
    await expect(loadConfig(inputsOf({ 'max-drift': 'lots', 'drift-from': '140MB' }), files())).rejects.toThrow('Input "max-drift": "lots" is not a size')
    await expect(loadConfig(inputsOf({ 'max-drift': '10%', 'drift-from': '2026-03-01' }), files())).rejects.toThrow(
      'Input "drift-from": the reference of max-drift, "2026-03-01", is a date that only the history knows: set "history: branch", or pin a size (140MB)'
    )
    const config = await loadConfig(inputsOf({ 'max-drift': '10%', 'drift-from': '2026-03-01', history: 'branch' }), files())
    expect(config.budgets['max-drift']).toMatchObject({ limit: 0.1, unit: 'ratio', from: { kind: 'date', text: '2026-03-01' } })
    expect(() => inputsOf({ history: 'branch', 'history-branch': '../main' })).toThrow('Input "history-branch": "../main" is not a branch name')
    // Names git refuses are refused here, not retried against the API as if another job had won a race.
    for (const name of ['.hidden', 'sizes/.history', 'sizes/./history', 'HEAD', 'a@{1}']) expect(() => inputsOf({ 'history-branch': name })).toThrow(`Input "history-branch": "${name}" is not a branch name`)
    expect(inputsOf({ 'history-branch': 'sizes/history.v2' })['history-branch']).toBe('sizes/history.v2')
  })

  it('comes with the limit in the budget file, and nowhere else', async () => {
    const file = parseBudgetFile('b.yml', 'defaults:\n  max-drift:\n    limit: 20MB\n    from: 140MB\n    level: warning\n')
    expect(file.defaults['max-drift']).toMatchObject({ limit: 20_000_000, unit: 'bytes', level: 'warning', from: { kind: 'size', bytes: 140_000_000 }, source: 'b.yml:3' })
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-drift: 10%\n')).toThrow('b.yml:2: defaults.max-drift: needs its reference: { limit: 10%, from: 2026-03-01 }')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-drift: { limit: 10% }\n')).toThrow('b.yml:2: defaults.max-drift: has no from')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-drift: { limit: 10%, from: [1] }\n')).toThrow('b.yml:2: defaults.max-drift.from: must be a day, a commit or a size, got [1]')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-drift: { limit: 10%, from: tuesday }\n')).toThrow('b.yml:2: defaults.max-drift.from: "tuesday" is neither a commit')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-size: { limit: 10MB, from: 140MB }\n')).toThrow('b.yml:2: defaults.max-size.from: unknown key (expected limit and level)')
    // The schema editors check the file with says the same.
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(new URL('../schema/image-budget.schema.json', import.meta.url), 'utf8')))
    for (const [text, valid] of [
      ['images:\n  api:\n    max-drift: { limit: 10%, from: 2026-03-01, level: warning }\n', true],
      ['defaults:\n  max-drift: { limit: 20MB, from: 140MB }\n', true],
      ['defaults:\n  max-drift: { limit: 20MB, from: abcdef1 }\n', true],
      ['defaults:\n  max-drift: 10%\n', false],
      ['defaults:\n  max-drift: { limit: 10% }\n', false],
      ['defaults:\n  max-drift: { limit: 10%, from: tuesday }\n', false]
    ] as const) {
      expect([text, validate(parse(text))]).toEqual([text, valid])
      if (valid) parseBudgetFile('b.yml', text)
      else expect(() => parseBudgetFile('b.yml', text)).toThrow()
    }
    await expect(loadConfig(inputsOf({}), files('defaults:\n  max-drift: { limit: 10%, from: abcdef12 }\n'))).rejects.toThrow('.github/image-budget.yml:2: the reference of max-drift, "abcdef12", is a commit that only the history knows')
  })
})

describe('max-drift against the history on the local GitHub server', () => {
  const server = new GitHubServer()
  beforeAll(async () => {
    await server.start()
  })
  afterAll(async () => {
    await server.stop()
  })
  beforeEach(() => server.reset())
  const api = () => octokitApi('test-token', 'acme', 'shop', server.url, { retries: 2, retryDelayMs: 1 })

  /** Ten pushes, each 3% larger than the one before: each passes a 5% max-size-increase. */
  async function creep(): Promise<number> {
    let size = 100_000_000
    for (let n = 1; n <= 10; n++) {
      await saveStoredHistory(api(), 'image-budget-history', 'shop', pointOf(reportAt(n, size))!)
      size = Math.round(size * 1.03)
    }
    return size
  }

  async function judged(values: Record<string, string>, report: Report) {
    const inputs = inputsOf({ history: 'branch', ...values })
    const config = await loadConfig(inputs, files())
    const host = new RecordingHost()
    await recallHistory(inputs, 'shop', config.budgets, report, { host, github: { context: pullRequestContext(7, sha(99), 'https://x'), api: api() } })
    const budgets = evaluateBudgets(config.budgets, report.platforms)
    const spec = { ...config, reportPath: '', origin: { kind: 'build' } } as ImageSpec
    return { budgets, verdict: verdictOf(budgets), notices: inapplicable(spec, report), host }
  }

  it('fails creep that max-size-increase lets through, from a commit, a day or a size', async () => {
    const size = await creep()
    const last = Math.round(size / 1.03)
    for (const from of [sha(1).slice(0, 8), '2026-03-01', '100MB']) {
      const report = reportAt(11, size, size - last)
      const { budgets, verdict } = await judged({ 'max-size-increase': '5%', 'max-drift': '20%', 'drift-from': from }, report)
      expect(budgets.map(result => [result.rule, result.status])).toEqual([
        ['max-size-increase', 'pass'],
        ['max-drift', 'fail']
      ])
      expect(verdict).toBe('fail')
      expect(report.platforms[0].drift).toMatchObject({ from, referenceSize: 100_000_000, size: size - 100_000_000 })
      expect(budgets[1].actual).toBeCloseTo((size - 100_000_000) / 100_000_000, 6)
    }
    // A later reference: the growth since then is within the limit.
    const report = reportAt(11, size, size - last)
    const { budgets } = await judged({ 'max-drift': '20%', 'drift-from': sha(8).slice(0, 10) }, report)
    expect(budgets.map(result => result.status)).toEqual(['pass'])
  })

  it('fails, and says why, when the history lacks the reference: never a silent pass', async () => {
    await creep()
    const { budgets, verdict, notices } = await judged({ 'max-drift': '20%', 'drift-from': '2026-01-15' }, reportAt(11, 1))
    expect(verdict).toBe('fail')
    expect(budgets).toEqual([expect.objectContaining({ rule: 'max-drift', status: 'fail', actual: 0, unresolved: expect.stringContaining('the history has no point on or before 2026-01-15 (its 10 points go from') })])
    expect(describeBudget(budgets[0])).toMatch(/^max-drift on linux\/amd64: no reference to measure from, the history has no point on or before 2026-01-15/)
    expect(notices).toEqual([expect.stringMatching(/^The budget max-drift has no reference on linux\/amd64: the history has no point on or before 2026-01-15 .*\. It fails rather than passing unchecked$/)])

    const missing = await judged({ 'max-drift': '20%', 'drift-from': 'fedcba98' }, reportAt(11, 1))
    expect(missing.budgets[0].unresolved).toMatch(/^the history has no point of commit fedcba98 \(its 10 points go from/)
    // An empty history (the branch does not exist yet), and a history that cannot be read.
    server.reset()
    expect((await judged({ 'max-drift': '20%', 'drift-from': 'fedcba98' }, reportAt(11, 1))).budgets[0].unresolved).toContain('it has no point yet')
    server.intercept = (_request, response) => {
      response.writeHead(403, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'Resource not accessible by integration' }))
      return true
    }
    const denied = await judged({ 'max-drift': '20%', 'drift-from': 'fedcba98' }, reportAt(11, 1))
    server.intercept = undefined
    expect(denied.budgets[0]).toMatchObject({ status: 'fail', unresolved: expect.stringContaining('the history could not be read (Resource not accessible by integration') })
    expect(denied.host.warnings[0].message).toContain('(the token needs "contents: read")')
  })

  it('takes the run that will be the next point as a point of the reference on a push, never on a pull request', async () => {
    const day = '2026-03-05'
    const push: GitHubContext = { ...pullRequestContext(1, sha(5), 'https://x'), eventName: 'push', branch: 'main', pullRequest: undefined }
    const judge = async (from: string, context: GitHubContext) => {
      const inputs = inputsOf({ history: 'branch', 'max-drift': '1%', 'drift-from': from })
      const config = await loadConfig(inputs, files())
      const report = reportAt(5, 1_000_000)
      await recallHistory(inputs, 'shop', config.budgets, report, { host: new RecordingHost(), github: { context, api: api() } })
      return { drift: report.platforms[0].drift, statuses: evaluateBudgets(config.budgets, report.platforms).map(result => result.status) }
    }
    // The branch has no history yet: the first push of the pinned day, or of the pinned commit, is the reference.
    expect(await judge(day, push)).toEqual({ drift: expect.objectContaining({ commit: sha(5), size: 0, referenceSize: 1_000_000 }), statuses: ['pass'] })
    expect(await judge(sha(5).slice(0, 8), push)).toEqual({ drift: expect.objectContaining({ commit: sha(5), size: 0 }), statuses: ['pass'] })
    expect((await judge('2026-03-04', push)).statuses).toEqual(['fail'])
    // A pull request's image is not the default branch's: its own run names nothing.
    expect((await judge(day, pullRequestContext(7, sha(5), 'https://x'))).statuses).toEqual(['fail'])
    expect(server.requests.filter(request => request.method !== 'GET')).toEqual([])
  })

  it('warns instead at level warning', async () => {
    await creep()
    const inputs = inputsOf({ history: 'branch' })
    const config = await loadConfig(inputs, files('defaults:\n  max-drift: { limit: 1%, from: 2020-01-01, level: warning }\n'))
    const report = reportAt(11, 1)
    await recallHistory(inputs, 'shop', config.budgets, report, { host: new RecordingHost(), github: { context: pullRequestContext(7, sha(99), 'https://x'), api: api() } })
    expect(evaluateBudgets(config.budgets, report.platforms).map(result => result.status)).toEqual(['warn'])
  })

  it('charts the history with the pull request as the last point, in the summary, the comment and the combined view', async () => {
    const size = await creep()
    const report = reportAt(11, size)
    report.pullRequest = { number: 7, head: sha(99) }
    await judged({ 'max-drift': '20%', 'drift-from': sha(1).slice(0, 8) }, report)
    const chart = historyChart(report)!
    expect(chart.split('\n')).toEqual([
      '```mermaid',
      'xychart-beta',
      '  title "Size of shop on linux/amd64 (MB): history and this pull request"',
      `  x-axis [${Array.from({ length: 10 }, (_, n) => `"${sha(n + 1).slice(0, 7)}"`).join(', ')}, "PR #7"]`,
      '  y-axis "MB"',
      `  line [100.00, 103.00, 106.09, 109.27, 112.55, 115.93, 119.41, 122.99, 126.68, 130.48, ${(size / 1e6).toFixed(2)}]`,
      '```'
    ])
    const markdown = markdownSummary(report)
    expect(markdown).toContain(`#### History\n\n${chart}`)
    expect(markdown).toMatch(/- History of linux\/amd64: ▁▂▂▃▄▄▅▆▆▇█ 100 MB → 134 MB \(\+34\.4%\) over 11 points/)
    expect(markdown).toContain(`- Drift of linux/amd64: +34.4 MB since ${sha(1).slice(0, 8)} (${sha(1).slice(0, 12)}, 100 MB)`)
    expect(textSummary(report)).toContain('History of linux/amd64: ▁▂▂▃▄▄▅▆▆▇█ 100 MB → 134 MB (+34.4%) over 11 points')
    expect(combinedMarkdown(combine([{ file: 'a.json', report }], [], []))).toContain(chart)
    // Combine mode reads reports other jobs wrote: the history and the drift come through, checked.
    const [decoded] = parseReportFile(JSON.stringify(report)).reports
    expect(decoded.history).toEqual(report.history)
    expect(decoded.platforms[0].drift).toEqual(report.platforms[0].drift)
    expect(combinedMarkdown(combine([{ file: 'a.json', report: decoded }], [], []))).toContain(chart)
    const long = { ...report, history: { branch: 'b', points: new Array(101).fill(report.history!.points[0]) } }
    expect(() => parseReportFile(JSON.stringify(long))).toThrow('history.points is "101 entries", not at most 100')
    // On a push, the run is the last point, and its own commit is not charted twice.
    const push = reportAt(10, size)
    push.history = { branch: 'image-budget-history', points: report.history!.points }
    expect(historyChart(push)).toContain(`"${sha(9).slice(0, 7)}", "this run"]`)
    expect(historyChart(push)!.match(/"/g)!.length).toBe(2 * 10 + 2 + 2)
  })

  it('makes a sparkline of any series', () => {
    expect(sparkline([{ label: 'a', size: 5 }])).toBe('▁ 5 B → 5 B (+0.0%) over 1 point')
    expect(sparkline([{ label: 'a', size: 0 }, { label: 'b', size: 8 }, { label: 'c', size: 4 }])).toBe('▁█▅ 0 B → 4 B over 3 points')
  })
})

describe('a reference max-drift cannot measure from', () => {
  const point = (n: number, date: string, size = 100): History['points'][number] => ({ commit: sha(n), date, platforms: [{ platform: 'linux/amd64', size, compressedSize: 1, layers: 1 }] })
  const judge = (limit: string, from: string, history: History | undefined, size: number, now = Date.UTC(2026, 5, 1)) => {
    const budgets = { 'max-drift': { ...parseLimitOf(limit), level: 'error' as const, source: 'input max-drift', from: parseDriftFrom(from) } }
    const platforms = [{ platform: 'linux/amd64', size, drift: platformDrifts([{ platform: 'linux/amd64', size }], parseDriftFrom(from), history, undefined, now)[0] }]
    return evaluateBudgets(budgets, platforms as never)[0]
  }
  const parseLimitOf = (limit: string) => (limit.endsWith('%') ? { limit: Number(limit.slice(0, -1)) / 100, unit: 'ratio' as const } : { limit: Number(limit.replace('B', '')), unit: 'bytes' as const })

  it('fails a percentage of a reference of 0 bytes rather than skipping it', () => {
    const history = { ...emptyHistory('shop'), points: [point(1, '2026-03-01T10:00:00.000Z', 0)] }
    expect(judge('10%', sha(1).slice(0, 8), history, 500_000_000)).toMatchObject({ status: 'fail', unresolved: expect.stringContaining('0 bytes') })
    expect(judge('10%', '0B', undefined, 500_000_000)).toMatchObject({ status: 'fail', unresolved: expect.stringContaining('0 bytes') })
    // A limit in bytes still measures from 0.
    expect(judge('1000B', '0B', undefined, 500_000_000)).toMatchObject({ status: 'fail', actual: 500_000_000 })
  })

  it('fails a platform that has no drift at all rather than skipping it', () => {
    const budgets = { 'max-drift': { limit: 0.1, unit: 'ratio' as const, level: 'error' as const, source: 'input max-drift', from: parseDriftFrom('140MB') } }
    expect(evaluateBudgets(budgets, [{ platform: 'linux/amd64', size: 1 }] as never)).toEqual([expect.objectContaining({ status: 'fail', unresolved: expect.stringContaining('no drift') })])
  })

  it('takes the latest point of the day whatever the order of the file (jobs that finished out of order)', () => {
    // The job of the later commit wrote first: the file's last point of the day is the earlier one.
    const history = { ...emptyHistory('shop'), points: [point(1, '2026-03-01T10:00:00.000Z', 100), point(3, '2026-03-02T18:00:00.000Z', 300), point(2, '2026-03-02T09:00:00.000Z', 200), point(4, '2026-03-03T09:00:00.000Z', 400)] }
    expect(platformDrifts([{ platform: 'linux/amd64', size: 330 }], parseDriftFrom('2026-03-02'), history, undefined, Date.UTC(2026, 5, 1))[0]).toMatchObject({ commit: sha(3), referenceSize: 300, size: 30 })
  })

  it('fails a day to come: its point would be whichever push came last, and every push would pass', () => {
    const history = { ...emptyHistory('shop'), points: [point(1, '2026-03-01T10:00:00.000Z', 100)] }
    const now = Date.UTC(2026, 2, 1, 12)
    expect(judge('10%', '2026-03-02', history, 100, now)).toMatchObject({ status: 'fail', unresolved: '2026-03-02 is a day to come (it is 2026-03-01 UTC): until it has passed, the reference would move with every push; pin a day gone by, a commit or a size' })
    // The day itself is a reference from its first push on (README: the first push of the pinned day).
    expect(judge('10%', '2026-03-01', history, 100, now)).toMatchObject({ status: 'pass' })
  })
})
