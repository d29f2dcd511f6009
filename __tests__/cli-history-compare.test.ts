import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { Writable } from 'node:stream'
import { runCli } from '../src/command-line.js'
import { octokitApi } from '../src/github/api.js'
import { parseHistory, pointOf, serializeHistory } from '../src/history/history.js'
import { saveStoredHistory } from '../src/history/store.js'
import type { PlatformReport, Report } from '../src/report/report.js'
import { commitOf, reportOfRun } from './helpers/reports.js'
import { GitHubServer } from './helpers/github-server.js'
import { packLayout, writeLayout } from './helpers/oci.js'
import { gnuTar, makeTree, type TreeFile } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

const sha = commitOf

async function cli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io = { stdout: new Writable({ write: (chunk, _e, done) => ((stdout += String(chunk)), done()) }), stderr: new Writable({ write: (chunk, _e, done) => ((stderr += String(chunk)), done()) }) }
  const status = await runCli(argv, io, { cwd, env: { IMAGE_BUDGET_CACHE_DIR: path.join(cwd, '.layers'), ...env }, fetch: globalThis.fetch })
  return { status, stdout, stderr }
}

const reportAt = (n: number, size: number, name = 'shop', extra: Partial<PlatformReport> & Record<string, unknown> = {}): Report => reportOfRun(n, size, { name, extra: { layerCount: 2, ...extra } })

describe('image-budget history', () => {
  const server = new GitHubServer()
  beforeAll(async () => {
    await server.start()
  })
  afterAll(async () => {
    await server.stop()
  })

  it('prints the history of a folder of reports, oldest first, with a line per platform', async () => {
    const dir = tempDir('reports')
    // Written out of order, with another image's report and a file that is not a report beside them.
    for (const n of [3, 1, 2]) writeFileSync(path.join(dir, `run-${n}.json`), JSON.stringify(reportAt(n, n * 1_000_000)))
    writeFileSync(path.join(dir, 'other.json'), JSON.stringify(reportAt(4, 5, 'worker')))
    writeFileSync(path.join(dir, 'notes.json'), '{"hello": 1}')
    const { status, stdout } = await cli(['history', '--from', dir, '--name', 'shop'], dir)
    expect(status).toBe(0)
    expect(stdout.split('\n')).toEqual([
      'History of shop: 3 points',
      '',
      'Date (UTC)        Commit        Platform        Size  Compressed  Layers  Vulnerabilities',
      '----------------  ------------  -----------  -------  ----------  ------  ---------------',
      `2026-03-01 00:00  ${sha(1).slice(0, 12)}  linux/amd64  1.00 MB      333 kB       2`,
      `2026-03-02 00:00  ${sha(2).slice(0, 12)}  linux/amd64  2.00 MB      667 kB       2`,
      `2026-03-03 00:00  ${sha(3).slice(0, 12)}  linux/amd64  3.00 MB     1.00 MB       2`,
      '',
      'linux/amd64: ▁▅█ 1.00 MB → 3.00 MB (+200.0%) over 3 points',
      ''
    ])
    const mixed = await cli(['history', '--from', dir], dir)
    expect(mixed.status).toBe(2)
    expect(mixed.stderr).toContain(`has reports of "shop", "worker": pick one with --name`)
  })

  it('reads the history branch of a repository through the API, and prints it as JSON', async () => {
    const api = octokitApi('test-token', 'acme', 'shop', server.url, { retries: 2, retryDelayMs: 1 })
    for (let n = 1; n <= 3; n++) await saveStoredHistory(api, 'image-budget-history', 'shop', pointOf(reportAt(n, n * 1000, 'shop', { vulnerabilities: { critical: 0, high: n, medium: 0, low: 0, unknown: 0 } }))!)
    const cwd = tempDir('cwd')
    const env = { GITHUB_TOKEN: 'test-token', GITHUB_API_URL: server.url }
    const table = await cli(['history', '--repository', 'acme/shop', '--name', 'shop'], cwd, env)
    expect(table.status).toBe(0)
    expect(table.stdout).toContain(`2026-03-03 00:00  ${sha(3).slice(0, 12)}  linux/amd64  3.00 kB     1.00 kB       2  3 high`)
    const json = await cli(['history', '--repository', 'acme/shop', '--name', 'shop', '--json'], cwd, env)
    const history = parseHistory(json.stdout, 'stdout')
    expect(history.points.map(point => point.commit)).toEqual([sha(1), sha(2), sha(3)])
    // The same from the file the branch holds.
    writeFileSync(path.join(cwd, 'shop.json'), serializeHistory(history))
    expect((await cli(['history', '--from', 'shop.json'], cwd)).stdout).toBe(table.stdout)
    expect((await cli(['history', '--repository', 'acme/shop', '--name', 'api'], cwd, env)).stdout).toBe('No history of api yet.\n')
    const noToken = await cli(['history', '--repository', 'acme/shop', '--name', 'shop'], cwd)
    expect([noToken.status, noToken.stderr]).toEqual([2, 'error: history: reading a history branch needs a token in GITHUB_TOKEN (or GH_TOKEN) that may read contents\n'])
    const noName = await cli(['history', '--repository', 'acme/shop'], cwd, env)
    expect(noName.stderr).toContain('history: --name is required to read a history branch')
    // Bad arguments are named as they were given, before anything is asked of the API.
    server.requests.length = 0
    const badBranch = await cli(['history', '--repository', 'acme/shop', '--name', 'shop', '--branch', '../main'], cwd, env)
    expect([badBranch.status, badBranch.stderr]).toEqual([2, 'error: history: --branch "../main" is not a branch name (letters, digits, ".", "_", "-" and "/", e.g. image-budget-history)\n'])
    const emptyName = await cli(['history', '--repository', 'acme/shop', '--name', ' '], cwd, env)
    expect([emptyName.status, emptyName.stderr]).toEqual([2, 'error: history: --name " " is not an image name\n'])
    for (const repository of ['../shop', 'acme/..', 'acme/shop?x=1', 'acme/shop/extra']) {
      expect(await cli(['history', '--repository', repository, '--name', 'shop'], cwd, env)).toEqual({ status: 2, stdout: '', stderr: `error: history: --repository "${repository}" is not OWNER/NAME (or set GITHUB_REPOSITORY)\n` })
    }
    expect(server.requests).toEqual([])
  })
})

describe('image-budget compare', () => {
  /** An OCI layout of one platform whose layers are the given trees. */
  function layout(name: string, layers: Array<{ files: TreeFile[]; createdBy: string }>): string {
    const dir = tempDir(name)
    writeLayout(
      dir,
      [
        {
          os: 'linux',
          architecture: 'amd64',
          layers: layers.map(layer => {
            const root = tempDir(`${name}-tree`)
            makeTree(root, layer.files)
            return { blob: gnuTar(root, 'pax'), mediaType: 'application/vnd.oci.image.layer.v1.tar', createdBy: layer.createdBy }
          })
        }
      ]
    )
    return dir
  }

  it('compares two images file by file, and layer by layer by instruction', async () => {
    const base = { files: [{ path: 'bin/tool', bytes: 50_000 }], createdBy: 'COPY tool /bin/ # buildkit' }
    const before = layout('before', [base, { files: [{ path: 'app/main.js', bytes: 1000 }, { path: 'app/old.txt', bytes: 10 }, { path: 'usr/lib/a.so', bytes: 5000 }], createdBy: 'RUN |1 V=1 /bin/sh -c make # buildkit' }])
    const after = layout('after', [base, { files: [{ path: 'app/main.js', bytes: 3000 }, { path: 'usr/lib/a.so', bytes: 5000 }, { path: 'usr/lib/new.so', bytes: 7000 }], createdBy: 'RUN |1 V=2 /bin/sh -c make # buildkit' }])
    const cwd = tempDir('cwd')
    const { status, stdout, stderr } = await cli(['compare', before, after], cwd)
    expect([status, stderr]).toEqual([0, ''])
    const lines = stdout.split('\n')
    expect(lines.slice(0, 2)).toEqual([`OCI layout ${before}`, `→ OCI layout ${after}`])
    expect(stdout).not.toContain('A report keeps only the largest files')
    // 7,000 bytes came, 2,000 grew and 10 went: 8,990 bytes more.
    expect(stdout).toContain('  size        56.0 kB → 65.0 kB, +8.99 kB (+16.1%)')
    expect(stdout).toContain('  layers      2 → 2')
    expect(stdout).toContain(
      [
        'Files of linux/amd64: 1 came, 1 went, 1 grew',
        'Change     Bytes   Before    After  File',
        '------  --------  -------  -------  ---------------',
        'came    +7.00 kB           7.00 kB  /usr/lib/new.so',
        'grew    +2.00 kB  1.00 kB  3.00 kB  /app/main.js',
        'went       -10 B     10 B           /app/old.txt'
      ].join('\n')
    )
    // The RUN layer is the same instruction whatever its build arguments: it grew.
    expect(stdout).toContain(['Layers of linux/amd64: 1 grew', 'Change     Bytes   Before    After  Instruction', '------  --------  -------  -------  -----------', 'grew    +8.99 kB  6.01 kB  15.0 kB  RUN make'].join('\n'))

    // An image archive, as `docker image save` writes one, reads the same; --top cuts the tables.
    const archive = path.join(tempDir('archive'), 'after.tar')
    packLayout(after, archive)
    const top = await cli(['compare', before, archive, '--top', '1'], cwd)
    const files = top.stdout.slice(top.stdout.indexOf('Files of'), top.stdout.indexOf('Layers of')).trim().split('\n')
    expect(files.slice(3).map(line => line.trim())).toEqual(['came    +7.00 kB          7.00 kB  /usr/lib/new.so', '… and 2 more'])
  })

  it('compares two reports by what they hold: largest files, layers and packages', async () => {
    const cwd = tempDir('reports')
    const layers = (run: number) => [
      { digest: 'sha256:a', size: 1_000_000, compressedSize: 1, createdBy: 'COPY base / # buildkit' },
      { digest: 'sha256:b', size: 400_000 * run, compressedSize: 1, createdBy: 'RUN /bin/sh -c npm ci # buildkit' }
    ]
    const pkg = (name: string, version: string, bytes: number) => ({ ecosystem: 'npm' as const, name, version, bytes, files: 3, layer: 'sha256:b', line: 4 })
    const before = reportAt(1, 1_400_000, 'shop', { layers: layers(1), topFiles: [{ path: '/app/a.js', size: 300_000, layer: 'sha256:b' }], packages: [pkg('left-pad', '1.0.0', 1000), pkg('lodash', '4.17.20', 500_000), pkg('gone', '1.0.0', 20)] })
    const after = reportAt(2, 1_800_000, 'shop', { layers: layers(2), topFiles: [{ path: '/app/a.js', size: 300_000, layer: 'sha256:b' }, { path: '/app/b.js', size: 200_000, layer: 'sha256:b' }], packages: [pkg('left-pad', '1.0.1', 1000), pkg('lodash', '4.17.21', 700_000), pkg('react', '19.0.0', 90_000)] })
    writeFileSync(path.join(cwd, 'before.json'), JSON.stringify(before))
    writeFileSync(path.join(cwd, 'after.json'), JSON.stringify({ schemaVersion: 2, images: [after, reportAt(2, 1, 'worker')] }))
    const { status, stdout, stderr } = await cli(['compare', 'before.json', 'after.json', '--name', 'shop'], cwd)
    expect([status, stderr]).toEqual([0, ''])
    expect(stdout).toContain('A report keeps only the largest files of its image')
    expect(stdout).toContain(['Files of linux/amd64: 1 came', 'Change    Bytes  Before   After  File', '------  -------  ------  ------  ---------', 'came    +200 kB          200 kB  /app/b.js'].join('\n'))
    expect(stdout).toContain('grew    +400 kB  400 kB  800 kB  RUN npm ci')
    expect(stdout).toContain(
      [
        'Packages of linux/amd64: 1 came, 1 went, 1 grew, 1 changed version',
        'Change      Bytes   Before    After  Package',
        '-------  --------  -------  -------  ------------------------------',
        'grew      +200 kB   500 kB   700 kB  npm:lodash (4.17.20 → 4.17.21)',
        'came     +90.0 kB           90.0 kB  npm:react (19.0.0)',
        'went        -20 B     20 B           npm:gone (1.0.0)',
        'changed        ±0  1.00 kB  1.00 kB  npm:left-pad (1.0.0 → 1.0.1)'
      ].join('\n')
    )
    const several = await cli(['compare', 'before.json', 'after.json'], cwd)
    expect([several.status, several.stderr]).toEqual([2, 'error: compare: after.json holds several reports ("shop", "worker"): pick one with --name\n'])
    mkdirSync(path.join(cwd, 'empty'))
    expect((await cli(['compare', 'before.json', 'empty'], cwd)).stderr).toBe('error: compare: empty is a folder without index.json, not an OCI layout\n')
    writeFileSync(path.join(cwd, 'bad.json'), JSON.stringify({ ...before, platforms: [{ ...before.platforms[0], packages: [{ name: 'x', bytes: -1 }] }] }))
    expect((await cli(['compare', 'bad.json', 'before.json'], cwd)).stderr).toBe('error: compare: bad.json is not an image-budget report: platforms[0].packages[0].ecosystem is missing, not one of deb, apk, npm, python, go\n')
    expect((await cli(['compare', 'before.json'], cwd)).stderr).toContain('compare takes two images or reports, got 1')
    // A file that is not there is said to be missing, not looked for as an image in a registry.
    for (const missing of ['typo.json', 'typo.tar']) {
      expect(await cli(['compare', missing, 'before.json'], cwd)).toEqual({ status: 2, stdout: '', stderr: `error: compare: ${missing} does not exist\n` })
    }
    expect((await cli(['compare', 'Not A Reference', 'before.json'], cwd)).stderr).toMatch(/^error: compare: "?Not A Reference/)
  })
})
