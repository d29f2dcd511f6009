// Which image store `docker info` describes: the classic store (a graph driver) loads an unpushed
// build into the engine to measure it; the containerd store, and anything not understood, export it.
import { describe, expect, it } from '@jest/globals'
import { isClassicStore } from '../src/build/build.js'

describe('the image store docker info describes', () => {
  it.each([
    ['overlay2, as GitHub runners have it', '[["Backing Filesystem","extfs"],["Supports d_type","true"],["Using metacopy","false"],["Native Overlay Diff","true"],["userxattr","false"]]\n', true],
    ['the containerd snapshotter', '[["driver-type","io.containerd.snapshotter.v1"]]\n', false],
    ['no answer', '', false],
    ['an empty list', '[]', false],
    ['another shape', '{"driver-type":"overlay2"}', false],
    ['a list of other things', '[1,2]', false],
    ['text', 'Error: not JSON', false]
  ])('%s', (_what, output, classic) => {
    expect(isClassicStore(output)).toBe(classic)
  })
})
