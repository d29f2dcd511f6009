// Files, names and programs that fight back: each case asserts the exact outcome, that it came
// within a time bound, and that nothing outside the test's own folders changed.
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { Readable, Writable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import { BaselineError, readBaselineFile } from '../src/baseline/baseline.js'
import { baselineDir, loadBaseline } from '../src/baseline/step.js'
import { runCli } from '../src/command-line.js'
import { parseBudgetFile } from '../src/config/budget-file.js'
import { InputError } from '../src/config/errors.js'
import { getInputs } from '../src/config/inputs.js'
import { parseDuration, parseSize } from '../src/config/size.js'
import { createExec, maskingStream } from '../src/exec.js'
import { readInputFile } from '../src/files/safe-read.js'
import { FileWriteError, writeFileSafely } from '../src/files/safe-write.js'
import type { GitHubContext } from '../src/github/context.js'
import { systemClock, type Exec, type StreamExec } from '../src/host.js'
import { OciDirectorySource } from '../src/image/blobs.js'
import type { CacheBackend } from '../src/image/layer-cache.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { execute, type Deps } from '../src/main.js'
import { slugOf } from '../src/names.js'
import { emptyReport, platformReport, type Report } from '../src/report/report.js'
import { DEFAULT_TRIVY_VERSION } from '../src/scan/install.js'
import { ScanError } from '../src/scan/scan.js'
import { scanStep, type ScanStepDeps } from '../src/scan/scan-step.js'
import { createScrubber } from '../src/secrets.js'
import { RecordingHost } from './helpers/host.js'
import { packLayout, writeLayout } from './helpers/oci.js'
import { gnuTar, makeTree } from './helpers/tar.js'
import { fixturePath, misbehavingTrivyStandIn } from './helpers/trivy-standin.js'
import { tempDir } from './helpers/temp.js'

/** Runs `work` and gives how long it took, with what it threw. */
async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; value?: T; error?: Error }> {
  const start = performance.now()
  try {
    const value = await work()
    return { ms: performance.now() - start, value }
  } catch (error) {
    return { ms: performance.now() - start, error: error as Error }
  }
}

/** Whether a process has ended (a zombie no parent reaps has ended too), waiting up to a second. */
async function gone(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const state = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] : undefined
    if (state === undefined || state === 'Z') return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return false
}

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')

/** One small image as an OCI layout, and an engine that "has" it: `docker image save` packs it (to a file, or streamed). */
function localImage() {
  const layout = tempDir('image-budget-hostile-layout-')
  const root = tempDir('image-budget-hostile-tree-')
  makeTree(root, [{ path: 'app/data.bin', bytes: 3000 }])
  writeLayout(layout, [{ os: 'linux', architecture: 'amd64', layers: [{ blob: gzipSync(gnuTar(root, 'pax')), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', createdBy: 'COPY app /app' }] }])
  const exec: Exec = async (command, args) => {
    if (command === 'docker' && args[1] === 'inspect') return { exitCode: 0, stdout: 'sha256:feed\n', stderr: '' }
    if (command === 'docker' && args[1] === 'save') {
      packLayout(layout, args[args.indexOf('--output') + 1])
      return { exitCode: 0, stdout: '', stderr: '' }
    }
    return { exitCode: 127, stdout: '', stderr: `${command}: not in this test` }
  }
  const streamExec: StreamExec = (command, args) => {
    if (command !== 'docker' || args[1] !== 'save') return { stdout: Readable.from([]), finished: Promise.resolve({ exitCode: 127, stderr: `${command}: not in this test` }) }
    const archive = path.join(tempDir('image-budget-hostile-saved-'), 'image.tar')
    packLayout(layout, archive)
    return { stdout: createReadStream(archive), finished: Promise.resolve({ exitCode: 0, stderr: '' }) }
  }
  return { layout, exec, streamExec }
}

function runDeps(exec: Exec, extra: Partial<Deps> = {}): Deps & { cwd: string; tempRoot: string } {
  const cwd = tempDir('image-budget-hostile-workspace-')
  const tempRoot = tempDir('image-budget-hostile-runner-temp-')
  return {
    exec,
    clock: systemClock,
    env: {},
    cwd,
    tempRoot,
    toolDir: path.join(tempRoot, 'trivy', 'bin'),
    trivyCacheDir: path.join(tempRoot, 'trivy', 'cache'),
    sleep: async () => undefined,
    fetch: globalThis.fetch,
    ...extra
  }
}

/** Paths that must not be read as files: a FIFO, /dev/zero through a link, a folder, 1 GB, a link to the FIFO. */
function hostilePaths() {
  const dir = tempDir('image-budget-hostile-hostile-')
  const fifo = path.join(dir, 'fifo')
  execFileSync('mkfifo', [fifo])
  const zero = path.join(dir, 'zero')
  symlinkSync('/dev/zero', zero)
  const folder = path.join(dir, 'folder')
  mkdirSync(folder)
  const huge = path.join(dir, 'huge')
  writeFileSync(huge, '')
  truncateSync(huge, 2 ** 30)
  const linkToFifo = path.join(dir, 'link-to-fifo')
  symlinkSync(fifo, linkToFifo)
  return [
    ['a FIFO', fifo, 'a named pipe (FIFO), not a regular file'],
    ['/dev/zero through a link', zero, 'a character device, not a regular file'],
    ['a directory', folder, 'a directory, not a regular file'],
    ['a 1 GB file', huge, '1.07 GB, more than the '],
    ['a link to a FIFO', linkToFifo, 'a named pipe (FIFO), not a regular file']
  ] as const
}

describe('names become safe slugs, and nothing outside the run folders is touched', () => {
  it.each([
    ['..', 'image'],
    ['../../etc/passwd', 'etc-passwd'],
    ['api/v2', 'api-v2'],
    ['ghcr.io/acme/api:1.4', 'ghcr.io-acme-api-1.4'],
    ['-rf', 'rf'],
    ['.hidden', 'hidden'],
    ['a..b', 'a.b'],
    ['services/api-runtime', 'services/api-runtime'.replace('/', '-')]
  ])('%p is %p', (name, slug) => {
    expect(slugOf(name)).toBe(slug)
  })

  it('bounds long names and keeps two long names apart', () => {
    const one = slugOf(`${'a'.repeat(300)}1`)
    const two = slugOf(`${'a'.repeat(300)}2`)
    expect(one.length).toBeLessThanOrEqual(100)
    expect(one).not.toBe(two)
    expect(one).toMatch(/^a+-[0-9a-f]{12}$/)
  })

  it('a name of ".." keeps its report and baseline inside the run folders, and a file planted in RUNNER_TEMP survives', async () => {
    const { exec, streamExec } = localImage()
    const saved: string[][] = []
    const cache: CacheBackend = { restore: async () => undefined, save: async paths => (saved.push(paths), 1) }
    const github: GitHubContext = { owner: 'acme', repo: 'shop', eventName: 'push', sha: 'c'.repeat(40), branch: 'main', defaultBranch: 'main', runUrl: 'r', runAttemptUrl: 'r/attempts/1', serverUrl: 'https://github.com', apiUrl: '', privateRepository: false }
    const deps = runDeps(exec, { streamExec, cache, github: { context: github } })
    const planted = path.join(deps.tempRoot, 'report.json')
    writeFileSync(planted, 'planted before the run')
    const run = await timed(() => execute(inputsOf({ image: 'local/app:1', name: '..', scan: 'false' }), new RecordingHost(), deps))
    expect(run.error).toBeUndefined()
    expect(run.value!.reportPath).toBe(path.join(deps.tempRoot, 'image-budget', 'image.json'))
    expect(saved).toEqual([[baselineDir(deps.tempRoot, '..')]])
    expect(saved[0][0]).toBe(path.join(deps.tempRoot, 'image-budget-baseline', 'image'))
    expect(JSON.parse(readFileSync(path.join(saved[0][0], 'report.json'), 'utf8')).name).toBe('..')
    expect(readFileSync(planted, 'utf8')).toBe('planted before the run')
    expect(run.ms).toBeLessThan(10_000)
  })
})

describe('files named by inputs are regular files, read with a cap', () => {
  const cases = hostilePaths()

  it.each(cases)('budget-file: %s is refused at once, naming the input and value', async (_what, file, reason) => {
    const { exec, streamExec } = localImage()
    const deps = runDeps(exec, { streamExec })
    const run = await timed(() => execute(inputsOf({ image: 'local/app:1', 'budget-file': file, scan: 'false' }), new RecordingHost(), deps))
    expect(run.error).toBeInstanceOf(InputError)
    expect(run.error!.message).toBe(`Input "budget-file": cannot read "${file}" (${reason}${reason.endsWith('the ') ? '1 MiB such a file may hold' : ''})`)
    expect(run.ms).toBeLessThan(2000)
  })

  it.each(cases)('trivy-report and trivyignores: %s is refused at once', async (_what, file, reason) => {
    const { report, platforms } = await measuredImage()
    for (const [values, input, cap] of [
      [{ 'trivy-report': file }, 'trivy-report', '64 MiB'],
      [{ trivyignores: file, 'trivy-report': fixturePath('alpine-39') }, 'trivyignores', '1 MiB']
    ] as const) {
      const run = await timed(() => scanStep({ inputs: inputsOf(values), report, platforms, targetFor: noTrivy, version: '1' }, stepDeps()))
      expect(run.error).toBeInstanceOf(InputError)
      expect(run.error!.message).toBe(`Input "${input}": cannot read "${file}" (${reason}${reason.endsWith('the ') ? `${cap} such a file may hold` : ''})`)
      expect(run.ms).toBeLessThan(2000)
    }
  })

  it.each(cases)('baseline: %s is refused at once', async (_what, file, reason) => {
    const deps = { host: new RecordingHost(), cwd: '/', env: {}, fetch: globalThis.fetch, dir: tempDir('image-budget-hostile-kept-') }
    const run = await timed(() => loadBaseline(inputsOf({ baseline: file }), 'api', deps))
    expect(run.error).toBeInstanceOf(BaselineError)
    expect(run.error!.message).toBe(`Input "baseline": cannot read the report "${file}" (${reason}${reason.endsWith('the ') ? '32 MiB such a file may hold' : ''})`)
    expect(run.ms).toBeLessThan(2000)
  })

  it('secret-files: a FIFO or a folder is refused before the build, naming the entry', async () => {
    const [[, fifo], , [, folder]] = cases
    for (const [file, reason] of [
      [fifo, 'a named pipe (FIFO)'],
      [folder, 'a directory']
    ]) {
      const { exec, streamExec } = localImage()
      const deps = runDeps(exec, { streamExec })
      const run = await timed(() => execute(inputsOf({ image: 'local/app:1', 'secret-files': `key=${file}`, scan: 'false' }), new RecordingHost(), deps))
      expect(run.error!.message).toBe(`Input "secret-files": cannot use "key=${path.relative(deps.cwd, file)}" (${reason}, not a regular file)`)
      expect(run.ms).toBeLessThan(2000)
    }
  })

  it('reads a regular file through a link, and a file just under its cap', async () => {
    const dir = tempDir('image-budget-hostile-regular-')
    writeFileSync(path.join(dir, 'ignore'), 'CVE-1\n'.repeat(100_000))
    symlinkSync(path.join(dir, 'ignore'), path.join(dir, 'link'))
    expect((await readInputFile('trivyignores', 'link', path.join(dir, 'link'))).length).toBe(600_000)
  })
})

describe('writes never follow links nor leave the run folders', () => {
  const target = (roots: string[]) => ({ roots, what: 'the report' })

  it('refuses a planted link, a folder, a path outside the roots, a linked folder leading out, and a file in the way', async () => {
    const root = tempDir('image-budget-hostile-roots-')
    const outside = tempDir('image-budget-hostile-outside-')
    const victim = path.join(outside, 'victim')
    writeFileSync(victim, 'unchanged')
    symlinkSync(victim, path.join(root, 'link.json'))
    mkdirSync(path.join(root, 'folder.json'))
    symlinkSync(outside, path.join(root, 'out'))
    writeFileSync(path.join(root, 'file'), 'x')
    const cases: Array<[string, RegExp]> = [
      [path.join(root, 'link.json'), /: it is a symbolic link \(links are not followed\)$/],
      [path.join(root, 'folder.json'), /: it is a directory$/],
      [path.join(root, '..', path.basename(outside), 'x.json'), /: its folder .* is outside the workspace and the temporary folder/],
      [path.join(root, 'out', 'x.json'), /: its folder .* is outside the workspace and the temporary folder/],
      [path.join(root, 'file', 'x.json'), /: ENOTDIR: a part of the path is not a directory$/]
    ]
    for (const [file, message] of cases) {
      const run = await timed(() => writeFileSafely(file, '{}', target([root])))
      expect(run.error).toBeInstanceOf(FileWriteError)
      expect(run.error!.message).toMatch(new RegExp(`^Cannot write the report ${path.resolve(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
      expect(run.error!.message).toMatch(message)
      expect(run.ms).toBeLessThan(1000)
    }
    expect(readFileSync(victim, 'utf8')).toBe('unchanged')
    expect(existsSync(path.join(outside, 'x.json'))).toBe(false)
  })

  it('replaces a regular file, and keeps a file private in a folder anyone can write to', async () => {
    const root = tempDir('image-budget-hostile-modes-')
    await writeFileSafely(path.join(root, 'new', 'r.json'), 'one', target([root]))
    await writeFileSafely(path.join(root, 'new', 'r.json'), 'two', target([root]))
    expect(readFileSync(path.join(root, 'new', 'r.json'), 'utf8')).toBe('two')
    mkdirSync(path.join(root, 'shared'), { mode: 0o777 })
    execFileSync('chmod', ['1777', path.join(root, 'shared')])
    await writeFileSafely(path.join(root, 'shared', 'r.json'), 'three', target([root]))
    expect(statSync(path.join(root, 'shared', 'r.json')).mode & 0o777).toBe(0o600)
  })

  it('a report path at a planted link fails the step with the path, and the comment, outputs and summary are still written', async () => {
    const { exec, streamExec } = localImage()
    const deps = runDeps(exec, { streamExec })
    const outside = tempDir('image-budget-hostile-outside-')
    writeFileSync(path.join(outside, 'victim'), 'unchanged')
    symlinkSync(path.join(outside, 'victim'), path.join(deps.cwd, 'report.json'))
    const host = new RecordingHost()
    const run = await timed(() => execute(inputsOf({ image: 'local/app:1', report: 'report.json', scan: 'false' }), host, deps))
    expect(run.error!.message).toBe(`Cannot write the report ${path.join(deps.cwd, 'report.json')}: it is a symbolic link (links are not followed)`)
    expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('unchanged')
    expect(readFileSync(path.join(deps.cwd, 'report.comment.md'), 'utf8')).toContain('image-budget')
    expect(host.outputs.get('verdict')).toBe('pass')
    expect(host.presented?.text).toContain('linux/amd64')
    expect(run.ms).toBeLessThan(10_000)
  })
})

describe('the CLI writes beside the user and prints no secret', () => {
  it('writes image-budget-<slug>.json in its working folder, never into the temporary folder, even through a planted link', async () => {
    const { exec, streamExec } = localImage()
    const deps = runDeps(exec, { streamExec, layerCacheDir: tempDir('image-budget-hostile-layers-') })
    const outside = tempDir('image-budget-hostile-outside-')
    writeFileSync(path.join(outside, 'victim'), 'unchanged')
    mkdirSync(path.join(deps.tempRoot, 'image-budget'))
    symlinkSync(path.join(outside, 'victim'), path.join(deps.tempRoot, 'image-budget', 'local-app-1.json'))
    let stderr = ''
    const io = { stdout: new Writable({ write: (_c, _e, done) => done() }), stderr: new Writable({ write: (chunk, _e, done) => ((stderr += String(chunk)), done()) }) }
    const status = await runCli(['--image', 'local/app:1', '--scan', 'false'], io, deps)
    expect(status).toBe(0)
    expect(stderr).toContain(`report: ${path.join(deps.cwd, 'image-budget-local-app-1.json')}`)
    expect(JSON.parse(readFileSync(path.join(deps.cwd, 'image-budget-local-app-1.json'), 'utf8')).name).toBe('local/app:1')
    expect(readFileSync(path.join(outside, 'victim'), 'utf8')).toBe('unchanged')
    expect(lstatSync(path.join(deps.tempRoot, 'image-budget', 'local-app-1.json')).isSymbolicLink()).toBe(true)
  })

  it('masks a secret in echoed program output even when it is split between chunks', async () => {
    let out = ''
    const sink = new Writable({ write: (chunk, _e, done) => ((out += String(chunk)), done()) })
    const stream = maskingStream(sink, createScrubber(['hunter2-secret']))
    for (const chunk of ['#5 RUN echo hun', 'ter2-secret\n', 'next line hunter2-secret']) stream.write(chunk)
    await new Promise<void>(resolve => stream.end(resolve))
    expect(out).toBe('#5 RUN echo ***\nnext line ***')
  })

  it('echoes buildx-like output through createExec masked', async () => {
    let out = ''
    const sink = new Writable({ write: (chunk, _e, done) => ((out += String(chunk)), done()) })
    const exec = createExec(maskingStream(sink, createScrubber(['s3cr3t-token'])))
    await exec('sh', ['-c', 'echo using s3cr3t-token; echo "%73" >/dev/null'])
    expect(out).toContain('using ***')
    expect(out).not.toContain('s3cr3t-token')
  })
})

describe('budget files', () => {
  it('accepts anchors, aliases and merge keys, own keys winning over merged ones', () => {
    const text = [
      'defaults: &defaults',
      '  max-size: 200MB',
      '  max-layers: { limit: 20, level: warning }',
      'x-sizes:',
      '  small: &small 50MB'
    ].join('\n')
    expect(() => parseBudgetFile('b.yml', `${text}\n`)).toThrow('b.yml:4: x-sizes: unknown key')
    const file = parseBudgetFile(
      'b.yml',
      ['defaults: &defaults', '  max-size: 200MB', '  max-layers: { limit: 20, level: warning }', 'images:', '  api:', '    <<: *defaults', '    max-size: &small 50MB', '  worker:', '    <<: [*defaults]', '    max-layer-size: *small'].join('\n')
    )
    expect(file.images.api).toEqual({
      'max-size': { limit: 50_000_000, unit: 'bytes', level: 'error', source: 'b.yml:7' },
      'max-layers': { limit: 20, unit: 'count', level: 'warning', source: 'b.yml:3' }
    })
    expect(file.images.worker['max-layer-size']).toEqual({ limit: 50_000_000, unit: 'bytes', level: 'error', source: 'b.yml:7' })
    expect(file.images.worker['max-size']?.limit).toBe(200_000_000)
  })

  it('refuses an alias bomb, a self-merge and an unknown alias quickly, naming the file', async () => {
    const levels = ['a: &a { max-size: 1MB }']
    for (let level = 1; level < 30; level++) levels.push(`l${level}: &l${level} { <<: [${Array(10).fill(level === 1 ? '*a' : `*l${level - 1}`).join(', ')}] }`)
    const bomb = `defaults:\n  <<: *l29\n`
    const run = await timed(() => parseBudgetFile('b.yml', `images:\n${levels.map(line => `  ${line}`).join('\n')}\n${bomb}`))
    expect(run.error!.message).toBe('b.yml: aliases and merge keys expand to more than 1000000 entries: the budget file is refused')
    expect(run.ms).toBeLessThan(5000)
    expect(() => parseBudgetFile('b.yml', 'defaults: &d\n  <<: *d\n')).toThrow('b.yml:2: defaults.<<: the mapping merges itself')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-size: *nope\n')).toThrow(/^b\.yml:\d: /)
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  <<: 12\n')).toThrow('b.yml:2: defaults.<<: a merge key takes a mapping or a list of them (<<: *defaults), got 12')
  })

  it('parses a 1 MiB file of many keys in linear time, and refuses a 50 MB file at once', async () => {
    const fileOf = (bytes: number): string => {
      const lines = ['version: 1', 'defaults: &defaults', '  max-size: 200MB', 'images:']
      let size = 60
      for (let index = 0; size < bytes; index++) {
        const entry = `  service-${index}:\n    <<: *defaults\n    max-layers: ${index % 50}\n    max-compressed-size: { limit: ${index}MB, level: warning }`
        lines.push(entry)
        size += entry.length + 1
      }
      return `${lines.join('\n')}\n`.slice(0, bytes).replace(/\n[^\n]*$/, '\n')
    }
    const small = fileOf(2 ** 17)
    const large = fileOf(2 ** 20 - 100)
    const best = async (text: string): Promise<number> => Math.min(...(await Promise.all([0, 1].map(() => timed(() => parseBudgetFile('b.yml', text))))).map(run => run.ms))
    const smallMs = await best(small)
    const largeMs = await best(large)
    expect(Object.keys(parseBudgetFile('b.yml', large).images).length).toBeGreaterThan(9000)
    // Eight times the text: a quadratic parse takes 64 times as long, a linear one about 8.
    expect(largeMs / smallMs).toBeLessThan(20)
    expect(largeMs).toBeLessThan(2000 * Math.max(1, os.loadavg()[0] / os.cpus().length))
    // Flattened before the clock starts: the cost measured is the parser's, not the test's string.
    const huge = Buffer.from('# padding\n'.repeat(5_000_000)).toString()
    const refused = await timed(() => parseBudgetFile('b.yml', huge))
    expect(refused.error!.message).toBe('b.yml: the budget file is 50.0 MB, more than the 1 MiB a budget file may hold')
    expect(refused.ms).toBeLessThan(200)
  })

  it('keeps file:line, key and value in errors, for duplicate keys too', () => {
    expect(() => parseBudgetFile('b.yml', 'images:\n  api:\n    max-size: 1MB\n  api:\n    max-size: 2MB\n')).toThrow('b.yml:4: invalid YAML: Map keys must be unique ("api" is set twice in images)')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-size: 0.5B\n')).toThrow('b.yml:2: defaults.max-size: "0.5B" comes to a fraction of a byte: sizes are whole bytes')
    expect(() => parseBudgetFile('b.yml', 'defaults:\n  max-size: 9007199254740993B\n')).toThrow('b.yml:2: defaults.max-size: "9007199254740993B" is too large (at most 9007199254740991 bytes)')
    expect(() => parseBudgetFile('b.yml', `defaults:\n  max-size: [${'1,'.repeat(10_000)}1]\n`)).toThrow(/got \[1,1,1.*…$/)
  })

  it('reads sizes exactly', () => {
    expect(parseSize('1.1MB')).toBe(1_100_000)
    expect(parseSize('0.5kB')).toBe(500)
    expect(parseSize('8PiB'.replace('P', 'T'))).toBe(8 * 2 ** 40)
    expect(() => parseSize('1.0000001kB')).toThrow('"1.0000001kB" comes to a fraction of a byte')
    expect(() => parseSize(`${'9'.repeat(100)}`)).toThrow('has too many digits to be a size')
    expect(parseDuration('20m')).toBe(1_200_000)
    expect(() => parseDuration('0s')).toThrow('"0s" is not a duration from 1s to 24h')
  })
})

/** A measured one-platform image and its report, for the scan step. */
async function measuredImage() {
  const { layout } = localImage()
  const source = new OciDirectorySource(layout)
  const image = await resolveImage(source)
  const report: Report = emptyReport('api')
  await measureImage(source, image, { store: new LayerStore(tempDir('image-budget-hostile-store-')), onPlatform: measurement => report.platforms.push(platformReport(measurement)) })
  return { report, platforms: image.platforms, layout }
}

const noTrivy = async (): Promise<never> => {
  throw new Error('no Trivy run with trivy-report')
}

function stepDeps(extra: Partial<ScanStepDeps> = {}): ScanStepDeps & { host: RecordingHost } {
  const root = tempDir('image-budget-hostile-scan-')
  return {
    exec: createExec(new Writable({ write: (_c, _e, done) => done() })),
    host: new RecordingHost(),
    clock: systemClock,
    sleep: async () => undefined,
    fetch: globalThis.fetch,
    cwd: root,
    workDir: path.join(root, 'work'),
    toolDir: path.join(root, 'tools'),
    trivyCacheDir: path.join(root, 'trivy-cache'),
    env: {},
    ...extra
  } as ScanStepDeps & { host: RecordingHost }
}

describe('Trivy, an outside program, is bounded and its words scrubbed', () => {
  const scanWith = async (scan: string, values: Record<string, string>) => {
    const { report, platforms } = await measuredImage()
    const deps = stepDeps()
    misbehavingTrivyStandIn(path.join(deps.toolDir, DEFAULT_TRIVY_VERSION), DEFAULT_TRIVY_VERSION, scan)
    const targetFor = async () => ({ kind: 'registry' as const, reference: 'local/app:1', platform: 'linux/amd64' })
    const run = await timed(() => scanStep({ inputs: inputsOf(values), report, platforms, targetFor, version: '1' }, deps))
    return { run, report, deps }
  }

  it('stops a hanging scanner and its children at scan-timeout; with scan-failure: warning the sizes stay', async () => {
    const pids = path.join(tempDir('image-budget-hostile-pids-'), 'pids')
    const { run } = await scanWith(`sleep 600 & echo "$$ $!" > "${pids}"; wait`, { 'scan-timeout': '2s' })
    expect(run.error).toBeInstanceOf(ScanError)
    expect(run.error!.message).toMatch(/^trivy did not finish on linux\/amd64 within 2s \(input "scan-timeout"\) and was stopped/)
    expect(run.ms).toBeLessThan(8000)
    for (const pid of readFileSync(pids, 'utf8').trim().split(' ').map(Number)) expect(await gone(pid)).toBe(true)

    const warned = await scanWith('sleep 600', { 'scan-timeout': '1s', 'scan-failure': 'warning' })
    expect(warned.run.error).toBeUndefined()
    expect(warned.report.scan?.error).toMatch(/^trivy did not finish on linux\/amd64 within 1s/)
    expect(warned.report.platforms[0].size).toBe(3000)
    await expect(scanWith('true', { 'scan-timeout': 'forever' }).then(result => result.run.error?.message)).resolves.toBe(
      'Input "scan-timeout": "forever" is not a duration from 1s to 24h (examples: 20m, 90s, 1h)'
    )
  })

  it('refuses a 200 MB report before reading it', async () => {
    const { run } = await scanWith('truncate -s 200M "$out"', {})
    expect(run.error!.message).toBe("trivy's report for linux/amd64 cannot be read (210 MB, more than the 64 MiB such a file may hold)")
    expect(run.ms).toBeLessThan(3000)
  })

  it('scrubs a token Trivy prints, as is, JSON-escaped and URL-encoded, from errors and the report', async () => {
    const token = 'ghp_p@ss/w0rd+"x"'
    const printed = `FATAL auth ${token} json ${JSON.stringify(token).slice(1, -1)} url ${encodeURIComponent(token)}`
    const script = `cat >&2 <<'EOF'\n${printed}\nEOF\nexit 1`
    const failed = await scanWith(script, { secrets: `tok=${token}` })
    expect(failed.run.error!.message).toBe('trivy failed on linux/amd64 (exit code 1):\nFATAL auth *** json *** url ***')
    const warned = await scanWith(script, { secrets: `tok=${token}`, 'scan-failure': 'warning' })
    expect(warned.report.scan?.error).toBe('trivy failed on linux/amd64 (exit code 1):\nFATAL auth *** json *** url ***')
    expect(JSON.stringify(warned.deps.host.warnings)).not.toContain('w0rd')

    const env = { ACTIONS_RUNTIME_TOKEN: 'runtime-token-value' }
    const leaky = JSON.parse(readFileSync(fixturePath('alpine-39'), 'utf8'))
    leaky.Results[0].Vulnerabilities[0].Title = 'leaked runtime-token-value here'
    const file = path.join(tempDir('image-budget-hostile-leaky-'), 'trivy.json')
    writeFileSync(file, JSON.stringify(leaky))
    const { report, platforms } = await measuredImage()
    const deps = stepDeps({ env })
    const sarif = path.join(deps.cwd, 'out.sarif')
    await scanStep({ inputs: inputsOf({ 'trivy-report': file, sarif }), report, platforms, targetFor: noTrivy, version: '1' }, deps)
    expect(JSON.stringify(report)).not.toContain('runtime-token-value')
    expect(JSON.stringify(report)).toContain('leaked *** here')
    expect(readFileSync(sarif, 'utf8')).not.toContain('runtime-token-value')
  })

  it('names the field of a half-valid Trivy report', async () => {
    const file = path.join(tempDir('image-budget-hostile-half-'), 'trivy.json')
    writeFileSync(file, JSON.stringify({ SchemaVersion: 2, Results: [{ Target: 'x', Vulnerabilities: 5 }] }))
    const { report, platforms } = await measuredImage()
    const run = await timed(() => scanStep({ inputs: inputsOf({ 'trivy-report': file }), report, platforms, targetFor: noTrivy, version: '1' }, stepDeps()))
    expect(run.error!.message).toBe(`${file}: Results[0].Vulnerabilities is 5, not a list`)
  })
})

describe('baseline reports are checked field by field', () => {
  it.each([
    [{ schemaVersion: 1, platforms: [{ platform: 'linux/amd64', size: 1, compressedSize: 1, layerCount: 1, wastedBytes: 0 }] }, 'platforms[0].layers is missing, not a list'],
    [{ schemaVersion: 1, platforms: [{ platform: 'linux/amd64', size: '12', compressedSize: 1, layerCount: 1, wastedBytes: 0, layers: [] }] }, 'platforms[0].size is "12", not a whole, non-negative number'],
    [{ schemaVersion: 1, platforms: [null] }, 'platforms[0] is null, not an object'],
    [
      { schemaVersion: 1, platforms: [{ platform: 'p', size: 1, compressedSize: 1, layerCount: 1, wastedBytes: 0, layers: [{ digest: 'd', size: 1, compressedSize: 1 }] }] },
      'platforms[0].layers[0].createdBy is missing, not a string'
    ],
    [{ schemaVersion: 1, platforms: [{ platform: 'p', size: 1, compressedSize: 1, layerCount: 1, wastedBytes: 0, layers: [], vulnerabilities: { critical: 1 } }] }, 'platforms[0].vulnerabilities.high is missing'],
    [{ schemaVersion: 2, platforms: [] }, 'schemaVersion is 2, not 1']
  ])('%j: %s', async (content, problem) => {
    const file = path.join(tempDir('image-budget-hostile-baseline-'), 'old.json')
    writeFileSync(file, JSON.stringify(content))
    await expect(readBaselineFile(file, 'old.json')).rejects.toThrow(`Input "baseline": "old.json" is not an image-budget report of schema version 1: ${problem}`)
  })
})
