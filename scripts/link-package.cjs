'use strict';
/**
 * Notebooks import the project as a package, `import * as birq from 'birq-lab'`, the way a user's own notebook
 * would (tslab cannot import ../src/*.ts: its rootDir is the notebook's folder). This links the built dist/ into
 * node_modules/birq-lab with a package.json of its own.
 */
const fs = require('node:fs');
const path = require('node:path');

function linkPackage(root) {
  const dist = path.join(root, 'dist');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  fs.writeFileSync(
    path.join(dist, 'package.json'),
    JSON.stringify({ name: pkg.name, version: pkg.version, main: 'index.js', types: 'index.d.ts' }, null, 2) + '\n',
  );
  const link = path.join(root, 'node_modules', pkg.name);
  try {
    if (fs.readlinkSync(link) === '../dist') return;
  } catch {
    /* not a link yet */
  }
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync('../dist', link, 'dir');
}

if (require.main === module) linkPackage(path.resolve(__dirname, '..'));
module.exports = { linkPackage };
