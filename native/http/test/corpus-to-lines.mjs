// native/http/test/corpus-to-lines.mjs — converts the Gunicorn request corpus
// (JSON: {notes, cases}) into the line format parser_test.cc reads, so the C++
// test needs no JSON parser.
//
//   node corpus-to-lines.mjs <corpus.json> [out.txt]     (stdout without out)
//
// Format, one record per line, fields separated by one space; byte strings are
// lower-case hex, "-" when empty:
//   CASE <name> <valid|invalid>
//   RAW  <hex>                          bytes the client sends
//   SET  <gunicorn setting> <value>     non-default Gunicorn settings
//   ERR  <gunicorn error class>         invalid cases
//   REQ  <method> <target> <major> <minor> <body>   valid cases, in order
//   HDR  <name> <value>                 headers of the preceding REQ
//   TRL  <name> <value>                 trailers of the preceding REQ
//   END
import { readFileSync, writeFileSync } from 'node:fs';

const [, , input, output] = process.argv;
if (!input) {
  console.error('usage: node corpus-to-lines.mjs <corpus.json> [out.txt]');
  process.exit(2);
}

const hex = (buf) => (buf.length === 0 ? '-' : buf.toString('hex'));
const latin1 = (s) => hex(Buffer.from(s, 'latin1'));
const b64 = (s) => hex(Buffer.from(s, 'base64'));
const word = (s) => {
  const text = String(s);
  if (text === '' || /\s/.test(text)) throw new Error(`not a single word: ${JSON.stringify(s)}`);
  return text;
};

const corpus = JSON.parse(readFileSync(input, 'utf8'));
const lines = [];
for (const c of corpus.cases) {
  lines.push(`CASE ${word(c.name)} ${word(c.kind)}`);
  lines.push(`RAW ${b64(c.raw_base64)}`);
  for (const [key, value] of Object.entries(c.gunicorn_settings ?? {})) {
    lines.push(`SET ${word(key)} ${word(value)}`);
  }
  if (c.kind === 'invalid') lines.push(`ERR ${word(c.gunicorn_error)}`);
  for (const r of c.requests ?? []) {
    // Gunicorn reports strings decoded as latin-1: map them back to bytes.
    lines.push(`REQ ${latin1(r.method)} ${latin1(r.target)} ${r.version[0]} ${r.version[1]} ${b64(r.body_base64)}`);
    for (const [n, v] of r.headers) lines.push(`HDR ${latin1(n)} ${latin1(v)}`);
    for (const [n, v] of r.trailers ?? []) lines.push(`TRL ${latin1(n)} ${latin1(v)}`);
  }
  lines.push('END');
}
const text = lines.join('\n') + '\n';
if (output) writeFileSync(output, text);
else process.stdout.write(text);
