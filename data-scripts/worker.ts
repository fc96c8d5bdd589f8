/**
 * Worker process for the corpus build: receives batches from the parent (build.ts), synthesizes them, and
 * answers with the durations written. Any error goes back as a message (the parent stops and reports it).
 */
import { BirqError } from '../src/util/errors';
import { synthBatch } from './synth';
import { UttJob } from './plan';
import { SynthTarget } from './synth';

interface Msg { target: SynthTarget; jobs: UttJob[] }

process.on('message', (m: Msg) => {
  try {
    const durations = synthBatch(m.target, m.jobs);
    process.send!({ ok: true, n: m.jobs.length, durations });
  } catch (e) {
    const err = e as Error;
    process.send!({ ok: false, message: e instanceof BirqError ? err.message : String(err.stack ?? err), user: e instanceof BirqError });
  }
});
process.on('disconnect', () => process.exit(0));
