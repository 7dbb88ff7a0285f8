// The docs stay true to the code: every tusk flag docs/gunicorn.md names is one the CLI takes, and
// every page a doc links to exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { SETTINGS } from '../dist/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const ACTIONS = ['-c', '--config', '--print-config', '--check-config', '-h', '--help', '-v', '--version'];

test('docs/gunicorn.md: every tusk flag in its tables is a flag of the CLI', () => {
  const known = new Set([...ACTIONS, ...Object.values(SETTINGS).flatMap((s) => s.flags)]);
  const text = fs.readFileSync(path.join(root, 'docs', 'gunicorn.md'), 'utf8');
  let rows = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('| `') && !line.startsWith('| (none)')) continue;
    const tusk = line.split('|')[2] ?? '';
    for (const [, flag] of tusk.matchAll(/`(--?[a-z][a-z-]*)`/g)) {
      assert.ok(known.has(flag), `docs/gunicorn.md names ${flag}, which tusk does not take: ${line}`);
    }
    rows++;
  }
  assert.ok(rows > 40, `only ${rows} rows read`);
});

test('every relative link in README.md and docs/*.md points at a file that exists', () => {
  const files = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const resolved = path.join(root, path.dirname(file), target);
      assert.ok(fs.existsSync(resolved), `${file} links to ${target}, which does not exist`);
    }
  }
});
