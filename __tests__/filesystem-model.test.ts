// The compact OverlayFilesystem against the Map-based model of overlayfs it replaced: random layer
// sequences (files over directories and back, whiteouts, opaque markers, hard and symbolic links,
// non-ASCII and long names, crowded directories) must leave both with the same visible files, in
// the same order, the same waste and the same owners.
import { describe, expect, it } from '@jest/globals'
import { EntryKind, OverlayFilesystem } from '../src/image/filesystem.js'
import { prng } from './helpers/fuzz-tar.js'
import { MapOverlayFilesystem } from './helpers/overlay-reference.js'

type Overlay = Pick<OverlayFilesystem, 'apply' | 'largest' | 'forEachFile' | 'setOwner' | 'visibleLayer' | 'wastedBytes' | 'wasteByLayers' | 'topWaste'>

// Few names, so that paths meet: a later layer keeps landing on what an earlier one wrote. Their
// lengths take one, two and three bytes to record; an empty one comes from a hostile `a//b`.
const NAMES = ['a', 'b', 'usr', 'lib', 'bin', 'ñandú', '日本', 'x'.repeat(130), 'y'.repeat(20_000), 'e\u0301', '']

interface Entry {
  path: string
  kind: EntryKind
  size: number
  linkName: string
}

/** Each case draws from its own seed, so that a failing one can be replayed alone. */
function randomCase(seed: number): Entry[][] {
  const random = prng(seed)
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]
  // tar paths lose a leading slash (normalizePath), so an empty name never comes first.
  const randomPath = (): string =>
    [pick(NAMES.slice(0, -1)), ...Array.from({ length: Math.floor(random() * 4) }, () => pick(NAMES))].join('/')
  const written: string[] = []
  return Array.from({ length: 1 + Math.floor(random() * 6) }, () =>
    Array.from({ length: Math.floor(random() * 40) }, (): Entry => {
      const path = written.length > 0 && random() < 0.4 ? pick(written) : randomPath()
      const roll = random()
      const base = path.lastIndexOf('/') + 1
      if (roll < 0.12) return { path: `${path.slice(0, base)}.wh.${path.slice(base)}`, kind: EntryKind.Whiteout, size: 0, linkName: '' }
      if (roll < 0.17) return { path: `${path.slice(0, base)}.wh..wh..opq`, kind: EntryKind.Opaque, size: 0, linkName: '' }
      written.push(path)
      if (roll < 0.35) return { path, kind: EntryKind.Directory, size: 0, linkName: '' }
      if (roll < 0.45 && written.length > 1) return { path, kind: EntryKind.Hardlink, size: 0, linkName: `./${pick(written)}` }
      if (roll < 0.52) return { path, kind: EntryKind.Symlink, size: 0, linkName: pick(['usr/bin', '/usr/lib', '../b', 'a']) }
      return { path, kind: EntryKind.File, size: Math.floor(random() * 5000), linkName: '' }
    })
  )
}

/** Many files in one directory, deleted and written again in random order: the table's growth and removals. */
function crowdedCase(seed: number): Entry[][] {
  const random = prng(seed)
  const count = 6000
  const file = (index: number, size: number): Entry => ({ path: `dir/f${index}`, kind: EntryKind.File, size, linkName: '' })
  const layers: Entry[][] = [Array.from({ length: count }, (_, index) => file(index, index + 1))]
  for (let layer = 0; layer < 3; layer++) {
    layers.push(
      Array.from({ length: count }, (_, index) => {
        const roll = random()
        if (roll < 0.3) return { path: `dir/.wh.f${index}`, kind: EntryKind.Whiteout, size: 0, linkName: '' }
        if (roll < 0.4) return { path: `dir/f${index}/inner`, kind: EntryKind.File, size: 7, linkName: '' }
        return file(Math.floor(random() * count * 1.2), Math.floor(random() * 100))
      })
    )
  }
  return layers
}

function observe(overlay: Overlay, layers: Entry[][]): unknown {
  layers.forEach((entries, layer) => {
    for (const entry of entries) overlay.apply(entry.path, entry.kind, entry.size, layer, entry.linkName)
  })
  const paths = layers.flat().map(entry => entry.path)
  const owned = paths.map((path, index) => overlay.setOwner(index % 3 === 0 ? `/${path}` : path, index % 7))
  const visits: unknown[] = []
  overlay.forEachFile((path, size, layer, owner) => visits.push([path, size, layer, owner]))
  return {
    visits,
    owned,
    layersOf: paths.map(path => overlay.visibleLayer(path)),
    largest: overlay.largest(5),
    wasted: overlay.wastedBytes,
    byLayers: [...overlay.wasteByLayers],
    topWaste: overlay.topWaste.items
  }
}

describe('OverlayFilesystem against the Map-based model', () => {
  it.each(Array.from({ length: 250 }, (_, index) => index + 1))('agrees on random case %i', seed => {
    const layers = randomCase(seed)
    expect(observe(new OverlayFilesystem(4), layers)).toEqual(observe(new MapOverlayFilesystem(4), layers))
  })

  it('keeps a file added after a walk took removed names out of its directory', () => {
    const file = (path: string, size: number): Entry => ({ path, kind: EntryKind.File, size, linkName: '' })
    const marker = (path: string, kind: EntryKind): Entry => ({ path, kind, size: 0, linkName: '' })
    const layers = [
      [file('srv/a', 1), file('srv/b', 2)],
      // The opaque walk meets `b` removed at the end of the list, then `new` comes after it.
      [file('srv/a', 3), marker('srv/.wh.b', EntryKind.Whiteout), marker('srv/.wh..wh..opq', EntryKind.Opaque), file('srv/new', 4)],
      [file('srv/last', 5)]
    ]
    const compact = observe(new OverlayFilesystem(), layers) as { visits: unknown[] }
    expect(compact.visits).toEqual([
      ['srv/', 0, 0, -1],
      ['srv/a', 3, 1, 2],
      ['srv/new', 4, 1, 5],
      // Owners come from observe: `/srv/last` names no file, so it stays without one.
      ['srv/last', 5, 2, -1]
    ])
    expect(compact).toEqual(observe(new MapOverlayFilesystem(), layers))
  })

  it.each([1, 2, 3])('agrees on a crowded directory, case %i', seed => {
    const layers = crowdedCase(seed)
    const compact = observe(new OverlayFilesystem(), layers) as { visits: unknown[]; wasted: number }
    expect(compact).toEqual(observe(new MapOverlayFilesystem(), layers))
    // The case is only worth its time if it kept and removed many files.
    expect(compact.visits.length).toBeGreaterThan(3000)
    expect(compact.wasted).toBeGreaterThan(0)
  })
})
