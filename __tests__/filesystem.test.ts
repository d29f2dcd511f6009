import { describe, expect, it } from '@jest/globals'
import { linkSync } from 'node:fs'
import * as path from 'node:path'
import { entryKind, EntryKind, OverlayFilesystem, TopList } from '../src/image/filesystem.js'
import { TarScanner } from '../src/image/tar.js'
import { gnuTar, makeTree, type TreeFile } from './helpers/tar.js'
import { tempDir } from './helpers/temp.js'

/** A layer as a folder turned into a tar by GNU tar: whiteouts are ordinary empty files in it. */
function layerTar(files: TreeFile[], links: Array<[string, string]> = []): Buffer {
  const root = tempDir('image-budget-layer-')
  makeTree(root, files)
  for (const [existing, link] of links) linkSync(path.join(root, existing), path.join(root, link))
  return gnuTar(root, 'pax')
}

function overlay(layers: Buffer[]): OverlayFilesystem {
  const filesystem = new OverlayFilesystem()
  layers.forEach((tar, layer) => {
    const scanner = new TarScanner(entry =>
      filesystem.apply(entry.path, entryKind(entry.type, entry.path), entry.size, layer, entry.linkName)
    )
    scanner.write(tar)
    scanner.end()
  })
  return filesystem
}

function visible(filesystem: OverlayFilesystem): Record<string, number> {
  const files: Record<string, number> = {}
  filesystem.forEachFile((file, size) => {
    if (!file.endsWith('/')) files[file] = size
  })
  return files
}

describe('OverlayFilesystem', () => {
  it('counts a deleted file once as waste, and not what stays visible', () => {
    const filesystem = overlay([
      layerTar([
        { path: 'app/big.bin', bytes: 5000 },
        { path: 'app/keep.txt', bytes: 70 }
      ]),
      layerTar([{ path: 'app/.wh.big.bin', bytes: 0 }])
    ])
    expect(filesystem.wastedBytes).toBe(5000)
    expect(visible(filesystem)).toEqual({ 'app/keep.txt': 70 })
    expect(filesystem.topWaste.items).toEqual([{ path: 'app/big.bin', size: 5000, writtenBy: 0, hiddenBy: 1 }])
  })

  it('counts every overwritten version once, and the last version never', () => {
    const filesystem = overlay([
      layerTar([{ path: 'etc/config', bytes: 100 }]),
      layerTar([{ path: 'etc/config', bytes: 300 }]),
      layerTar([{ path: 'etc/config', bytes: 50 }])
    ])
    expect(filesystem.wastedBytes).toBe(400)
    expect(visible(filesystem)).toEqual({ 'etc/config': 50 })
  })

  it('hides a whole directory removed by a whiteout', () => {
    const filesystem = overlay([
      layerTar([
        { path: 'cache/a/1', bytes: 10 },
        { path: 'cache/a/2', bytes: 20 },
        { path: 'cache/b', bytes: 30 },
        { path: 'bin/tool', bytes: 7 }
      ]),
      layerTar([{ path: '.wh.cache', bytes: 0 }])
    ])
    expect(filesystem.wastedBytes).toBe(60)
    expect(visible(filesystem)).toEqual({ 'bin/tool': 7 })
  })

  it('empties a directory of lower layers at an opaque marker, keeping what its own layer adds', () => {
    const filesystem = overlay([
      layerTar([
        { path: 'srv/old/x', bytes: 400 },
        { path: 'srv/old.txt', bytes: 100 }
      ]),
      layerTar([
        { path: 'srv/new.txt', bytes: 9 },
        { path: 'srv/.wh..wh..opq', bytes: 0 }
      ])
    ])
    // GNU tar sorts the new file before the marker: the marker still hides only lower layers.
    expect(filesystem.wastedBytes).toBe(500)
    expect(visible(filesystem)).toEqual({ 'srv/new.txt': 9 })
  })

  it('replaces a file by a directory and a directory by a file', () => {
    const filesystem = overlay([
      layerTar([
        { path: 'data', bytes: 11 },
        { path: 'logs/a.log', bytes: 22 }
      ]),
      layerTar([
        { path: 'data/inner', bytes: 1 },
        { path: 'logs', bytes: 3 }
      ])
    ])
    expect(filesystem.wastedBytes).toBe(33)
    expect(visible(filesystem)).toEqual({ 'data/inner': 1, logs: 3 })
  })

  // GNU tar with sorted names stores lib/libx.so with the content and lib/libx.so.1 as the link.
  const linked = () => layerTar([{ path: 'lib/libx.so.1', bytes: 1000 }], [['lib/libx.so.1', 'lib/libx.so']])

  it('counts hard links as 0 bytes while the content has a visible name', () => {
    const filesystem = overlay([linked(), layerTar([{ path: 'lib/.wh.libx.so.1', bytes: 0 }])])
    expect(visible(filesystem)).toEqual({ 'lib/libx.so': 1000 })
    expect(filesystem.wastedBytes).toBe(0)
  })

  it('lets a hard link take over content whose first name is deleted, so it is not waste', () => {
    const filesystem = overlay([linked(), layerTar([{ path: 'lib/.wh.libx.so', bytes: 0 }])])
    expect(visible(filesystem)).toEqual({ 'lib/libx.so.1': 1000 })
    expect(filesystem.wastedBytes).toBe(0)
  })

  it('counts linked content as waste once every name of it is gone', () => {
    const filesystem = overlay([linked(), layerTar([{ path: 'lib/.wh.libx.so', bytes: 0 }, { path: 'lib/.wh.libx.so.1', bytes: 0 }])])
    expect(visible(filesystem)).toEqual({})
    expect(filesystem.wastedBytes).toBe(1000)
  })

  it('follows PAX long names through whiteouts', () => {
    const long = `very/${'deep'.repeat(40)}/directory`
    const filesystem = overlay([
      layerTar([{ path: `${long}/${'n'.repeat(120)}.dat`, bytes: 1234 }]),
      layerTar([{ path: `${long}/.wh.${'n'.repeat(120)}.dat`, bytes: 0 }])
    ])
    expect(filesystem.wastedBytes).toBe(1234)
    expect(filesystem.topWaste.items[0].path).toBe(`${long}/${'n'.repeat(120)}.dat`)
  })

  it('lists the largest visible files and directories, with the layer that wrote most of each', () => {
    const filesystem = overlay([
      layerTar([
        { path: 'usr/lib/a.so', bytes: 500 },
        { path: 'usr/lib/b.so', bytes: 300 },
        { path: 'usr/bin/x', bytes: 100 }
      ]),
      layerTar([{ path: 'app/bundle.js', bytes: 700 }])
    ])
    const largest = filesystem.largest(2)
    expect(largest.files).toEqual([
      { path: 'app/bundle.js', size: 700, layer: 1 },
      { path: 'usr/lib/a.so', size: 500, layer: 0 }
    ])
    expect(largest.directories).toEqual([
      { path: 'usr', size: 900, files: 3, layer: 0 },
      { path: 'usr/lib', size: 800, files: 2, layer: 0 }
    ])
    expect(largest.visibleBytes).toBe(1600)
    expect(largest.visibleFiles).toBe(4)
  })
})

describe('entryKind', () => {
  it('tells whiteouts and opaque markers from ordinary entries', () => {
    expect(entryKind('file', 'a/.wh.b')).toBe(EntryKind.Whiteout)
    expect(entryKind('file', 'a/.wh..wh..opq')).toBe(EntryKind.Opaque)
    expect(entryKind('file', 'a/b.wh.c')).toBe(EntryKind.File)
    expect(entryKind('hardlink', 'x')).toBe(EntryKind.Hardlink)
  })
})

describe('TopList', () => {
  it('keeps the largest items in order', () => {
    const top = new TopList<number>(3, n => n)
    for (const n of [5, 1, 9, 3, 7, 2]) top.add(n)
    expect(top.items).toEqual([9, 7, 5])
  })
})
