import { describe, expect, it } from '@jest/globals'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { globFiles, globRegExp } from '../src/files/glob.js'
import { tempDir } from './helpers/temp.js'

describe('globRegExp', () => {
  it.each([
    ['artifacts/*.json', 'artifacts/api.json', true],
    ['artifacts/*.json', 'artifacts/api/api.json', false],
    ['artifacts/**/*.json', 'artifacts/api.json', true],
    ['artifacts/**/*.json', 'artifacts/a/b/c.json', true],
    ['artifacts/**', 'artifacts/a/b/c.json', true],
    ['a/{api,web}.json', 'a/web.json', true],
    ['a/{api,web}.json', 'a/worker.json', false],
    ['a/{api,w*}.json', 'a/worker.json', true],
    ['a/[ab].json', 'a/b.json', true],
    ['a/[!ab].json', 'a/b.json', false],
    ['a/?.json', 'a/x.json', true],
    ['a/\\*.json', 'a/x.json', false],
    ['a/\\*.json', 'a/*.json', true],
    ['a.json', 'aXjson', false],
    ['a/[.json', 'a/[.json', true]
  ])('%s against %s: %s', (pattern, file, matches) => {
    expect(globRegExp(pattern).test(file)).toBe(matches)
  })

  it('refuses a brace that is not closed, naming the pattern', () => {
    expect(() => globRegExp('a/{b,c.json')).toThrow('"a/{b,c.json": a { is not closed')
  })
})

describe('globFiles', () => {

  it('finds files below the literal part, relative or absolute, without following links to folders', async () => {
    const cwd = tempDir('image-budget-glob-')
    for (const file of ['artifacts/api/api.json', 'artifacts/web/web.json', 'artifacts/web/web.comment.md', 'other/x.json']) {
      mkdirSync(path.dirname(path.join(cwd, file)), { recursive: true })
      writeFileSync(path.join(cwd, file), '{}')
    }
    // A loop: followed, the walk would never end.
    symlinkSync(cwd, path.join(cwd, 'artifacts/loop'))
    expect(await globFiles('artifacts/**/*.json', cwd)).toEqual([path.join(cwd, 'artifacts/api/api.json'), path.join(cwd, 'artifacts/web/web.json')])
    expect(await globFiles('./artifacts/*/web.*', cwd)).toEqual([path.join(cwd, 'artifacts/web/web.comment.md'), path.join(cwd, 'artifacts/web/web.json')])
    expect(await globFiles(`${cwd}/other/*.json`, cwd)).toEqual([path.join(cwd, 'other/x.json')])
    expect(await globFiles('other/x.json', cwd)).toEqual([path.join(cwd, 'other/x.json')])
    // A folder is not a report file.
    expect(await globFiles('artifacts/api', cwd)).toEqual([])
    expect(await globFiles('nowhere/**/*.json', cwd)).toEqual([])
  })
})
