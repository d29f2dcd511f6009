// The overlay model as it was first written, with a Map per directory and names as strings: the
// straightforward reading of overlayfs that the compact OverlayFilesystem is checked against, case
// by random case (filesystem-model.test.ts). Memory is no concern here.
import { EntryKind, MAX_LAYERS, TopList, WHITEOUT_PREFIX, type FileVisitor, type HiddenVersion, type VisibleDirectory, type VisibleFile } from '../../src/image/filesystem.js'

interface Directory {
  children: Map<string, Directory | number>
  layer: number
}

/** One directory of a walk in progress, with the rest of its children to visit. */
interface WalkFrame {
  path: string
  directory: Directory
  children: Iterator<[string, Directory | number]>
}

interface HideFrame extends WalkFrame {
  parent: Directory | undefined
  name: string
}

interface SizeFrame extends WalkFrame {
  size: number
  files: number
}

const newDirectory = (layer: number): Directory => ({ children: new Map(), layer })

function normalizeLink(linkName: string): string {
  return linkName.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '')
}

export class MapOverlayFilesystem {
  private readonly root = newDirectory(-1)
  private sizes = new Float64Array(1024)
  private layers = new Uint16Array(1024)
  private hidden = new Uint8Array(1024)
  /** The owner of each file plus one (0: none). */
  private owners = new Int32Array(1024)
  private fileCount = 0
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

  private newFile(size: number, layer: number): number {
    if (this.fileCount === this.sizes.length) {
      const sizes = new Float64Array(this.sizes.length * 2)
      sizes.set(this.sizes)
      this.sizes = sizes
      const layers = new Uint16Array(this.layers.length * 2)
      layers.set(this.layers)
      this.layers = layers
      const hidden = new Uint8Array(this.hidden.length * 2)
      hidden.set(this.hidden)
      this.hidden = hidden
      const owners = new Int32Array(this.owners.length * 2)
      owners.set(this.owners)
      this.owners = owners
    }
    this.sizes[this.fileCount] = size
    this.layers[this.fileCount] = layer
    return this.fileCount++
  }

  private hide(path: string, id: number, hiddenBy: number): void {
    this.hidden[id] = 1
    const size = this.sizes[id]
    if (size === 0) return
    // Content that a visible hard link still reaches is not wasted: the link takes it over.
    const links = this.linksTo.get(id)
    if (links !== undefined) {
      this.linksTo.delete(id)
      const heir = links.findIndex(link => this.hidden[link] === 0)
      if (heir >= 0) {
        const [heirId] = links.splice(heir, 1)
        this.sizes[heirId] = size
        if (links.length > 0) this.linksTo.set(heirId, links)
        return
      }
    }
    this.wastedBytes += size
    const pair = this.layers[id] * 0x10000 + hiddenBy
    this.wasteByLayers.set(pair, (this.wasteByLayers.get(pair) ?? 0) + size)
    if (this.topWaste.wants(size)) this.topWaste.add({ path, size, writtenBy: this.layers[id], hiddenBy })
  }

  /**
   * Hides everything below a directory that lower layers put there; returns whether it is now empty.
   * The walk keeps its own stack: a layer may nest directories deeper than the call stack goes.
   */
  private hideLower(path: string, directory: Directory, layer: number): boolean {
    const stack: HideFrame[] = [{ path, directory, children: directory.children.entries(), parent: undefined, name: '' }]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]
      const next = frame.children.next()
      if (next.done) {
        stack.pop()
        if (frame.parent !== undefined && frame.directory.children.size === 0 && frame.directory.layer < layer) {
          frame.parent.children.delete(frame.name)
        }
        continue
      }
      const [name, child] = next.value
      const childPath = frame.path === '' ? name : `${frame.path}/${name}`
      if (typeof child === 'number') this.hideFile(frame.directory, name, childPath, child, layer)
      else stack.push({ path: childPath, directory: child, children: child.children.entries(), parent: frame.directory, name })
    }
    return directory.children.size === 0
  }

  private hideFile(parent: Directory, name: string, childPath: string, child: number, layer: number): void {
    if (this.layers[child] < layer) {
      this.hide(childPath, child, layer)
      parent.children.delete(name)
    }
  }

  /** Hides what lower layers made of one entry of a directory, and removes the entry once nothing of it is left. */
  private hideChild(parent: Directory, name: string, childPath: string, child: Directory | number, layer: number): void {
    if (typeof child === 'number') this.hideFile(parent, name, childPath, child, layer)
    else if (this.hideLower(childPath, child, layer) && child.layer < layer) parent.children.delete(name)
  }

  private parentOf(path: string, layer: number): { parent: Directory; name: string } {
    let directory = this.root
    let start = 0
    for (;;) {
      const slash = path.indexOf('/', start)
      if (slash < 0) return { parent: directory, name: path.slice(start) }
      const name = path.slice(start, slash)
      const child = directory.children.get(name)
      if (child === undefined || typeof child === 'number') {
        // A missing parent is implied by its child; a file in the way is replaced by the directory.
        if (typeof child === 'number') this.hide(path.slice(0, slash), child, layer)
        const created = newDirectory(layer)
        directory.children.set(name, created)
        directory = created
      } else {
        directory = child
      }
      start = slash + 1
    }
  }

  private lookup(path: string): Directory | number | undefined {
    let node: Directory | number | undefined = this.root
    for (const name of path.split('/')) {
      if (node === undefined || typeof node === 'number') return undefined
      node = node.children.get(name)
    }
    return node
  }

  /**
   * The file a path names, following the links kept near the root as the kernel would (a link's
   * target is relative to its folder); undefined when the path shows no file.
   */
  private resolveFile(path: string): number | undefined {
    let names = path.split('/')
    for (let hops = 0; hops < 16; hops++) {
      let node: Directory | number = this.root
      let index = 0
      for (; index < names.length; index++) {
        if (typeof node === 'number') break
        const next: Directory | number | undefined = node.children.get(names[index])
        if (next === undefined) return undefined
        node = next
      }
      // A link near the root named last stands for a folder (`/bin` on a merged /usr): no package owns it.
      if (index === names.length) return typeof node === 'number' && !this.shallowLinks.has(node) ? node : undefined
      const target = this.shallowLinks.get(node as number)
      if (target === undefined) return undefined
      const folder = names.slice(0, index - 1)
      const joined = target.startsWith('/') ? target.split('/') : [...folder, ...target.split('/')]
      const resolved: string[] = []
      for (const name of [...joined, ...names.slice(index)]) {
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
    if (id === undefined || this.owners[id] !== 0) return false
    this.owners[id] = owner + 1
    return true
  }

  /** The layer whose version of a file is visible, or undefined when the path shows no file. */
  visibleLayer(path: string): number | undefined {
    const node = this.lookup(path)
    return typeof node === 'number' ? this.layers[node] : undefined
  }

  /**
   * Applies one entry of layer `layer` (layers are applied in order, lowest first). `linkName` is
   * the target of a hard link, as the tar records it.
   */
  apply(path: string, kind: EntryKind, size: number, layer: number, linkName = ''): void {
    if (path === '') return
    if (layer >= MAX_LAYERS) throw new RangeError(`an image of more than ${MAX_LAYERS} layers cannot be measured (layer ${layer + 1})`)
    const { parent, name } = this.parentOf(path, layer)
    if (kind === EntryKind.Opaque) {
      const parentPath = path.slice(0, Math.max(0, path.length - name.length - 1))
      this.hideLower(parentPath, parent, layer)
      return
    }
    if (kind === EntryKind.Whiteout) {
      const target = name.slice(WHITEOUT_PREFIX.length)
      const targetPath = path.slice(0, path.length - name.length) + target
      const existing = parent.children.get(target)
      if (existing !== undefined) this.hideChild(parent, target, targetPath, existing, layer)
      return
    }
    const existing = parent.children.get(name)
    if (kind === EntryKind.Directory) {
      if (existing === undefined) parent.children.set(name, newDirectory(layer))
      else if (typeof existing === 'number') {
        this.hide(path, existing, layer)
        parent.children.set(name, newDirectory(layer))
      } else existing.layer = layer
      return
    }
    if (existing !== undefined) {
      if (typeof existing === 'number') this.hide(path, existing, layer)
      else this.hideLower(path, existing, layer + 1)
    }
    const id = this.newFile(kind === EntryKind.File ? size : 0, layer)
    // A key the map holds already stays as it is.
    parent.children.set(name, id)
    if (kind === EntryKind.Symlink && linkName !== '' && path.indexOf('/', path.indexOf('/') + 1) < 0) this.shallowLinks.set(id, linkName)
    if (kind === EntryKind.Hardlink) {
      const target = this.lookup(normalizeLink(linkName))
      if (typeof target === 'number') {
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
    const files = new TopList<VisibleFile>(count, item => item.size)
    const directories = new TopList<{ path: string; size: number; files: number; node: Directory }>(count, item => item.size)
    // Sizes add up from the leaves: each frame collects its children's, then hands its total up.
    const root: SizeFrame = { path: '', directory: this.root, children: this.root.children.entries(), size: 0, files: 0 }
    const stack: SizeFrame[] = [root]
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]
      const next = frame.children.next()
      if (next.done) {
        stack.pop()
        const parent = stack[stack.length - 1]
        if (parent === undefined) continue
        parent.size += frame.size
        parent.files += frame.files
        if (directories.wants(frame.size)) directories.add({ path: frame.path, size: frame.size, files: frame.files, node: frame.directory })
        continue
      }
      const [name, child] = next.value
      if (typeof child === 'number') {
        const childSize = this.sizes[child]
        frame.size += childSize
        frame.files++
        const wanted = childSize > 0 && files.wants(childSize)
        if (!wanted && visit === undefined) continue
        const childPath = frame.path === '' ? name : `${frame.path}/${name}`
        visit?.(childPath, childSize, this.layers[child], this.owners[child] - 1)
        if (wanted) files.add({ path: childPath, size: childSize, layer: this.layers[child] })
      } else {
        const childPath = frame.path === '' ? name : `${frame.path}/${name}`
        visit?.(`${childPath}/`, 0, child.layer, -1)
        stack.push({ path: childPath, directory: child, children: child.children.entries(), size: 0, files: 0 })
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

  private mainLayer(directory: Directory): number {
    const bytes = new Map<number, number>()
    const stack = [directory.children.values()]
    while (stack.length > 0) {
      const next = stack[stack.length - 1].next()
      if (next.done) stack.pop()
      else if (typeof next.value === 'number') bytes.set(this.layers[next.value], (bytes.get(this.layers[next.value]) ?? 0) + this.sizes[next.value])
      else stack.push(next.value.children.values())
    }
    let best = directory.layer
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
