#!/usr/bin/env python3
"""PyTorch (CPU) training step of BEST-RQ / BiRQ, the reference `npm run bench -- step` puts beside ours.

The workload is the one `src/train/bench-step.ts` times (its BENCH_DEFAULTS are this script's defaults):

  features [B, 4T, 80] --stack 4--> [B, T, 320] --linear--> [B, T, D]
  masked copy: the masked encoder frames set to zero
  K torchaudio Conformer blocks on the masked copy -> head over V codes -> G = CE(anchor labels) on masked frames
  birq only: the first k blocks on the unmasked copy -> LayerNorm -> frozen projection D -> 16, l2 norm
             -> cosine with a frozen unit codebook [V, 16] -> Gumbel-softmax (tau 0.5) soft targets
             -> second head, F = soft CE on masked frames
  loss = 2.4 G (+ 0.1 F), backward, one AdamW step (lr 1e-4)

Labels and the mask are drawn once (their cost is not what is measured). Prints one JSON line: the median step
time over --steps timed steps after --warmup untimed ones, and seconds of audio per wall second (40 ms per
encoder frame). Needs Debian's python3-torch and python3-torchaudio: run it with /usr/bin/python3, one thread
(OPENBLAS_NUM_THREADS=1 as well, since OpenBLAS keeps its own pool).
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as nnf
import torchaudio

STACK = 4  # input frames per encoder frame (the encoder's subsampling)
MEL = 80
CODE_DIM = 16
FRAME_S = 0.04  # one encoder frame
W_ANCHOR, W_ENHANCED = 2.4, 0.1  # the paper's w2 (G) and w1 (F)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["bestrq", "birq"], default="bestrq")
    p.add_argument("--layers", type=int, default=4, help="Conformer blocks K")
    p.add_argument("--k", type=int, default=3, help="birq: enhanced labels from block k")
    p.add_argument("--dim", type=int, default=144)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=576)
    p.add_argument("--kernel", type=int, default=15, help="depthwise conv kernel")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--frames", type=int, default=200, help="encoder frames per utterance")
    p.add_argument("--codes", type=int, default=8192)
    p.add_argument("--mask-frac", type=float, default=0.4, help="fraction of encoder frames masked")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--steps", type=int, default=5, help="timed steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    return p.parse_args()


class Model(torch.nn.Module):
    """Stack-4 linear front end, a torchaudio Conformer, an anchor head and (birq) an enhanced head."""

    def __init__(self, a):
        super().__init__()
        self.front = torch.nn.Linear(STACK * MEL, a.dim)
        self.conformer = torchaudio.models.Conformer(
            input_dim=a.dim, num_heads=a.heads, ffn_dim=a.ffn, num_layers=a.layers, depthwise_conv_kernel_size=a.kernel
        )
        self.anchor_head = torch.nn.Linear(a.dim, a.codes)
        self.enhanced_head = torch.nn.Linear(a.dim, a.codes) if a.mode == "birq" else None

    def blocks(self, x, upto):
        """The first `upto` blocks on [B, T, D] (no padding: every utterance is T frames long)."""
        h = x.transpose(0, 1)  # [B, T, D] -> [T, B, D], torchaudio's layer layout
        for layer in self.conformer.conformer_layers[:upto]:
            h = layer(h, None)
        return h.transpose(0, 1)  # [T, B, D] -> [B, T, D]


def main():
    a = parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    B, T, V = a.batch, a.frames, a.codes

    model = Model(a)
    opt = torch.optim.AdamW([p for p in model.parameters()], lr=1e-4)
    # Frozen quantizer of the enhanced labels: projection columns and codebook rows of unit length.
    projection = nnf.normalize(torch.randn(a.dim, CODE_DIM), dim=0)
    codebook = nnf.normalize(torch.randn(V, CODE_DIM), dim=1)

    feats = torch.randn(B, STACK * T, MEL)
    anchor_labels = torch.randint(0, V, (B, T))
    mask = torch.rand(B, T) < a.mask_frac  # [B, T], True = masked

    def train_step():
        x = model.front(feats.reshape(B, T, STACK * MEL))  # [B, 4T, 80] -> [B, T, 320] -> [B, T, D]
        h = model.blocks(x.masked_fill(mask.unsqueeze(-1), 0.0), a.layers)
        hm = h[mask]  # [M, D]
        loss = W_ANCHOR * nnf.cross_entropy(model.anchor_head(hm), anchor_labels[mask])
        if model.enhanced_head is not None:
            z = nnf.layer_norm(model.blocks(x, a.k), (a.dim,))  # unmasked input, blocks 1..k
            logits = nnf.normalize(z[mask] @ projection, dim=-1) @ codebook.T  # [M, D] -> [M, 16] -> [M, V]
            targets = nnf.gumbel_softmax(logits, tau=0.5)  # soft: the gradient reaches blocks 1..k
            f = -(targets * nnf.log_softmax(model.enhanced_head(hm), dim=-1)).sum(-1).mean()
            loss = loss + W_ENHANCED * f
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        train_step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        train_step()
        times.append(time.perf_counter() - t0)
    step_s = statistics.median(times)
    print(json.dumps({
        "impl": "pytorch-cpu", "torch": torch.__version__, "mode": a.mode, "threads": a.threads,
        "layers": a.layers, "dim": a.dim, "batch": B, "frames": T, "codes": V,
        "step_ms": round(step_s * 1000, 1), "audio_s_per_s": round(B * T * FRAME_S / step_s, 1),
    }))


if __name__ == "__main__":
    main()
