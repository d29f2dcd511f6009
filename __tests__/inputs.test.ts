import { describe, expect, it } from '@jest/globals'
import { InputError } from '../src/config/errors.js'
import { getInputs, parseList } from '../src/config/inputs.js'

const reader = (values: Record<string, string>) => (name: string) => values[name] ?? ''

describe('getInputs', () => {
  it('applies the defaults of action.yml when nothing is given', () => {
    const inputs = getInputs(reader({}))
    expect(inputs.context).toBe('.')
    expect(inputs.push).toBe(false)
    expect(inputs.load).toBe(false)
    expect(inputs['fail-on']).toBe('error')
    expect(inputs['export-mode']).toBe('auto')
    expect(inputs.summary).toBe(true)
    expect(inputs.platforms).toEqual([])
  })

  it('splits platforms and tags on commas and newlines, but cache specs and build args on newlines only', () => {
    const inputs = getInputs(
      reader({
        platforms: 'linux/amd64, linux/arm64\nlinux/arm/v7',
        tags: 'a:1,a:latest',
        'cache-from': 'type=gha,scope=api\ntype=local,src=/tmp/c',
        'build-args': 'LIST=a,b,c\nVERSION=1',
        labels: 'org.opencontainers.image.title=x,y'
      })
    )
    expect(inputs.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7'])
    expect(inputs.tags).toEqual(['a:1', 'a:latest'])
    expect(inputs['cache-from']).toEqual(['type=gha,scope=api', 'type=local,src=/tmp/c'])
    expect(inputs['build-args']).toEqual(['LIST=a,b,c', 'VERSION=1'])
    expect(inputs.labels).toEqual(['org.opencontainers.image.title=x,y'])
  })

  it.each([
    ['push', 'yes', /Input "push" must be true or false, got "yes"/],
    ['no-cache', '1', /Input "no-cache" must be true or false, got "1"/],
    ['summary', 'off', /Input "summary" must be true or false, got "off"/],
    ['fail-on', 'warn', /Input "fail-on" must be one of error, warning, never, got "warn"/],
    ['export-mode', 'tar', /Input "export-mode" must be one of auto, folder, stream, registry, got "tar"/]
  ])('names the input and the value when %s is %p', (name, value, message) => {
    expect(() => getInputs(reader({ [name]: value }))).toThrow(InputError)
    expect(() => getInputs(reader({ [name]: value }))).toThrow(message)
  })

  it('accepts booleans in any case', () => {
    expect(getInputs(reader({ push: 'TRUE', summary: 'False' }))).toMatchObject({ push: true, summary: false })
  })
})

describe('parseList', () => {
  it('drops blank lines and comments', () => {
    expect(parseList('a\n\n# note\n b \n')).toEqual(['a', 'b'])
  })

  it('keeps a quoted item whole, commas and newlines included, as build-push-action reads CSV', () => {
    expect(parseList('"a,b",c')).toEqual(['a,b', 'c'])
    expect(parseList('"KEY=line one\nline ""two"""\nOTHER=x', { ignoreComma: true })).toEqual(['KEY=line one\nline "two"', 'OTHER=x'])
    expect(parseList('a\r\nb')).toEqual(['a', 'b'])
  })

  it('names the input when a quote is not closed', () => {
    expect(() => parseList('"KEY=value', { name: 'secrets' })).toThrow('Input "secrets": a double quote is not closed')
  })
})
