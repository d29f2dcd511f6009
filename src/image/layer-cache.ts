import * as os from 'node:os'
import * as path from 'node:path'
import type { CacheBackend } from '../cache-backend.js'
import { slugOf } from '../names.js'
import type { Host } from '../host.js'
import { LAYER_STORE_VERSION, type LayerStore } from './layer-store.js'


// @actions/cache takes longer to load than a warm measurement takes to run: it is loaded only
// when a step uses the cache.
const actionsCache = () => import('@actions/cache')

export const actionsCacheBackend: CacheBackend = {
  restore: async (paths, key, restoreKeys) => (await actionsCache()).restoreCache(paths, key, restoreKeys),
  save: async (paths, key) => (await actionsCache()).saveCache(paths, key)
}

/** Whether the runner offers the Actions cache to this step. */
export async function actionsCacheAvailable(): Promise<boolean> {
  return (await actionsCache()).isFeatureAvailable()
}

/**
 * Keys of the layer folder of one image: a new key per run (cache entries are immutable), found by
 * its prefix on the next run, so that each run starts from the newest folder.
 */
export function layerCacheKeys(name: string, env: NodeJS.ProcessEnv): { key: string; prefix: string } {
  const prefix = `image-budget-layers-v${LAYER_STORE_VERSION}-${process.platform}-${slugOf(name)}-`
  return { key: `${prefix}${env.GITHUB_RUN_ID ?? Date.now()}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`, prefix }
}

/** The local folder of the CLI: IMAGE_BUDGET_CACHE_DIR, or image-budget/layers in the user's cache folder. */
export function localLayerCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.IMAGE_BUDGET_CACHE_DIR) return env.IMAGE_BUDGET_CACHE_DIR
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'image-budget', 'layers')
}

export interface KeptLayers {
  backend: CacheBackend
  dir: string
  name: string
  env: NodeJS.ProcessEnv
}

/** Restores the newest layer folder of the image; a failure only warns (the layers are read instead). */
export async function restoreLayers(kept: KeptLayers, host: Host): Promise<string | undefined> {
  const { key, prefix } = layerCacheKeys(kept.name, kept.env)
  try {
    const matched = await kept.backend.restore([kept.dir], key, [prefix])
    host.info(matched ? `Layer index restored from cache entry ${matched}` : 'No layer index in the cache yet: every layer is read')
    return matched
  } catch (error) {
    host.warning(`The layer index could not be restored, every layer is read: ${(error as Error).message}`)
    return undefined
  }
}

/**
 * Saves the layer folder when this run read a layer the restored folder lacked, after dropping the
 * layers this run did not use. Saving never fails the step.
 */
export async function saveLayers(kept: KeptLayers, store: LayerStore, restoredKey: string | undefined, host: Host): Promise<void> {
  const { key } = layerCacheKeys(kept.name, kept.env)
  if (store.written === 0 || restoredKey === key) return
  try {
    await store.prune()
    await kept.backend.save([kept.dir], key)
    host.info(`Layer index saved to the cache as ${key}`)
  } catch (error) {
    host.warning(`The layer index could not be saved (the next run reads every layer again): ${(error as Error).message}`)
  }
}

export type { CacheBackend } from '../cache-backend.js'
