/**
 * Bad input to every command, as a user meets it (a real `birq` process): unknown keys, wrong types, out-of-range
 * values (negative steps, k beyond the encoder's depth, τ <= 0, probabilities outside [0, 1], non-integer counts,
 * empty splits) end with exit 1 and ONE line on stderr naming the flag or key, the value and the accepted range,
 * before any work is done. And good values pass validation: each good row either succeeds or stops later, at
 * something else (a missing corpus or model), never at its flags.
 *
 * Depth-dependent checks run against a real 2-block run (the smoke preset on the toy source, one step), made
 * first by the same command a user would type.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-validation-'));
const RUN = path.join(tmp, 'teacher'); // smoke encoder: 2 blocks
const NOWHERE = path.join(tmp, 'no-such-corpus');
const env: NodeJS.ProcessEnv = { ...process.env, BIRQ_PROFILE: 'smoke', BIRQ_QUIET: '1', BIRQ_RUNS: path.join(tmp, 'runs'), BIRQ_BLAS_THREADS: '1' };
delete env.NODE_TEST_CONTEXT;

interface Result { status: number | null; stdout: string; stderr: string }

function birq(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('error', reject);
    p.on('close', (status) => (clearTimeout(timer), resolve({ status, stdout, stderr })));
  });
}

/** Each row's command, two at a time (the machine has two cores). */
async function all<T>(rows: T[], f: (row: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < rows.length) await f(rows[next++]);
  };
  await Promise.all([worker(), worker()]);
}

/** [args, what the one line must contain: the flag or key, the value, the accepted range]. */
type Bad = [string[], ...RegExp[]];

async function rejects(rows: Bad[]): Promise<void> {
  const failures: string[] = [];
  await all(rows, async ([args, ...want]) => {
    const r = await birq(args);
    const lines = r.stderr.trimEnd().split('\n');
    const why = [
      r.status !== 1 && `exit ${r.status}, expected 1`,
      lines.length !== 1 && `${lines.length} lines on stderr, expected 1`,
      ...want.filter((w) => !w.test(r.stderr)).map((w) => `stderr does not match ${w}`),
    ].filter(Boolean);
    if (why.length) failures.push(`birq ${args.join(' ')}: ${why.join('; ')}\n  stderr: ${r.stderr.trimEnd()}`);
  });
  assert.deepEqual(failures, [], failures.join('\n'));
}

/** [args, exit status, what stderr must say instead (where it stops later)]; stderr never rejects a flag's value. */
type Good = [string[], number, RegExp?];

async function accepts(rows: Good[]): Promise<void> {
  const failures: string[] = [];
  await all(rows, async ([args, status, later]) => {
    const r = await birq(args);
    const why = [
      r.status !== status && `exit ${r.status}, expected ${status}`,
      /: must (be|not be|name)|needs a number|unknown .*key/.test(r.stderr) && 'a value was rejected',
      later && !later.test(r.stderr) && `stderr does not match ${later}`,
    ].filter(Boolean);
    if (why.length) failures.push(`birq ${args.join(' ')}: ${why.join('; ')}\n  stderr: ${r.stderr.trimEnd().slice(0, 600)}`);
  });
  assert.deepEqual(failures, [], failures.join('\n'));
}

before(async () => {
  const r = await birq(['pretrain', '--preset', 'smoke', '--set', 'data.source=toy', '--set', 'run.steps=1', '--set', 'run.checkpointEvery=1',
    '--set', 'run.snapshotEvery=0', '--set', 'data.maxFrames=40', '--set', 'data.batchSize=2', '--run-dir', RUN, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const P = ['pretrain', '--preset', 'smoke'];
test('pretrain: config keys (--set, --config) with key, value and range', async () => {
  const cfg = (name: string, obj: unknown) => {
    const f = path.join(tmp, `${name}.json`);
    fs.writeFileSync(f, JSON.stringify(obj));
    return f;
  };
  await rejects([
    [[...P, '--set', 'run.steps=-5'], /run\.steps/, /-5/, /positive integer/],
    [[...P, '--set', 'run.steps=2.5'], /run\.steps/, /2\.5/, /positive integer/],
    [[...P, '--set', 'enhanced.layer=3'], /enhanced\.layer/, /got 3/, /1\.\.2/],
    [[...P, '--set', 'enhanced.tau=0'], /enhanced\.tau/, /got 0/, /> 0/],
    [[...P, '--set', 'masking.startProb=1.5'], /masking\.startProb/, /1\.5/, /\(0, 1\]/],
    [[...P, '--set', 'encoder.dropout=-0.1'], /encoder\.dropout/, /-0\.1/, /\[0, 1\)/],
    [[...P, '--set', 'optim.minLrRatio=2'], /optim\.minLrRatio/, /got 2/, /\[0, 1\]/],
    [[...P, '--set', 'optim.lrr=1'], /unknown config key 'optim\.lrr'/, /known under optim: lr,/],
    [[...P, '--set', 'run.steps=many'], /run\.steps/, /'many'/, /needs a number/],
    [[...P, '--set', 'enhanced.mode=bogus'], /enhanced\.mode/, /'bogus'/, /one of soft, hard-st, stopgrad/],
    [[...P, '--config', cfg('bool', { run: { steps: true } })], /run\.steps/, /'true'/, /needs a number/],
    [[...P, '--config', cfg('unknown', { optim: { lr: 1e-3, momentum: 0.9 } })], /unknown config key 'optim\.momentum'/],
    [['pretrain', '--preset', 'nope'], /unknown preset 'nope'/, /smoke/],
    [[...P, '--steps', '5'], /unknown option --steps/, /--set/],
  ]);
});

const FT = ['finetune', '--supervised', '--encoder', 'smoke'];
test('finetune: every config key with its range', async () => {
  await rejects([
    [[...FT, '--set', 'optim.lr=0'], /fine-tune config optim\.lr/, /got 0/, /> 0/],
    [[...FT, '--set', 'optim.beta1=1'], /optim\.beta1/, /got 1/, /\[0, 1\)/],
    [[...FT, '--set', 'optim.minLrRatio=-1'], /optim\.minLrRatio/, /-1/, /\[0, 1\]/],
    [[...FT, '--set', 'run.steps=0'], /run\.steps/, /got 0/, />= 1/],
    [[...FT, '--set', 'freezeEncoderSteps=-1'], /freezeEncoderSteps/, /-1/, /0\.\.39/],
    [[...FT, '--set', 'freezeEncoderSteps=40'], /freezeEncoderSteps/, /got 40/, /0\.\.39/],
    [[...FT, '--set', 'data.batchSize=1.5'], /data\.batchSize/, /1\.5/, /integer >= 1/],
    [[...FT, '--set', 'optim.warmupSteps=-3'], /optim\.warmupSteps/, /-3/, /integer >= 0/],
    [[...FT, '--set', 'nope=1'], /unknown fine-tune config key 'nope'/],
    [[...FT, '--vocab', 'words'], /--vocab/, /'words'/, /chars, phones/],
    [['finetune', '--supervised', '--encoder', 'huge'], /encoderPreset/, /'huge'/, /smoke/],
    [[...FT, '--split', ''], /--split/, /''/, /not be empty/],
  ]);
});

test('relabel: --k, --layer against the teacher\'s depth, the student\'s config', async () => {
  const R = ['relabel', '--teacher', RUN];
  await rejects([
    [[...R, '--k', '1'], /--k/, /got 1/, /integer >= 2/],
    [[...R, '--k', '2.5'], /--k/, /2\.5/, /integer >= 2/],
    [[...R, '--k', 'ten'], /--k/, /'ten'/, /integer >= 2/],
    [[...R, '--layer', '3'], /--layer/, /got 3/, /1\.\.2/],
    [[...R, '--layer', '0'], /--layer/, /got 0/, />= 1/],
    [[...R, '--set', 'enhanced.tau=-1'], /enhanced\.tau/, /-1/, /> 0/],
    [[...R, '--set', 'run.steps=0'], /run\.steps/, /got 0/, /positive integer/],
    [[...R, '--fit-split', ''], /--fit-split/, /''/, /not be empty/],
  ]);
});

test('labels: --layer within the run\'s depth, --kmeans-k, --chance-repeats, splits', async () => {
  const L = ['labels', '--run', RUN, '--corpus', NOWHERE];
  await rejects([
    [[...L, '--layer', '5'], /--layer/, /got 5/, /1\.\.2/],
    [[...L, '--layer', '1.5'], /--layer/, /1\.5/, /integer/],
    [[...L, '--kmeans-k', '1'], /--kmeans-k/, /got 1/, /integer >= 2/],
    [[...L, '--chance-repeats', '0'], /--chance-repeats/, /got 0/, /integer >= 1/],
    [[...L, '--split', ''], /--split/, /''/, /not be empty/],
    [[...L, '--split', 'pretrain'], /--fit-split/, /'pretrain'/, /another split/],
  ]);
});

test('probe: --layers within the encoder, iterations, L2, splits', async () => {
  const Q = ['probe', '--init', 'smoke', '--corpus', NOWHERE];
  await rejects([
    [[...Q, '--layers', '0,3'], /--layers/, /got 3/, /0\.\.2/],
    [[...Q, '--layers', '1,x'], /--layers/, /'1,x'/, /integer >= 0/],
    [[...Q, '--layers', '-1'], /--layers/, /'-1'/, /integer >= 0/],
    [[...Q, '--iterations', '0'], /--iterations/, /got 0/, /integer >= 1/],
    [[...Q, '--l2', '-1'], /--l2/, /-1/, />= 0/],
    [[...Q, '--max-train-frames', '10.5'], /--max-train-frames/, /10\.5/, /integer >= 1/],
    [[...Q, '--train-split', ''], /--train-split/, /''/, /not be empty/],
    [[...Q, '--train-split', 'dev', '--eval-split', 'dev'], /--train-split/, /'dev'/, /another split/],
  ]);
});

test('eval: --beam, --lm-weight, --bonus, --decoder, --split', async () => {
  const E = ['eval', '--checkpoint', path.join(tmp, 'model.ckpt'), '--split', 'dev'];
  await rejects([
    [[...E, '--beam', '0'], /--beam/, /got 0/, /integer >= 1/],
    [[...E, '--beam', '2.5'], /--beam/, /2\.5/, /integer >= 1/],
    [[...E, '--lm-weight', '-0.5'], /--lm-weight/, /'-0\.5'/, />= 0/],
    [[...E, '--lm-weight', '0.3,abc'], /--lm-weight/, /'0\.3,abc'/, /comma-separated numbers/],
    [[...E, '--bonus', '1,'], /--bonus/, /'1,'/, /comma-separated numbers/],
    [[...E, '--decoder', 'viterbi'], /--decoder/, /'viterbi'/, /greedy, beam/],
    [['eval', '--checkpoint', path.join(tmp, 'model.ckpt'), '--split', ''], /--split/, /''/, /not be empty/],
  ]);
});

test('lm, ablate, data build/check, bench, notebooks, inspect', async () => {
  await rejects([
    [['lm', '--order', '0'], /--order/, /got 0/, /1\.\.12/],
    [['lm', '--order', '13'], /--order/, /got 13/, /1\.\.12/],
    [['lm', '--order', '2.5'], /--order/, /2\.5/, /1\.\.12/],
    [['lm', '--smoothing', 'good-turing'], /--smoothing/, /'good-turing'/, /kneser-ney, witten-bell/],
    [['lm', '--books', 'hamlet'], /--books/, /'hamlet'/, /emma, mansfield, pride, sense/],
    [['lm', '--books', ','], /--books/, /','/, /emma/],
    [['ablate', '--suite', 'table2', '--seeds', '0'], /--seeds/, /got 0/, /integer >= 1/],
    [['ablate', '--suite', 'table2', '--seeds', '1.5'], /--seeds/, /1\.5/, /integer >= 1/],
    [['ablate', '--suite', 'table2', '--jobs', '0'], /--jobs/, /got 0/, /integer >= 1/],
    [['ablate', '--suite', 'table2', '--arms', 'bestrq,nope'], /--arms/, /'nope'/, /supervised/],
    [['ablate', '--suite', 'nope'], /--suite/, /'nope'/, /table2/],
    [['ablate', '--suite', 'table2', '--profile', 'huge'], /--profile/, /'huge'/, /quick/],
    [['data', 'build', '--workers', '0'], /--workers/, /got 0/, /integer >= 1/],
    [['data', 'build', '--workers', '1.5'], /--workers/, /1\.5/, /integer >= 1/],
    [['data', 'build', '--seed', '-1'], /--seed/, /-1/, /integer >= 0/],
    [['data', 'build', '--profile', 'huge'], /--profile/, /'huge'/, /smoke, small, medium, full/],
    [['data', 'build', '--format', 'mp3'], /--format/, /'mp3'/, /wav, flac/],
    [['data', 'check', tmp, '--rate', '0'], /--rate/, /got 0/, /integer >= 1/],
    [['bench', 'step', '--layers', '0'], /--layers/, /got 0/, /integer >= 1/],
    [['bench', 'step', '--mode', 'birq', '--layers', '2', '--k', '3'], /--k/, /got 3/, /1\.\.2/],
    [['bench', 'step', '--heads', '5'], /--heads/, /got 5/, /divide --dim 144/],
    [['bench', 'step', '--kernel', '4'], /--kernel/, /got 4/, /odd/],
    [['bench', 'step', '--steps', '-1'], /--steps/, /-1/, /integer >= 1/],
    [['bench', 'step', '--gumbel', 'nope'], /--gumbel/, /'nope'/, /soft, hard-st, stopgrad/],
    [['notebooks', '--timeout', '0'], /--timeout/, /got 0/, /> 0/],
    [['inspect', 'rpq', '--preset', 'nope'], /--preset/, /'nope'/, /smoke/],
  ]);
});

test('good values pass validation: each command succeeds or stops later, at something other than its flags', async () => {
  const text = path.join(tmp, 'lm.txt');
  fs.writeFileSync(text, 'the first sentence\nand a second one\n');
  const other = path.join(tmp, 'other-corpus');
  fs.mkdirSync(other, { recursive: true });
  fs.writeFileSync(path.join(other, 'corpus.json'), JSON.stringify({ profile: 'smoke', seed: 1 }));
  await accepts([
    [['finetune', '--supervised', '--encoder', 'smoke', '--vocab', 'chars', '--set', 'optim.lr=1e-3', '--set', 'freezeEncoderSteps=0', '--corpus', NOWHERE], 1, /no-such-corpus/],
    [['relabel', '--teacher', RUN, '--k', '2', '--layer', '2', '--set', 'run.steps=3'], 1, /toy source/],
    [['labels', '--run', RUN, '--corpus', NOWHERE, '--layer', '2', '--kmeans-k', '2', '--chance-repeats', '1'], 1, /no-such-corpus/],
    [['probe', '--init', 'smoke', '--corpus', NOWHERE, '--layers', '0,2', '--iterations', '1', '--l2', '0'], 1, /no-such-corpus/],
    [['eval', '--checkpoint', path.join(tmp, 'model.ckpt'), '--split', 'dev', '--decoder', 'beam', '--beam', '4', '--lm-weight', '0,0.5', '--bonus', '-1,1'], 1, /no fine-tuned model here/],
    [['lm', '--text', text, '--order', '3', '--smoothing', 'witten-bell', '--out', path.join(tmp, 'lm.json')], 0],
    [['ablate', '--suite', 'table2', '--arms', 'supervised', '--seeds', '2', '--jobs', '1', '--dry-run', '--root', path.join(tmp, 'suite')], 0],
    [['data', 'build', '--profile', 'smoke', '--seed', '3', '--workers', '2', '--format', 'flac', '--out', other], 1, /holds another corpus/],
    [['bench', 'step', '--mode', 'birq', '--layers', '1', '--k', '1', '--dim', '16', '--heads', '2', '--ffn', '32', '--kernel', '3', '--batch', '1', '--frames', '8', '--codes', '16', '--steps', '1', '--warmup', '0'], 0],
  ]);
});
