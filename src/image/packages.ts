// Package databases read while a layer streams: what each layer says was installed, and which
// files each package owns. Read from the layer's tar in the same pass that measures it, each file
// within its own bound, and kept in the layer store beside the entries (see layer-store.ts).
//
// - dpkg: `var/lib/dpkg/status` (installed packages, versions) and `var/lib/dpkg/info/*.list`
//   (the paths of each package);
// - apk: `lib/apk/db/installed` (packages with their files);
// - npm: `package.json` files, those of packages (`node_modules/<name>/package.json`) and those of
//   applications (every other one), for names, versions and which dependencies are dev only;
// - Python: `*.dist-info/RECORD` (the files of a distribution) and the head of `METADATA`;
// - Go: the build information Go links into executables (the main module and its version).
// rpm databases (SQLite or Berkeley DB) are not read: that needs a native library.

import { posix } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import type { ContentSink, TarEntry } from './tar.js'

export interface DebPackage {
  name: string
  arch: string
  version: string
}

/** The paths one package database names for one package (without a leading `/`). */
export interface OwnedPaths {
  name: string
  version: string
  paths: string[]
}

/** A `package.json`: of an npm package inside node_modules, or of an application. */
export interface PackageManifest {
  /** The path of the package.json. */
  path: string
  name: string
  version: string
  /** Names of `dependencies`, `optionalDependencies` and `peerDependencies`: what running it needs. */
  dependencies: string[]
  /** Names of `devDependencies`. */
  devDependencies: string[]
}

export interface PythonDistribution extends OwnedPaths {
  /** The path of the `.dist-info` folder. */
  distInfo: string
}

export interface GoBinary {
  path: string
  /** The main module's path, and its version (`(devel)` for a build from a work tree). */
  module: string
  version: string
  goVersion: string
}

/** What one layer's package databases say. Lists are absent when the layer wrote none of them. */
export interface LayerPackages {
  /** The installed packages of the `status` this layer wrote. */
  dpkgStatus?: DebPackage[]
  /** The `.list` files this layer wrote, by their name (`<package>` or `<package>:<arch>`). */
  dpkgLists?: OwnedPaths[]
  /** The packages of the apk database this layer wrote. */
  apk?: OwnedPaths[]
  manifests?: PackageManifest[]
  python?: PythonDistribution[]
  go?: GoBinary[]
  /** What was passed over because it was beyond a bound: said in the report rather than guessed. */
  skipped?: string[]
}

export const DPKG_STATUS = 'var/lib/dpkg/status'
const DPKG_INFO = 'var/lib/dpkg/info/'
export const APK_INSTALLED = 'lib/apk/db/installed'
const DIST_INFO_FILE = /^(.*\/(?:site|dist)-packages\/[^/]+\.dist-info)\/(RECORD|METADATA)$/

/** Bounds of what one layer's databases may hold: beyond them a file is passed over, and said so. */
export const PACKAGE_LIMITS = {
  /** Bytes of one database file read line by line (a dpkg status of thousands of packages is a few MB). */
  databaseBytes: 64 << 20,
  /** Bytes of one package.json. */
  manifestBytes: 1 << 20,
  /** Bytes read of a METADATA file: its headers come first. */
  metadataBytes: 64 << 10,
  /** Paths of all databases of one layer together. */
  paths: 2_000_000,
  /** package.json files of one layer. */
  manifests: 50_000,
  /** Executables of one layer searched for Go build information, and the smallest searched. */
  executables: 5_000,
  executableMinBytes: 256 << 10
} as const

const MAX_LINE = 1 << 20

/** Reads a file's lines as it streams, up to a byte bound; `done` learns whether it was all read. */
class LineSink implements ContentSink {
  private readonly decoder = new StringDecoder('utf8')
  private rest = ''
  private bytes = 0
  private over = false
  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
    private readonly done: (complete: boolean) => void
  ) {}
  write(chunk: Buffer): void {
    if (this.over) return
    this.bytes += chunk.length
    if (this.bytes > this.limit) {
      this.over = true
      return
    }
    const text = this.rest + this.decoder.write(chunk)
    let start = 0
    for (let end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      this.onLine(text.slice(start, end))
      start = end + 1
    }
    this.rest = text.slice(start)
    // A line without end would be copied again with every chunk: no database has lines this long.
    if (this.rest.length > MAX_LINE) this.over = true
  }
  end(): void {
    if (!this.over) {
      const last = this.rest + this.decoder.end()
      if (last !== '') this.onLine(last)
    }
    this.done(!this.over)
  }
}

/** Keeps a file's first `limit` bytes (or, with `whole`, the file only when it fits). */
class HeadSink implements ContentSink {
  private readonly chunks: Buffer[] = []
  private bytes = 0
  private over = false
  constructor(
    private readonly limit: number,
    private readonly whole: boolean,
    private readonly done: (content: Buffer | undefined) => void
  ) {}
  write(chunk: Buffer): void {
    if (this.over) return
    const take = Math.min(chunk.length, this.limit - this.bytes)
    if (take < chunk.length) this.over = true
    if (take > 0) this.chunks.push(Buffer.from(chunk.subarray(0, take)))
    this.bytes += take
  }
  end(): void {
    this.done(this.over && this.whole ? undefined : Buffer.concat(this.chunks))
  }
}

const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1')
/** Bytes kept after the marker: the header and the two strings that follow it in Go 1.18 and later. */
const GO_INFO_BYTES = 64 << 10
const ELF_MAGIC = 0x7f454c46

/**
 * Looks for Go's build information in an executable as it streams: the marker may fall across
 * chunks, so the last bytes of each chunk are kept; once found, the bytes after it are kept up to a
 * bound and parsed at the end. Nothing else of the file is held.
 */
class GoBuildInfoSink implements ContentSink {
  private tail = Buffer.alloc(0)
  private found: Buffer[] | undefined
  private foundBytes = 0
  private first = true
  private notElf = false
  constructor(private readonly done: (info: { module: string; version: string; goVersion: string } | undefined) => void) {}
  write(chunk: Buffer): void {
    if (this.notElf) return
    if (this.first) {
      this.first = false
      if (chunk.length < 4 || chunk.readUInt32BE(0) !== ELF_MAGIC) {
        this.notElf = true
        return
      }
    }
    if (this.found !== undefined) {
      this.keep(chunk)
      return
    }
    const window = this.tail.length > 0 ? Buffer.concat([this.tail, chunk.subarray(0, Math.min(chunk.length, GO_MAGIC.length))]) : undefined
    const inWindow = window?.indexOf(GO_MAGIC) ?? -1
    if (inWindow >= 0) {
      this.found = []
      this.keep(window!.subarray(inWindow))
      this.keep(chunk.subarray(Math.min(chunk.length, GO_MAGIC.length)))
      return
    }
    const at = chunk.indexOf(GO_MAGIC)
    if (at >= 0) {
      this.found = []
      this.keep(chunk.subarray(at))
      return
    }
    const keep = GO_MAGIC.length - 1
    this.tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([this.tail, chunk]).subarray(-keep)
  }
  private keep(bytes: Buffer): void {
    const take = Math.min(bytes.length, GO_INFO_BYTES - this.foundBytes)
    if (take <= 0) return
    this.found!.push(Buffer.from(bytes.subarray(0, take)))
    this.foundBytes += take
  }
  end(): void {
    this.done(this.found === undefined ? undefined : parseGoBuildInfo(Buffer.concat(this.found)))
  }
}

/** Reads an unsigned varint at `at`; undefined when it runs past the buffer or beyond 2^32. */
function varint(data: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0
  let shift = 0
  for (let index = at; index < data.length && shift < 35; index++, shift += 7) {
    const byte = data[index]
    value += (byte & 0x7f) * 2 ** shift
    if ((byte & 0x80) === 0) return value > 0xffffffff ? undefined : { value, next: index + 1 }
  }
  return undefined
}

/**
 * The main module of Go build information (Go 1.18 and later store the strings inline, after a
 * 32-byte header whose flags byte has bit 2 set). Older binaries point into their data instead:
 * those are not read.
 */
export function parseGoBuildInfo(data: Buffer): { module: string; version: string; goVersion: string } | undefined {
  if (data.length < 32 || data.indexOf(GO_MAGIC) !== 0 || (data[15] & 0x2) === 0) return undefined
  const goVersion = varint(data, 32)
  if (goVersion === undefined || goVersion.next + goVersion.value > data.length) return undefined
  const modinfo = varint(data, goVersion.next + goVersion.value)
  if (modinfo === undefined || modinfo.next + modinfo.value > data.length) return undefined
  const text = data.toString('utf8', modinfo.next, modinfo.next + modinfo.value)
  const main = /(?:^|\n)mod\t([^\t\n]+)\t([^\t\n]*)/.exec(text)
  const path = /(?:^|\n)path\t([^\t\n]+)/.exec(text)
  const module = main?.[1] ?? path?.[1]
  if (module === undefined) return undefined
  return { module, version: main?.[2] || '(devel)', goVersion: data.toString('utf8', goVersion.next, goVersion.next + goVersion.value) }
}

/** Splits a RECORD line (CSV: path, hash, size; the path quoted when it holds a comma or quote). */
function recordPath(line: string): string | undefined {
  if (line.startsWith('"')) {
    let path = ''
    for (let index = 1; index < line.length; index++) {
      if (line[index] === '"') {
        if (line[index + 1] === '"') {
          path += '"'
          index++
        } else return path
      } else path += line[index]
    }
    return undefined
  }
  const comma = line.indexOf(',')
  return comma < 0 ? line : line.slice(0, comma)
}

/** A path relative to a folder of the image, or undefined when it leaves the image's root. */
export function imagePath(base: string, relative: string): string | undefined {
  const joined = posix.normalize(relative.startsWith('/') ? relative : `${base}/${relative}`).replace(/^\/+/, '')
  if (joined === '' || joined === '.' || joined.startsWith('../') || joined === '..') return undefined
  return joined.replace(/\/+$/, '')
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const keysOf = (value: unknown): string[] => (isRecord(value) ? Object.keys(value).filter(key => key.length > 0 && key.length <= 214) : [])
const textOf = (value: unknown): string => (typeof value === 'string' ? value.slice(0, 256) : '')

/** The fields of a package.json that attribution needs, or undefined when it is not a JSON object. */
export function parseManifest(path: string, content: Buffer): PackageManifest | undefined {
  let value: unknown
  try {
    value = JSON.parse(content.toString('utf8'))
  } catch {
    return undefined
  }
  if (!isRecord(value)) return undefined
  const dependencies = [...new Set([...keysOf(value.dependencies), ...keysOf(value.optionalDependencies), ...keysOf(value.peerDependencies)])]
  return { path, name: textOf(value.name), version: textOf(value.version), dependencies, devDependencies: keysOf(value.devDependencies) }
}

/** Name and version of a METADATA file's headers (they end at the first empty line). */
function parseMetadata(content: Buffer): { name?: string; version?: string } {
  const head = content.toString('utf8').split(/\r?\n\r?\n/, 1)[0]
  return { name: /^Name:[ \t]*(\S.*?)\s*$/m.exec(head)?.[1], version: /^Version:[ \t]*(\S.*?)\s*$/m.exec(head)?.[1] }
}

/** `requests-2.31.0.dist-info` as name and version. */
function distInfoName(folder: string): { name: string; version: string } {
  const base = folder.slice(folder.lastIndexOf('/') + 1).replace(/\.dist-info$/, '')
  const dash = base.indexOf('-')
  return dash < 0 ? { name: base, version: '' } : { name: base.slice(0, dash), version: base.slice(dash + 1) }
}

/** Whether a package.json is one attribution reads: a package's own, at `node_modules/<name>/`, or an application's. */
function isManifestPath(path: string): boolean {
  if (!path.endsWith('package.json') || (path.length > 12 && path[path.length - 13] !== '/')) return false
  const modules = path.lastIndexOf('node_modules/')
  if (modules < 0) return true
  if (modules > 0 && path[modules - 1] !== '/') return false
  const rest = path.slice(modules + 'node_modules/'.length).split('/')
  return rest[0].startsWith('@') ? rest.length === 3 : rest.length === 2
}

/**
 * Collects what one layer's package databases say, from the tar entries of the layer: `wants` is
 * asked of every regular file and returns a sink for those it reads.
 */
export class PackageCapture {
  private readonly result: LayerPackages = {}
  private paths = 0
  private executables = 0
  private distInfo = new Map<string, { record?: string[]; name?: string; version?: string }>()

  private skip(what: string): void {
    const skipped = (this.result.skipped ??= [])
    if (skipped.length < 20) skipped.push(what)
  }

  private addPaths(count: number, path: string): boolean {
    if (this.paths + count > PACKAGE_LIMITS.paths) {
      this.skip(`/${path}: more than ${PACKAGE_LIMITS.paths} package paths in one layer`)
      return false
    }
    this.paths += count
    return true
  }

  private lines(path: string, onLine: (line: string) => void, done: () => void): ContentSink {
    return new LineSink(PACKAGE_LIMITS.databaseBytes, onLine, complete => {
      if (complete) done()
      else this.skip(`/${path}: beyond ${PACKAGE_LIMITS.databaseBytes} bytes`)
    })
  }

  wants(entry: TarEntry): ContentSink | undefined {
    const path = entry.path
    if (path === DPKG_STATUS) return this.dpkgStatus(path)
    if (path.startsWith(DPKG_INFO) && path.endsWith('.list') && path.indexOf('/', DPKG_INFO.length) < 0) return this.dpkgList(path)
    if (path === APK_INSTALLED) return this.apkInstalled(path)
    if (path.endsWith('package.json') && isManifestPath(path)) return this.manifest(path)
    if (path.endsWith('RECORD') || path.endsWith('METADATA')) {
      const match = DIST_INFO_FILE.exec(path)
      if (match) return this.distInfoFile(match[1], match[2] as 'RECORD' | 'METADATA', path)
    }
    if ((entry.mode & 0o111) !== 0 && entry.size >= PACKAGE_LIMITS.executableMinBytes && this.executables < PACKAGE_LIMITS.executables) {
      this.executables++
      return new GoBuildInfoSink(info => {
        if (info) (this.result.go ??= []).push({ path, ...info })
      })
    }
    return undefined
  }

  private dpkgStatus(path: string): ContentSink {
    const packages: DebPackage[] = []
    let fields: Record<string, string> = {}
    const finish = (): void => {
      if (fields.Package && /\sinstalled$/.test(fields.Status ?? '')) packages.push({ name: fields.Package, arch: fields.Architecture ?? '', version: fields.Version ?? '' })
      fields = {}
    }
    return this.lines(
      path,
      line => {
        if (line.trim() === '') return finish()
        const colon = line.indexOf(':')
        if (colon > 0 && line[0] !== ' ' && line[0] !== '\t') {
          const key = line.slice(0, colon)
          if (key === 'Package' || key === 'Status' || key === 'Architecture' || key === 'Version') fields[key] = line.slice(colon + 1).trim()
        }
      },
      () => {
        finish()
        this.result.dpkgStatus = packages
      }
    )
  }

  private dpkgList(path: string): ContentSink {
    const paths: string[] = []
    return this.lines(
      path,
      line => {
        const owned = imagePath('', line)
        if (owned !== undefined) paths.push(owned)
      },
      () => {
        if (this.addPaths(paths.length, path)) (this.result.dpkgLists ??= []).push({ name: path.slice(DPKG_INFO.length, -'.list'.length), version: '', paths })
      }
    )
  }

  private apkInstalled(path: string): ContentSink {
    const packages: OwnedPaths[] = []
    let current: OwnedPaths | undefined
    let folder = ''
    let total = 0
    return this.lines(
      path,
      line => {
        if (line === '') {
          if (current?.name) packages.push(current)
          current = undefined
          return
        }
        current ??= { name: '', version: '', paths: [] }
        const value = line.slice(2)
        if (line.startsWith('P:')) current.name = value
        else if (line.startsWith('V:')) current.version = value
        else if (line.startsWith('F:')) folder = value
        else if (line.startsWith('R:')) {
          const owned = imagePath(folder, value)
          if (owned !== undefined && ++total <= PACKAGE_LIMITS.paths) current.paths.push(owned)
        }
      },
      () => {
        if (current?.name) packages.push(current)
        if (this.addPaths(total, path)) this.result.apk = packages
      }
    )
  }

  private manifest(path: string): ContentSink | undefined {
    if ((this.result.manifests?.length ?? 0) >= PACKAGE_LIMITS.manifests) {
      this.skip(`package.json files beyond the first ${PACKAGE_LIMITS.manifests} of one layer`)
      return undefined
    }
    return new HeadSink(PACKAGE_LIMITS.manifestBytes, true, content => {
      if (content === undefined) return this.skip(`/${path}: beyond ${PACKAGE_LIMITS.manifestBytes} bytes`)
      const manifest = parseManifest(path, content)
      if (manifest) (this.result.manifests ??= []).push(manifest)
    })
  }

  private distInfoFile(folder: string, file: 'RECORD' | 'METADATA', path: string): ContentSink {
    const info = this.distInfo.get(folder) ?? {}
    this.distInfo.set(folder, info)
    if (file === 'METADATA') {
      return new HeadSink(PACKAGE_LIMITS.metadataBytes, false, content => {
        if (content !== undefined) Object.assign(info, parseMetadata(content))
      })
    }
    const sitePackages = folder.slice(0, folder.lastIndexOf('/'))
    const paths: string[] = []
    return this.lines(
      path,
      line => {
        const relative = recordPath(line.replace(/\r$/, ''))
        const owned = relative ? imagePath(sitePackages, relative) : undefined
        if (owned !== undefined) paths.push(owned)
      },
      () => {
        if (this.addPaths(paths.length, path)) info.record = paths
      }
    )
  }

  /** What the layer's databases said; undefined when the layer held none of them. */
  finish(): LayerPackages | undefined {
    for (const [folder, info] of this.distInfo) {
      if (info.record === undefined) continue
      const fromName = distInfoName(folder)
      ;(this.result.python ??= []).push({ distInfo: folder, name: info.name ?? fromName.name, version: info.version ?? fromName.version, paths: info.record })
    }
    this.distInfo.clear()
    return Object.keys(this.result).length === 0 ? undefined : this.result
  }
}

// What the layer store gives back is checked field by field: a folder on disk may be altered.
const isText = (value: unknown, max = 4096): value is string => typeof value === 'string' && value.length <= max
const isTextList = (value: unknown): value is string[] => Array.isArray(value) && value.every(item => isText(item))
const listOf = <T>(value: unknown, check: (item: Record<string, unknown>) => boolean): value is T[] =>
  Array.isArray(value) && value.every(item => isRecord(item) && check(item))
const isOwned = (item: Record<string, unknown>): boolean => isText(item.name) && isText(item.version) && isTextList(item.paths)

/** A layer's packages as the store kept them, or undefined when anything in them is not what this module writes. */
export function checkLayerPackages(value: unknown): LayerPackages | undefined | 'damaged' {
  if (value === undefined) return undefined
  if (!isRecord(value)) return 'damaged'
  const checks: Record<keyof LayerPackages, (field: unknown) => boolean> = {
    dpkgStatus: field => listOf(field, item => isText(item.name) && isText(item.arch) && isText(item.version)),
    dpkgLists: field => listOf(field, isOwned),
    apk: field => listOf(field, isOwned),
    manifests: field => listOf(field, item => isText(item.path) && isText(item.name) && isText(item.version) && isTextList(item.dependencies) && isTextList(item.devDependencies)),
    python: field => listOf(field, item => isOwned(item) && isText(item.distInfo)),
    go: field => listOf(field, item => isText(item.path) && isText(item.module) && isText(item.version) && isText(item.goVersion)),
    skipped: isTextList
  }
  for (const key of Object.keys(value)) {
    const check = checks[key as keyof LayerPackages]
    if (check === undefined || !check(value[key])) return 'damaged'
  }
  return value as LayerPackages
}
