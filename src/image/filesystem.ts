// The final filesystem of an image, built layer by layer from tar entries as overlayfs would:
// a later version of a path hides the earlier one, `.wh.<name>` removes a path of lower layers and
// `.wh..wh..opq` empties a directory of what lower layers put there. Every hidden version of a
// regular file is counted once as waste; the visible version never is.
//
// Memory matters (an image may hold a million files): the tree is kept in a TreeStore, where a
// path is an integer id into typed arrays and names are packed bytes.

import type { EntryType } from './tar.js'
import { NONE, ROOT, TreeStore } from './tree-store.js'

export const WHITEOUT_PREFIX = '.wh.'
/** Layer indexes are kept in 16 bits; Docker itself stops at 127 layers. */
export const MAX_LAYERS = 0xffff
export const OPAQUE_MARKER = '.wh..wh..opq'

/** What a layer says about one path: the kinds a tar entry can be, plus the two whiteout kinds. */
export const enum EntryKind {
  File = 0,
  Hardlink = 1,
  Symlink = 2,
  Directory = 3,
  Other = 4,
  Whiteout = 5,
  Opaque = 6
}

export function entryKind(type: EntryType, path: string): EntryKind {
  // Called for every entry of every layer: the basename is looked at in place, not sliced out.
  const base = path.lastIndexOf('/') + 1
  if (path.startsWith(WHITEOUT_PREFIX, base)) {
    return path.length - base === OPAQUE_MARKER.length && path.endsWith(OPAQUE_MARKER) ? EntryKind.Opaque : EntryKind.Whiteout
  }
  switch (type) {
    case 'file':
      return EntryKind.File
    case 'hardlink':
      return EntryKind.Hardlink
    case 'symlink':
      return EntryKind.Symlink
    case 'directory':
      return EntryKind.Directory
    default:
      return EntryKind.Other
  }
}

/** One file version hidden by a later layer. */
export interface HiddenVersion {
  path: string
  size: number
  /** Index of the layer that wrote the version. */
  writtenBy: number
  /** Index of the layer that hid it. */
  hiddenBy: number
}

/**
 * Sees a visible path of the final filesystem, its size, the index of the layer that wrote it, and
 * the package that owns it (see setOwner; -1 for none).
 */
export type FileVisitor = (path: string, size: number, layer: number, owner: number) => void

export interface VisibleFile {
  path: string
  size: number
  layer: number
}

export interface VisibleDirectory {
  path: string
  size: number
  files: number
  /** The layer that wrote most of the directory's bytes. */
  layer: number
}

/** Keeps the largest items seen, up to a limit, without keeping the others. */
export class TopList<T> {
  readonly items: T[] = []
  constructor(
    private readonly limit: number,
    private readonly weight: (item: T) => number
  ) {}
  /** Whether an item of this weight would be kept: lets callers skip building the item. */
  wants(weight: number): boolean {
    if (this.items.length < this.limit) return true
    return this.items.length > 0 && weight > this.weight(this.items[this.items.length - 1])
  }
  add(item: T): void {
    const weight = this.weight(item)
    if (!this.wants(weight)) return
    let index = this.items.length
    while (index > 0 && this.weight(this.items[index - 1]) < weight) index--
    this.items.splice(index, 0, item)
    if (this.items.length > this.limit) this.items.pop()
  }
}


function normalizeLink(linkName: string): string {
  return linkName.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '')
}

/** One directory of a walk in progress, with the next of its children to visit. */
interface SizeFrame {
  path: string
  directory: number
  next: number
  size: number
  files: number
}

/** The directories that the last path applied passed through, to start the next one from. */
interface WalkedPath {
  /** The path's bytes up to its last name. */
  bytes: Buffer
  length: number
  /** The directory each of its names led to, and where that name ended (at a slash). */
  directories: number[]
  ends: number[]
  /** TreeStore.directoriesChanged when it was walked. */
  changes: number
}

export class OverlayFilesystem {
  private readonly tree = new TreeStore()
  private readonly walked: WalkedPath = { bytes: Buffer.allocUnsafe(256), length: 0, directories: [], ends: [], changes: -1 }
  /**
   * Targets of symbolic links near the root (`bin -> usr/bin`, `lib64 -> usr/lib64`): package
   * databases name paths through them. Deeper links are not kept, so that memory stays bounded.
   */
  private readonly shallowLinks = new Map<number, string>()
  /** Hard links by the file whose content they share (links are rare: a Map is enough). */
  private readonly linksTo = new Map<number, number[]>()
  /** Bytes of file versions that no longer show in the filesystem. */
  wastedBytes = 0
  /** Those bytes by the layer that wrote them and the layer that hid them (`writtenBy * 65536 + hiddenBy`). */
  readonly wasteByLayers = new Map<number, number>()
  readonly topWaste: TopList<HiddenVersion>

  constructor(topCount = 10) {
    this.topWaste = new TopList<HiddenVersion>(topCount, item => item.size)
  }

  /** Counts a file version as hidden by layer `hiddenBy`; the caller takes it out of the tree. */
  private hide(id: number, hiddenBy: number): void {
    const tree = this.tree
    const size = tree.size(id)
    if (size === 0) return
    // Content that a visible hard link still reaches is not wasted: the link takes it over.
    const links = this.linksTo.get(id)
    if (links !== undefined) {
      this.linksTo.delete(id)
      const heir = links.findIndex(link => link !== id && !tree.isDetached(link))
      if (heir >= 0) {
        const [heirId] = links.splice(heir, 1)
        tree.setSize(heirId, size)
        if (links.length > 0) this.linksTo.set(heirId, links)
        return
      }
    }
    this.wastedBytes += size
    const writtenBy = tree.layer(id)
    const pair = writtenBy * 0x10000 + hiddenBy
    this.wasteByLayers.set(pair, (this.wasteByLayers.get(pair) ?? 0) + size)
    if (this.topWaste.wants(size)) this.topWaste.add({ path: tree.pathOf(id), size, writtenBy, hiddenBy })
  }

  /**
   * Hides everything below a directory that lower layers put there; returns whether it is now empty.
   * The walk keeps its own stack: a layer may nest directories deeper than the call stack goes.
   */
  private hideLower(directory: number, layer: number): boolean {
    const tree = this.tree
    const directories = [directory]
    // The child each directory of the stack visits next, found before the one before it is taken out.
    const nexts = [tree.firstChild(directory)]
    while (directories.length > 0) {
      const top = directories.length - 1
      const current = directories[top]
      const child = nexts[top]
      if (child === NONE) {
        directories.pop()
        nexts.pop()
        if (top > 0 && tree.firstChild(current) === NONE && tree.layer(current) < layer) tree.detach(current)
        continue
      }
      nexts[top] = tree.nextChild(current, child)
      if (tree.isDirectory(child)) {
        directories.push(child)
        nexts.push(tree.firstChild(child))
      } else this.hideFile(child, layer)
    }
    return tree.firstChild(directory) === NONE
  }

  private hideFile(id: number, layer: number): void {
    if (this.tree.layer(id) < layer) {
      this.hide(id, layer)
      this.tree.detach(id)
    }
  }

  /**
   * The directory that holds the path in `tree.key` bytes 0..`end`, made as needed; `nameStart` is
   * where the last name starts. A missing parent is implied by its child; a file in the way is
   * replaced by the directory.
   */
  private parentOf(end: number, layer: number): { parent: number; nameStart: number } {
    const tree = this.tree
    const key = tree.key
    let directory = ROOT
    let start = 0
    let depth = 0
    let shared = 0
    // A tar lists a folder's entries together: the directories of the last path are found again
    // without a lookup, as far as the two paths share names and no directory has gone since.
    if (this.walked.changes === tree.directoriesChanged) {
      const walked = this.walked
      const limit = Math.min(end, walked.length)
      while (shared < limit && key[shared] === walked.bytes[shared]) shared++
      while (depth < walked.ends.length && walked.ends[depth] < shared) {
        directory = walked.directories[depth]
        start = walked.ends[depth] + 1
        depth++
      }
    }
    const walked = this.walked
    walked.directories.length = depth
    walked.ends.length = depth
    for (;;) {
      const slash = tree.nextSlash(start, end)
      if (slash === end) break
      let child = tree.child(directory, start, slash)
      if (child === NONE) child = tree.add(directory, start, slash, layer, true)
      else if (!tree.isDirectory(child)) {
        this.hide(child, layer)
        child = tree.replace(child, layer, true)
      }
      walked.directories.push(child)
      walked.ends.push(slash)
      directory = child
      start = slash + 1
    }
    if (walked.bytes.length < start) {
      const grown = Buffer.allocUnsafe(Math.max(start, walked.bytes.length * 2))
      walked.bytes.copy(grown, 0, 0, walked.length)
      walked.bytes = grown
    }
    // The bytes the two paths share are there already; a loop beats Buffer#copy for the few others.
    const bytes = walked.bytes
    for (let index = shared; index < start; index++) bytes[index] = key[index]
    walked.length = start
    walked.changes = tree.directoriesChanged
    return { parent: directory, nameStart: start }
  }

  /** The node a path names, or NONE. */
  private lookup(path: string): number {
    const names = path.split('/')
    const { node, used } = this.find(names)
    return used === names.length ? node : NONE
  }

  /** Follows names from the root as far as directories go: the node reached, and how many names that took. */
  private find(names: string[]): { node: number; used: number } {
    let node = ROOT
    let used = 0
    for (; used < names.length; used++) {
      if (!this.tree.isDirectory(node)) break
      node = this.tree.childNamed(node, names[used])
      if (node === NONE) break
    }
    return { node, used }
  }

  /**
   * The file a path names, following the links kept near the root as the kernel would (a link's
   * target is relative to its folder); undefined when the path shows no file.
   */
  private resolveFile(path: string): number | undefined {
    let names = path.split('/')
    for (let hops = 0; hops < 16; hops++) {
      const { node, used } = this.find(names)
      if (node === NONE) return undefined
      // A link near the root named last stands for a folder (`/bin` on a merged /usr): no package owns it.
      if (used === names.length) return !this.tree.isDirectory(node) && !this.shallowLinks.has(node) ? node : undefined
      const target = this.shallowLinks.get(node)
      if (target === undefined) return undefined
      const folder = names.slice(0, used - 1)
      const joined = target.startsWith('/') ? target.split('/') : [...folder, ...target.split('/')]
      const resolved: string[] = []
      for (const name of [...joined, ...names.slice(used)]) {
        if (name === '' || name === '.') continue
        if (name === '..') resolved.pop()
        else resolved.push(name)
      }
      names = resolved
    }
    return undefined
  }

  /**
   * Makes `owner` the owner of the visible file at `path` (through links near the root), unless
   * it has one already: the first database to claim a file keeps it. Returns whether it did.
   */
  setOwner(path: string, owner: number): boolean {
    const id = this.resolveFile(path)
    if (id === undefined || this.tree.owner(id) >= 0) return false
    this.tree.setOwner(id, owner)
    return true
  }

  /** The layer whose version of a file is visible, or undefined when the path shows no file. */
  visibleLayer(path: string): number | undefined {
    const node = this.lookup(path)
    return node !== NONE && !this.tree.isDirectory(node) ? this.tree.layer(node) : undefined
  }

  /**
   * Applies one entry of layer `layer` (layers are applied in order, lowest first). `linkName` is
   * the target of a hard link, as the tar records it.
   */
  apply(path: string, kind: EntryKind, size: number, layer: number, linkName = ''): void {
    if (path === '') return
    if (layer >= MAX_LAYERS) throw new RangeError(`an image of more than ${MAX_LAYERS} layers cannot be measured (layer ${layer + 1})`)
    const tree = this.tree
    const end = tree.encode(path)
    const { parent, nameStart } = this.parentOf(end, layer)
    if (kind === EntryKind.Opaque) {
      this.hideLower(parent, layer)
      return
    }
    if (kind === EntryKind.Whiteout) {
      const target = tree.child(parent, nameStart + WHITEOUT_PREFIX.length, end)
      if (target === NONE) return
      if (!tree.isDirectory(target)) this.hideFile(target, layer)
      else if (this.hideLower(target, layer) && tree.layer(target) < layer) tree.detach(target)
      return
    }
    const existing = tree.child(parent, nameStart, end)
    if (kind === EntryKind.Directory) {
      if (existing === NONE) tree.add(parent, nameStart, end, layer, true)
      else if (!tree.isDirectory(existing)) {
        this.hide(existing, layer)
        tree.replace(existing, layer, true)
      } else tree.setLayer(existing, layer)
      return
    }
    let id: number
    if (existing === NONE) id = tree.add(parent, nameStart, end, layer, false)
    else {
      if (!tree.isDirectory(existing)) this.hide(existing, layer)
      else this.hideLower(existing, layer + 1)
      id = tree.replace(existing, layer, false)
    }
    if (kind === EntryKind.File) tree.setSize(id, size)
    if (kind === EntryKind.Symlink && linkName !== '' && path.indexOf('/', path.indexOf('/') + 1) < 0) this.shallowLinks.set(id, linkName)
    if (kind === EntryKind.Hardlink) {
      const target = this.lookup(normalizeLink(linkName))
      if (target !== NONE && !tree.isDirectory(target)) {
        const links = this.linksTo.get(target)
        if (links) links.push(id)
        else this.linksTo.set(target, [id])
      }
    }
  }

  /**
   * The visible files and directories with the most bytes, and the visible total, in one walk of
   * the tree. `visit`, when given, sees every visible path on the way (folders end with `/`): the
   * smells need every path, the lists only a few, so paths are built only when someone needs them.
   */
  largest(
    count = 10,
    visit?: FileVisitor
  ): { files: VisibleFile[]; directories: VisibleDirectory[]; visibleBytes: number; visibleFiles: number } {
    const tree = this.tree
    const files = new TopList<VisibleFile>(count, item => item.size)
    const directories = new TopList<{ path: string; size: number; files: number; node: number }>(count, item => item.size)
    // Sizes add up from the leaves: each frame collects its children's, then hands its total up.
    const root: SizeFrame = { path: '', directory: ROOT, next: tree.firstChild(ROOT), size: 0, files: 0 }
    const stack: SizeFrame[] = [root]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]
      const child = frame.next
      if (child === NONE) {
        stack.pop()
        const parent = stack[stack.length - 1]
        if (parent === undefined) continue
        parent.size += frame.size
        parent.files += frame.files
        if (directories.wants(frame.size)) directories.add({ path: frame.path, size: frame.size, files: frame.files, node: frame.directory })
        continue
      }
      frame.next = tree.nextChild(frame.directory, child)
      if (!tree.isDirectory(child)) {
        const childSize = tree.size(child)
        frame.size += childSize
        frame.files++
        const wanted = childSize > 0 && files.wants(childSize)
        if (!wanted && visit === undefined) continue
        const childPath = frame.path === '' ? tree.nameOf(child) : `${frame.path}/${tree.nameOf(child)}`
        visit?.(childPath, childSize, tree.layer(child), tree.owner(child))
        if (wanted) files.add({ path: childPath, size: childSize, layer: tree.layer(child) })
      } else {
        const childPath = frame.path === '' ? tree.nameOf(child) : `${frame.path}/${tree.nameOf(child)}`
        visit?.(`${childPath}/`, 0, tree.layer(child), -1)
        stack.push({ path: childPath, directory: child, next: tree.firstChild(child), size: 0, files: 0 })
      }
    }
    return {
      files: files.items,
      directories: directories.items.map(item => ({
        path: item.path,
        size: item.size,
        files: item.files,
        layer: this.mainLayer(item.node)
      })),
      visibleBytes: root.size,
      visibleFiles: root.files
    }
  }

  private mainLayer(directory: number): number {
    const tree = this.tree
    const bytes = new Map<number, number>()
    const directories = [directory]
    const nexts = [tree.firstChild(directory)]
    while (directories.length > 0) {
      const top = directories.length - 1
      const child = nexts[top]
      if (child === NONE) {
        directories.pop()
        nexts.pop()
        continue
      }
      nexts[top] = tree.nextChild(directories[top], child)
      if (tree.isDirectory(child)) {
        directories.push(child)
        nexts.push(tree.firstChild(child))
      } else bytes.set(tree.layer(child), (bytes.get(tree.layer(child)) ?? 0) + tree.size(child))
    }
    let best = tree.layer(directory)
    let most = -1
    for (const [layer, size] of bytes) {
      if (size > most) {
        best = layer
        most = size
      }
    }
    return best
  }

  /** Visits every visible path with its size and layer (folders end with `/`). */
  forEachFile(visit: FileVisitor): void {
    this.largest(0, visit)
  }
}
