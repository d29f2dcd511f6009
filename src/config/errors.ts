/** Bad input from the user: the CLI exits 2 and the message names the input and its value. */
export class InputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InputError'
  }
}
