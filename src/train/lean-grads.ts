/**
 * `variableGrads` with a lower memory peak. tfjs's engine.gradients keeps every node's output gradient and every
 * saved forward tensor until the whole backward pass ends, so the peak is ~ all activations + all their
 * gradients (2 GB for the 4-block d 144 benchmark step). This walks the same tape the same way (same gradient
 * functions, same accumulation order, so results are identical) but releases a node's output gradients and its
 * saved tensors as soon as the node has been differentiated (saved tensors are the engine's own clones, and a
 * tensor's gradient is complete once its producer is reached in reverse order).
 * Uses the engine's tape API (startTape/endTape/state.activeTape) of @tensorflow/tfjs-core 4.22; checked by
 * test/train/lean-grads.test.ts against tf.variableGrads.
 */
import * as tf from '@tensorflow/tfjs';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineInternals {
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string | (() => T), f?: () => T): T;
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
}

/** Nodes on a path from one of `xs` to `y`, with inputs pruned to those that depend on `xs` (as tfjs's tape.ts). */
function filterTape(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      node.outputs.forEach((o) => fromX.add(o.id));
      nodesFromX.add(node.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      Object.values(node.inputs).forEach((t) => toY.add(t.id));
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((n) => nodesFromX.has(n.id) && nodesToY.has(n.id))
    .map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

export function leanVariableGrads(f: () => tf.Scalar, vars: tf.Variable[]): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const E = tf.engine() as unknown as EngineInternals;
  if (E.state.gradientDepth !== 0) return tf.variableGrads(f, vars) as { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  const y = E.scopedRun(() => E.startTape(), () => E.endTape(), () => E.tidy('forward', f));
  const tape = E.state.activeTape ?? [];
  const filtered = filterTape(tape, vars, y);
  const varIds = new Set(vars.map((v) => v.id));
  const grads = E.tidy('backward', () => {
    const acc = new Map<number, tf.Tensor>([[y.id, tf.onesLike(y)]]);
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i];
      const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
      if (dys.some((d) => d !== null)) {
        const inputGradients = node.gradient(dys);
        for (const [name, x] of Object.entries(node.inputs)) {
          const dx = E.tidy(() => inputGradients[name]());
          const prev = acc.get(x.id);
          if (prev) {
            acc.set(x.id, tf.add(prev, dx));
            prev.dispose();
            dx.dispose();
          } else acc.set(x.id, dx);
        }
      }
      // Every consumer of these outputs came later on the tape and is done: their gradients are final and unused.
      for (const o of node.outputs) {
        const g = acc.get(o.id);
        if (g && !varIds.has(o.id) && o.id !== y.id) {
          g.dispose();
          acc.delete(o.id);
        }
      }
      for (const s of node.saved ?? []) s.dispose();
      node.saved = [];
    }
    const out: Record<string, tf.Tensor> = {};
    for (const v of vars) {
      const g = acc.get(v.id);
      if (g) out[v.name] = g;
    }
    return out;
  });
  for (const node of tape) for (const s of node.saved ?? []) s.dispose();
  E.state.activeTape = null;
  return { value: y, grads };
}
