/**
 * The enhanced labels' code usage, as docs/protocol.md reports it, pinned at the smoke scale (64 codes, 60 steps,
 * seeded, so the numbers are exact reruns): with per-frame LayerNorm (the paper's reading) the noise-free enhanced
 * labels collapse to a handful of codes while the anchor labels keep theirs; without the anchor term (w2 = 0)
 * they collapse sooner; per-utterance standardization slows it; whitening prevents it (at the price of targets the
 * head does not learn: F stays at ln 64); partial whitening keeps most codes and lets F fall. Breaking the anchor term, the noise-free count or the normalization
 * moves these numbers.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { builtinCorpus } from '../../src/data/builtin';
import { applyOverride, presetConfig } from '../../src/train/config';
import { StepMetrics, train } from '../../src/train/loop';

async function run(sets: string[]): Promise<StepMetrics[]> {
  builtinCorpus('smoke', { build: true });
  let c = presetConfig('smoke');
  for (const s of [...sets, 'run.steps=60', 'run.logEvery=5', 'run.snapshotEvery=0', 'run.checkpointEvery=60']) c = applyOverride(c, s);
  const r = await train({ config: c, runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'birq-collapse-')), quiet: true });
  return r.metrics;
}
const at = (m: StepMetrics[], step: number) => m.find((x) => x.step === step)!;
const tail = (m: StepMetrics[]) => m.slice(-3);

test('enhanced labels: frame-LN collapses (sooner without the anchor term), utterance slows it, whitening prevents it', async () => {
  const frame = await run(['enhanced.norm=frame']);
  const noAnchor = await run(['enhanced.norm=frame', 'objective.w2=0']);
  const utterance = await run(['enhanced.norm=utterance']);
  const whiten = await run(['enhanced.norm=whiten']);
  const partial = await run(['enhanced.norm=whiten', 'enhanced.whitenRidge=1']);
  for (const m of [frame, noAnchor, utterance, whiten]) assert.ok(tail(m).every((x) => x.codes_anchor >= 20), 'the anchor labels keep their codes');
  assert.ok(tail(frame).every((x) => x.codes_enhanced <= 4), `frame: ${tail(frame).map((x) => x.codes_enhanced)}`);
  assert.ok(at(noAnchor, 10).codes_enhanced < at(frame, 10).codes_enhanced, `w2 = 0 collapses sooner: ${at(noAnchor, 10).codes_enhanced} vs ${at(frame, 10).codes_enhanced} codes at step 10`);
  assert.ok(tail(noAnchor).every((x) => x.codes_enhanced <= 3));
  assert.ok(tail(utterance).every((x) => x.codes_enhanced >= 6 && x.codes_enhanced <= 20), `utterance: ${tail(utterance).map((x) => x.codes_enhanced)}`);
  assert.ok(tail(whiten).every((x) => x.codes_enhanced >= 40), `whiten: ${tail(whiten).map((x) => x.codes_enhanced)}`);
  // ... and the price: F stays within 2 % of ln 64 (the head does not learn whitened targets), while frame-LN's F falls.
  assert.ok(tail(whiten).every((x) => Math.abs(x.F - Math.log(64)) < 0.02 * Math.log(64)), `whiten F: ${tail(whiten).map((x) => x.F)}`);
  assert.ok(tail(frame).every((x) => x.F < 0.8 * Math.log(64)), `frame F: ${tail(frame).map((x) => x.F)}`);
  // Partial whitening (ridge = the mean variance) is the middle ground: most codes kept, and F falls below ln 64.
  assert.ok(tail(partial).every((x) => x.codes_enhanced >= 25), `partial: ${tail(partial).map((x) => x.codes_enhanced)}`);
  assert.ok(tail(partial).every((x) => x.F < Math.log(64) - 0.2), `partial F: ${tail(partial).map((x) => x.F)}`);
});
