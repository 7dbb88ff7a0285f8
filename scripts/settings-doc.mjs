// Writes what is generated from the settings registry (run after the TypeScript build):
//   docs/settings.md          every setting, by section
//   docs/hooks.md             its table of the hooks (between its markers), from HOOKS in src/config/hooks.ts
//   src/config/options.ts     the typed config file: each setting, both spellings, with its help as TSDoc
//   node scripts/settings-doc.mjs           write them
//   node scripts/settings-doc.mjs --check   exit 1, naming the stale ones, when they differ from the registry
import fs from 'node:fs';
import { HOOKS, defaultSettings, settingSections } from '../dist/index.js';

const defaults = defaultSettings({});
const flagText = (spec) => spec.flags.map((f) => `\`${f}${spec.metavar ? ` ${spec.metavar}` : ''}\``).join(', ');
const camelCase = (name) => name.replace(/_(.)/g, (_, c) => c.toUpperCase());

function settingsDoc() {
  const lines = ['# Settings', '', 'Generated from the registry in `src/config/settings.ts` by `node scripts/settings-doc.mjs`.', '',
    'Precedence, lowest first: defaults < config file < `TUSK_CMD_ARGS` < command line.', ''];
  for (const [section, specs] of settingSections()) {
    lines.push(`## ${section}`, '');
    for (const spec of specs) {
      lines.push(`### ${spec.name}`, '');
      if (spec.flags.length > 0) lines.push(`- flag: ${flagText(spec)}`);
      else lines.push('- flag: none: a function in the config file (see [hooks.md](hooks.md))');
      const camel = camelCase(spec.name);
      lines.push(`- config file: \`${spec.name}\`${camel === spec.name ? '' : ` or \`${camel}\``}`);
      lines.push(`- default: \`${JSON.stringify(defaults[spec.name])}\``, '', spec.help, '');
    }
  }
  return lines.join('\n');
}

const hooksDoc = new URL('../docs/hooks.md', import.meta.url);

function hooksPage() {
  const start = '<!-- hooks table: generated from HOOKS in src/config/hooks.ts by `node scripts/settings-doc.mjs` -->';
  const end = '<!-- end of hooks table -->';
  const page = fs.readFileSync(hooksDoc, 'utf8');
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from < 0 || to < from) throw new Error('docs/hooks.md: the hooks table markers are missing');
  const rows = HOOKS.map((h) => `| \`${h.name}\` | ${h.process} | ${h.moment} | ${h.args} | ${h.awaited} | ${h.failure} |`);
  const table = [start, '| hook | process | moment | arguments | promise | throw |', '| --- | --- | --- | --- | --- | --- |', ...rows, ''].join('\n');
  return page.slice(0, from) + table + page.slice(to);
}

function inputType(spec) {
  if (spec.input) return spec.input;
  const value = defaults[spec.name];
  if (value === null) return 'string | null';
  if (Array.isArray(value)) return 'string[]';
  return typeof value;
}

function optionsModule() {
  const members = [];
  const add = (spelling) => {
    for (const [section, specs] of settingSections()) {
      for (const spec of specs) {
        const name = spelling(spec.name);
        if (name === null) continue;
        const flags = spec.flags.length > 0 ? `Flag: ${flagText(spec)}` : 'A function in the config file only';
        members.push('  /**', `   * ${spec.help.replace(/\*\//g, '*\\/')}`, '   *',
          `   * ${section}. ${flags}. Default: \`${JSON.stringify(defaults[spec.name])}\`.`, '   */',
          `  ${name}?: ${inputType(spec)};`);
      }
    }
  };
  members.push('/** The settings of a config file (tusk.config.mjs, tusk.config.ts), by their registry names; every one is optional. */',
    'export interface ConfigOptions {');
  add((name) => name);
  members.push('}', '', '/** The same settings by their camelCase spellings (gracefulTimeout for graceful_timeout), which config files may use too. */',
    'export interface CamelCaseOptions {');
  add((name) => (name.includes('_') ? camelCase(name) : null));
  members.push('}', '');
  const body = members.join('\n');
  return [
    '// config/options.ts — generated from the settings registry (config/settings.ts) by',
    '// `node scripts/settings-doc.mjs`: do not edit. What a config file may export, each setting with',
    '// its help, by its registry name (ConfigOptions) and its camelCase spelling (CamelCaseOptions);',
    '// config/define.ts joins them into TuskConfig.',
    ...(/\bHooks\[/.test(body) ? ["import type { Hooks } from './hooks.js';"] : []),
    '',
    body,
  ].join('\n');
}

const outputs = [
  [new URL('../docs/settings.md', import.meta.url), settingsDoc()],
  [hooksDoc, hooksPage()],
  [new URL('../src/config/options.ts', import.meta.url), optionsModule()],
];
if (process.argv.includes('--check')) {
  const stale = outputs.filter(([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text);
  for (const [file] of stale) console.error(`${file.pathname}: stale; run node scripts/settings-doc.mjs after npm run build:ts`);
  process.exit(stale.length > 0 ? 1 : 0);
}
for (const [file, text] of outputs) fs.writeFileSync(file, text);
