import { describe, expect, it } from '@jest/globals'
import { cacheScope, cacheSpecs, getArgs, hasActionsCache, parseDriver } from '../src/build/args.js'
import { getInputs } from '../src/config/inputs.js'

const inputsOf = (values: Record<string, string>) => getInputs(name => values[name] ?? '')
const paths = { metadataFile: '/t/metadata.json', ociDir: '/t/oci', secretFiles: [] }
const noCache = { from: [], to: [] }
const HEAD = ['buildx', 'build', '--progress=plain', '--metadata-file', '/t/metadata.json']
const TAIL = ['--output', 'type=oci,dest=/t/oci,tar=false']

describe('getArgs', () => {
  it.each<[string, Record<string, string>, string[]]>([
    ['defaults', {}, [...HEAD, ...TAIL, '.']],
    [
      'file, target and platforms',
      { file: 'docker/Dockerfile', target: 'runtime', platforms: 'linux/amd64,linux/arm64', context: 'app' },
      [...HEAD, '--platform', 'linux/amd64,linux/arm64', '--file', 'docker/Dockerfile', '--target', 'runtime', ...TAIL, 'app']
    ],
    [
      'build args, labels and tags, one flag each',
      { 'build-args': 'A=1\nLIST=x,y', labels: 'l=1', tags: 'r/a:1,r/a:2' },
      [...HEAD, '--build-arg', 'A=1', '--build-arg', 'LIST=x,y', '--label', 'l=1', '--tag', 'r/a:1', '--tag', 'r/a:2', ...TAIL, '.']
    ],
    [
      'builder, no-cache and pull',
      { builder: 'ci-builder', 'no-cache': 'true', pull: 'true' },
      [...HEAD, '--builder', 'ci-builder', '--no-cache', '--pull', ...TAIL, '.']
    ],
    [
      'push and load stay next to the measured output, which comes last',
      { push: 'true', load: 'true', tags: 'r/a:1' },
      [...HEAD, '--tag', 'r/a:1', '--push', '--load', ...TAIL, '.']
    ],
    [
      'user cache specs, as given',
      { 'cache-from': 'type=registry,ref=r/a:cache', 'cache-to': 'type=registry,ref=r/a:cache,mode=max' },
      [...HEAD, ...TAIL, '.']
    ]
  ])('%s', (_title, values, expected) => {
    const inputs = inputsOf(values)
    expect(getArgs(inputs, noCache, paths)).toEqual(expected)
  })

  it('makes push and load one exporter on the docker driver, where two would race for the image name', () => {
    const inputs = inputsOf({ push: 'true', load: 'true', tags: 'r/a:1' })
    expect(getArgs(inputs, noCache, paths, 'docker')).toEqual([...HEAD, '--tag', 'r/a:1', '--output', 'type=image,push=true', ...TAIL, '.'])
    expect(getArgs(inputs, noCache, paths, 'docker-container')).toEqual([...HEAD, '--tag', 'r/a:1', '--push', '--load', ...TAIL, '.'])
    expect(getArgs(inputsOf({ push: 'true', tags: 'r/a:1' }), noCache, paths, 'docker')).toEqual([...HEAD, '--tag', 'r/a:1', '--push', ...TAIL, '.'])
  })

  it('reads the driver from buildx inspect', () => {
    expect(parseDriver('Name:          default\nDriver:        docker\nLast Activity: x\n')).toBe('docker')
    expect(parseDriver('Name:   builder\nDriver: docker-container\n')).toBe('docker-container')
    expect(parseDriver('')).toBe('')
  })

  it('passes secrets as files, never as values', () => {
    const args = getArgs(inputsOf({}), noCache, { ...paths, secretFiles: [{ id: 'npm', path: '/t/secrets/secret-0' }] })
    expect(args).toContain('--secret')
    expect(args[args.indexOf('--secret') + 1]).toBe('id=npm,src=/t/secrets/secret-0')
  })

  it('passes cache specs one flag each', () => {
    const args = getArgs(inputsOf({}), { from: ['type=local,src=/c'], to: ['type=local,dest=/c,mode=max'] }, paths)
    expect(args.slice(HEAD.length, HEAD.length + 4)).toEqual([
      '--cache-from',
      'type=local,src=/c',
      '--cache-to',
      'type=local,dest=/c,mode=max'
    ])
  })
})

describe('cache defaults', () => {
  const runner = { ACTIONS_RUNTIME_TOKEN: 'token', ACTIONS_RESULTS_URL: 'https://results.example/' }

  it('uses the GHA cache scoped by name when the runner has it and no cache is given', () => {
    expect(cacheSpecs(inputsOf({}), 'services/api-runtime', runner)).toEqual({
      from: ['type=gha,scope=services-api-runtime'],
      to: ['type=gha,scope=services-api-runtime,mode=max,ignore-error=true']
    })
  })

  it('also recognises the older ACTIONS_CACHE_URL', () => {
    expect(hasActionsCache({ ACTIONS_RUNTIME_TOKEN: 't', ACTIONS_CACHE_URL: 'https://cache.example/' })).toBe(true)
    expect(hasActionsCache({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
    expect(hasActionsCache({ ACTIONS_RESULTS_URL: 'https://results.example/' })).toBe(false)
  })

  it('keeps the user cache when one side is given, and adds nothing off GitHub', () => {
    expect(cacheSpecs(inputsOf({ 'cache-from': 'type=local,src=/c' }), 'api', runner)).toEqual({
      from: ['type=local,src=/c'],
      to: []
    })
    expect(cacheSpecs(inputsOf({}), 'api', {})).toEqual({ from: [], to: [] })
  })

  it('makes scopes of plain characters', () => {
    expect(cacheScope('ghcr.io/acme/api:1.2')).toBe('ghcr.io-acme-api-1.2')
    expect(cacheScope('///')).toBe('image')
  })
})
