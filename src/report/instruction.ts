// How a layer's history text is read, on both sides of a comparison: imports nothing, so that the
// report, the summary and the baseline agree on one reading.

/**
 * The instruction a history entry records, in one canonical form whoever wrote it: BuildKit's
 * `RUN |2 A=1 B=2 /bin/sh -c cmd # buildkit`, the classic builder's `/bin/sh -c #(nop) COPY ...`
 * and `/bin/sh -c cmd` all become `RUN cmd` or `COPY ...`. Layers of two images are paired by it:
 * a run reads its own Dockerfile's text, a registry baseline only the history, and the two must meet.
 */
export function instructionKey(createdBy: string): string {
  let text = createdBy.replace(/\s*# buildkit$/, '').trim()
  text = text.replace(/^\/bin\/sh -c #\(nop\)\s*/, '')
  text = text.replace(/^\/bin\/sh -c /, 'RUN ')
  text = text.replace(/^RUN \|\d+(?: \S+=\S*)* /, 'RUN ')
  text = text.replace(/^RUN \/bin\/sh -c /, 'RUN ')
  return text.replace(/\s+/g, ' ')
}
