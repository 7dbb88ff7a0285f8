// The typed config file: `import { defineConfig } from 'tusk'` in tusk.config.mjs and tusk.config.ts.
// ConfigOptions (src/config/options.ts) and docs/settings.md are generated from the registry and
// must be current; the TypeScript compiler accepts a good config, names each wrong value or unknown
// setting of a bad one, and shows every setting's help on both of its spellings; a tusk.config.ts is
// loaded by a Node that strips types (node@24 from the npm registry), and refused in one line by
// one that does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { CLI, ROOT, cleanupAll, mkTmp, parsePrintConfig, request, runTusk, startTusk } from './helpers.mjs';

const run = promisify(execFile);
const ts = createRequire(import.meta.url)('typescript');
const { SETTINGS } = await import(path.join(ROOT, 'dist', 'index.js'));

let project; // a user's project: node_modules/tusk is this package

const GOOD = `import { defineConfig } from 'tusk';
export default defineConfig({
  workers: 3,
  gracefulTimeout: 7,
  bind: ['127.0.0.1:0'],
  loglevel: 'warning',
  max_requests: 100,
  pidfile: null,
  when_ready(server) { server.log.info('ready with ' + server.numWorkers + ' workers'); },
  postFork: (_server, worker) => { void worker.pid.toFixed(); },
});
`;

before(() => {
  project = mkTmp('tusk-typed-config-');
  fs.mkdirSync(path.join(project, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(project, 'node_modules', 'tusk'));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  fs.writeFileSync(path.join(project, 'app.js'), 'export default { fetch: () => new Response("ok") };\n');
});

after(cleanupAll);

test('ConfigOptions and docs/settings.md are what the registry generates', async () => {
  await run(process.execPath, [path.join(ROOT, 'scripts', 'settings-doc.mjs'), '--check'], { cwd: ROOT });
});

/** Type-checks `files` ({ name: source }) in the project as a user's editor would; returns the program. */
function typecheck(files) {
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(project, name), text);
  return ts.createProgram(Object.keys(files).map((f) => path.join(project, f)), {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true,
    typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'],
  });
}

const messages = (program, file) => ts.getPreEmitDiagnostics(program, program.getSourceFile(path.join(project, file)))
  .map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));

test('the compiler accepts a good config, names what is wrong in a bad one, and shows every setting\'s help on both spellings', () => {
  const program = typecheck({
    'good.config.mts': GOOD,
    'bad.config.mts': "import { defineConfig } from 'tusk';\nexport default defineConfig({ workers: 'many', graceful_timeout: '3', interface: 'cgi', on_exit: 'bye', pre_fork: (server) => server.nope });\n",
    'unknown.config.mts': "import { defineConfig } from 'tusk';\nexport default defineConfig({ workers: 2, unknown_setting: 1 });\n",
    'docs.config.mts': "import type { TuskConfig } from 'tusk';\nexport const config: TuskConfig = {};\n",
  });
  assert.deepEqual(messages(program, 'good.config.mts'), []);
  const errors = messages(program, 'bad.config.mts').join('\n');
  assert.match(errors, /'"many"' is not assignable to type 'number \| "auto" \| "max"/);
  assert.match(errors, /'string' is not assignable to type 'number'/);
  assert.match(errors, /'"cgi"' is not assignable to type '"auto" \| "node" \| "fetch" \| "native"/);
  assert.match(errors, /'string' is not assignable to type '\(server: Server\) => HookResult'/); // on_exit: 'bye'
  assert.match(errors, /Property 'nope' does not exist on type 'Server'/);
  assert.match(messages(program, 'unknown.config.mts').join('\n'), /'unknown_setting' does not exist in type/);

  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(project, 'docs.config.mts'));
  const type = checker.getTypeAtLocation(source.statements[1].declarationList.declarations[0].type);
  for (const spec of SETTINGS) {
    for (const name of new Set([spec.name, spec.name.replace(/_(.)/g, (_, c) => c.toUpperCase())])) {
      const property = type.getProperty(name);
      assert.ok(property, `${name} missing from TuskConfig`);
      const doc = ts.displayPartsToString(property.getDocumentationComment(checker));
      assert.ok(doc.startsWith(spec.help.replace(/\*\//g, '*\\/')), `${name}: TSDoc is ${JSON.stringify(doc.slice(0, 80))}`);
    }
  }
});

test('tusk.config.mjs with defineConfig from tusk', async () => {
  fs.writeFileSync(path.join(project, 'tusk.config.mjs'), GOOD);
  try {
    const r = await runTusk(['--print-config'], { cwd: project });
    assert.equal(r.code, 0, r.stderr);
    const printed = parsePrintConfig(r.stdout);
    assert.equal(printed.workers, 3);
    assert.equal(printed.graceful_timeout, 7);
    assert.equal(printed.loglevel, 'warning');
    assert.equal(printed.max_requests, 100);
  } finally {
    fs.rmSync(path.join(project, 'tusk.config.mjs'));
  }
});

const stripsTypes = Boolean(process.features.typescript);

test('tusk.config.ts where this Node cannot strip types: one line, exit 2', { skip: stripsTypes && 'this Node strips types' }, async () => {
  const dir = path.join(project, 'ts-here');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'tusk.config.ts'), GOOD.replace('workers: 3', 'workers: 3 as number'));
  const r = await runTusk(['--print-config'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^tusk: error: config: .*tusk\\.config\\.ts is TypeScript, and Node ${process.versions.node} does not strip types: use Node 22\\.18\\+ or 23\\.6\\+`));
});

test('tusk.config.ts on a Node that strips types (node@24): loaded, and tusk serves with it', async () => {
  const { stdout } = await run('npm', ['exec', '--yes', '--prefer-offline', '--package=node@24', '--', 'node', '-p', 'process.execPath'], { cwd: project, timeout: 180_000 });
  const node24 = stdout.trim().split('\n').pop();
  const dir = path.join(project, 'ts-node24');
  fs.mkdirSync(dir);
  const config = `import { defineConfig, type TuskConfig } from 'tusk';
const workers: TuskConfig['workers'] = 2;
export default defineConfig({ workers, gracefulTimeout: 4, bind: ['127.0.0.1:0'] });
`;
  fs.writeFileSync(path.join(dir, 'tusk.config.ts'), config);
  fs.copyFileSync(path.join(project, 'app.js'), path.join(dir, 'app.mjs'));
  const r = await runTusk(['--print-config'], { cwd: dir, command: node24, commandArgs: [CLI, '--print-config'] });
  assert.equal(r.code, 0, r.stderr);
  const printed = parsePrintConfig(r.stdout);
  assert.equal(printed.workers, 2);
  assert.equal(printed.graceful_timeout, 4);

  const tusk = startTusk([], { cwd: dir, command: node24, commandArgs: [CLI, 'app.mjs'] });
  const { port } = await tusk.waitForReady(2, 30_000);
  const res = await request({ port });
  assert.equal(res.status, 200);
  assert.equal(res.body, 'ok');
  await tusk.stop();
});
