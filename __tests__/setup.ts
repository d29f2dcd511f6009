// Runs in every test file (setupFilesAfterEnv): the temporary folders its tests and helpers made
// are removed after its last test, passed or failed.
import { afterAll } from '@jest/globals'
import { removeTempDirs } from './helpers/temp.js'

afterAll(removeTempDirs)
