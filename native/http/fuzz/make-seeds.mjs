// native/http/fuzz/make-seeds.mjs — seeds fuzz_parser's corpus directory from
// the Gunicorn request corpus.
//
//   node make-seeds.mjs <gunicorn-requests.json> <out-dir>
//
// fuzz_parser input = 1 mode byte (bits 0-1 limits preset, bit 2 body-only
// mode, bit 3 no Host check), 2 split-seed bytes, then the bytes a client
// sends. Each corpus case becomes a head seed with default limits, one with
// the Host check off, one with small limits, and — when a chunked body follows
// the head — a body-mode seed of just that body.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [, , input, outDir] = process.argv;
if (!input || !outDir) {
  console.error('usage: node make-seeds.mjs <gunicorn-requests.json> <out-dir>');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const corpus = JSON.parse(readFileSync(input, 'utf8'));
let count = 0;
const seed = (name, mode, bytes) => {
  const header = Buffer.from([mode, 0x5a, 0xa5]);
  writeFileSync(join(outDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-m${mode}`), Buffer.concat([header, bytes]));
  count += 1;
};
for (const c of corpus.cases) {
  const raw = Buffer.from(c.raw_base64, 'base64');
  seed(c.name, 0, raw);
  seed(c.name, 8, raw);
  seed(c.name, 1 | 8, raw);
  const end = raw.indexOf('\r\n\r\n');
  if (end >= 0 && /transfer-encoding:[^\r]*chunked/i.test(raw.subarray(0, end).toString('latin1'))) {
    seed(c.name, 4, raw.subarray(end + 4));
  }
}
console.log(`wrote ${count} seeds to ${outDir}`);
