import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { budgetsFor, parseBudgetFile } from '../src/config/budget-file.js'
import { InputError } from '../src/config/errors.js'

const schema = JSON.parse(readFileSync(new URL('../schema/image-budget.schema.json', import.meta.url), 'utf8'))
const validate = new Ajv({ allErrors: true }).compile(schema)

const GOOD = `# yaml-language-server: $schema=../schema/image-budget.schema.json
version: 1
defaults:
  max-size: 200MB
  max-layers: { limit: 20, level: warning }
images:
  api:
    max-size: 150MiB
    max-compressed-size:
      limit: 60MB
      level: error
  worker:
    max-layer-size: 52428800
`

describe('parseBudgetFile', () => {
  it('reads defaults and per-image budgets with levels and where each was set', () => {
    const file = parseBudgetFile('.github/image-budget.yml', GOOD)
    expect(file.defaults).toEqual({
      'max-size': { limit: 200_000_000, unit: 'bytes', level: 'error', source: '.github/image-budget.yml:4' },
      'max-layers': { limit: 20, unit: 'count', level: 'warning', source: '.github/image-budget.yml:5' }
    })
    expect(file.images.api['max-size']).toMatchObject({ limit: 150 * 2 ** 20, level: 'error' })
    expect(file.images.api['max-compressed-size']).toMatchObject({ limit: 60_000_000, level: 'error' })
    expect(file.images.worker['max-layer-size']).toMatchObject({ limit: 52_428_800 })
  })

  it('is accepted by the JSON Schema shipped for editors', () => {
    expect(validate(parse(GOOD))).toBe(true)
  })

  it.each([
    ['images:\n  api:\n    max-size: 150 megs\n', /budget\.yml:3: images\.api\.max-size: "150 megs" has an unknown unit "megs"/],
    ['defaults:\n  max-sise: 1MB\n', /budget\.yml:2: defaults\.max-sise: unknown rule \(known rules: max-size/],
    ['defaults:\n  max-layers: 12.5\n', /budget\.yml:2: defaults\.max-layers: .*not a whole, non-negative number/],
    ['defaults:\n  max-size: { limit: 1MB, level: fatal }\n', /budget\.yml:2: defaults\.max-size\.level: must be error or warning, got "fatal"/],
    ['defaults:\n  max-size: { level: warning }\n', /defaults\.max-size: has no limit/],
    ['defaults:\n  max-size: { limit: 1MB, levle: warning }\n', /defaults\.max-size\.levle: unknown key/],
    ['defaults:\n  max-size: [1, 2]\n', /defaults\.max-size: must be a size, a number or \{ limit, level \}, got \[1,2\]/],
    ['defaults: 12\n', /budget\.yml:1: defaults: must be a mapping of rules, got 12/],
    ['budgets:\n  max-size: 1MB\n', /budget\.yml:1: budgets: unknown key \(expected version, defaults, images, smells, ignore\)/],
    ['version: 2\n', /version: must be 1, got 2/],
    ['images: [api]\n', /images: must be a mapping of image names/],
    ['defaults:\n  max-size: 1MB\n  max-size: 2MB\n', /budget\.yml:3: invalid YAML: Map keys must be unique/],
    ['- just\n- a list\n', /the budget file must be a mapping/],
    ['defaults:\n  min-efficiency: 1.5\n', /defaults\.min-efficiency: "1.5" is not a percentage or a fraction from 0 to 1/],
    ['defaults:\n  max-wasted: 120%\n', /defaults\.max-wasted: "120%" is not a percentage from 0% to 100%/],
    ['smells:\n  root-usr: error\n', /budget\.yml:2: smells\.root-usr: unknown smell rule/],
    ['smells:\n  root-user: fatal\n', /smells\.root-user: must be error, warning or off, got "fatal"/],
    ['ignore: usr/share\n', /ignore: must be a list of path globs, got "usr\/share"/]
  ])('names the file, line, key and value for %p', (text, message) => {
    expect(() => parseBudgetFile('.github/image-budget.yml', text)).toThrow(InputError)
    expect(() => parseBudgetFile('.github/image-budget.yml', text)).toThrow(message)
  })

  it.each([
    'images:\n  api:\n    max-size: 150 megs\n',
    'defaults:\n  max-sise: 1MB\n',
    'defaults:\n  max-size: { limit: 1MB, level: fatal }\n',
    'budgets:\n  max-size: 1MB\n'
  ])('the JSON Schema refuses what the parser refuses: %p', text => {
    expect(validate(parse(text))).toBe(false)
  })

  it('accepts an empty file and empty sections', () => {
    const empty = { path: 'f.yml', defaults: {}, images: {}, smells: {}, ignore: [] }
    expect(parseBudgetFile('f.yml', '')).toEqual(empty)
    expect(parseBudgetFile('f.yml', 'defaults:\nimages:\nsmells:\n')).toEqual(empty)
  })

  it('reads vulnerability budgets in both forms', () => {
    const text = 'defaults:\n  max-vulnerabilities: critical=0,high=5\nimages:\n  api:\n    max-vulnerabilities: { critical: 0, medium: 10, fixable-only: true, level: warning }\n'
    const file = parseBudgetFile('f.yml', text)
    expect(file.defaults['max-vulnerabilities']).toEqual({ limits: { critical: 0, high: 5 }, fixableOnly: false, level: 'error', source: 'f.yml:2' })
    expect(file.images.api['max-vulnerabilities']).toEqual({ limits: { critical: 0, medium: 10 }, fixableOnly: true, level: 'warning', source: 'f.yml:5' })
    expect(validate(parse(text))).toBe(true)
    expect(() => parseBudgetFile('f.yml', 'defaults:\n  max-vulnerabilities: severe=1\n')).toThrow('f.yml:2: defaults.max-vulnerabilities: "severe=1" is not severity=count')
    expect(() => parseBudgetFile('f.yml', 'defaults:\n  max-vulnerabilities: { critical: -1 }\n')).toThrow('defaults.max-vulnerabilities.critical: must be a whole, non-negative number, got -1')
    expect(() => parseBudgetFile('f.yml', 'defaults:\n  max-vulnerabilities: { fixable: true }\n')).toThrow('defaults.max-vulnerabilities.fixable: unknown key')
    expect(validate(parse('defaults:\n  max-vulnerabilities: { fixable: true }\n'))).toBe(false)
  })

  it('reads waste budgets, smell levels and ignored paths', () => {
    const text = 'defaults:\n  max-wasted: 10%\n  min-efficiency: 0.95\nimages:\n  api:\n    max-wasted: 5MB\nsmells:\n  root-user: error\n  package-cache: off\nignore:\n  - usr/share/doc/**\n'
    const file = parseBudgetFile('f.yml', text)
    expect(file.defaults['max-wasted']).toMatchObject({ limit: 0.1, unit: 'ratio' })
    expect(file.defaults['min-efficiency']).toMatchObject({ limit: 0.95, unit: 'ratio' })
    expect(file.images.api['max-wasted']).toMatchObject({ limit: 5_000_000, unit: 'bytes' })
    expect(file.smells).toEqual({ 'root-user': 'error', 'package-cache': 'off' })
    expect(file.ignore).toEqual(['usr/share/doc/**'])
    expect(validate(parse(text))).toBe(true)
  })
})

describe('budgetsFor', () => {
  it('applies defaults, then the image entry, then inline inputs', () => {
    const file = parseBudgetFile('f.yml', GOOD)
    const inline = { 'max-layers': { limit: 5, unit: 'count' as const, level: 'error' as const, source: 'input max-layers' } }
    const api = budgetsFor('api', file, inline)
    expect(api['max-size']?.limit).toBe(150 * 2 ** 20)
    expect(api['max-layers']).toEqual(inline['max-layers'])
    expect(api['max-compressed-size']?.limit).toBe(60_000_000)
    const other = budgetsFor('other', file, {})
    expect(other['max-size']?.limit).toBe(200_000_000)
    expect(other['max-compressed-size']).toBeUndefined()
  })
})
