// The bytes of the final filesystem by package. Each visible file is given to the package whose
// database names it (dpkg, apk, a Python RECORD, a Go binary: see packages.ts), in that order, the
// first claim winning; what is left under `node_modules/<name>` is that npm package's; the rest is
// unpackaged, grouped by top folder. Only visible files count: a package's bytes are what a later
// layer did not delete or replace.
//
// Ownership is kept on the filesystem's own file ids (one integer per file), so that a million-file
// image needs no map of paths; the databases' path lists are read once, when claims are made.

import type { FileVisitor, OverlayFilesystem } from './filesystem.js'
import { APK_INSTALLED, DPKG_STATUS, type LayerPackages, type PackageManifest } from './packages.js'

export type Ecosystem = 'deb' | 'apk' | 'npm' | 'python' | 'go'

export interface PackageMeasurement {
  ecosystem: Ecosystem
  name: string
  version: string
  /** Bytes of the package's files visible in the final filesystem. */
  bytes: number
  files: number
  /** For npm packages of an application whose package.json is in the image: needed by its devDependencies only. */
  dev?: boolean
  /** The index of the layer that installed it (whose database added it). */
  layer: number
  /** Where it is: an npm package's folder, a Go binary, a Python distribution's dist-info folder. */
  path?: string
}

export interface UnpackagedBytes {
  /** The top folder (`app`, `usr`), or `/` for files at the root. */
  directory: string
  bytes: number
  files: number
}

export interface PackageAttribution {
  packages: PackageMeasurement[]
  unpackaged: UnpackagedBytes[]
  /** Databases that were not read, or read in part, and why. */
  notes: string[]
  /** Every package by the owner number the filesystem walk gives (FileVisitor's `owner`). */
  owners: PackageMeasurement[]
}

const MODULES = 'node_modules/'
const DPKG_INFO = 'var/lib/dpkg/info/'
const RPM_DATABASE = /^(var\/lib\/rpm|usr\/lib\/sysimage\/rpm)\//

/** The folder of the npm package a path is in (`app/node_modules/@scope/name`), or undefined. */
export function npmPackageDirectory(path: string): string | undefined {
  const at = path.lastIndexOf(MODULES)
  if (at < 0 || (at > 0 && path[at - 1] !== '/')) return undefined
  const start = at + MODULES.length
  // `.bin`, `.package-lock.json` and `.cache` belong to node_modules itself, not to a package.
  if (path[start] === '.') return undefined
  let end = path.indexOf('/', start)
  if (end >= 0 && path[start] === '@') end = path.indexOf('/', end + 1)
  return end < 0 ? undefined : path.slice(0, end)
}

/** The application folder whose node_modules holds a package folder: what comes before the first `node_modules/`. */
function applicationOf(directory: string): string {
  const at = directory.startsWith(MODULES) ? 0 : directory.indexOf(`/${MODULES}`) + 1
  return directory.slice(0, Math.max(0, at - 1))
}

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')))
const inFolder = (folder: string, name: string): string => (folder === '' ? name : `${folder}/${name}`)

export class PackageAttributor {
  private readonly owners: PackageMeasurement[] = []
  private readonly npmByDirectory = new Map<string, number>()
  private readonly unpackaged = new Map<string, UnpackagedBytes>()
  /** Visible package.json files, by path. */
  private readonly manifests = new Map<string, PackageManifest & { layer: number }>()
  private readonly notes = new Set<string>()

  constructor(
    private readonly filesystem: OverlayFilesystem,
    private readonly layers: ReadonlyArray<LayerPackages | undefined>
  ) {
    for (const [layer, packages] of layers.entries()) {
      for (const note of packages?.skipped ?? []) this.notes.add(`not read: ${note}`)
      for (const manifest of packages?.manifests ?? []) if (filesystem.visibleLayer(manifest.path) === layer) this.manifests.set(manifest.path, { ...manifest, layer })
    }
    this.claimDpkg()
    this.claimApk()
    for (const [layer, packages] of layers.entries()) {
      for (const distribution of packages?.python ?? []) {
        if (filesystem.visibleLayer(`${distribution.distInfo}/RECORD`) !== layer) continue
        this.claim({ ecosystem: 'python', name: distribution.name, version: distribution.version, layer, path: distribution.distInfo }, distribution.paths)
      }
    }
    for (const [layer, packages] of layers.entries()) {
      for (const binary of packages?.go ?? []) {
        if (filesystem.visibleLayer(binary.path) !== layer) continue
        this.claim({ ecosystem: 'go', name: binary.module, version: binary.version, layer, path: binary.path }, [binary.path])
      }
    }
  }

  private claim(owner: Omit<PackageMeasurement, 'bytes' | 'files'>, paths: readonly string[]): void {
    const id = this.owners.length
    this.owners.push({ ...owner, bytes: 0, files: 0 })
    for (const path of paths) this.filesystem.setOwner(path, id)
  }

  /** The first layer from which every database version up to the visible one lists the package. */
  private installedSince(visible: number, has: (packages: LayerPackages) => boolean | undefined): number {
    let since = visible
    for (let layer = visible - 1; layer >= 0; layer--) {
      const packages = this.layers[layer]
      const listed = packages === undefined ? undefined : has(packages)
      if (listed === false) break
      if (listed === true) since = layer
    }
    return since
  }

  private claimDpkg(): void {
    const statusLayer = this.filesystem.visibleLayer(DPKG_STATUS)
    const status = statusLayer === undefined ? undefined : this.layers[statusLayer]?.dpkgStatus
    if (statusLayer === undefined || status === undefined) return
    const lists = new Map<string, { layer: number; paths: string[] }>()
    for (const [layer, packages] of this.layers.entries()) {
      for (const list of packages?.dpkgLists ?? []) {
        if (this.filesystem.visibleLayer(`${DPKG_INFO}${list.name}.list`) === layer) lists.set(list.name, { layer, paths: list.paths })
      }
    }
    const versions = new Map<number, Set<string>>()
    const listedIn = (packages: LayerPackages, key: string): boolean | undefined => {
      if (packages.dpkgStatus === undefined) return undefined
      const layer = this.layers.indexOf(packages)
      let set = versions.get(layer)
      if (set === undefined) versions.set(layer, (set = new Set(packages.dpkgStatus.map(item => `${item.name}\t${item.version}`))))
      return set.has(key)
    }
    for (const item of status) {
      const list = lists.get(`${item.name}:${item.arch}`) ?? lists.get(item.name)
      const key = `${item.name}\t${item.version}`
      const layer = list?.layer ?? this.installedSince(statusLayer, packages => listedIn(packages, key))
      this.claim({ ecosystem: 'deb', name: item.name, version: item.version, layer }, list?.paths ?? [])
    }
  }

  private claimApk(): void {
    const visible = this.filesystem.visibleLayer(APK_INSTALLED)
    const installed = visible === undefined ? undefined : this.layers[visible]?.apk
    if (visible === undefined || installed === undefined) return
    for (const item of installed) {
      const layer = this.installedSince(visible, packages => packages.apk?.some(other => other.name === item.name && other.version === item.version))
      this.claim({ ecosystem: 'apk', name: item.name, version: item.version, layer }, item.paths)
    }
  }

  /** Sees every visible path of the final filesystem (the walk of OverlayFilesystem.largest). */
  readonly visit: FileVisitor = (path, size, layer, owner) => {
    if (path.endsWith('/')) return
    if (owner >= 0) {
      this.owners[owner].bytes += size
      this.owners[owner].files++
      return
    }
    const directory = npmPackageDirectory(path)
    if (directory !== undefined) {
      let id = this.npmByDirectory.get(directory)
      if (id === undefined) {
        id = this.owners.length
        const manifest = this.manifests.get(`${directory}/package.json`)
        const name = manifest?.name || directory.slice(directory.lastIndexOf(MODULES) + MODULES.length)
        this.owners.push({ ecosystem: 'npm', name, version: manifest?.version ?? '', bytes: 0, files: 0, layer: manifest?.layer ?? layer, path: directory })
        this.npmByDirectory.set(directory, id)
      }
      this.owners[id].bytes += size
      this.owners[id].files++
      return
    }
    if (RPM_DATABASE.test(path)) this.notes.add('rpm database not read (reading it needs a native library): rpm packages count as unpackaged')
    const slash = path.indexOf('/')
    const top = slash < 0 ? '/' : path.slice(0, slash)
    const group = this.unpackaged.get(top) ?? { directory: top, bytes: 0, files: 0 }
    group.bytes += size
    group.files++
    this.unpackaged.set(top, group)
  }

  /** The npm packages an application's manifest reaches, resolved as Node does: the nearest node_modules up the tree. */
  private reach(application: string, names: readonly string[], into: Set<string>, except?: ReadonlySet<string>): void {
    const pending: Array<[from: string, name: string]> = names.map(name => [application, name])
    while (pending.length > 0) {
      const [from, name] = pending.pop()!
      for (let base = from; ; base = parentOf(base)) {
        const candidate = inFolder(base, `${MODULES}${name}`)
        if (this.npmByDirectory.has(candidate)) {
          if (!into.has(candidate) && !except?.has(candidate)) {
            into.add(candidate)
            for (const next of this.manifests.get(`${candidate}/package.json`)?.dependencies ?? []) pending.push([candidate, next])
          }
          break
        }
        if (base === application || base === '') break
      }
    }
  }

  private markDevelopmentOnly(): void {
    const applications = new Map<string, PackageManifest>()
    for (const [path, manifest] of this.manifests) if (!path.includes(MODULES)) applications.set(parentOf(path), manifest)
    const byApplication = new Map<string, string[]>()
    for (const directory of this.npmByDirectory.keys()) {
      const application = applicationOf(directory)
      if (!applications.has(application)) continue
      byApplication.set(application, [...(byApplication.get(application) ?? []), directory])
    }
    for (const [application, directories] of byApplication) {
      const manifest = applications.get(application)!
      const production = new Set<string>()
      this.reach(application, manifest.dependencies, production)
      const development = new Set<string>()
      this.reach(application, manifest.devDependencies, development, production)
      for (const directory of directories) this.owners[this.npmByDirectory.get(directory)!].dev = development.has(directory)
    }
  }

  finish(): PackageAttribution {
    this.markDevelopmentOnly()
    const packages = this.owners.filter(owner => owner.files > 0 || owner.ecosystem === 'deb' || owner.ecosystem === 'apk')
    packages.sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
    return { packages, unpackaged: [...this.unpackaged.values()].sort((a, b) => b.bytes - a.bytes), notes: [...this.notes], owners: this.owners }
  }
}
