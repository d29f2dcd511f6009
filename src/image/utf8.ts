// Short names written as UTF-8 bytes, in the loops that write a million of them.

/**
 * Writes text into `buffer` at `at` as UTF-8 and returns where it ends. The buffer must have room
 * for 3 bytes a UTF-16 unit of the text.
 */
export function writeUtf8(buffer: Buffer, at: number, text: string): number {
  const length = text.length
  // Names are nearly always short and ASCII: a loop is quicker than a call to the encoder for them.
  if (length > 64) return at + buffer.write(text, at, 'utf8')
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    if (code >= 0x80) return at + index + buffer.write(text.slice(index), at + index, 'utf8')
    buffer[at + index] = code
  }
  return at + length
}
