import { describe, expect, it } from '@jest/globals'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { parseReportFile } from '../src/combine/report-file.js'
import { OciDirectorySource } from '../src/image/blobs.js'
import { LayerStore } from '../src/image/layer-store.js'
import { measureImage, resolveImage } from '../src/image/measure.js'
import { npmPackageDirectory } from '../src/image/package-usage.js'
import { checkLayerPackages, PackageCapture, parseGoBuildInfo } from '../src/image/packages.js'
import type { TarEntry } from '../src/image/tar.js'
import { emptyReport, type Report } from '../src/report/report.js'
import { markdownSummary, textSummary } from '../src/report/summary.js'
import { writeLayout } from './helpers/oci.js'
import { gnuTar } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

const PLAIN = 'application/vnd.oci.image.layer.v1.tar'

/** Writes files (text, or a byte count of filler) into a new folder and returns it. */
function tree(files: Record<string, string | number | Buffer>, links: Record<string, string> = {}, executables: string[] = []): string {
  const root = tempDir('image-budget-pkg-tree-')
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, file)
    mkdirSync(path.dirname(target), { recursive: true })
    writeFileSync(target, typeof content === 'number' ? Buffer.alloc(content, 0x61) : content)
  }
  for (const [link, target] of Object.entries(links)) {
    mkdirSync(path.dirname(path.join(root, link)), { recursive: true })
    symlinkSync(target, path.join(root, link))
  }
  for (const file of executables) chmodSync(path.join(root, file), 0o755)
  return root
}

const paragraph = (name: string, version: string, status = 'install ok installed', arch = 'amd64'): string =>
  `Package: ${name}\nStatus: ${status}\nPriority: optional\nArchitecture: ${arch}\nVersion: ${version}\nDescription: a package\n multi-line text: with a colon\n`

/** Go build information as Go 1.18 and later link it: marker, pointer size, flags, then two varint-prefixed strings. */
function goBuildInfo(module: string, version: string): Buffer {
  const sentinel = Buffer.alloc(16, 0x30)
  const modinfo = Buffer.concat([sentinel, Buffer.from(`path\t${module}/cmd/tool\nmod\t${module}\t${version}\th1:abc=\ndep\tgolang.org/x/sys\tv0.1.0\th1:def=\n`), sentinel])
  const goVersion = Buffer.from('go1.22.1')
  const header = Buffer.alloc(32)
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header)
  header[14] = 8
  header[15] = 2
  return Buffer.concat([header, Buffer.from([goVersion.length]), goVersion, Buffer.from([modinfo.length & 0x7f | 0x80, modinfo.length >> 7]), modinfo])
}

function goBinary(module: string, version: string, size: number, infoAt: number): Buffer {
  const binary = Buffer.alloc(size, 0x90)
  Buffer.from([0x7f, 0x45, 0x4c, 0x46]).copy(binary)
  goBuildInfo(module, version).copy(binary, infoAt)
  return binary
}

const APP_MANIFEST = JSON.stringify({ name: 'web', version: '1.0.0', dependencies: { a: '^1' }, devDependencies: { d: '^1', shared: '^1' } })
const manifest = (name: string, version: string, dependencies: Record<string, string> = {}): string => JSON.stringify({ name, version, dependencies })
const RECORD = 'six.py,sha256=x,3400\nsix-1.16.0.dist-info/METADATA,,\nsix-1.16.0.dist-info/RECORD,,\n"odd,name.py",,\n../../../bin/six-tool,,\n'
const METADATA = 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nName: not-this\n'

function packageImage() {
  const status1 = paragraph('tool', '1.0-1') + '\n' + paragraph('libx', '2.3-4') + '\n' + paragraph('gone', '0.9', 'deinstall ok config-files')
  const base = tree(
    {
      'usr/bin/tool': 5000,
      'usr/share/doc/tool/copyright': 100,
      'usr/lib/libx.so.1': 3000,
      'var/lib/dpkg/status': status1,
      'var/lib/dpkg/info/tool.list': '/.\n/bin\n/bin/tool\n/usr/share/doc/tool/copyright\n',
      'var/lib/dpkg/info/libx:amd64.list': '/.\n/usr/lib\n/usr/lib/libx.so.1\n/usr/lib/libx.so\n',
      'var/lib/dpkg/info/gone.list': '/etc/gone.conf\n',
      'etc/gone.conf': 10
    },
    { bin: 'usr/bin', 'usr/lib/libx.so': 'libx.so.1' }
  )
  const install = tree({
    'var/lib/dpkg/status': `${status1}\n${paragraph('newpkg', '7.0')}`,
    'var/lib/dpkg/info/newpkg.list': '/usr/bin/newpkg\n',
    'usr/bin/newpkg': 7000,
    'var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease': 2000
  })
  const sitePackages = 'usr/local/lib/python3.11/site-packages'
  const app = tree(
    {
      'app/package.json': APP_MANIFEST,
      'app/server.js': 800,
      'app/node_modules/.package-lock.json': 300,
      'app/node_modules/a/package.json': manifest('a', '1.0.0', { b: '^2' }),
      'app/node_modules/a/index.js': 1000,
      'app/node_modules/b/package.json': manifest('b', '2.0.0'),
      'app/node_modules/b/index.js': 2000,
      'app/node_modules/d/package.json': manifest('d', '1.1.0', { e: '^1', b: '^2' }),
      'app/node_modules/d/x.js': 4000,
      'app/node_modules/d/node_modules/e/package.json': manifest('e', '1.0.1'),
      'app/node_modules/d/node_modules/e/y.js': 500,
      'app/node_modules/@scope/shared/package.json': manifest('@scope/shared', '3.0.0'),
      'app/node_modules/@scope/shared/z.js': 600,
      'app/node_modules/.bin/tsc': 50,
      [`${sitePackages}/six.py`]: 3400,
      [`${sitePackages}/odd,name.py`]: 20,
      [`${sitePackages}/six-1.16.0.dist-info/METADATA`]: METADATA,
      [`${sitePackages}/six-1.16.0.dist-info/RECORD`]: RECORD,
      [`${sitePackages}/stray.py`]: 70,
      'usr/local/bin/six-tool': 90,
      'usr/local/bin/server': goBinary('example.com/server', 'v1.2.3', 300_000, 200_000)
    },
    {},
    ['usr/local/bin/server']
  )
  const cleanup = tree({ 'usr/share/doc/tool/.wh.copyright': 0 })
  return layoutOf([
    [base, 'ADD rootfs.tar / # buildkit'],
    [install, 'RUN /bin/sh -c apt-get install newpkg # buildkit'],
    [app, 'COPY app / # buildkit'],
    [cleanup, 'RUN /bin/sh -c rm -rf /usr/share/doc # buildkit']
  ])
}

/** An OCI layout of one linux/amd64 image whose layers are tars of the folders, each with its history. */
function layoutOf(layers: Array<[folder: string, createdBy: string]>): string {
  const dir = tempDir('image-budget-pkg-oci-')
  writeLayout(dir, [{ os: 'linux', architecture: 'amd64', layers: layers.map(([folder, createdBy]) => ({ blob: gnuTar(folder, 'pax'), mediaType: PLAIN, createdBy })) }])
  return dir
}

async function measure(dir: string, storeDir: string) {
  const source = new OciDirectorySource(dir)
  const store = new LayerStore(storeDir)
  const [platform] = await measureImage(source, await resolveImage(source), { store })
  return { platform, store }
}

const summary = (item: { ecosystem: string; name: string; version: string; bytes: number; files: number; layer: number; dev?: boolean }) =>
  [item.ecosystem, item.name, item.version, item.bytes, item.files, item.layer, item.dev]

describe('bytes per package', () => {
  it('gives every visible file to the package whose database names it, npm packages by folder, the rest by top folder', async () => {
    const dir = packageImage()
    const { platform, store } = await measure(dir, tempDir('image-budget-pkg-store-'))
    const bytes = (text: string) => Buffer.byteLength(text)
    const json = (name: string, version: string, dependencies: Record<string, string> = {}) => bytes(manifest(name, version, dependencies))
    const python = 3400 + 20 + 90 + bytes(METADATA) + bytes(RECORD)
    expect(platform.packages.map(summary)).toEqual([
      ['go', 'example.com/server', 'v1.2.3', 300_000, 1, 2, undefined],
      ['deb', 'newpkg', '7.0', 7000, 1, 1, undefined],
      // The copyright file was deleted by the last layer; /bin/tool is /usr/bin/tool through the link.
      ['deb', 'tool', '1.0-1', 5000, 1, 0, undefined],
      ['npm', 'd', '1.1.0', 4000 + json('d', '1.1.0', { e: '^1', b: '^2' }), 2, 2, true],
      ['python', 'six', '1.16.0', python, 5, 2, undefined],
      ['deb', 'libx', '2.3-4', 3000, 2, 0, undefined],
      ['npm', 'b', '2.0.0', 2000 + json('b', '2.0.0'), 2, 2, false],
      ['npm', 'a', '1.0.0', 1000 + json('a', '1.0.0', { b: '^2' }), 2, 2, false],
      ['npm', '@scope/shared', '3.0.0', 600 + json('@scope/shared', '3.0.0'), 2, 2, false],
      ['npm', 'e', '1.0.1', 500 + json('e', '1.0.1'), 2, 2, true]
    ])
    expect(platform.packages.find(item => item.name === 'e')?.path).toBe('app/node_modules/d/node_modules/e')
    const unpackaged = Object.fromEntries(platform.unpackaged.map(group => [group.directory, [group.bytes, group.files]]))
    expect(unpackaged.app).toEqual([bytes(APP_MANIFEST) + 800 + 300 + 50, 4])
    expect(unpackaged.usr).toEqual([70, 1])
    expect(unpackaged.etc).toEqual([10, 1])
    // The /bin link of a merged /usr stands for a folder: no package owns it.
    expect(unpackaged['/']).toEqual([0, 1])
    // Every visible byte is counted once: packages and unpackaged add up to the visible total.
    const counted = platform.packages.reduce((sum, item) => sum + item.bytes, 0) + platform.unpackaged.reduce((sum, group) => sum + group.bytes, 0)
    expect(counted).toBe(platform.size - platform.wastedBytes)
    expect(platform.packageNotes).toEqual([])

    // A second measurement from the layer store gives the same packages without reading a blob.
    const written = store.written
    const again = await measure(dir, store.dir)
    expect(again.store.written).toBe(0)
    expect(written).toBe(4)
    expect(again.platform.packages).toEqual(platform.packages)
    expect(again.platform.unpackaged).toEqual(platform.unpackaged)
  })

  it('reads the apk database, placing each package on the first layer from which every database lists it', async () => {
    const entry = (name: string, version: string, files: Record<string, string[]>) =>
      [`P:${name}`, `V:${version}`, 'A:x86_64', ...Object.entries(files).flatMap(([folder, names]) => [`F:${folder}`, ...names.map(file => `R:${file}`)]), ''].join('\n')
    const musl = entry('musl', '1.2.5-r0', { lib: ['ld-musl-x86_64.so.1'] })
    const busybox = entry('busybox', '1.36.1-r29', { bin: ['busybox'] })
    const first = tree({ 'lib/apk/db/installed': `${musl}\n${busybox}\n`, 'lib/ld-musl-x86_64.so.1': 600_000, 'bin/busybox': 800_000 })
    const second = tree({
      'lib/apk/db/installed': `${musl}\n${entry('busybox', '1.36.1-r30', { bin: ['busybox'] })}\n${entry('curl', '8.9.1-r0', { 'usr/bin': ['curl'] })}\n`,
      'bin/busybox': 800_004,
      'usr/bin/curl': 250_000
    })
    const dir = layoutOf([
      [first, 'ADD alpine.tar / # buildkit'],
      [second, 'RUN /bin/sh -c apk upgrade && apk add curl # buildkit']
    ])
    const { platform } = await measure(dir, tempDir('image-budget-apk-store-'))
    expect(platform.packages.map(summary)).toEqual([
      ['apk', 'busybox', '1.36.1-r30', 800_004, 1, 1, undefined],
      ['apk', 'musl', '1.2.5-r0', 600_000, 1, 0, undefined],
      ['apk', 'curl', '8.9.1-r0', 250_000, 1, 1, undefined]
    ])
  })

  it('takes a package folder from its path, and nothing directly in node_modules', () => {
    expect(npmPackageDirectory('app/node_modules/a/lib/x.js')).toBe('app/node_modules/a')
    expect(npmPackageDirectory('node_modules/@s/n/index.js')).toBe('node_modules/@s/n')
    expect(npmPackageDirectory('app/node_modules/a/node_modules/b/i.js')).toBe('app/node_modules/a/node_modules/b')
    expect(npmPackageDirectory('app/node_modules/.bin/tsc')).toBeUndefined()
    expect(npmPackageDirectory('app/node_modules/x')).toBeUndefined()
    expect(npmPackageDirectory('app/my_node_modules/a/x')).toBeUndefined()
  })

  it('finds Go build information wherever the stream cuts it', () => {
    const binary = goBinary('example.com/server', 'v1.2.3', 300_000, 123_457)
    const entry: TarEntry = { path: 'bin/server', type: 'file', size: binary.length, linkName: '', mode: 0o755 }
    for (const cut of [123_450, 123_457, 123_458, 123_463, 123_470, 123_480]) {
      const capture = new PackageCapture()
      const sink = capture.wants(entry)!
      sink.write(binary.subarray(0, cut))
      sink.write(binary.subarray(cut, cut + 1))
      sink.write(binary.subarray(cut + 1))
      sink.end()
      expect(capture.finish()?.go).toEqual([{ path: 'bin/server', module: 'example.com/server', version: 'v1.2.3', goVersion: 'go1.22.1' }])
    }
    expect(parseGoBuildInfo(Buffer.concat([goBuildInfo('m', 'v1').subarray(0, 40)]))).toBeUndefined()
    // Not an executable of ELF: nothing is searched.
    const capture = new PackageCapture()
    const sink = capture.wants({ ...entry, path: 'bin/script' })!
    sink.write(Buffer.concat([Buffer.from('#!/bin/sh\n'), goBuildInfo('m', 'v1'), Buffer.alloc(300_000)]))
    sink.end()
    expect(capture.finish()).toBeUndefined()
  })

  it('refuses stored packages that are not what the store writes', () => {
    expect(checkLayerPackages(undefined)).toBeUndefined()
    expect(checkLayerPackages({ dpkgStatus: [{ name: 'a', arch: 'amd64', version: '1' }] })).toEqual({ dpkgStatus: [{ name: 'a', arch: 'amd64', version: '1' }] })
    for (const bad of [null, [], { dpkgStatus: [{ name: 1, arch: '', version: '' }] }, { apk: [{ name: 'a', version: '1', paths: [7] }] }, { planted: [] }, { go: 'x' }]) {
      expect(checkLayerPackages(bad)).toBe('damaged')
    }
  })
})

describe('packages and savings in the report', () => {
  function reportWithPackages(): Report {
    const report = emptyReport('api')
    report.platforms.push({
      platform: 'linux/amd64',
      digest: 'sha256:x',
      size: 300_000_000,
      compressedSize: 100_000_000,
      layerCount: 1,
      layers: [{ digest: 'sha256:l', size: 300_000_000, compressedSize: 100_000_000, createdBy: 'RUN npm ci # buildkit', instruction: 'RUN npm ci', line: 12 }],
      wastedBytes: 0,
      efficiency: 1,
      topFiles: [],
      topDirectories: [],
      topWaste: [],
      packages: Array.from({ length: 12 }, (_, index) => ({
        ecosystem: 'npm' as const,
        name: `pkg-${index}`,
        version: '1.0.0',
        bytes: 40_000_000 - index * 1_000_000,
        files: 10,
        dev: index === 0,
        path: `/app/node_modules/pkg-${index}`,
        layer: 'sha256:l',
        instruction: 'RUN npm ci',
        line: 12
      })),
      unpackaged: [{ directory: '/app', bytes: 5_000_000, files: 40 }]
    })
    report.smells.push(
      { rule: 'package-cache', level: 'warning', message: 'the apt package lists is left in the image (38.0 MB): clean it in the same RUN that fills it', line: 3, savings: 38_000_000 },
      { rule: 'dev-dependencies', level: 'warning', message: '1 package that only the devDependencies of /app need is in the final image (40.0 MB): install with npm ci --omit=dev', line: 12, savings: 40_000_000 },
      { rule: 'root-user', level: 'warning', message: 'the final stage runs as root: it has no USER', line: 1 }
    )
    return report
  }

  it('shows what to do, most saved first, with the total; the ten largest packages; the unpackaged folders', () => {
    const summary = markdownSummary(reportWithPackages())
    expect(summary).toContain(
      [
        '#### What to do: 78.0 MB could be saved',
        '',
        '| Saves | Line | Smell | What to change |',
        '|---:|---:|:---|:---|',
        '| 40.0 MB | 12 | dev-dependencies | 1 package that only the devDependencies of /app need is in the final image (40.0 MB): install with npm ci --omit=dev |',
        '| 38.0 MB | 3 | package-cache | the apt package lists is left in the image (38.0 MB): clean it in the same RUN that fills it |'
      ].join('\n')
    )
    expect(summary).toContain('| 40.0 MB | pkg-0 | 1.0.0 | npm (dev) | RUN npm ci (line 12) |')
    expect(summary).toContain('| 31.0 MB | pkg-9 | 1.0.0 | npm | RUN npm ci (line 12) |')
    expect(summary).not.toContain('pkg-10')
    expect(summary).toContain('| 5.00 MB | 40 | /app |')
    expect(textSummary(reportWithPackages())).toContain('What to do (78.0 MB could be saved):')
  })

  it('reads packages and savings back from a report file, and names a field that is wrong', () => {
    const report = reportWithPackages()
    const [decoded] = parseReportFile(JSON.stringify(report)).reports
    expect(decoded.platforms[0].packages).toEqual(report.platforms[0].packages)
    expect(decoded.platforms[0].unpackaged).toEqual(report.platforms[0].unpackaged)
    expect(decoded.smells.map(smell => smell.savings)).toEqual([38_000_000, 40_000_000, undefined])
    const planted = { ...report.platforms[0].packages![0], ecosystem: 'gem' }
    expect(() => parseReportFile(JSON.stringify({ ...report, platforms: [{ ...report.platforms[0], packages: [planted] }] }))).toThrow(
      'platforms[0].packages[0].ecosystem is "gem", not one of deb, apk, npm, python, go'
    )
    expect(() => parseReportFile(JSON.stringify({ ...report, smells: [{ ...report.smells[0], savings: -1 }] }))).toThrow('smells[0].savings is -1, not a whole, non-negative number')
  })
})
