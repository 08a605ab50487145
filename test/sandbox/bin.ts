#!/usr/bin/env node
/** `flinks-sandbox [--port N] …`: the package's bin for the sandbox; the options are those of main.ts. */
import { missingOidcProvider } from './peer.ts';

try {
  await import('./main.ts');
} catch (error) {
  const missing = missingOidcProvider(error);
  if (!missing) throw error;
  process.stderr.write(`flinks-sandbox: ${missing.message}\n`);
  process.exitCode = 1;
}
