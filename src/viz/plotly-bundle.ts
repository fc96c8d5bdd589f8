/**
 * The plotly.js bundle that notebooks and exported figures inline (no CDN offline). plotly.js-dist ships only the
 * unminified 11 MB build; we minify it once with esbuild (a dev dependency, also tsx's) to ~4.9 MB and cache the result
 * per plotly version. If esbuild is unavailable the unminified bundle is used: larger, same behaviour.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/fs';
import { cacheRoot } from '../util/paths';

let cached: string | null = null;

export function plotlySource(): string {
  if (cached) return cached;
  const entry = require.resolve('plotly.js-dist');
  const version = (require('plotly.js-dist/package.json') as { version: string }).version;
  const file = path.join(cacheRoot(), 'viz', `plotly-${version}.min.js`);
  try {
    cached = fs.readFileSync(file, 'utf8');
    return cached;
  } catch {
    /* not cached yet */
  }
  const src = fs.readFileSync(entry, 'utf8');
  try {
    const esbuild = require('esbuild') as { transformSync(code: string, o: object): { code: string } };
    cached = esbuild.transformSync(src, { minify: true, legalComments: 'none' }).code;
    writeFileAtomic(file, cached);
  } catch {
    cached = src;
  }
  return cached;
}
