/**
 * `flinks-connect/server` runs on any fetch runtime (Workers, Deno, Bun, Node): nothing it loads may name a Node
 * module. The Node-only parts live in `core/server/node/` and are exported as `flinks-connect/server/node`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const root = new URL('../../..', import.meta.url).pathname;

/** Every module `entry` loads (static and dynamic imports, type-only ones too), by path. */
function _graph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    const source = readFileSync(path, 'utf8');
    seen.set(path, source);
    for (const [, specifier] of source.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
      if (specifier?.startsWith('.')) visit(resolve(dirname(path), specifier));
    }
  };
  visit(entry);
  return seen;
}

/** Lines of `source` that name a `node:` module: an import, or a specifier kept in a string. */
function _nodeMentions(source: string): string[] {
  return source.split('\n').filter((line) => /['"`]node:[a-z]/.test(line));
}

describe('flinks-connect/server', () => {
  it('loads no module from core/server/node/ and names no node: module', () => {
    const graph = _graph(join(root, 'core/server/index.ts'));
    assert.ok(graph.size > 10, `the walk found the kit's modules (${graph.size})`);
    for (const [path, source] of graph) {
      const file = relative(root, path);
      assert.ok(!file.startsWith('core/server/node/'), `${file} is Node-only and is loaded by ./server`);
      assert.deepEqual(_nodeMentions(source), [], `${file} names a Node module`);
    }
  });

  it('is built without a node: specifier in dist/lib/server.js and the chunks it imports', (t) => {
    const built = join(root, 'dist/lib/server.js');
    if (!existsSync(built)) return t.skip('run npm run build:lib first');
    const graph = _graph(built);
    assert.ok(graph.size > 1, `server.js imports its shared chunks (${[...graph.keys()].length} files)`);
    for (const [path, source] of graph) {
      assert.deepEqual(_nodeMentions(source), [], `${relative(root, path)} names a Node module`);
    }
  });

  it('keeps the Node-only parts in flinks-connect/server/node', () => {
    const graph = _graph(join(root, 'core/server/node/index.ts'));
    const mentions = [...graph.values()].flatMap(_nodeMentions);
    assert.ok(mentions.length > 0, 'the node entry does use Node modules, so the check above can fail');
  });
});
