// What a manifest is: a platform's container image, an attestation stored beside one, or an OCI
// artifact that is no container image at all (a Helm chart, a signature, an SBOM).
import { INDEX_TYPES, MANIFEST_TYPES, type Descriptor, type ImageManifest } from './types.js'

/** Config media types of runnable container images. */
export const IMAGE_CONFIG_TYPES: readonly string[] = [
  'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.container.image.v1+json'
]

/** BuildKit 0.32 and later store attestations as OCI artifacts of this type, with a `subject`. */
export const ATTESTATION_ARTIFACT_TYPE = 'application/vnd.docker.attestation.manifest.v1+json'
const IN_TOTO_LAYER = 'application/vnd.in-toto+json'

/**
 * An attestation as an index names it: BuildKit's `vnd.docker.reference.type` annotation, the
 * `unknown/unknown` platform of older BuildKit, or the artifact type of newer BuildKit.
 */
export function isAttestationDescriptor(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    descriptor.artifactType === ATTESTATION_ARTIFACT_TYPE ||
    (descriptor.platform?.os === 'unknown' && descriptor.platform.architecture === 'unknown')
  )
}

/** An attestation known by its manifest alone (when no index describes it). */
export function isAttestationManifest(manifest: ImageManifest): boolean {
  if (manifest.artifactType === ATTESTATION_ARTIFACT_TYPE) return true
  // Read before the manifest's fields are checked: anything not of the expected shape is no attestation.
  const layers: unknown = manifest.layers
  return Array.isArray(layers) && layers.length > 0 && layers.every(layer => (layer as { mediaType?: unknown } | null)?.mediaType === IN_TOTO_LAYER)
}

/**
 * Why a manifest is not a container image, or undefined when it is one: its config (or artifact)
 * type says what it holds instead.
 */
export function notAnImage(manifest: ImageManifest): string | undefined {
  const configType = typeof manifest.config?.mediaType === 'string' ? manifest.config.mediaType : ''
  if (IMAGE_CONFIG_TYPES.includes(configType) && (manifest.artifactType === undefined || manifest.artifactType === '')) return undefined
  const kind = manifest.artifactType || configType || 'no config'
  const known = /helm/i.test(kind) ? ' (a Helm chart)' : ''
  return `an OCI artifact of type ${kind}${known}, not a container image`
}

export type ManifestKind = 'index' | 'manifest' | 'other'

/** Classifies a JSON document by its media type, or by its shape when it names none (Docker's older writers). */
export function manifestKind(document: { mediaType?: unknown; manifests?: unknown; config?: unknown; layers?: unknown }): ManifestKind {
  const mediaType = typeof document.mediaType === 'string' ? document.mediaType : ''
  if (INDEX_TYPES.includes(mediaType) || (mediaType === '' && Array.isArray(document.manifests))) return 'index'
  if (MANIFEST_TYPES.includes(mediaType) || (mediaType === '' && typeof document.config === 'object' && Array.isArray(document.layers))) {
    return 'manifest'
  }
  return 'other'
}
