/**
 * `npm run bench -- ctc [--json]`: CTC loss forward and forward+backward for a fine-tuning-sized batch
 * (B 8, T 300 encoder frames = 12 s, V 29 characters, 150-symbol targets), on the backend in use, beside
 * PyTorch's ctc_loss on the same sizes (Debian python3-torch, 1 thread, skipped when absent); and prefix beam
 * search speed per utterance.
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { prefixBeamSearch } from '../src/decode/prefix-beam';
import { CharNgramLm } from '../src/decode/ngram-lm';
import { charVocab } from '../src/decode/vocab';
import { ctcLoss } from '../src/objectives/ctc';
import { Rng } from '../src/util/rng';

const TORCH = `
import time, torch
torch.set_num_threads(1)
B, T, V, L = 8, 300, 29, 150
x = torch.randn(B, T, V, dtype=torch.float32, requires_grad=True)
y = torch.randint(1, V, (B, L))
il = torch.full((B,), T); tl = torch.full((B,), L)
f = lambda: torch.nn.functional.ctc_loss(x.log_softmax(-1).transpose(0, 1), y, il, tl, reduction='sum')
for _ in range(2): f().backward()
t = time.perf_counter()
for _ in range(5): f()
fwd = (time.perf_counter() - t) / 5
t = time.perf_counter()
for _ in range(5): f().backward()
print(fwd * 1000, (time.perf_counter() - t) / 5 * 1000)
`;

export async function run(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const out: Record<string, unknown>[] = [];
  const report = await initBackend({ quiet: true });
  const B = 8, T = 300, V = 29, L = 150;
  const rng = new Rng(1);
  const x = tf.tensor3d(Float32Array.from({ length: B * T * V }, () => rng.normal()), [B, T, V]);
  const labels = Array.from({ length: B }, () => Array.from({ length: L }, () => 1 + rng.int(V - 1)));
  const lens = new Array(B).fill(T);
  const g = tf.grad((z: tf.Tensor) => ctcLoss(z as tf.Tensor3D, labels, lens).sum());
  const time = (fn: () => void, n = 5) => {
    fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t0) / n;
  };
  const fwd = time(() => tf.tidy(() => void ctcLoss(x, labels, lens).dataSync()));
  const both = time(() => {
    const r = g(x);
    r.dataSync();
    r.dispose();
  });
  out.push({ bench: 'ctc', impl: `birq ctcLoss (${report.backend})`, B, T, V, L, forward_ms: +fwd.toFixed(1), forward_backward_ms: +both.toFixed(1) });
  const py = spawnSync('/usr/bin/python3', ['-c', TORCH], { encoding: 'utf8' });
  if (py.status === 0) {
    const [f, fb] = py.stdout.trim().split(/\s+/).map(Number);
    out.push({ bench: 'ctc', impl: 'torch.nn.functional.ctc_loss (cpu, 1 thread)', B, T, V, L, forward_ms: +f.toFixed(1), forward_backward_ms: +fb.toFixed(1) });
  } else out.push({ bench: 'ctc', impl: 'torch', skipped: 'python3-torch not available' });

  const lp = tf.tidy(() => tf.logSoftmax(tf.mul(x, 3)));
  const one = lp.dataSync().subarray(0, T * V);
  lp.dispose();
  const tokens = charVocab().tokens;
  const lm = CharNgramLm.train(['IT IS A TRUTH UNIVERSALLY ACKNOWLEDGED', 'THAT A SINGLE MAN IN POSSESSION OF A GOOD FORTUNE'], 5);
  for (const [name, opts] of [['beam 16', { beamWidth: 16 }], ['beam 16 + 5-gram LM', { beamWidth: 16, lm, tokens }]] as const)
    out.push({ bench: 'decode', impl: name, T, V, ms_per_utterance: +time(() => void prefixBeamSearch(one, T, V, opts), 3).toFixed(1) });
  x.dispose();
  for (const r of out) process.stdout.write(json ? JSON.stringify(r) + '\n' : `${Object.entries(r).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
  return 0;
}
