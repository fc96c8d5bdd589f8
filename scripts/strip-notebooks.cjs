#!/usr/bin/env node
/**
 * `node scripts/strip-notebooks.cjs [--check] [FILE.ipynb ...]` (default: every notebook in notebooks/)
 * The .ipynb files are the notebooks' sources: what a researcher edits in Jupyter is what is committed. Before a
 * commit this strips outputs and execution counts in place (and normalizes the JSON layout); `--check` only
 * reports notebooks that carry outputs, exiting 1 (npm test runs the check).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const check = args.includes('--check');
const dir = path.join(__dirname, '..', 'notebooks');
const files = args.filter((a) => a !== '--check');
const list = files.length ? files : fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f));
let dirty = 0;
for (const file of list) {
  const text = fs.readFileSync(file, 'utf8');
  const nb = JSON.parse(text);
  for (const c of nb.cells) {
    if (c.cell_type !== 'code') continue;
    c.outputs = [];
    c.execution_count = null;
  }
  const out = JSON.stringify(nb, null, 1) + '\n';
  if (out === text) continue;
  dirty++;
  if (check) process.stderr.write(`${path.relative(process.cwd(), file)}: carries outputs or unnormalized JSON (run node scripts/strip-notebooks.cjs)\n`);
  else fs.writeFileSync(file, out);
}
if (check && dirty) process.exit(1);
process.stdout.write(`${check ? 'checked' : 'stripped'} ${list.length} notebook(s)${dirty ? `, ${dirty} ${check ? 'not clean' : 'changed'}` : ''}\n`);
