import type { AnnotationProperties, Host } from '../../src/host.js'

/** A host that records what a run reported, for assertions. */
export class RecordingHost implements Host {
  readonly lines: string[] = []
  readonly warnings: Array<{ message: string; properties?: AnnotationProperties }> = []
  readonly errors: Array<{ message: string; properties?: AnnotationProperties }> = []
  readonly outputs = new Map<string, string>()
  readonly secrets: string[] = []
  readonly groups: string[] = []
  presented: { markdown: string; text: string } | undefined

  info(message: string): void {
    this.lines.push(message)
  }
  warning(message: string, properties?: AnnotationProperties): void {
    this.warnings.push({ message, properties })
  }
  error(message: string, properties?: AnnotationProperties): void {
    this.errors.push({ message, properties })
  }
  async group<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.groups.push(name)
    return work()
  }
  setOutput(name: string, value: string): void {
    this.outputs.set(name, value)
  }
  setSecret(value: string): void {
    this.secrets.push(value)
  }
  async present(markdown: string, text: string): Promise<void> {
    this.presented = { markdown, text }
  }
}
