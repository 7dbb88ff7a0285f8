// addon-load.ts — finds and loads the native addon, and says in one line why it cannot. The N-API
// version the addon is built for is stated once, in package.json ("binary.napi_versions", which
// binding.gyp turns into NAPI_VERSION); it is checked before the addon is opened, since an addon
// that needs more than the running Node has fails only when a missing function is first called.
// node-gyp-build picks the file: build/Release (a source build) first, then the prebuild in
// prebuilds/<platform>-<arch>/ whose tags (libc, N-API) fit this process.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { BootError } from './errors.js';

const require = createRequire(import.meta.url);

interface NodeGypBuild {
  (dir: string): unknown;
  resolve(dir: string): string;
}

/** The N-API version the addon is built for, from the package's package.json. */
export function requiredNapiVersion(root: string): number {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { binary?: { napi_versions?: number[] } };
  const version = pkg.binary?.napi_versions?.[0];
  if (!Number.isInteger(version)) throw new BootError(`broken install: ${path.join(root, 'package.json')} states no binary.napi_versions`);
  return version!;
}

/** This process as node-gyp-build matches it against the prebuilds: platform-arch, libc, Node, ABI, N-API. */
function describeRuntime(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const libc = header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : 'musl';
  return `${os.platform()}-${os.arch()} (${libc}, Node ${process.versions.node}, ABI ${process.versions.modules}, N-API ${process.versions.napi ?? 'none'})`;
}

/** The prebuilds the package carries, as "linux-x64/tusk.glibc.node, ...". */
function shippedPrebuilds(root: string): string {
  const dir = path.join(root, 'prebuilds');
  const found: string[] = [];
  try {
    for (const tuple of fs.readdirSync(dir)) for (const file of fs.readdirSync(path.join(dir, tuple))) found.push(`${tuple}/${file}`);
  } catch {
    // no prebuilds/ at all
  }
  return found.length > 0 ? found.join(', ') : 'none';
}

const REBUILD = 'build it from source with `npm rebuild tusk --build-from-source` (needs g++, make and python3)';

/** Loads the addon from the package at `root`; every failure is a BootError of one line. */
export function loadAddon(root: string): unknown {
  const required = requiredNapiVersion(root);
  const running = Number(process.versions.napi ?? 0);
  if (running < required)
    throw new BootError(`the native addon needs N-API ${required}, and Node ${process.versions.node} has N-API ${running || 'none'}: run tusk on Node 20 or later`);
  const load = require('node-gyp-build') as NodeGypBuild;
  let file: string;
  try {
    file = load.resolve(root);
  } catch {
    throw new BootError(`no native addon fits ${describeRuntime()}; tusk ships prebuilds for: ${shippedPrebuilds(root)}; ${REBUILD}`);
  }
  try {
    return require(file);
  } catch (err) {
    const reason = String((err as Error).message).split('\n')[0];
    throw new BootError(`cannot load the native addon ${path.relative(root, file)} on ${describeRuntime()}: ${reason}; ${REBUILD}`);
  }
}
