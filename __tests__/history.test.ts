import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { getInputs } from '../src/config/inputs.js'
import { octokitApi } from '../src/github/api.js'
import type { GitHubContext } from '../src/github/context.js'
import { appendPoint, emptyHistory, historyFile, parseHistory, pointOf, serializeHistory, type HistoryPoint } from '../src/history/history.js'
import { parseDriftFrom, referencePoint } from '../src/history/drift.js'
import { keepHistory, recallHistory } from '../src/history/step.js'
import { MAX_WRITE_ATTEMPTS, readStoredHistory, saveStoredHistory } from '../src/history/store.js'
import type { Report } from '../src/report/report.js'
import { commitOf, platformOf, reportOfRun } from './helpers/reports.js'
import { GitHubServer, pullRequestContext } from './helpers/github-server.js'
import { RecordingHost } from './helpers/host.js'

// A retry after a connection the server closed as idle; none of the answers tested here is retried.
const FAST = { retries: 2, retryDelayMs: 1, responseTimeoutMs: 5000, totalTimeoutMs: 10_000 }
const sha = commitOf
const reportAt = (n: number, size: number): Report => reportOfRun(n, size, { platforms: [platformOf(size), platformOf(size - 1000, { platform: 'linux/arm64' })] })

const pushContext = (commit: string, branch = 'main'): GitHubContext => ({
  ...pullRequestContext(1, commit, 'https://github.com/acme/shop/actions/runs/1'),
  eventName: 'push',
  branch,
  pullRequest: undefined
})

describe('the history on a branch, through the contents API of the local GitHub server', () => {
  const server = new GitHubServer()
  beforeAll(async () => {
    await server.start()
  })
  afterAll(async () => {
    await server.stop()
  })
  beforeEach(() => {
    server.reset()
    server.intercept = undefined
  })
  const api = () => octokitApi('test-token', 'acme', 'shop', server.url, FAST)
  const inputs = (values: Record<string, string> = {}) => getInputs(name => ({ history: 'branch', ...values } as Record<string, string>)[name] ?? '')

  it('makes the branch without parents on the first save, then adds a point per save, naming the blob it replaces', async () => {
    const first = pointOf(reportAt(1, 100_000))!
    await saveStoredHistory(api(), 'image-budget-history', 'shop', first)
    expect(server.calls()).toEqual([
      'GET /contents/shop.json?ref=image-budget-history',
      'GET /git/ref/heads%2Fimage-budget-history',
      'POST /git/trees',
      'POST /git/commits',
      'POST /git/refs'
    ])
    const commit = server.requests.find(request => request.path.endsWith('/git/commits'))!.body
    expect(commit).toMatchObject({ parents: [], message: `image-budget: history of shop at ${sha(1).slice(0, 12)}` })
    const branch = server.branches.get('image-budget-history')!
    expect(JSON.parse(branch.files.get('shop.json')!)).toEqual({ schemaVersion: 1, name: 'shop', points: [first] })

    server.requests.length = 0
    const second = pointOf(reportAt(2, 120_000))!
    await saveStoredHistory(api(), 'image-budget-history', 'shop', second)
    expect(server.calls()).toEqual(['GET /contents/shop.json?ref=image-budget-history', 'PUT /contents/shop.json'])
    const put = server.requests[1].body
    expect(put).toMatchObject({ branch: 'image-budget-history', sha: expect.stringMatching(/^[0-9a-f]{40}$/) })
    expect(JSON.parse(Buffer.from(put.content, 'base64').toString('utf8')).points).toEqual([first, second])
    expect((await readStoredHistory(api(), 'image-budget-history', 'shop')).history.points).toEqual([first, second])
  })

  it('keeps the last 100 points over 105 runs, and one point per commit', async () => {
    for (let n = 1; n <= 105; n++) await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(n, 100_000 + n))!)
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(105, 999_999))!)
    const { history } = await readStoredHistory(api(), 'h', 'shop')
    expect(history.points).toHaveLength(100)
    expect(history.points[0].commit).toBe(sha(6))
    expect(history.points.at(-1)).toMatchObject({ commit: sha(105), platforms: [{ size: 999_999 }, { size: 998_999 }] })
    expect(server.branches.get('h')!.log).toHaveLength(106)
  })

  it('reads the file again and adds its point to what another job wrote when its write loses the race (409)', async () => {
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(1, 1000))!)
    let raced = false
    server.intercept = (request, response) => {
      if (request.method !== 'PUT' || raced) return false
      raced = true
      // Another job's point lands just before this write.
      const branch = server.branches.get('h')!
      const other = appendPoint(parseHistory(branch.files.get('shop.json')!, 'x'), pointOf(reportAt(2, 2000))!)
      branch.files.set('shop.json', serializeHistory(other))
      response.writeHead(409, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'shop.json does not match' }))
      return true
    }
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(3, 3000))!)
    const { history } = await readStoredHistory(api(), 'h', 'shop')
    expect(history.points.map(point => point.commit)).toEqual([sha(1), sha(2), sha(3)])
  })

  it('keeps every point of jobs writing at once', async () => {
    await Promise.all([1, 2, 3].map(n => saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(n, n * 1000))!)))
    const { history } = await readStoredHistory(api(), 'h', 'shop')
    expect(history.points.map(point => point.commit).sort()).toEqual([sha(1), sha(2), sha(3)])
  })

  it('keeps its point when more jobs of a matrix than five land theirs on the branch first, waiting a little longer each time', async () => {
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(1, 1000))!)
    let lost = 0
    server.intercept = (request, response) => {
      if (request.method !== 'PUT' || lost >= 7) return false
      lost++
      // Another image's job moved the branch just before this write.
      response.writeHead(409, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'is at 1234 but expected 5678' }))
      return true
    }
    const waits: number[] = []
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(2, 2000))!, { wait: async ms => void waits.push(ms) })
    expect((await readStoredHistory(api(), 'h', 'shop')).history.points.map(point => point.commit)).toEqual([sha(1), sha(2)])
    expect(waits).toHaveLength(7)
    expect(waits.every((ms, index) => ms >= 0 && ms <= 250 * 2 ** Math.min(index, 4))).toBe(true)
  })

  it(`gives up after ${MAX_WRITE_ATTEMPTS} lost races, saying so`, async () => {
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(1, 1000))!)
    server.intercept = (request, response) => {
      if (request.method !== 'PUT') return false
      response.writeHead(409, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ message: 'conflict' }))
      return true
    }
    await expect(saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(2, 1000))!, { wait: async () => undefined })).rejects.toThrow(`shop.json of branch h changed under ${MAX_WRITE_ATTEMPTS} writes in a row`)
    expect(server.calls().filter(call => call.startsWith('PUT'))).toHaveLength(MAX_WRITE_ATTEMPTS)
  })

  it('writes on a push to the default branch only: never on a pull request, another branch or without history: branch', async () => {
    const host = new RecordingHost()
    const github = (context: GitHubContext) => ({ host, github: { context, api: api() } })
    expect(await keepHistory(inputs(), reportAt(1, 1000), github(pullRequestContext(5, sha(1), 'https://x')))).toBe(false)
    expect(await keepHistory(inputs(), reportAt(1, 1000), github(pushContext(sha(1), 'feature')))).toBe(false)
    expect(await keepHistory(inputs({ history: 'none' }), reportAt(1, 1000), github(pushContext(sha(1))))).toBe(false)
    expect(server.requests).toEqual([])
    expect(await keepHistory(inputs(), reportAt(1, 1000), github(pushContext(sha(1))))).toBe(true)
    expect(host.lines).toContain('History of shop kept on branch image-budget-history: 1 points')
  })

  it('never writes the history among the code of the default branch', async () => {
    const host = new RecordingHost()
    expect(await keepHistory(inputs({ 'history-branch': 'main' }), reportAt(1, 1000), { host, github: { context: pushContext(sha(1)), api: api() } })).toBe(false)
    expect(server.requests.filter(request => request.method !== 'GET')).toEqual([])
    expect(host.warnings.map(warning => warning.message)).toEqual(['The history of shop was not kept: "history-branch" is main, the default branch; the history is kept on a branch of its own (the default is image-budget-history)'])
  })

  it('says why a push makes no point', async () => {
    const host = new RecordingHost()
    expect(await keepHistory(inputs(), { ...reportAt(1, 1000), commit: 'not-a-sha' }, { host, github: { context: pushContext(sha(1)), api: api() } })).toBe(false)
    expect(host.warnings.map(warning => warning.message)).toEqual(['The history of shop was not kept: the run makes no point of it (its commit "not-a-sha" is not a SHA, or it has more than 32 platforms)'])
    expect(server.requests).toEqual([])
  })

  it('notices a token that may not write, and keeps the step green', async () => {
    server.forbidWrites = true
    const host = new RecordingHost()
    expect(await keepHistory(inputs(), reportAt(1, 1000), { host, github: { context: pushContext(sha(1)), api: api() } })).toBe(false)
    expect(host.notices).toEqual([expect.stringContaining('the token may not write branch image-budget-history (the job needs "contents: write")')])
  })

  it('reads the history into the report on a pull request, and writes nothing', async () => {
    for (let n = 1; n <= 3; n++) await saveStoredHistory(api(), 'image-budget-history', 'shop', pointOf(reportAt(n, n * 1000))!)
    server.requests.length = 0
    const report = reportAt(9, 5000)
    const host = new RecordingHost()
    await recallHistory(inputs(), 'shop', {}, report, { host, github: { context: pullRequestContext(5, sha(9), 'https://x'), api: api() } })
    expect(report.history?.branch).toBe('image-budget-history')
    expect(report.history?.points.map(point => point.commit)).toEqual([sha(1), sha(2), sha(3)])
    expect(server.calls()).toEqual(['GET /contents/shop.json?ref=image-budget-history'])
    expect(host.lines).toContain('History of shop: 3 points from branch image-budget-history')
  })

  it.each([
    ['a folder listing', [{ type: 'file', name: 'a' }], 'is not a file'],
    ['a file without a blob SHA', { type: 'file', encoding: 'base64', content: '', sha: 'HEAD' }, 'has no blob SHA'],
    ['a file over 4 MiB', { type: 'file', encoding: 'none', content: '', sha: 'a'.repeat(40), size: 5_000_000 }, 'is 5000000 bytes, more than the 4194304 read'],
    ['a file without content', { type: 'file', encoding: 'none', content: '', sha: 'a'.repeat(40) }, 'is larger than the 1 MB the contents API sends'],
    ['content that is not base64', { type: 'file', encoding: 'base64', content: '<script>', sha: 'a'.repeat(40) }, 'does not come as base64 content'],
    // Refused either way: by its decoded size, or (seen under a full test run's load, when the 7 MB
    // answer reaches Octokit cut short) as an answer that is not a file.
    ['a history that says it is small and is not', { type: 'file', encoding: 'base64', size: 10, content: Buffer.alloc(5 * 1024 * 1024).toString('base64'), sha: 'a'.repeat(40) }, /is (more than the 4194304 bytes read|not a file)/]
  ])('refuses %s from the contents API', async (_what, answer, expected) => {
    const message = typeof expected === 'string' ? expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : expected.source
    server.intercept = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify(answer))
      return true
    }
    await expect(readStoredHistory(api(), 'h', 'shop')).rejects.toThrow(new RegExp(`GitHub API: shop\\.json of h ${message}`))
    // A push does not write over what it could not read.
    const host = new RecordingHost()
    expect(await keepHistory(inputs({ 'history-branch': 'h' }), reportAt(1, 1000), { host, github: { context: pushContext(sha(1)), api: api() } })).toBe(false)
    expect(host.warnings.map(warning => warning.message)).toEqual([expect.stringMatching(new RegExp(`The history of shop could not be kept on branch h: GitHub API: shop\\.json of h ${message}`))])
    expect(server.calls().filter(call => !call.startsWith('GET'))).toEqual([])
  })

  it('does not write over a history it cannot read, and says so', async () => {
    await saveStoredHistory(api(), 'h', 'shop', pointOf(reportAt(1, 1000))!)
    server.branches.get('h')!.files.set('shop.json', '{"schemaVersion":1,"name":"shop","points":[{"commit":"x"}]}')
    const host = new RecordingHost()
    expect(await keepHistory(inputs({ 'history-branch': 'h' }), reportAt(2, 1000), { host, github: { context: pushContext(sha(2)), api: api() } })).toBe(false)
    expect(host.warnings[0].message).toBe('The history of shop could not be kept on branch h: shop.json of branch h: points[0].commit is "x", not a commit SHA')
    expect(server.branches.get('h')!.files.get('shop.json')).toContain('"commit":"x"')
  })

  it('refuses a history of another image that shares the file name', async () => {
    await saveStoredHistory(api(), 'h', 'shop/api', pointOf(reportAt(1, 1000))!)
    expect(historyFile('shop/api')).toBe(historyFile('shop-api'))
    await expect(readStoredHistory(api(), 'h', 'shop-api')).rejects.toThrow('shop-api.json of branch h is the history of "shop/api", not of "shop-api": rename one of the images')
  })
})

describe('a history read back from a branch anyone with push access writes', () => {
  const valid = (points: unknown[]) => JSON.stringify({ schemaVersion: 1, name: 'shop', points })
  const point = (overrides: Record<string, unknown> = {}) => ({ commit: sha(1), date: '2026-01-01T00:00:00.000Z', platforms: [{ platform: 'linux/amd64', size: 1, compressedSize: 1, layers: 1 }], ...overrides })

  it.each([
    ['not JSON', '{', 'h is not JSON'],
    ['another schema', JSON.stringify({ schemaVersion: 2, name: 'shop', points: [] }), 'h: schemaVersion is 2, not 1'],
    ['a name with a newline', JSON.stringify({ schemaVersion: 1, name: 'a\nb', points: [] }), 'h: name is "a\\nb", not a name'],
    ['points that are not a list', JSON.stringify({ schemaVersion: 1, name: 'shop', points: {} }), 'h: points is {}, not a list'],
    ['a commit that is not a SHA', valid([point({ commit: 'HEAD' })]), 'h: points[0].commit is "HEAD", not a commit SHA'],
    ['a date that is not one', valid([point({ date: 'yesterday' })]), 'h: points[0].date is "yesterday", not an ISO 8601 date'],
    ['a date that is not ISO 8601', valid([point({ date: 'March 1, 2026' })]), 'h: points[0].date is "March 1, 2026", not an ISO 8601 date'],
    ['a year alone', valid([point({ date: '2026' })]), 'h: points[0].date is "2026", not an ISO 8601 date'],
    ['a date without its time zone', valid([point({ date: '2026-03-01T10:00:00' })]), 'h: points[0].date is "2026-03-01T10:00:00", not an ISO 8601 date'],
    ['a commit twice', valid([point(), point({ date: '2026-01-02T00:00:00.000Z' })]), `h: points[1].commit is "${sha(1)}", not a commit no other point has`],
    ['a platform twice in a point', valid([point({ platforms: [{ platform: 'linux/amd64', size: 1, compressedSize: 1, layers: 1 }, { platform: 'linux/amd64', size: 9, compressedSize: 1, layers: 1 }] })]), 'h: points[0].platforms[1].platform is "linux/amd64", not a platform no other of the point has'],
    ['a negative size', valid([point({ platforms: [{ platform: 'linux/amd64', size: -1, compressedSize: 1, layers: 1 }] })]), 'h: points[0].platforms[0].size is -1, not a whole, non-negative number'],
    ['a size past 2^53', valid([point({ platforms: [{ platform: 'linux/amd64', size: 2 ** 60, compressedSize: 1, layers: 1 }] })]), 'points[0].platforms[0].size is 1152921504606847000, not a whole'],
    ['no platform', valid([point({ platforms: [] })]), 'h: points[0].platforms is "0 entries", not 1 to 32 platforms'],
    ['vulnerabilities without a severity', valid([point({ platforms: [{ platform: 'linux/amd64', size: 1, compressedSize: 1, layers: 1, vulnerabilities: { critical: 1 } }] })]), 'points[0].platforms[0].vulnerabilities.high is missing'],
    ['ten thousand points', valid(new Array(10_000).fill(0)), 'h: points is "10000 entries", not at most 1000 (the last 100 of them are kept)'],
    ['more than 4 MiB', `${valid([])}${' '.repeat(4 * 1024 * 1024)}`, 'h is larger than 4194304 bytes']
  ])('refuses %s, naming where', (_what, text, message) => {
    expect(() => parseHistory(text, 'h')).toThrow(message)
  })

  it('keeps the last 100 points of a longer list, and dates in one form', () => {
    const points = Array.from({ length: 150 }, (_, n) => point({ commit: sha(n), date: `2026-01-01T00:00:${String(n % 60).padStart(2, '0')}+01:00` }))
    const history = parseHistory(valid(points), 'h')
    expect(history.points).toHaveLength(100)
    expect(history.points[0].commit).toBe(sha(50))
    expect(history.points[0].date).toBe('2025-12-31T23:00:50.000Z')
  })

  it('is never written with a point it would refuse to read back', () => {
    const report = reportAt(1, 1000)
    expect(pointOf({ ...report, commit: 'HEAD' })).toBeUndefined()
    expect(pointOf({ ...report, createdAt: 'today' })).toBeUndefined()
    expect(pointOf({ ...report, platforms: Array.from({ length: 33 }, (_, n) => ({ ...report.platforms[0], platform: `linux/arch${n}` })) })).toBeUndefined()
    expect(parseHistory(serializeHistory(appendPoint(emptyHistory('shop'), pointOf(report)!)), 'h').points).toHaveLength(1)
  })

  it('keeps the place and the date of a commit run again, so that a day it was pinned by still names it', () => {
    const at = (n: number, day: number, size: number): HistoryPoint => ({ ...pointOf(reportAt(n, size))!, date: new Date(Date.UTC(2026, 2, day, 12)).toISOString() })
    let history = emptyHistory('shop')
    for (const [n, day] of [[1, 1], [2, 1], [3, 2]]) history = appendPoint(history, at(n, day, n * 1000))
    // The workflow of commit 2 is run again nine days later.
    history = appendPoint(history, at(2, 10, 2500))
    expect(history.points.map(point => [point.commit, point.date.slice(0, 10), point.platforms[0].size])).toEqual([
      [sha(1), '2026-03-01', 1000],
      [sha(2), '2026-03-01', 2500],
      [sha(3), '2026-03-02', 3000]
    ])
    expect(referencePoint(parseDriftFrom('2026-03-01'), history, undefined, Date.UTC(2026, 5, 1))).toEqual({ point: history.points[1] })
  })

  it('drops no field it knows and keeps no field it does not', () => {
    const history = parseHistory(valid([{ ...point(), planted: '<script>' }]), 'h')
    expect(history.points[0]).toEqual(point())
    expect(appendPoint(emptyHistory('shop'), history.points[0] as HistoryPoint).points).toHaveLength(1)
  })
})

describe('the history file', () => {
  it('holds one point a line, and 100 points of 32 platforms with vulnerabilities stay under the 1 MB the contents API sends', () => {
    const counts = { critical: 12, high: 345, medium: 6789, low: 1234, unknown: 56 }
    const point = (n: number): HistoryPoint => ({
      commit: sha(n),
      date: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      platforms: Array.from({ length: 32 }, (_, index) => ({ platform: `linux/arch${index}/v${index}`, size: 123_456_789_012, compressedSize: 12_345_678_901, layers: 123, vulnerabilities: counts }))
    })
    let history = emptyHistory('ghcr.io/acme/a-long-image-name')
    for (let n = 0; n < 100; n++) history = appendPoint(history, point(n))
    const text = serializeHistory(history)
    expect(Buffer.byteLength(text)).toBeLessThan(1_000_000)
    expect(text.split('\n')).toHaveLength(103)
    expect(parseHistory(text, 'h')).toEqual(history)
    expect(serializeHistory(emptyHistory('x'))).toBe('{"schemaVersion":1,"name":"x","points":[]}\n')
  })
})
