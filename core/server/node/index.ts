/**
 * `flinks-connect/server/node`: the parts of the server kit that need Node.js (its `http` module and file system).
 * Everything in `flinks-connect/server` runs on any fetch runtime; these do not.
 */
export { createFileTokenStore } from './file-store.ts';
export { type NodeRequestOptions, toNodeHandler, toWebRequest, writeWebResponse } from './http.ts';
