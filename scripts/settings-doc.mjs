// Writes docs/settings.md from the settings registry, and the table of docs/hooks.md from the
// hooks' table (run after the TypeScript build):
//   node scripts/settings-doc.mjs
import fs from 'node:fs';
import { HOOKS, SETTINGS, defaultSettings } from '../dist/index.js';

const defaults = defaultSettings({});
const lines = ['# Settings', '', 'Generated from the registry in `src/config/settings.ts` by `node scripts/settings-doc.mjs`.', '',
  'Precedence, lowest first: defaults < config file < `TUSK_CMD_ARGS` < command line.', ''];
let section = '';
for (const spec of SETTINGS) {
  if (spec.section !== section) {
    section = spec.section;
    lines.push(`## ${section}`, '');
  }
  lines.push(`### ${spec.name}`, '');
  if (spec.flags.length > 0) lines.push(`- flag: ${spec.flags.map((f) => `\`${f}${spec.metavar ? ` ${spec.metavar}` : ''}\``).join(', ')}`);
  else lines.push('- flag: none: a function in the config file (see [hooks.md](hooks.md))');
  const camel = spec.name.replace(/_(.)/g, (_, c) => c.toUpperCase());
  lines.push(`- config file: \`${spec.name}\`${camel === spec.name ? '' : ` or \`${camel}\``}`);
  lines.push(`- default: \`${JSON.stringify(defaults[spec.name])}\``, '', spec.help, '');
}
fs.writeFileSync(new URL('../docs/settings.md', import.meta.url), lines.join('\n'));

const hooksDoc = new URL('../docs/hooks.md', import.meta.url);
const start = '<!-- hooks table: generated from HOOKS in src/config/hooks.ts by `node scripts/settings-doc.mjs` -->';
const end = '<!-- end of hooks table -->';
const page = fs.readFileSync(hooksDoc, 'utf8');
const from = page.indexOf(start);
const to = page.indexOf(end);
if (from < 0 || to < from) throw new Error('docs/hooks.md: the hooks table markers are missing');
const rows = HOOKS.map((h) => `| \`${h.name}\` | ${h.process} | ${h.moment} | ${h.args} | ${h.awaited} | ${h.failure} |`);
const table = [start, '| hook | process | moment | arguments | promise | throw |', '| --- | --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
fs.writeFileSync(hooksDoc, page.slice(0, from) + table + page.slice(to));
