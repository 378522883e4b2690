// Bundled in place of `node:process` (see components/bundle.ts): the same object, without Node's
// ESM facade of the built-in, whose construction runs the lazy `process.stdin` getter.
const p = globalThis.process;
export default p;
export const env = p.env;
export const versions = p.versions;
