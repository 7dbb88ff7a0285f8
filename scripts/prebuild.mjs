// Makes the N-API prebuilds that `npm pack` ships (prebuilds/<platform>-<arch>/tusk.<libc>.node),
// with prebuildify, for every target this machine has a compiler for:
//   node scripts/prebuild.mjs            every target it can build; the others are named, skipped
//   node scripts/prebuild.mjs --host     the one this machine runs (what the package test needs)
//   node scripts/prebuild.mjs linux-arm64-glibc ...   these, failing when one cannot be built
// A target whose prebuild is newer than binding.gyp, package.json and every file under native/ is
// kept as it is. Each build runs in a staged copy of the sources in a temporary directory, so the
// build/ of this tree (which tests load) is never touched.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// `triple` names the cross compiler (TRIPLE-g++, TRIPLE-strip) used when the target is not this machine.
const TARGETS = [
  { name: 'linux-x64-glibc', arch: 'x64', libc: 'glibc', triple: 'x86_64-linux-gnu',
    hint: 'Debian: apt-get install g++-x86-64-linux-gnu' },
  { name: 'linux-arm64-glibc', arch: 'arm64', libc: 'glibc', triple: 'aarch64-linux-gnu',
    hint: 'Debian: apt-get install g++-aarch64-linux-gnu' },
  { name: 'linux-x64-musl', arch: 'x64', libc: 'musl', triple: 'x86_64-linux-musl',
    hint: "Debian's musl-tools has no C++ compiler: run this script on Alpine (apk add g++ make python3), or put a musl cross toolchain's x86_64-linux-musl-g++ on PATH" },
];

const hostLibc = process.report.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
const isHost = (t) => t.arch === os.arch() && t.libc === hostLibc;

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return path.join(dir, command);
    } catch {
      // not in this one
    }
  }
  return null;
}

/** The node-gyp that npm carries: npm names it to scripts it runs; else found beside npm on PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  const npm = onPath('npm');
  const file = npm && path.join(path.dirname(fs.realpathSync(npm)), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!file || !fs.existsSync(file)) throw new Error('no node-gyp: run this through npm (npm run prebuildify)');
  return file;
}

function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['binding.gyp', 'package.json', 'native']) visit(path.join(root, p));
  return newest;
}

const output = (t) => path.join(root, 'prebuilds', `linux-${t.arch}`, `tusk.${t.libc}.node`);

function isFresh(t) {
  try {
    return fs.statSync(output(t)).mtimeMs > newestInput();
  } catch {
    return false;
  }
}

/** The running Node's own headers, so that node-gyp needs no download (N-API headers fit every Node). */
function localNodeDir() {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : null;
}

function build(t) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-prebuild-'));
  try {
    for (const p of ['binding.gyp', 'package.json', 'native']) fs.cpSync(path.join(root, p), path.join(stage, p), { recursive: true });
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'));
    const env = { ...process.env, PREBUILD_LIBC: t.libc };
    env.JOBS ??= String(os.availableParallelism()); // node-gyp's make -j
    const nodedir = env.npm_config_nodedir ?? localNodeDir();
    if (nodedir) env.npm_config_nodedir = nodedir;
    const args = ['--napi', '--strip', '--tag-libc', `--target=${process.versions.node}`, `--arch=${t.arch}`, `--node-gyp=${nodeGyp()}`, '--cwd', stage];
    if (!isHost(t)) {
      env.CC = `${t.triple}-gcc`;
      env.CXX = `${t.triple}-g++`;
      args.push(`--strip-bin=${t.triple}-strip`);
    }
    const bin = path.join(root, 'node_modules', 'prebuildify', 'bin.js');
    const run = spawnSync(process.execPath, [bin, ...args], { cwd: stage, env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error(`${t.name}: prebuildify failed (exit ${run.status ?? run.signal})`);
    fs.mkdirSync(path.dirname(output(t)), { recursive: true });
    fs.copyFileSync(path.join(stage, path.relative(root, output(t))), output(t));
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const named = argv.includes('--host') ? TARGETS.filter(isHost) : TARGETS.filter((t) => argv.includes(t.name));
const unknown = argv.filter((a) => a !== '--host' && !TARGETS.some((t) => t.name === a));
if (unknown.length > 0) {
  console.error(`prebuild: unknown target ${unknown.join(', ')} (targets: ${TARGETS.map((t) => t.name).join(', ')}, --host)`);
  process.exit(2);
}
const strict = argv.length > 0;
let failed = false;
for (const t of strict ? named : TARGETS) {
  const compiler = isHost(t) ? 'the host compiler' : `${t.triple}-g++`;
  if (!isHost(t) && !onPath(`${t.triple}-g++`)) {
    console.error(`prebuild: ${t.name}: skipped, no ${t.triple}-g++ on PATH (${t.hint})`);
    failed ||= strict;
    continue;
  }
  if (isFresh(t)) {
    console.error(`prebuild: ${t.name}: up to date (${path.relative(root, output(t))})`);
    continue;
  }
  const started = Date.now();
  try {
    build(t);
    console.error(`prebuild: ${t.name}: built with ${compiler} in ${((Date.now() - started) / 1000).toFixed(1)} s (${path.relative(root, output(t))}, ${fs.statSync(output(t)).size} bytes)`);
  } catch (err) {
    console.error(`prebuild: ${err.message}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
