/**
 * Subcommands beyond the basics, one line each, so adding a command never edits the dispatcher.
 * Each `load` imports a file exporting `run(args: string[]): Promise<number>`.
 */
import { registerCommand } from './registry';

void registerCommand; // keeps the import when the list below is empty
registerCommand('data', { summary: 'build the built-in corpus, check a corpus, corpus statistics', load: () => import('./data') });
registerCommand('lm', { summary: 'train the character n-gram LM for decoding (never on dev/test books)', load: () => import('./lm') });
registerCommand('pretrain', { summary: 'self-supervised pretraining (BEST-RQ / BiRQ) into a run directory', load: () => import('./pretrain') });
registerCommand('bench', { summary: 'benchmarks: `bench step` times a training step (vs torch_reference.py)', load: () => import('./bench-step') });
registerCommand('finetune', { summary: 'CTC fine-tuning of a pretrained encoder (or --supervised from scratch)', load: () => import('./finetune') });
registerCommand('eval', { summary: 'WER/CER/PER of a fine-tuned model on a split (greedy or beam + LM)', load: () => import('./eval') });
registerCommand('labels', { summary: 'label quality (purity, PNMI) of anchor, enhanced and k-means labels of a run', load: () => import('./labels') });
registerCommand('probe', { summary: 'frozen-encoder phone probe per layer (linear softmax on each block), with chance; --init for the same encoder untrained', load: () => import('./probe') });
registerCommand('relabel', { summary: 'offline HuBERT-style relabeling: k-means on a run\'s block k, pretrain a new encoder on it', load: () => import('./relabel') });
registerCommand('inspect', { summary: 'quantizer usage, masking, gradient flow per Gumbel mode, layer tap (notebooks 02/03)', load: () => import('./inspect') });
registerCommand('ablate', { summary: 'run a suite of the paper\'s ablations (arms x seeds x stages), resumable; --list shows them', load: () => import('./ablate') });
registerCommand('report', { summary: 'a suite\'s report.md / report.html from its results store', load: () => import('./report') });
registerCommand('compare', { summary: 'is b better than a? two systems\' eval.json files (one per seed): the difference, the seeds\' SE and a paired bootstrap over the utterances', load: () => import('./compare') });
