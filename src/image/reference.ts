// Image references, normalised as Docker does: `alpine` is docker.io/library/alpine:latest.

export interface ImageReference {
  /** The host (and port) of the registry, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string
  repository: string
  tag?: string
  digest?: string
}

const DOCKER_HUB = 'docker.io'

export class ReferenceError extends Error {}

export function parseReference(text: string): ImageReference {
  const value = text.trim()
  const invalid = (): never => {
    throw new ReferenceError(`"${text}" is not an image reference (expected [registry/]repository[:tag][@digest])`)
  }
  if (value === '' || /\s/.test(value)) invalid()
  let rest = value
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) invalid()
  }
  let tag: string | undefined
  const lastColon = rest.lastIndexOf(':')
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1)
    rest = rest.slice(0, lastColon)
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) invalid()
  }
  const slash = rest.indexOf('/')
  const first = slash >= 0 ? rest.slice(0, slash) : ''
  let registry = DOCKER_HUB
  let repository = rest
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first
    repository = rest.slice(slash + 1)
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) repository = `library/${repository}`
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(repository)) invalid()
  if (tag === undefined && digest === undefined) tag = 'latest'
  return { registry, repository, tag, digest }
}

export function formatReference(reference: ImageReference): string {
  const base = `${reference.registry}/${reference.repository}`
  return reference.digest ? `${base}@${reference.digest}` : `${base}:${reference.tag}`
}

/** Whether a host name (without port) is this machine's loopback interface. */
export const isLoopbackHost = (host: string): boolean => host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)

/** Docker speaks plain HTTP to registries on the loopback interface, and HTTPS to any other. */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io'
  return `${isLoopbackHost(registry.replace(/:\d+$/, '')) ? 'http' : 'https'}://${registry}`
}
