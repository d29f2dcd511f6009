// The nodes of a filesystem tree, kept compact enough for a million files in a few tens of MB.
//
// A Map per directory costs about 80 bytes an entry in V8 (the Map's slots and the name as a
// string of its own). Here a node is an integer id into columns of typed arrays; names are UTF-8
// bytes packed into one buffer; and one open-addressing hash table, shared by all directories,
// finds a child by its parent and name. The children of a directory form a list in the order they
// were added, as a Map iterates. About 31 bytes a node remain, plus its name and its table slots.

import { writeUtf8 } from './utf8.js'

/** No node: the end of a list, an empty slot. */
export const NONE = -1
/** The root directory's id. */
export const ROOT = 0

const DIRECTORY = 1
/** Taken out of its directory: no longer found by name, and skipped (then unlinked) by walks. */
const DETACHED = 2

const SLASH = 0x2f
const INITIAL_NODES = 1024
const INITIAL_NAME_BYTES = 64 * 1024
/** The table grows past half full, so that probes stay short. */
const MAX_LOAD = 0.5

/** Node's Buffer decodes with this method, which Buffer#toString calls. */
interface Utf8Slicer {
  utf8Slice(start: number, end: number): string
}

export class TreeStore {
  /** A file's size; a directory has none of its own and keeps its last child here instead. */
  private sizes = new Float64Array(INITIAL_NODES)
  private layerOf = new Uint16Array(INITIAL_NODES)
  private flags = new Uint8Array(INITIAL_NODES)
  private parents = new Int32Array(INITIAL_NODES)
  /** Where the node's name starts in `names`: a length (7 bits a byte, lowest first), then the bytes. */
  private nameStarts = new Uint32Array(INITIAL_NODES)
  /** The next sibling in the directory's list. */
  private nexts = new Int32Array(INITIAL_NODES)
  /** A directory's first child; a file's owner plus one (0: none). */
  private heads = new Int32Array(INITIAL_NODES)
  /** The hash of the node's parent and name: the table grows and moves entries without reading names again. */
  private hashes = new Uint32Array(INITIAL_NODES)
  private count = 0

  private names = Buffer.allocUnsafe(INITIAL_NAME_BYTES)
  private namesUsed = 0
  /** The length of the name `nameAt` read last. */
  private nameLength = 0
  /** The hash `slotOf` computed last. */
  private lastHash = 0
  /** The empty slot where the name `child` last missed would go, while the table has not changed since; else NONE. */
  private missSlot = NONE
  private missParent = NONE
  private missStart = 0
  private missEnd = 0
  /** Counts directories taken out or replaced: a directory id held since the count last changed still stands. */
  directoriesChanged = 0

  private slots = new Int32Array(INITIAL_NODES * 2).fill(NONE)
  private slotsUsed = 0
  /** Seeds the hash per tree, so that names cannot be chosen ahead to collide. */
  private readonly seed = (Math.random() * 0x100000000) >>> 0

  /** The bytes being looked up: a path or a name, encoded once as UTF-8. */
  key: Buffer = Buffer.allocUnsafe(4096)

  constructor() {
    this.newNode(0, true, this.storeName(0, 0))
    this.parents[ROOT] = NONE
  }

  // --- columns --------------------------------------------------------------------------------

  isDirectory(id: number): boolean {
    return (this.flags[id] & DIRECTORY) !== 0
  }

  isDetached(id: number): boolean {
    return (this.flags[id] & DETACHED) !== 0
  }

  size(id: number): number {
    return this.sizes[id]
  }

  setSize(id: number, size: number): void {
    this.sizes[id] = size
  }

  layer(id: number): number {
    return this.layerOf[id]
  }

  setLayer(id: number, layer: number): void {
    this.layerOf[id] = layer
  }

  /** A file's owner (see OverlayFilesystem.setOwner), -1 for none. */
  owner(id: number): number {
    return this.heads[id] - 1
  }

  setOwner(id: number, owner: number): void {
    this.heads[id] = owner + 1
  }

  // --- keys -----------------------------------------------------------------------------------

  /** Puts a string into `key` as UTF-8 and returns its length in bytes. */
  encode(text: string): number {
    const length = text.length
    if (length * 3 > this.key.length) this.key = Buffer.allocUnsafe(length * 3)
    return writeUtf8(this.key, 0, text)
  }

  /** Where the next `/` of the key is from `start`, or `end`. */
  nextSlash(start: number, end: number): number {
    const slash = this.key.indexOf(SLASH, start)
    return slash < 0 || slash > end ? end : slash
  }

  // --- names ----------------------------------------------------------------------------------

  /** Where a node's name bytes start; `nameLength` is set to how many there are. */
  private nameAt(id: number): number {
    let at = this.nameStarts[id]
    let byte = this.names[at++]
    let length = byte & 0x7f
    for (let scale = 0x80; byte >= 0x80; scale *= 0x80) {
      byte = this.names[at++]
      length += (byte & 0x7f) * scale
    }
    this.nameLength = length
    return at
  }

  nameOf(id: number): string {
    const start = this.nameAt(id)
    // Buffer#toString checks its arguments and makes a view before it decodes: a walk of a
    // million names feels that, so it decodes at once.
    return (this.names as unknown as Utf8Slicer).utf8Slice(start, start + this.nameLength)
  }

  /** The path of a node from the root, joined as walks join it: an empty name at the top adds no slash. */
  pathOf(id: number): string {
    const names: string[] = []
    for (let node = id; node !== ROOT; node = this.parents[node]) names.push(this.nameOf(node))
    let path = ''
    for (let index = names.length - 1; index >= 0; index--) path = path === '' ? names[index] : `${path}/${names[index]}`
    return path
  }

  private storeName(start: number, end: number): number {
    const needed = this.namesUsed + (end - start) + 5
    if (needed > this.names.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.names.length * 2))
      // TypedArray#set copies at memory speed; Buffer#copy does not for large buffers.
      grown.set(this.names.subarray(0, this.namesUsed))
      this.names = grown
    }
    const at = this.namesUsed
    let cursor = at
    let length = end - start
    while (length >= 0x80) {
      this.names[cursor++] = (length & 0x7f) | 0x80
      length = Math.floor(length / 0x80)
    }
    this.names[cursor++] = length
    // Buffer#copy costs more than a loop over a name's few bytes.
    const names = this.names
    const key = this.key
    for (let index = start; index < end; index++) names[cursor++] = key[index]
    this.namesUsed = cursor
    return at
  }

  // --- the table of children ------------------------------------------------------------------

  private hash(parent: number, bytes: Uint8Array, start: number, end: number): number {
    let hash = Math.imul(this.seed ^ parent, 0x9e3779b1)
    let index = start
    // Four bytes a step: each step waits on the one before, so fewer steps is what makes it quick.
    for (; index + 4 <= end; index += 4) {
      hash = Math.imul(hash ^ (bytes[index] | (bytes[index + 1] << 8) | (bytes[index + 2] << 16) | (bytes[index + 3] << 24)), 0x01000193)
      hash ^= hash >>> 15
    }
    for (; index < end; index++) {
      hash = Math.imul(hash ^ bytes[index], 0x01000193)
      hash ^= hash >>> 15
    }
    hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
    return (hash ^ (hash >>> 13)) >>> 0
  }

  private nameIs(id: number, start: number, end: number): boolean {
    let at = this.nameAt(id)
    if (this.nameLength !== end - start) return false
    const names = this.names
    const key = this.key
    for (let index = start; index < end; index++) if (names[at++] !== key[index]) return false
    return true
  }

  /** The slot that holds the child of `parent` named by key bytes `start`..`end`, or the empty slot where it would go. */
  private slotOf(parent: number, start: number, end: number): number {
    const mask = this.slots.length - 1
    const hash = this.hash(parent, this.key, start, end)
    this.lastHash = hash
    let slot = hash & mask
    for (;;) {
      const id = this.slots[slot]
      if (id === NONE || (this.hashes[id] === hash && this.parents[id] === parent && this.nameIs(id, start, end))) return slot
      slot = (slot + 1) & mask
    }
  }

  /** The slot of an attached node. */
  private slotHolding(id: number): number {
    const mask = this.slots.length - 1
    let slot = this.hashes[id] & mask
    while (this.slots[slot] !== id) slot = (slot + 1) & mask
    return slot
  }

  /** The child of `parent` that key bytes `start`..`end` name, or NONE. */
  child(parent: number, start: number, end: number): number {
    const slot = this.slotOf(parent, start, end)
    const id = this.slots[slot]
    if (id === NONE) {
      // Nearly every miss is followed by adding that name: the probe need not be made twice.
      this.missSlot = slot
      this.missParent = parent
      this.missStart = start
      this.missEnd = end
    }
    return id
  }

  /** The child of `parent` named `name`, or NONE. */
  childNamed(parent: number, name: string): number {
    return this.child(parent, 0, this.encode(name))
  }

  private growSlots(): void {
    const old = this.slots
    this.missSlot = NONE
    this.slots = new Int32Array(old.length * 2).fill(NONE)
    const mask = this.slots.length - 1
    for (const id of old) {
      if (id === NONE) continue
      let slot = this.hashes[id] & mask
      while (this.slots[slot] !== NONE) slot = (slot + 1) & mask
      this.slots[slot] = id
    }
  }

  /** Empties a slot, moving later entries of its probe run back so that every entry stays reachable. */
  private clearSlot(slot: number): void {
    const mask = this.slots.length - 1
    let hole = slot
    let next = (slot + 1) & mask
    while (this.slots[next] !== NONE) {
      const home = this.hashes[this.slots[next]] & mask
      // An entry may fill the hole unless its home lies after the hole, up to where it sits.
      if (((next - home) & mask) >= ((next - hole) & mask)) {
        this.slots[hole] = this.slots[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    this.slots[hole] = NONE
    this.slotsUsed--
    this.missSlot = NONE
  }

  // --- nodes ----------------------------------------------------------------------------------

  private newNode(layer: number, directory: boolean, nameStart: number): number {
    if (this.count === this.sizes.length) this.growNodes()
    const id = this.count++
    this.sizes[id] = directory ? NONE : 0
    this.layerOf[id] = layer
    this.flags[id] = directory ? DIRECTORY : 0
    this.nameStarts[id] = nameStart
    this.nexts[id] = NONE
    this.heads[id] = directory ? NONE : 0
    return id
  }

  private growNodes(): void {
    const length = this.sizes.length * 2
    const grow = <T extends Float64Array | Uint16Array | Uint8Array | Int32Array | Uint32Array>(column: T, make: (length: number) => T): T => {
      const grown = make(length)
      grown.set(column)
      return grown
    }
    this.sizes = grow(this.sizes, n => new Float64Array(n))
    this.layerOf = grow(this.layerOf, n => new Uint16Array(n))
    this.flags = grow(this.flags, n => new Uint8Array(n))
    this.parents = grow(this.parents, n => new Int32Array(n))
    this.nameStarts = grow(this.nameStarts, n => new Uint32Array(n))
    this.nexts = grow(this.nexts, n => new Int32Array(n))
    this.heads = grow(this.heads, n => new Int32Array(n))
    this.hashes = grow(this.hashes, n => new Uint32Array(n))
  }

  /** Adds a child named by key bytes `start`..`end`, last in its parent's list; there must be none of that name. */
  add(parent: number, start: number, end: number, layer: number, directory: boolean): number {
    const missed = this.missSlot >= 0 && this.missParent === parent && this.missStart === start && this.missEnd === end
    const slot = missed ? this.missSlot : this.slotOf(parent, start, end)
    this.missSlot = NONE
    const id = this.newNode(layer, directory, this.storeName(start, end))
    this.parents[id] = parent
    this.hashes[id] = this.lastHash
    this.slots[slot] = id
    this.slotsUsed++
    const last = this.sizes[parent]
    if (last === NONE) this.heads[parent] = id
    else this.nexts[last] = id
    this.sizes[parent] = id
    if (this.slotsUsed > this.slots.length * MAX_LOAD) this.growSlots()
    return id
  }

  /** Puts a new node in the place of an attached one, under its name and at its place in the list; detaches the old one. */
  replace(old: number, layer: number, directory: boolean): number {
    const parent = this.parents[old]
    const slot = this.slotHolding(old)
    const id = this.newNode(layer, directory, this.nameStarts[old])
    this.parents[id] = parent
    this.hashes[id] = this.hashes[old]
    this.slots[slot] = id
    this.nexts[id] = this.nexts[old]
    this.nexts[old] = id
    if (this.sizes[parent] === old) this.sizes[parent] = id
    if (this.isDirectory(old)) this.directoriesChanged++
    this.flags[old] |= DETACHED
    return id
  }

  /** Takes a node out of its directory: it is no longer found, and walks pass it by. */
  detach(id: number): void {
    this.clearSlot(this.slotHolding(id))
    if (this.isDirectory(id)) this.directoriesChanged++
    this.flags[id] |= DETACHED
  }

  // --- walks ----------------------------------------------------------------------------------

  /** A directory's first attached child, or NONE; detached ones before it leave the list on the way. */
  firstChild(directory: number): number {
    let id = this.heads[directory]
    while (id !== NONE && this.isDetached(id)) id = this.nexts[id]
    this.heads[directory] = id
    if (id === NONE) this.sizes[directory] = NONE
    return id
  }

  /** The attached sibling after an attached child, or NONE; detached ones between leave the list on the way. */
  nextChild(directory: number, child: number): number {
    let id = this.nexts[child]
    while (id !== NONE && this.isDetached(id)) id = this.nexts[id]
    this.nexts[child] = id
    if (id === NONE) this.sizes[directory] = child
    return id
  }
}
