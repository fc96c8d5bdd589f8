import { encodeWav } from './wav';

/** An HTML `<audio>` player with the samples inlined as a base64 16-bit WAV (for notebooks: `showHtml`). */
export function audioHtml(samples: Float32Array, sampleRate: number, caption = ''): string {
  const b64 = Buffer.from(encodeWav(samples, sampleRate)).toString('base64');
  const esc = caption.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<figure style="margin:4px 0">${esc ? `<figcaption style="font:12px sans-serif">${esc}</figcaption>` : ''}<audio controls preload="none" src="data:audio/wav;base64,${b64}"></audio></figure>`;
}
