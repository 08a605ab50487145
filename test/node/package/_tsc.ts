import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = new URL('../../..', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * tsc's diagnostics ('' when clean) for `files` in the project directory `dir`, as a partner's strict
 * bundler-resolved TypeScript project sees them, without Node's types; `options` adds compiler options
 * (`paths` to the package's built types, `jsx`, `typeRoots`).
 */
export async function _typecheck(
  dir: string,
  files: string[],
  options: Record<string, unknown> = {},
): Promise<string> {
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'preserve',
        moduleResolution: 'bundler',
        target: 'es2022',
        lib: ['es2023', 'dom'],
        types: [],
        ...options,
      },
      files,
    }),
  );
  try {
    await run(join(root, 'node_modules/.bin/tsc'), ['-p', dir]);
    return '';
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}
