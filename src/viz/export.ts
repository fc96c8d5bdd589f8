/** Figures to files (run directories, the report): a standalone interactive HTML and a static SVG, written atomically. */
import { writeFileAtomic } from '../util/fs';
import { Figure, titleText } from './figure';
import { figureToSvg } from './svg';
import { figureJson } from './notebook';
import { plotlySource } from './plotly-bundle';

export function saveFigure(fig: Figure, basePath: string, opts: { html?: boolean } = {}): { svg: string; html?: string } {
  const svgPath = `${basePath}.svg`;
  writeFileAtomic(svgPath, figureToSvg(fig));
  if (opts.html === false) return { svg: svgPath };
  const htmlPath = `${basePath}.html`;
  const lib = plotlySource();
  const spec = figureJson(fig);
  writeFileAtomic(
    htmlPath,
    `<!doctype html><meta charset="utf-8"><title>${titleText(fig.layout?.title)}</title><script>${lib}</script>` +
      `<div id="p"></div><script>var s=${spec};Plotly.newPlot('p',s.data,s.layout,{responsive:true});</script>`,
  );
  return { svg: svgPath, html: htmlPath };
}
