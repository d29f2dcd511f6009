/** A value as messages quote it: JSON, cut short (a hostile file's value may be megabytes long). */
export function shownValue(value: unknown, length = 60): string {
  if (value === undefined) return 'missing'
  const text = JSON.stringify(value) ?? String(value)
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}
