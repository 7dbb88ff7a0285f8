// The package as a user installs it: the tarball `npm pack` makes (its file list and size), then
// `npm install ./tusk-X.tgz` into a new empty project whose PATH has no compiler (no g++, c++, cc,
// gcc, make, python3), with install scripts blocked and allowed, and `npx tusk app.js` serving a
// request. Then the installed copy is broken on purpose: no fitting prebuild, an unloadable one, a
// Node without the N-API version the addon needs, each a one-line error.
//
// The tarball is packed once, with --ignore-scripts: the prepack step (a clean dist/ and every
// prebuild) would rebuild dist/ under the tests running beside this one. dist/ is the build under
// test already, and the host's prebuild is made by scripts/prebuild.mjs --host, which keeps a
// prebuild newer than its sources (.ci/run makes it before `npm test`; from a fresh clone this test
// compiles it once, in a staged copy of the sources).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, VERSION, cleanupAll, mkTmp, request, runTusk, startTusk } from './helpers.mjs';

const run = promisify(execFile);
const HOST_LIBC = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
const HOST_PREBUILD = `prebuilds/linux-${os.arch()}/tusk.${HOST_LIBC}.node`;
const COMPILERS = ['g++', 'c++', 'cc', 'gcc', 'clang', 'make', 'python3'];

let tmp;
let tarball;
let packed; // npm pack --json's entry: files, size, unpackedSize
let bin; // a PATH of symlinks to node, npm, npx and basic tools only

function findOnPath(name, dirs = process.env.PATH.split(':')) {
  for (const dir of dirs) {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return path.join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** The environment of a user's shell on a machine without a compiler. */
function userEnv(extra = {}) {
  const env = { PATH: bin, HOME: process.env.HOME, TMPDIR: os.tmpdir(), LANG: 'C', ...extra };
  if (process.env.npm_config_cache) env.npm_config_cache = process.env.npm_config_cache;
  return env;
}

async function newProject(name) {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  fs.writeFileSync(path.join(dir, 'app.js'), `export default { fetch: () => new Response('served by ${name}') };\n`);
  return dir;
}

async function install(dir, ...flags) {
  await run(path.join(bin, 'npm'), ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline', ...flags], {
    cwd: dir, env: userEnv(), timeout: 120_000,
  });
}

async function serveOnce(dir, name) {
  const tusk = startTusk([], { cwd: dir, rawEnv: userEnv(), command: path.join(bin, 'npx'), commandArgs: ['tusk', '-b', '127.0.0.1:0', 'app.js'] });
  try {
    const { port } = await tusk.waitForReady(1, 30_000);
    const res = await request({ port });
    assert.equal(res.status, 200);
    assert.equal(res.body, `served by ${name}`);
  } finally {
    await tusk.stop();
  }
}

/** Runs the installed CLI to its end; its stderr must be one line. */
async function failsInOneLine(dir, args = ['app.js'], nodeArgs = []) {
  const cli = path.join(dir, 'node_modules', 'tusk', 'dist', 'cli.js');
  const r = await runTusk([], { cwd: dir, rawEnv: userEnv(), command: path.join(bin, 'node'), commandArgs: [...nodeArgs, cli, ...args] });
  assert.equal(r.code, 3, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${r.stderr}`);
  assert.match(lines[0], /^tusk: error: /);
  return lines[0];
}

before(async () => {
  tmp = mkTmp('tusk-package-');
  bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  for (const tool of ['node', 'npm', 'npx', 'sh', 'bash', 'env', 'ls', 'cat', 'rm', 'mkdir', 'cp', 'mv', 'uname', 'tar', 'gzip']) {
    const found = findOnPath(tool);
    if (found) fs.symlinkSync(fs.realpathSync(found), path.join(bin, tool));
  }
  await run(process.execPath, [path.join(ROOT, 'scripts', 'prebuild.mjs'), '--host'], { cwd: ROOT, timeout: 300_000 });
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: ROOT, timeout: 60_000 });
  [packed] = JSON.parse(stdout);
  tarball = path.join(tmp, packed.filename);
});

after(cleanupAll);

test('the tarball holds dist/, the prebuilds and the native sources, and nothing else', (t) => {
  const files = packed.files.map((f) => f.path);
  t.diagnostic(`${packed.filename}: ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${files.length} files; ` +
    `prebuilds: ${files.filter((f) => f.startsWith('prebuilds/')).join(', ')}`);
  assert.equal(packed.filename, `tusk-${VERSION}.tgz`);
  const allowed = /^(dist\/[\w/-]+\.(js|d\.ts)|native\/[\w/]+\.(cc|h)|prebuilds\/linux-(x64|arm64)\/tusk\.(glibc|musl)\.node|binding\.gyp|package\.json|README\.md|LICENSE)$/;
  for (const f of files) assert.match(f, allowed, `${f} does not belong in the package`);
  for (const f of files) assert.doesNotMatch(f, /^native\/http\/(test|fuzz)\//, `${f}: a test or fuzz source`);
  assert.ok(files.includes(HOST_PREBUILD), `${HOST_PREBUILD} missing`);
  for (const f of ['dist/cli.js', 'dist/index.js', 'dist/index.d.ts', 'dist/worker.js', 'binding.gyp', 'package.json']) assert.ok(files.includes(f), `${f} missing`);
  // Every source the fallback build compiles is there.
  const gyp = JSON.parse(fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8'));
  for (const src of gyp.targets[0].sources) assert.ok(files.includes(src), `${src} (binding.gyp) missing`);
  assert.ok(packed.size < 2 * 1024 * 1024, `${packed.size} bytes: larger than expected`);
});

test('a project with no compiler installs the tarball with and without install scripts, and npx tusk serves', async () => {
  for (const tool of COMPILERS) assert.equal(findOnPath(tool, [bin]), null, `${tool} on the test's PATH`);
  const [blocked, allowed] = await Promise.all([newProject('blocked'), newProject('allowed')]);
  await Promise.all([install(blocked, '--ignore-scripts'), install(allowed)]);
  assert.ok(!fs.existsSync(path.join(allowed, 'node_modules', 'tusk', 'build')), 'the install script compiled although a prebuild fits');
  await Promise.all([serveOnce(blocked, 'blocked'), serveOnce(allowed, 'allowed')]);

  // The installed copy, broken three ways: each is one line naming the runtime and the fix.
  const pkg = path.join(blocked, 'node_modules', 'tusk');
  const fake = path.join(tmp, 'old-napi.mjs');
  fs.writeFileSync(fake, "Object.defineProperty(process, 'versions', { value: { ...process.versions, napi: '7' } });\n");
  assert.match(await failsInOneLine(blocked, ['app.js'], ['--import', fake]), /the native addon needs N-API 8, and Node [\d.]+ has N-API 7: run tusk on Node 20 or later$/);

  fs.writeFileSync(path.join(pkg, HOST_PREBUILD), 'not an ELF file');
  assert.match(await failsInOneLine(blocked),
    new RegExp(`cannot load the native addon ${HOST_PREBUILD.replace(/\./g, '\\.')} on linux-${os.arch()} \\(${HOST_LIBC}[^)]*, Node ${process.versions.node}, ABI ${process.versions.modules}, N-API \\d+\\): .*; build it from source with \`npm rebuild tusk --build-from-source\``));

  fs.rmSync(path.join(pkg, 'prebuilds', `linux-${os.arch()}`), { recursive: true });
  const line = await failsInOneLine(blocked);
  assert.match(line, new RegExp(`no native addon fits linux-${os.arch()} \\(${HOST_LIBC}[^)]*, Node ${process.versions.node}, ABI ${process.versions.modules}, N-API \\d+\\)`));
  assert.match(line, /npm rebuild tusk --build-from-source/);
});
