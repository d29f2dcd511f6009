import { createHash } from 'node:crypto'

/** Longer names keep their first characters and a hash of the whole, so two long names stay apart. */
const MAX_SLUG_LENGTH = 100
const HASH_LENGTH = 12

/**
 * The one way a name (an image's name, target, tag, branch or registry reference) becomes part of a
 * file name, a folder name or a cache key: characters other than letters, digits, `.`, `_` and `-`
 * become `-`, dots never come in pairs, and no slug starts or ends with a dot or a dash, so that
 * `..`, `/` and `-flag` cannot reach a path or an argv. `ghcr.io/acme/api:1.4` is
 * `ghcr.io-acme-api-1.4`, `api/v2` is `api-v2`.
 */
export function slugOf(name: string): string {
  const plain = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '')
  if (plain === '') return 'image'
  if (plain.length <= MAX_SLUG_LENGTH) return plain
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH)
  return `${plain.slice(0, MAX_SLUG_LENGTH - HASH_LENGTH - 1).replace(/[.-]+$/, '')}-${hash}`
}
