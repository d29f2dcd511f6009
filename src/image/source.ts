import * as path from 'node:path'
import { spawnStream } from '../exec.js'
import type { Exec, StreamExec } from '../host.js'
import { isEngineUnreachable } from '../build/progress.js'
import { OciTarSource, type BlobSource } from './blobs.js'
import { parseReference, ReferenceError } from './reference.js'
import { dockerConfigAuth, RegistrySource } from './registry.js'
import { StreamedLayoutSource } from './streamed-layout.js'

export class ImageNotFoundError extends Error {}

export interface ImageInput {
  source: BlobSource
  /** Where the image was found: the local engine or a registry. */
  origin: 'engine' | 'registry'
  /** The engine's image ID, when the image is local. */
  imageId?: string
  /** The archive `docker image save` wrote, for a local image that Trivy scans. */
  archive?: string
}

/**
 * Opens the image named by the `image` input: from the local engine when it has it (as Docker
 * itself resolves names), otherwise from its registry. A local image is read as `docker image save`
 * streams it, unless Trivy scans it: Trivy reads the archive, which is then saved to a file.
 */
export async function openImageInput(
  reference: string,
  deps: { exec: Exec; streamExec?: StreamExec; workDir: string; env: NodeJS.ProcessEnv; fetch?: typeof fetch; archiveNeeded?: boolean }
): Promise<ImageInput> {
  const inspect = await deps.exec('docker', ['image', 'inspect', '--format', '{{.Id}}', reference], { silent: true })
  if (inspect.exitCode === 0 && !deps.archiveNeeded) {
    const run = deps.streamExec ?? spawnStream
    const source = new StreamedLayoutSource(`image ${reference} from the engine`, () => {
      const saved = run('docker', ['image', 'save', reference])
      const finished = saved.finished.then(({ exitCode, stderr }) => {
        if (exitCode !== 0) throw new ImageNotFoundError(`docker image save ${reference} failed: ${stderr.trim()}`)
      })
      return { stream: saved.stdout, finished }
    })
    return { source, origin: 'engine', imageId: inspect.stdout.trim() }
  }
  if (inspect.exitCode === 0) {
    const archive = path.join(deps.workDir, 'image.tar')
    const saved = await deps.exec('docker', ['image', 'save', '--output', archive, reference], { silent: true })
    if (saved.exitCode !== 0) throw new ImageNotFoundError(`docker image save ${reference} failed: ${saved.stderr.trim()}`)
    return { source: new OciTarSource(archive), origin: 'engine', imageId: inspect.stdout.trim(), archive }
  }
  const localProblem = isEngineUnreachable(inspect.stderr)
    ? 'the Docker engine is not reachable'
    : 'the local engine does not have it'

  let parsed
  try {
    parsed = parseReference(reference)
  } catch (error) {
    if (error instanceof ReferenceError) throw new ImageNotFoundError(`Input "image": ${error.message}`)
    throw error
  }
  const source = new RegistrySource(parsed, await dockerConfigAuth(parsed.registry, deps.env), { fetch: deps.fetch })
  try {
    await source.roots()
  } catch (error) {
    throw new ImageNotFoundError(`Input "image": "${reference}" was not found: ${localProblem}, and ${(error as Error).message}`)
  }
  return { source, origin: 'registry' }
}
