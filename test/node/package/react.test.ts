/**
 * flinks-connect/react as a React + TypeScript partner sees it: its built module and its published types,
 * checked by tsc on a TSX file that imports the package by name (React itself is not installed here, its
 * types are).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { _typecheck } from './_tsc.ts';

const root = new URL('../../..', import.meta.url).pathname;
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flinks-react-types-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** tsc's diagnostics for `source` as App.tsx (plus `include`), with `flinks-connect/*` mapped to the built types. */
async function typecheck(source: string, include: string[] = []): Promise<string> {
  await writeFile(join(dir, 'App.tsx'), source);
  return _typecheck(dir, ['App.tsx', ...include.map((file) => join(root, file))], {
    jsx: 'react-jsx',
    typeRoots: [join(root, 'node_modules/@types')],
    paths: {
      react: [join(root, 'node_modules/@types/react/index.d.ts')],
      'react/jsx-runtime': [join(root, 'node_modules/@types/react/jsx-runtime.d.ts')],
      'flinks-connect/react': [join(root, pkg.exports['./react'].types)],
      'flinks-connect': [join(root, pkg.exports['.'].types)],
    },
  });
}

describe('flinks-connect/react', () => {
  it('builds a module that takes React from the partner and the element from the package entry', async () => {
    const code = await readFile(join(root, pkg.exports['./react'].default), 'utf8');
    assert.match(code, /^import \* as React from "react";$/m);
    assert.match(code, /^import \{ FlinksConnect as [\w$]+ \} from "flinks-connect";$/m);
    assert.doesNotMatch(code, /from "@lit\/react"/, '@lit/react is bundled, not a dependency');
    assert.doesNotMatch(code, /litSsrReactEnabled/, "@lit/react's browser build, not its SSR one");
  });

  it('types <FlinksConnect> with the element properties and a typed handler per event', async () => {
    const diagnostics = await typecheck(`
import { useRef } from 'react';
import type { FlinksConnect as FlinksConnectElement } from 'flinks-connect';
import { FlinksConnect } from 'flinks-connect/react';
export function App() {
  const ref = useRef<FlinksConnectElement>(null);
  return (
    <FlinksConnect
      ref={ref}
      clientId="dc-1"
      authorizeUrl="https://ob.example/api/v1/authorize"
      redirectUri="https://partner.example/callback"
      exchangeUrl="/api/flinks/exchange"
      mode="popup"
      exchangeTimeout={10_000}
      className="connect"
      onSuccess={(event) => console.log(event.detail.result, event.detail.session_id)}
      onExit={(event) => console.log(event.detail.reason)}
      onError={(event) => console.log(event.detail.code, event.detail.message)}
    />
  );
}
`);
    assert.equal(diagnostics, '');
  });

  it('rejects a wrong property type and a handler that expects another event', async () => {
    const diagnostics = await typecheck(`
import { FlinksConnect } from 'flinks-connect/react';
export const a = <FlinksConnect exchangeTimeout="soon" />;
export const b = <FlinksConnect onSuccess={(event: MouseEvent) => event.clientX} />;
`);
    assert.match(diagnostics, /App\.tsx\(3,[^)]*\): error TS2322/);
    assert.match(diagnostics, /App\.tsx\(4,[^)]*\): error TS2322/);
  });
});

describe('the generated JSX types for React (dist/types/frameworks/react.d.ts)', () => {
  const jsx = ['dist/types/frameworks/react.d.ts'];

  it('type <flinks-connect> in JSX: its attributes as the element types them, and on<event> listeners', async () => {
    const diagnostics = await typecheck(
      `
export const a = (
  <flinks-connect
    client-id="dc-1"
    mode="redirect"
    exchange-timeout={5000}
    onflinks-success={(event) => console.log(event.detail.result)}
    onflinks-exit={(event) => console.log(event.detail.reason)}
  />
);
`,
      jsx,
    );
    assert.equal(diagnostics, '');
  });

  it('reject a mode the element does not have and a listener for another event type', async () => {
    const diagnostics = await typecheck(
      `
export const a = <flinks-connect mode="sideways" />;
export const b = <flinks-connect onflinks-error={(event: KeyboardEvent) => event.key} />;
`,
      jsx,
    );
    assert.match(diagnostics, /App\.tsx\(2,[^)]*\): error TS2322/);
    assert.match(diagnostics, /App\.tsx\(3,[^)]*\): error TS2322/);
  });
});
