// Where folders are kept between runs (the Actions cache on GitHub): shared by the layer index,
// the baseline and Trivy's binary and DB, so it lives here, importing nothing.
export interface CacheBackend {
  restore(paths: string[], key: string, restoreKeys: string[]): Promise<string | undefined>
  save(paths: string[], key: string): Promise<number>
}
