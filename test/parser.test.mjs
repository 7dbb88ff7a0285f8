// The C++ parser's own unit and corpus tests (native/http/test), built with CMake and run here so
// that `npm test` covers them: every RFC 9112 rule, the chunked decoder, and the Gunicorn corpus
// fed whole, split at every byte and byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.mjs';

const cmake = spawnSync('cmake', ['--version']).status === 0;
const corpus = path.join(ROOT, '..', 'shared', 'corpus', 'gunicorn-requests.json');

test('C++ parser unit and corpus tests', { skip: !cmake && 'cmake is not installed', timeout: 240000 }, () => {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-parser-'));
  try {
    const run = (cmd, args) => {
      const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    run('cmake', ['-S', 'native', '-B', build, '-DTUSK_FUZZ=OFF', `-DTUSK_CORPUS=${corpus}`]);
    run('cmake', ['--build', build, '--target', 'parser_test', '-j2']);
    const args = [];
    if (fs.existsSync(corpus)) {
      run(process.execPath, ['native/http/test/corpus-to-lines.mjs', corpus, path.join(build, 'corpus.txt')]);
      args.push(path.join(build, 'corpus.txt'));
    }
    const out = run(path.join(build, 'parser_test'), args);
    const summary = /(\d+) passed, (\d+) failed/.exec(out);
    assert.ok(summary, `no summary line in:\n${out.slice(-2000)}`);
    assert.equal(Number(summary[2]), 0, out.slice(-4000));
    const least = args.length > 0 ? 100 : 30; // the corpus adds a test per case
    assert.ok(Number(summary[1]) > least, `only ${summary[1]} parser tests ran`);
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
});
