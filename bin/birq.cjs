#!/usr/bin/env node
'use strict';
// The `birq` command: runs the TypeScript CLI through tsx (the same code path as notebooks and tests).
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const root = path.resolve(__dirname, '..');
const { pathToFileURL } = require('node:url');
const tsx = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;
const r = spawnSync(process.execPath, ['--import', tsx, path.join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
