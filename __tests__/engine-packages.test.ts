import { beforeAll, expect, it } from '@jest/globals'
import { mkdirSync } from 'node:fs'
import * as path from 'node:path'
import { getInputs } from '../src/config/inputs.js'
import { execute } from '../src/main.js'
import type { PlatformReport, Report } from '../src/report/report.js'
import { debianBase, nodeBase } from './helpers/debian.js'
import { describeWithEngine, docker, makeContext, uniqueTag } from './helpers/engine.js'
import { depsFor, RecordingHost } from './helpers/host.js'
import { writeWheel } from './helpers/wheel.js'

async function analyse(context: string, values: Record<string, string>): Promise<Report> {
  const inputs = getInputs(name => ({ scan: 'false', push: 'true', ...values } as Record<string, string>)[name] ?? '')
  const outcome = await execute(inputs, new RecordingHost(), depsFor(context))
  if (outcome.report.error) throw new Error(outcome.report.error)
  return outcome.report
}

/** Runs a script in the pushed image: the independent reading of what its files hold. */
const readIn = (tag: string, command: string[]): string => docker(['run', '--rm', '--pull', 'always', tag, ...command])

// Reads every installed package's .list in a running container and sums the sizes of the regular
// files it names, each inode once: sizes from the kernel, not from the layer tars.
const DPKG_BYTES = `
import json, os
result = {}
for paragraph in open('/var/lib/dpkg/status').read().split('\\n\\n'):
    fields = {}
    for line in paragraph.splitlines():
        if line[:1] in (' ', '\\t') or ':' not in line: continue
        key, value = line.split(':', 1)
        fields[key] = value.strip()
    if not fields.get('Status', '').endswith(' installed'): continue
    name, arch = fields['Package'], fields.get('Architecture', '')
    listed = '/var/lib/dpkg/info/%s:%s.list' % (name, arch)
    if not os.path.exists(listed): listed = '/var/lib/dpkg/info/%s.list' % name
    seen, total = set(), 0
    for path in (open(listed).read().splitlines() if os.path.exists(listed) else []):
        if not path or os.path.islink(path) or not os.path.isfile(path): continue
        info = os.stat(path)
        if (info.st_dev, info.st_ino) in seen: continue
        seen.add((info.st_dev, info.st_ino))
        total += info.st_size
    result[name] = total
print(json.dumps(result))
`

// The sizes of the files a RECORD names, relative to its site-packages folder.
const RECORD_BYTES = `
import csv, json, os, sys
record = sys.argv[1]
base = os.path.dirname(os.path.dirname(record))
total = 0
for row in csv.reader(open(record)):
    path = os.path.normpath(os.path.join(base, row[0]))
    if os.path.isfile(path) and not os.path.islink(path): total += os.path.getsize(path)
print(json.dumps(total))
`

// The sizes of the regular files below each npm package folder, nested packages left to themselves.
const NPM_BYTES = `
const fs = require('fs'), path = require('path')
const sizes = {}
for (const folder of process.argv.slice(1)) {
  let total = 0
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) { if (entry.name !== 'node_modules') walk(full) }
      else if (entry.isFile()) total += fs.lstatSync(full).size
    }
  }
  walk(folder)
  sizes[folder] = total
}
console.log(JSON.stringify(sizes))
`

const APT_LINE = 'RUN apt-get update && apt-get install -y --no-install-recommends jq python3-six python3-pip'
const PIP_LINE = 'RUN --mount=type=bind,source=wheels,target=/wheels pip install --break-system-packages --no-index --no-cache-dir /wheels/*.whl'
const aptDockerfile = (base: string, aptLine: string): string => [`FROM ${base}`, aptLine, PIP_LINE, 'USER 65534', ''].join('\n')

/** The Python distribution pip installs in the build: made here, since builds reach no package index. */
const WHEEL = { name: 'sizedemo', version: '1.2.0' }
function demoWheel(into: string): void {
  mkdirSync(into, { recursive: true })
  // Text of a known size that no compression or link changes: the module and a data file.
  const data = Array.from({ length: 3_000 }, (_, line) => `# line ${line} of the distribution's data, to give it a size of its own\n`).join('')
  writeWheel(into, WHEEL.name, WHEEL.version, { 'sizedemo/__init__.py': 'VERSION = "1.2.0"\n', 'sizedemo/data.txt': data })
}

// npm leaves its cache and Node's compile cache (whose sizes vary from build to build) behind: both go.
const NPM_LINE = 'RUN npm install --package-lock-only --no-audit --no-fund && npm ci --no-audit --no-fund && rm -rf /root/.npm /tmp/node-compile-cache'
const PACKAGE_JSON = JSON.stringify({ name: 'web', version: '1.0.0', dependencies: { debug: '4.3.7', ms: '2.1.3' }, devDependencies: { typescript: '5.6.3' } })
const npmDockerfile = (base: string, npmLine: string): string => [`FROM ${base}`, 'WORKDIR /app', 'COPY package.json ./', npmLine, 'USER 65534', ''].join('\n')

/** Two builds that install packages from Debian's or npm's servers, each measured. */
const BUILDS_TIMEOUT = 600_000

const savingsOf = (report: Report, rule: string): number => report.smells.filter(smell => smell.rule === rule).reduce((sum, smell) => sum + (smell.savings ?? 0), 0)
const packagesOf = (platform: PlatformReport, ecosystem: string) => (platform.packages ?? []).filter(item => item.ecosystem === ecosystem)

describeWithEngine('bytes per package and savings per smell on images built by the real engine', () => {
  let debian = ''
  let node = ''
  beforeAll(() => {
    debian = debianBase()
    node = nodeBase()
  }, 600_000)

  it('gives each Debian package and Python distribution exactly the bytes its files hold, and the apt caches saved equal what the fix removes', async () => {
    const files = (dockerfile: string) => {
      const context = makeContext(dockerfile)
      demoWheel(path.join(context, 'wheels'))
      return context
    }
    const tag = uniqueTag('apt')
    const report = await analyse(files(aptDockerfile(debian, APT_LINE)), { tags: tag })
    const [platform] = report.platforms
    const deb = packagesOf(platform, 'deb')
    const expected = JSON.parse(readIn(tag, ['python3', '-c', DPKG_BYTES])) as Record<string, number>
    expect(deb.length).toBeGreaterThan(100)
    expect(Object.fromEntries(deb.map(item => [item.name, item.bytes]))).toEqual(expected)
    // Installed by line 2, or with the base (debootstrap's packages).
    const jq = deb.find(item => item.name === 'jq')!
    expect(jq).toMatchObject({ line: 2, instruction: APT_LINE, stage: 'stage 0' })
    expect(deb.find(item => item.name === 'python3-six')).toMatchObject({ line: 2 })
    expect(deb.find(item => item.name === 'dpkg')).toMatchObject({ stage: 'base image' })
    expect(deb.find(item => item.name === 'dpkg')!.line).toBeUndefined()

    // The distribution pip installed: its RECORD's files, sized in the container.
    const [wheel] = packagesOf(platform, 'python')
    expect(wheel).toMatchObject({ ...WHEEL, line: 3, instruction: PIP_LINE, path: `/usr/local/lib/python3.11/dist-packages/${WHEEL.name}-${WHEEL.version}.dist-info` })
    expect(wheel.bytes).toBe(JSON.parse(readIn(tag, ['python3', '-c', RECORD_BYTES, `${wheel.path}/RECORD`])))
    expect(wheel.bytes).toBeGreaterThan(200_000)

    // Every visible byte once: packages plus unpackaged is the final filesystem.
    const counted = platform.packages!.reduce((sum, item) => sum + item.bytes, 0) + platform.unpackaged!.reduce((sum, group) => sum + group.bytes, 0)
    expect(counted).toBe(platform.size - platform.wastedBytes)

    const lists = report.smells.find(smell => smell.rule === 'package-cache' && smell.message.includes('apt package lists'))!
    const cache = report.smells.find(smell => smell.rule === 'package-cache' && smell.message.includes('apt cache'))!
    expect(lists).toMatchObject({ line: 2 })
    expect(cache).toMatchObject({ line: 2 })
    expect(lists.savings).toBeGreaterThan(1_000_000)
    const fixed = await analyse(files(aptDockerfile(debian, `${APT_LINE} && apt-get clean && rm -rf /var/lib/apt/lists/*`)), { tags: uniqueTag('apt-fixed') })
    expect(fixed.smells.filter(smell => smell.rule === 'package-cache')).toEqual([])
    expect(report.platforms[0].size - fixed.platforms[0].size).toBe(lists.savings! + cache.savings!)
    expect(savingsOf(report, 'package-cache')).toBe(lists.savings! + cache.savings!)
  }, BUILDS_TIMEOUT)

  it('saves the bytes a line writes and a later line deletes, as the build that never writes them shows', async () => {
    const busybox = ['FROM scratch', 'ARG TARGETARCH', 'COPY busybox/${TARGETARCH}/busybox /bin/busybox', 'SHELL ["/bin/busybox", "sh", "-c"]', 'RUN /bin/busybox --install -s /bin']
    const wasteful = [...busybox, 'RUN head -c 3000000 /dev/urandom > /big.tmp && echo ok > /keep', 'RUN rm /big.tmp', 'USER 65534', ''].join('\n')
    const report = await analyse(makeContext(wasteful), { tags: uniqueTag('hidden') })
    const [hidden] = report.smells.filter(smell => smell.rule === 'hidden-versions')
    expect(hidden).toMatchObject({ line: 6, savings: 3_000_000, message: expect.stringContaining('line 6 writes 3.00 MB that line 7 deletes or replaces') })
    const fixed = await analyse(makeContext(wasteful.replace('head -c 3000000 /dev/urandom > /big.tmp && ', '').replace('RUN rm /big.tmp', 'RUN rm -f /big.tmp')), { tags: uniqueTag('hidden-fixed') })
    expect(fixed.smells.filter(smell => smell.rule === 'hidden-versions')).toEqual([])
    expect(report.platforms[0].size - fixed.platforms[0].size).toBe(hidden.savings)
    // An image without package databases: every byte unpackaged, by top folder.
    expect(report.platforms[0].packages).toEqual([])
    expect(report.platforms[0].unpackaged!.map(group => group.directory)).toEqual(['/bin', '/'])
  }, BUILDS_TIMEOUT)

  it('gives each npm package the bytes of its folder, tells devDependencies apart, and saves what --omit=dev removes', async () => {
    const build = async (npmLine: string, values: Record<string, string> = {}) => {
      const tag = uniqueTag('npm')
      const context = makeContext(npmDockerfile(node, npmLine), { 'package.json': PACKAGE_JSON })
      return { tag, context, report: await analyse(context, { tags: tag, ...values }) }
    }
    const first = await build(NPM_LINE, { report: 'report.json' })
    const { tag, report } = first
    // The base's npm is a package too, with its own: the application's are those below /app.
    const all = packagesOf(report.platforms[0], 'npm')
    expect(all.find(item => item.path === '/usr/local/lib/node_modules/npm')).toMatchObject({ name: 'npm', version: '10.9.2', stage: 'base image' })
    const npm = all.filter(item => item.path!.startsWith('/app/'))
    expect(npm.map(item => [item.name, item.dev, item.line]).sort()).toEqual([
      ['debug', false, 4],
      ['ms', false, 4],
      ['typescript', true, 4]
    ])
    const sizes = JSON.parse(readIn(tag, ['node', '-e', NPM_BYTES, ...npm.map(item => item.path!)])) as Record<string, number>
    expect(Object.fromEntries(npm.map(item => [item.path, item.bytes]))).toEqual(sizes)
    const typescript = npm.find(item => item.name === 'typescript')!
    expect(typescript).toMatchObject({ version: '5.6.3', path: '/app/node_modules/typescript' })
    expect(typescript.bytes).toBeGreaterThan(10_000_000)

    const dev = report.smells.find(smell => smell.rule === 'dev-dependencies')!
    expect(dev).toMatchObject({ line: 4, savings: typescript.bytes, level: 'warning' })
    expect(dev.message).toContain('devDependencies of /app')

    // The fix: the same install without devDependencies; npm's own lock of node_modules shrinks too.
    const fixed = await build(NPM_LINE.replace('npm ci', 'npm ci --omit=dev'), { baseline: path.join(first.context, 'report.json') })
    expect(fixed.report.smells.filter(smell => smell.rule === 'dev-dependencies')).toEqual([])
    const lockBytes = (image: string) => Number(readIn(image, ['stat', '-c', '%s', '/app/node_modules/.package-lock.json']))
    const lockShrank = lockBytes(tag) - lockBytes(fixed.tag)
    expect(report.platforms[0].size - fixed.report.platforms[0].size).toBe(dev.savings! + lockShrank)

    // Against the first run as the baseline: the package that went, with its bytes.
    expect(fixed.report.platforms[0].delta?.packages).toEqual([{ ecosystem: 'npm', name: 'typescript', bytes: -typescript.bytes, change: 'removed', baseVersion: '5.6.3' }])
  }, BUILDS_TIMEOUT)
})
