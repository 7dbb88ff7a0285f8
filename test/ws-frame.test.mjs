// The C++ WebSocket frame layer's own tests (native/ws/test/ws_test.cc), built with CMake and run
// here so that `npm test` covers them: the Reader's rules and close codes, the encoder, UTF-8,
// permessage-deflate negotiation and streams, the handshake key, and a seeded random-input loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.mjs';

const cmake = spawnSync('cmake', ['--version']).status === 0;

test('C++ WebSocket frame tests', { skip: !cmake && 'cmake is not installed', timeout: 240000 }, () => {
  const build = fs.mkdtempSync(path.join(os.tmpdir(), 'tusk-ws-'));
  try {
    const run = (cmd, args) => {
      const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    run('cmake', ['-S', 'native', '-B', build, '-DTUSK_FUZZ=OFF']);
    run('cmake', ['--build', build, '--target', 'ws_test', '-j2']);
    const out = run(path.join(build, 'ws_test'), []);
    const summary = /(\d+) passed, (\d+) failed/.exec(out);
    assert.ok(summary, `no summary line in:\n${out.slice(-2000)}`);
    assert.equal(Number(summary[2]), 0, out.slice(-4000));
    assert.ok(Number(summary[1]) >= 13, `only ${summary[1]} WebSocket frame tests ran`);
  } finally {
    fs.rmSync(build, { recursive: true, force: true });
  }
});
