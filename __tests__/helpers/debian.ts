import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, writeFileSync } from 'node:fs'
import * as path from 'node:path'
import { ASSETS, REGISTRY } from './engine.js'
import { removeTempDir, tempDir } from './temp.js'

/** Bump when what the bases hold changes: a new version is made once, then reused by later runs. */
export const BASE_VERSION = 2
export const DEBIAN_BASE = `${REGISTRY}/image-budget-test/debian:bookworm-minbase-${BASE_VERSION}`
export const NODE_BASE = `${REGISTRY}/image-budget-test/node:24-bookworm-${BASE_VERSION}`
/** The CA bundle of this machine: builds reach the npm registry and PyPI through whatever it trusts (a proxy's CA included). */
export const HOST_CA = '/etc/ssl/certs/ca-certificates.crt'
const NPM_VERSION = '10.9.2'

const inRegistry = (reference: string): boolean => {
  const [host, ...rest] = reference.split('/')
  const [repository, tag] = rest.join('/').split(':')
  return spawnSync('curl', ['-fs', '-o', '/dev/null', '-H', 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json', `http://${host}/v2/${repository}/manifests/${tag}`]).status === 0
}

/**
 * Debian 12 from debootstrap (minbase), in the local registry: made once (a minute or two, from
 * deb.debian.org), kept as a tarball under /var/lib/image-budget/debian-base for later runs.
 */
export function debianBase(): string {
  execFileSync('bash', [path.join(path.dirname(new URL(import.meta.url).pathname), 'debian-base.sh'), DEBIAN_BASE, String(BASE_VERSION)], { stdio: ['ignore', 'ignore', 'inherit'] })
  return DEBIAN_BASE
}

/** The Debian base with the Node.js 24 of the test machine and npm from the npm registry. */
export function nodeBase(): string {
  if (inRegistry(NODE_BASE)) return NODE_BASE
  const node = path.join(ASSETS, 'node24', 'bin', 'node')
  if (!existsSync(node)) throw new Error(`${node} is missing: run scripts/ensure-node24.sh`)
  const context = tempDir('image-budget-node-base-')
  try {
    copyFileSync(node, path.join(context, 'node'))
    copyFileSync(HOST_CA, path.join(context, 'host-ca.crt'))
    writeFileSync(
      path.join(context, 'Dockerfile'),
      [
        `FROM ${debianBase()}`,
        'COPY host-ca.crt /etc/ssl/certs/ca-certificates.crt',
        'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
        'COPY node /usr/local/bin/node',
        `RUN node -e "fetch('https://registry.npmjs.org/npm/-/npm-${NPM_VERSION}.tgz').then(r => { if (!r.ok) throw new Error(r.status); return r.arrayBuffer() }).then(b => require('fs').writeFileSync('/tmp/npm.tgz', Buffer.from(b)))" \\`,
        ' && mkdir -p /usr/local/lib/node_modules/npm && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner && rm /tmp/npm.tgz \\',
        ' && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && npm --version',
        ''
      ].join('\n')
    )
    execFileSync('docker', ['buildx', 'build', '--quiet', '--tag', NODE_BASE, '--push', context], { stdio: ['ignore', 'ignore', 'inherit'] })
  } finally {
    removeTempDir(context)
  }
  return NODE_BASE
}
