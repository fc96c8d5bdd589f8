/* Model-level kernels on raw float buffers (nn-kernels.c), called by the N-API glue in heap-kernels.c. Layouts are
   row-major; shapes in the comments as [B, T, C]. */
#ifndef BIRQ_NN_KERNELS_H
#define BIRQ_NN_KERNELS_H
#include <stdint.h>

enum { BIRQ_ROW_MAJOR = 101, BIRQ_NO_TRANS = 111, BIRQ_TRANS = 112 };
typedef void (*birq_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
/* cblas_sgemm of the BLAS that heap-kernels.c loaded. */
extern birq_sgemm_fn birq_sgemm;

/* Depthwise 1-D convolution over time, 'same' zero padding, odd K:
   y[b,t,c] = bias[c] + Σ_k x[b, t+k-(K-1)/2, c]·w[k,c];   x, y [B,T,C], w [K,C], bias [C]. */
void birq_dwconv1d_fwd(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t T, int64_t C, int64_t K);
/* Its gradients: dx [B,T,C], dw [K,C], dbias [C] from dy [B,T,C]. */
void birq_dwconv1d_bwd(const float *x, const float *w, const float *dy, float *dx, float *dw, float *dbias,
                       int64_t B, int64_t T, int64_t C, int64_t K);

/* Multi-head self-attention core on the fused projection qkv [B,T,3D] (q | k | v, heads of width D/H inside
   each): per (b,h), P = softmax(scale·Q Kᵀ + keyBias[b]) [T,T], out[b,:,h] = P V; out [B,T,D], P [B,H,T,T]. */
void birq_attention_fwd(const float *qkv, const float *key_bias, float *out, float *probs, int64_t B, int64_t T, int64_t D,
                        int64_t H, float scale);
/* Its gradient: dqkv [B,T,3D] from dout [B,T,D] and the saved P. Needs a [T,T] scratch buffer. */
void birq_attention_bwd(const float *qkv, const float *probs, const float *dout, float *dqkv, float *scratch, int64_t B,
                        int64_t T, int64_t D, int64_t H, float scale);

/* Soft-target cross-entropy rows: logp = logits - logsumexp(logits) [M,V], loss[m] = -Σ_v t·logp,
   tsum[m] = Σ_v t. */
void birq_xent_fwd(const float *logits, const float *targets, float *logp, float *loss, float *tsum, int64_t M, int64_t V);
/* Its gradients for an upstream factor s (dy/M): dlogits = s·(exp(logp)·tsum - t), dtargets = -s·logp. */
void birq_xent_bwd(const float *logp, const float *targets, const float *tsum, float s, float *dlogits, float *dtargets,
                   int64_t M, int64_t V);

/* LayerNorm over rows of x [N,D]: xhat = (x - mean)·rstd, rstd = 1/sqrt(var + eps), y = g·xhat + b. */
void birq_layernorm_fwd(const float *x, const float *g, const float *b, float *y, float *xhat, float *rstd, int64_t N,
                        int64_t D, float eps);
/* Its gradients from the saved xhat, rstd: dx = rstd·(dxh - mean(dxh) - xhat·mean(dxh·xhat)), dxh = dy·g;
   dg = Σ_rows dy·xhat, db = Σ_rows dy. */
void birq_layernorm_bwd(const float *xhat, const float *rstd, const float *g, const float *dy, float *dx, float *dg,
                        float *db, int64_t N, int64_t D);

/* Swish x·sigmoid(x) over n floats, and its gradient dx = dy·s·(1 + x·(1 - s)), s = sigmoid(x). */
void birq_swish_fwd(const float *x, float *y, int64_t n);
void birq_swish_bwd(const float *x, const float *dy, float *dx, int64_t n);

/* Dropout's scaled keep-mask: out[i] = u_i < keep ? 1/keep : 0, u_i the uniforms of util/rng.ts's
   uniformFloats(n, seed) (8 interleaved xorshift32 lanes started from `lanes`, as uniformLaneSeeds gives them),
   so the native and the JS mask are the same bit for bit. */
void birq_dropout_mask(float *out, int64_t n, const uint32_t lanes[8], double keep);
/* Gumbel(0, 1) noise -log(-log u_i) over the same uniforms (lanes as birq_dropout_mask). */
void birq_gumbel_noise(float *out, int64_t n, const uint32_t lanes[8]);
#endif
