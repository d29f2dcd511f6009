import { describe, expect, it } from '@jest/globals'
import { inspectSecretCandidate, isSecretCandidate } from '../src/analysis/secret-files.js'
import { applyLevels, devDependencyFindings, dockerfileFindings, FilesystemSmells, globToRegExp, HIDDEN_VERSIONS_MIN_BYTES, hiddenVersionFindings, SMELL_RULES } from '../src/analysis/smells.js'
import { formatSize } from '../src/config/size.js'
import { parseDockerfile } from '../src/dockerfile/dockerfile.js'

const findings = (text: string, user?: string) =>
  dockerfileFindings(parseDockerfile('Dockerfile', text), '', user).map(finding => [finding.rule, finding.line])

describe('Dockerfile smells', () => {
  it('finds a final stage that runs as root, from the image config when it is known', () => {
    expect(findings('FROM alpine:3.20\nRUN true\n')).toEqual(expect.arrayContaining([['root-user', 1]]))
    expect(findings('FROM alpine:3.20\nUSER 0\n')).toEqual(expect.arrayContaining([['root-user', 2]]))
    expect(findings('FROM alpine:3.20\nUSER app\n')).not.toEqual(expect.arrayContaining([['root-user', expect.anything()]]))
    // The base image set a user, and the Dockerfile none: the config says who runs.
    expect(findings('FROM distroless:nonroot\n', 'nonroot')).not.toEqual(expect.arrayContaining([['root-user', expect.anything()]]))
  })

  it('finds base images with no tag or latest, and without digest for the opt-in rule', () => {
    const text = 'FROM ubuntu AS a\nFROM node:latest AS b\nFROM node:20 AS c\nFROM node:20@sha256:' + 'a'.repeat(64) + ' AS d\nFROM scratch\nFROM a\n'
    const result = findings(text, 'app')
    expect(result.filter(([rule]) => rule === 'base-image-tag')).toEqual([
      ['base-image-tag', 1],
      ['base-image-tag', 2]
    ])
    expect(result.filter(([rule]) => rule === 'base-image-digest')).toEqual([
      ['base-image-digest', 1],
      ['base-image-digest', 2],
      ['base-image-digest', 3]
    ])
  })

  it('finds secrets in ARG and ENV by name and by value, and not ordinary names', () => {
    const text = [
      'FROM alpine:3.20',
      'ARG NPM_TOKEN',
      'ENV DB_PASSWORD=hunter2 MODE=prod',
      'ENV GITHUB ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'ARG KEYBOARD_LAYOUT=us',
      'ENV SSH_PRIVATE_KEY=x',
      'ARG VERSION=1',
      'USER app'
    ].join('\n')
    expect(findings(text).filter(([rule]) => rule === 'secret-arg-env')).toEqual([
      ['secret-arg-env', 2],
      ['secret-arg-env', 3],
      ['secret-arg-env', 4],
      ['secret-arg-env', 6]
    ])
  })

  it('finds COPY . . before an install in the same stage only', () => {
    expect(findings('FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\n')).toContainEqual(['copy-all-before-install', 3])
    expect(findings('FROM node:20\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nUSER node\n')).not.toContainEqual([
      'copy-all-before-install',
      expect.anything()
    ])
    expect(findings('FROM python:3.12\nCOPY ./ /srv\nRUN pip install -r /srv/requirements.txt\nUSER 1\n')).toContainEqual(['copy-all-before-install', 2])
  })

  it('finds a whole build folder copied from a builder stage', () => {
    const text = 'FROM golang:1.23 AS builder\nWORKDIR /app\nRUN go build -o bin/app\nFROM alpine:3.20\nCOPY --from=builder /app .\nCOPY --from=builder /app/bin/app /usr/bin/app\nUSER 1\n'
    expect(findings(text).filter(([rule]) => rule === 'copy-build-directory')).toEqual([['copy-build-directory', 5]])
    expect(findings('FROM a:1 AS b\nFROM c:1\nCOPY --from=b / /\nUSER 1\n')).toContainEqual(['copy-build-directory', 3])
  })
})

describe('filesystem smells', () => {
  function smellsOf(paths: Array<[string, number, number]>, ignore: string[] = []) {
    const smells = new FilesystemSmells(ignore)
    for (const [path, size, layer] of paths) smells.visit(path, size, layer)
    return smells.finish(formatSize).map(finding => [finding.rule, finding.layer, finding.message])
  }

  it('finds package caches with their bytes and the layer that wrote most of them', () => {
    expect(
      smellsOf([
        ['var/lib/apt/lists/', 0, 1],
        ['var/lib/apt/lists/lock', 0, 1],
        ['var/lib/apt/lists/deb_InRelease', 1500, 2],
        ['var/lib/apt/lists/deb_Packages', 40_000, 3],
        ['root/.npm/_cacache/index', 2_000_000, 4]
      ])
    ).toEqual([
      ['package-cache', 3, 'the apt package lists is left in the image (41.5 kB): clean it in the same RUN that fills it'],
      ['package-cache', 4, 'the npm cache is left in the image (2.00 MB): clean it in the same RUN that fills it']
    ])
  })

  it('finds toolchains and .git folders, and passes over ignored paths', () => {
    const paths: Array<[string, number, number]> = [
      ['usr/bin/gcc-12', 900, 1],
      ['usr/local/go/bin/go', 900, 2],
      ['usr/bin/gcc-ar', 10, 1],
      ['app/.git/HEAD', 21, 3],
      ['app/.gitignore', 5, 3],
      ['vendor/lib/.git/config', 10, 4]
    ]
    expect(smellsOf(paths).map(([rule, layer]) => [rule, layer])).toEqual([
      ['build-toolchain', 1],
      ['build-toolchain', 2],
      ['git-directory', 3],
      ['git-directory', 4]
    ])
    expect(smellsOf(paths, ['vendor/**', '/usr/local/go/**']).map(([rule, layer]) => [rule, layer])).toEqual([
      ['build-toolchain', 1],
      ['git-directory', 3]
    ])
  })

  it('turns globs into anchored patterns', () => {
    expect(globToRegExp('usr/share/doc/**').test('usr/share/doc/x/y')).toBe(true)
    expect(globToRegExp('/etc/*.conf').test('etc/a.conf')).toBe(true)
    expect(globToRegExp('/etc/*.conf').test('etc/sub/a.conf')).toBe(false)
    expect(globToRegExp('**/.env').test('.env')).toBe(true)
    expect(globToRegExp('**/.env').test('srv/app/.env')).toBe(true)
    expect(globToRegExp('a?c').test('abc')).toBe(true)
  })
})

describe('secret files', () => {
  it.each([
    ['root/.npmrc', '//registry.npmjs.org/:_authToken=npm_abc', 'an npm auth token'],
    ['root/.npmrc', 'registry=https://registry.npmjs.org/\n', undefined],
    ['root/.ssh/id_rsa', '-----BEGIN RSA PRIVATE KEY-----\nMII', 'a private key'],
    ['etc/ssl/server.pem', '-----BEGIN CERTIFICATE-----\n', undefined],
    ['app/.env', 'DATABASE_URL=postgres://u:p@db/x\n', 'an environment file with values'],
    ['app/.env.production', 'API_KEY=\n', undefined]
  ])('%s with %p holds %p', (path, content, what) => {
    expect(isSecretCandidate(path)).toBe(true)
    expect(inspectSecretCandidate(path, Buffer.from(content))?.what).toBe(what)
  })

  it('leaves examples and ordinary files alone', () => {
    expect(isSecretCandidate('app/.env.example')).toBe(false)
    expect(isSecretCandidate('app/index.js')).toBe(false)
  })
})

describe('applyLevels', () => {
  it('applies default and configured levels, drops rules turned off, and merges platforms', () => {
    const smells = applyLevels(
      [
        { rule: 'root-user', message: 'm', file: 'Dockerfile', line: 3 },
        { rule: 'package-cache', message: 'apt', line: 9, platform: 'linux/amd64' },
        { rule: 'package-cache', message: 'apt', line: 9, platform: 'linux/arm64' },
        { rule: 'git-directory', message: 'g', line: 2 }
      ],
      { levels: { 'root-user': 'error', 'git-directory': 'off' }, ignore: [] }
    )
    expect(smells).toEqual([
      { rule: 'root-user', level: 'error', message: 'm', file: 'Dockerfile', line: 3 },
      { rule: 'package-cache', level: SMELL_RULES['package-cache'], message: 'apt', line: 9, platforms: ['linux/amd64', 'linux/arm64'] }
    ])
  })
})

describe('savings of size smells', () => {
  it('saves the bytes of a cache, and the bytes of the package that owns a toolchain, once per package', () => {
    const smells = new FilesystemSmells([])
    smells.visit('var/lib/apt/lists/deb_Packages', 40_000, 3, -1)
    smells.visit('usr/bin/gcc-12', 900, 1, 0)
    smells.visit('usr/bin/cc', 0, 1, 0)
    smells.visit('usr/local/bin/make', 250, 2, -1)
    const owners = [{ name: 'gcc-12', bytes: 55_000_000 }]
    expect(smells.finish(formatSize, owner => owners[owner]).map(finding => [finding.rule, finding.savings, finding.message])).toEqual([
      ['package-cache', 40_000, expect.stringContaining('apt package lists')],
      ['build-toolchain', 55_000_000, '/usr/bin/gcc-12 is in the final image (package gcc-12, 55.0 MB): build tools belong in a builder stage'],
      ['build-toolchain', 250, '/usr/local/bin/make is in the final image: build tools belong in a builder stage']
    ])
  })

  it('saves the bytes of the devDependencies of each application, on the layer that holds most of them', () => {
    const packages = [
      { ecosystem: 'npm', bytes: 20_000_000, dev: true, layer: 4, path: 'app/node_modules/typescript' },
      { ecosystem: 'npm', bytes: 1_000, dev: true, layer: 4, path: 'app/node_modules/a/node_modules/b' },
      { ecosystem: 'npm', bytes: 5_000, dev: false, layer: 4, path: 'app/node_modules/ms' },
      { ecosystem: 'npm', bytes: 7_000, dev: true, layer: 2, path: 'node_modules/jest' },
      { ecosystem: 'deb', bytes: 9_000, layer: 1 }
    ]
    expect(devDependencyFindings(packages, formatSize)).toEqual([
      { rule: 'dev-dependencies', layer: 4, savings: 20_001_000, message: '2 packages that only the devDependencies of /app need are in the final image (20.0 MB): install with npm ci --omit=dev' },
      { rule: 'dev-dependencies', layer: 2, savings: 7_000, message: '1 package that only the devDependencies of / need is in the final image (7.00 kB): install with npm ci --omit=dev' }
    ])
  })

  it('saves the bytes a line writes and a later line hides, above a floor, and not those of the base image', () => {
    const lines = [undefined, 3, 5, 7]
    const waste = [
      { writtenBy: 1, hiddenBy: 2, bytes: 3_000_000 },
      { writtenBy: 1, hiddenBy: 3, bytes: HIDDEN_VERSIONS_MIN_BYTES - 1 },
      { writtenBy: 0, hiddenBy: 2, bytes: 50_000_000 }
    ]
    expect(hiddenVersionFindings(waste, layer => lines[layer] ?? 1, layer => layer === 0, formatSize)).toEqual([
      { rule: 'hidden-versions', layer: 1, savings: 3_000_000, message: 'line 3 writes 3.00 MB that line 5 deletes or replaces: the bytes stay in the image (remove them in the RUN that writes them)' }
    ])
  })
})

describe('savings of a cache the base image left', () => {
  it('counts only the bytes the Dockerfile\'s own lines wrote', () => {
    const smells = new FilesystemSmells([])
    smells.visit('var/lib/apt/lists/base_Packages', 30_000, 0, -1)
    smells.visit('var/lib/apt/lists/deb_Packages', 40_000, 3, -1)
    const [finding] = smells.finish(formatSize, () => undefined, layer => layer === 0)
    expect(finding).toMatchObject({ rule: 'package-cache', layer: 3, savings: 40_000, message: expect.stringContaining('(70.0 kB)') })
  })
})
