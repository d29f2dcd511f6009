// The parts of the OCI image spec (and Docker's v2 schema 2) that measuring reads.

export const MediaType = {
  OciIndex: 'application/vnd.oci.image.index.v1+json',
  OciManifest: 'application/vnd.oci.image.manifest.v1+json',
  DockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

export const INDEX_TYPES: readonly string[] = [MediaType.OciIndex, MediaType.DockerList]
export const MANIFEST_TYPES: readonly string[] = [MediaType.OciManifest, MediaType.DockerManifest]

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
  /** OCI 1.1: what an artifact manifest holds (an attestation, a signature, a chart). */
  artifactType?: string
}

export interface ImageIndex {
  schemaVersion: number
  mediaType?: string
  manifests: Descriptor[]
}

export interface ImageManifest {
  schemaVersion: number
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  /** OCI 1.1: the manifest an artifact (such as an attestation) refers to. */
  subject?: Descriptor
}

export interface HistoryEntry {
  created?: string
  created_by?: string
  comment?: string
  empty_layer?: boolean
}

export interface ImageConfig {
  os?: string
  architecture?: string
  variant?: string
  created?: string
  history?: HistoryEntry[]
  config?: { User?: string }
  rootfs?: { type: string; diff_ids: string[] }
}

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/

/** Digests name files and URLs: anything else is refused before it is used as either. */
export function checkDigest(digest: string): string {
  if (!DIGEST_PATTERN.test(digest)) throw new Error(`"${digest}" is not a valid content digest`)
  return digest
}

export function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/')
}
