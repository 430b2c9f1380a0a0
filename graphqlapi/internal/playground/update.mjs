// Rebuilds assets/ from npm: the files GraphiQL's page loads, exactly as
// package-lock.json pins them, each package's licence beside its files, the
// licences of what graphiql's bundle is built from, and assets/SOURCES
// saying where every file came from. See README.md.
//
// Usage: node graphqlapi/internal/playground/update.mjs (needs npm and the
// npm registry; CI runs it and fails when it changes assets/).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The files the page loads, by package; a package's directory in assets/ is
// named name@version, as jsDelivr names it. playground.go lists them too.
const files = {
  graphiql: ['graphiql.min.js', 'graphiql.min.css'],
  react: ['umd/react.production.min.js'],
  'react-dom': ['umd/react-dom.production.min.js'],
};

const here = path.dirname(new URL(import.meta.url).pathname);
const assets = path.join(here, 'assets');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'graphiql-'));
try {
  for (const f of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(here, f), path.join(work, f));
  }
  execFileSync('npm', ['ci', '--ignore-scripts', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] });
  const lock = JSON.parse(fs.readFileSync(path.join(work, 'package-lock.json'), 'utf8'));

  fs.rmSync(assets, { recursive: true, force: true });
  const sources = [
    '# GraphiQL\'s files, copied from npm by update.mjs (do not edit: run it), with',
    '# each file\'s integrity hash (SRI) as the page checks it.',
    '',
  ];
  for (const [name, paths] of Object.entries(files)) {
    const from = path.join(work, 'node_modules', name);
    const meta = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8'));
    const locked = lock.packages[`node_modules/${name}`];
    const dir = path.join(assets, `${name}@${meta.version}`);
    sources.push(`${name}@${meta.version} (${meta.license}): ` +
      `https://registry.npmjs.org/${name}/-/${name.replace(/^@.*\//, '')}-${meta.version}.tgz ${locked.integrity}`);
    for (const p of [...paths, licenceFile(from)]) {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.copyFileSync(path.join(from, p), path.join(dir, p));
      if (paths.includes(p)) {
        const sri = 'sha256-' + createHash('sha256').update(fs.readFileSync(path.join(from, p))).digest('base64');
        sources.push(`  ${p} ${sri}`);
      } else {
        sources.push(`  ${p}`);
      }
    }
    if (name === 'graphiql') {
      fs.writeFileSync(path.join(dir, 'THIRD_PARTY_LICENSES'), thirdParty(work, lock));
      sources.push('  THIRD_PARTY_LICENSES (what its bundle is built from, as npm resolves it)');
    }
  }
  fs.writeFileSync(path.join(assets, 'SOURCES'), sources.join('\n') + '\n');
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

// licenceFile names a package's licence file.
function licenceFile(dir) {
  const found = fs.readdirSync(dir).filter((f) => /^(licen[cs]e|copying)/i.test(f)).sort();
  return found[0];
}

// thirdParty is the licences of the packages graphiql's bundle is built
// from: every package npm installs for it but React and ReactDOM, which the
// page loads on their own, and what only they need.
function thirdParty(work, lock) {
  const own = new Set(['graphiql', 'react', 'react-dom', 'loose-envify', 'js-tokens', 'scheduler']);
  const parts = [
    'The licences of the packages graphiql\'s bundle (graphiql.min.js, graphiql.min.css) is built',
    'from, as npm resolves graphiql@' + lock.packages['node_modules/graphiql'].version +
      '\'s dependencies from package-lock.json; the bundle holds those of',
    'them it uses, at the versions of its own build.',
  ];
  const locations = Object.keys(lock.packages).filter((l) => l.startsWith('node_modules/')).sort();
  for (const location of locations) {
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (own.has(name) || lock.packages[location].dev) {
      continue;
    }
    const dir = path.join(work, location);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const file = licenceFile(dir);
    parts.push('', '='.repeat(78), `${meta.name}@${meta.version} (${meta.license})`, '='.repeat(78), '');
    parts.push(file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `(the package has no licence file; package.json says ${meta.license})`);
  }
  return parts.join('\n') + '\n';
}
