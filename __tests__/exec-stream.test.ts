// A program whose standard output is read as a stream (a build's export): read at the reader's pace,
// stopped when the reader fails, and its own failure told apart from the reader's.
import { describe, expect, it } from '@jest/globals'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Readable } from 'node:stream'
import { parseProgress } from '../src/build/progress.js'
import { createExec, spawnStream } from '../src/exec.js'

const exec = createExec()
const sh = (script: string, readStdout: (stdout: Readable) => Promise<void>) => exec('sh', ['-c', script], { silent: true, readStdout })

describe('a program read as it streams', () => {
  it('says that a program read as a stream was stopped by a signal, which it does not say itself', async () => {
    const { stdout, finished } = spawnStream('sh', ['-c', 'kill -INT $$; sleep 5'])
    stdout.resume()
    await expect(finished).resolves.toEqual({ exitCode: -1, stderr: 'it was stopped by SIGINT' })
  })

  it('hands every byte to a slow reader, keeps none of it, and keeps what it says on stderr', async () => {
    let read = 0
    const result = await sh('head -c 5000000 /dev/zero; echo exported >&2', async stdout => {
      for await (const chunk of stdout) {
        read += (chunk as Buffer).length
        await sleep(1)
      }
    })
    expect(read).toBe(5_000_000)
    expect(result).toEqual({ exitCode: 0, stdout: '', stderr: 'exported\n' })
  })

  it('stops the program when the reader fails, and throws what the reader found', async () => {
    // Without the stop, the program would write for minutes.
    const reading = sh('while :; do head -c 1000000 /dev/zero; done', async stdout => {
      for await (const _chunk of stdout) throw new Error('not an OCI layout')
    })
    await expect(reading).rejects.toThrow('not an OCI layout')
  })

  it('says why the program failed, not that its output was cut short', async () => {
    const result = await sh('printf partial; echo "ERROR: failed to solve" >&2; exit 3', async stdout => {
      for await (const _chunk of stdout);
      throw new Error('the archive ends inside a blob: it is truncated')
    })
    expect(result.exitCode).toBe(3)
    expect(result.stderr).toBe('ERROR: failed to solve\n')
  })

  it('throws the reader failure of a program that succeeded', async () => {
    const reading = sh('printf "not a tar"', async stdout => {
      for await (const _chunk of stdout);
      throw new Error('the archive has no index.json')
    })
    await expect(reading).rejects.toThrow('the archive has no index.json')
  })

  it('does not wait on a reader that stopped early: the program is not left blocked on a full pipe', async () => {
    const result = await sh('head -c 3000000 /dev/zero', async () => undefined)
    // Its output went nowhere: it ends on a broken pipe rather than hanging.
    expect(result.exitCode).not.toBe(0)
  })

  it('kills a program that ignores the stop, and does not wait for a child of it that holds stderr open', async () => {
    const reading = sh("trap '' TERM; (sleep 30 >&2 &); while :; do head -c 100000 /dev/zero || sleep 0.1; done", async stdout => {
      for await (const _chunk of stdout) throw new Error('not an OCI layout')
    })
    await expect(reading).rejects.toThrow('not an OCI layout')
  })

  it('keeps the steps of a long build log whose start is dropped, with the end of the log', async () => {
    // 20 MB of log lines between the first steps and the last: only the end is kept whole.
    const script = 'echo "#1 [base 1/2] FROM scratch" >&2; echo "#1 CACHED" >&2; yes "#1 0.100 log line that goes on and on and on" | head -n 460000 >&2; echo "#2 [base 2/2] COPY a /a" >&2; echo "#2 DONE 0.1s" >&2'
    const result = await sh(script, async stdout => {
      for await (const _chunk of stdout);
    })
    expect(result.exitCode).toBe(0)
    expect(result.stderr.length).toBeLessThan(17 * 2 ** 20)
    expect(result.stderr.startsWith('#1 [base 1/2] FROM scratch\n#1 CACHED\n')).toBe(true)
    expect(result.stderr.endsWith('#2 [base 2/2] COPY a /a\n#2 DONE 0.1s\n')).toBe(true)
    expect(parseProgress(result.stderr)).toEqual({ steps: 2, cachedSteps: 1 })
  })

  it('rejects a program that cannot be started', async () => {
    await expect(exec('/nonexistent/buildx', [], { silent: true, readStdout: async stdout => void (await stdout.toArray()) })).rejects.toThrow(/ENOENT/)
  })
})

