/*
 * Model-level kernels (declared in nn-kernels.h): the Conformer's depthwise convolution, the attention core, and
 * the soft-target cross-entropy over the [M, V] code logits. Each replaces tens of small wasm kernels of the
 * tfjs formulation (src/model, src/objectives), which stays as the reference and the fallback; tests check both
 * agree, values and gradients. Inner loops run over channels / codes with restrict pointers so they vectorize.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fast-math.h"
#include "nn-kernels.h"

birq_sgemm_fn birq_sgemm = NULL;

/* y[0..C) += x[0..C) * w[0..C) */
static inline void axpy_rows(float *restrict y, const float *restrict x, const float *restrict w, int64_t C) {
  for (int64_t c = 0; c < C; c++) y[c] += x[c] * w[c];
}

void birq_dwconv1d_fwd(const float *x, const float *w, const float *bias, float *y, int64_t B, int64_t T, int64_t C, int64_t K) {
  const int64_t half = (K - 1) / 2;
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++) {
      float *yt = y + (b * T + t) * C;
      memcpy(yt, bias, 4 * (size_t)C);
      for (int64_t k = 0; k < K; k++) {
        const int64_t s = t + k - half;
        if (s >= 0 && s < T) axpy_rows(yt, x + (b * T + s) * C, w + k * C, C);
      }
    }
}

void birq_dwconv1d_bwd(const float *x, const float *w, const float *dy, float *dx, float *dw, float *dbias,
                       int64_t B, int64_t T, int64_t C, int64_t K) {
  const int64_t half = (K - 1) / 2;
  memset(dx, 0, 4 * (size_t)(B * T * C));
  memset(dw, 0, 4 * (size_t)(K * C));
  memset(dbias, 0, 4 * (size_t)C);
  for (int64_t b = 0; b < B; b++)
    for (int64_t t = 0; t < T; t++) {
      const float *g = dy + (b * T + t) * C;
      for (int64_t c = 0; c < C; c++) dbias[c] += g[c];
      for (int64_t k = 0; k < K; k++) {
        const int64_t s = t + k - half;
        if (s < 0 || s >= T) continue;
        axpy_rows(dx + (b * T + s) * C, g, w + k * C, C); /* dx[s] += dy[t]·w[k] */
        axpy_rows(dw + k * C, g, x + (b * T + s) * C, C); /* dw[k] += dy[t]·x[s] */
      }
    }
}

/* Reductions with 8 independent partial results, which gcc vectorizes without reassociating a single sum. */
static inline float max_of(const float *restrict x, int64_t n) {
  float m[8];
  for (int l = 0; l < 8; l++) m[l] = x[0];
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
  for (; j < n; j++) m[0] = x[j] > m[0] ? x[j] : m[0];
  float r = m[0];
  for (int l = 1; l < 8; l++) r = m[l] > r ? m[l] : r;
  return r;
}

static inline float sum_of(const float *restrict x, int64_t n) {
  float s[8] = {0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) s[l] += x[j + l];
  for (; j < n; j++) s[0] += x[j];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static inline float dot_of(const float *restrict x, const float *restrict y, int64_t n) {
  float s[8] = {0};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) s[l] += x[j + l] * y[j + l];
  for (; j < n; j++) s[0] += x[j] * y[j];
  return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static inline void exp_shifted(const float *restrict x, float *restrict y, float shift, int64_t n) {
  for (int64_t j = 0; j < n; j++) y[j] = birq_expf(x[j] - shift);
}

static inline void exp_shifted_in_place(float *p, float shift, int64_t n) {
  for (int64_t j = 0; j < n; j++) p[j] = birq_expf(p[j] - shift);
}

/* Row softmax in place over n entries. */
static void softmax_row(float *p, int64_t n) {
  exp_shifted_in_place(p, max_of(p, n), n);
  const float inv = 1.0f / sum_of(p, n);
  for (int64_t j = 0; j < n; j++) p[j] *= inv;
}

void birq_attention_fwd(const float *qkv, const float *key_bias, float *out, float *probs, int64_t B, int64_t T, int64_t D,
                        int64_t H, float scale) {
  const int64_t dh = D / H, ld = 3 * D;
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++) {
      const float *q = qkv + b * T * ld + h * dh, *k = q + D, *v = q + 2 * D;
      float *p = probs + (b * H + h) * T * T;
      const float *kb = key_bias + b * T;
      /* P = scale·Q Kᵀ, then + key bias per column, softmax per row */
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_NO_TRANS, BIRQ_TRANS, (int)T, (int)T, (int)dh, scale, q, (int)ld, k, (int)ld, 0.0f, p, (int)T);
      for (int64_t i = 0; i < T; i++) {
        float *row = p + i * T;
        for (int64_t j = 0; j < T; j++) row[j] += kb[j];
        softmax_row(row, T);
      }
      /* out[b, :, h] = P V */
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_NO_TRANS, BIRQ_NO_TRANS, (int)T, (int)dh, (int)T, 1.0f, p, (int)T, v, (int)ld, 0.0f,
                 out + b * T * D + h * dh, (int)D);
    }
}

void birq_attention_bwd(const float *qkv, const float *probs, const float *dout, float *dqkv, float *scratch, int64_t B,
                        int64_t T, int64_t D, int64_t H, float scale) {
  const int64_t dh = D / H, ld = 3 * D;
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++) {
      const float *q = qkv + b * T * ld + h * dh, *k = q + D, *v = q + 2 * D;
      const float *p = probs + (b * H + h) * T * T;
      const float *go = dout + b * T * D + h * dh;
      float *dq = dqkv + b * T * ld + h * dh, *dk = dq + D, *dv = dq + 2 * D;
      float *ds = scratch;
      /* dV = Pᵀ dO;  dP = dO Vᵀ */
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_TRANS, BIRQ_NO_TRANS, (int)T, (int)dh, (int)T, 1.0f, p, (int)T, go, (int)D, 0.0f, dv, (int)ld);
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_NO_TRANS, BIRQ_TRANS, (int)T, (int)T, (int)dh, 1.0f, go, (int)D, v, (int)ld, 0.0f, ds, (int)T);
      /* dS = P ⊙ (dP - Σ_j dP·P), per row */
      for (int64_t i = 0; i < T; i++) {
        const float *pr = p + i * T;
        float *r = ds + i * T;
        const float dot = dot_of(r, pr, T);
        for (int64_t j = 0; j < T; j++) r[j] = pr[j] * (r[j] - dot);
      }
      /* dQ = scale·dS K;  dK = scale·dSᵀ Q */
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_NO_TRANS, BIRQ_NO_TRANS, (int)T, (int)dh, (int)T, scale, ds, (int)T, k, (int)ld, 0.0f, dq, (int)ld);
      birq_sgemm(BIRQ_ROW_MAJOR, BIRQ_TRANS, BIRQ_NO_TRANS, (int)T, (int)dh, (int)T, scale, ds, (int)T, q, (int)ld, 0.0f, dk, (int)ld);
    }
}

void birq_xent_fwd(const float *logits, const float *targets, float *logp, float *loss, float *tsum, int64_t M, int64_t V) {
  for (int64_t i = 0; i < M; i++) {
    const float *restrict x = logits + i * V, *restrict t = targets + i * V;
    float *restrict lp = logp + i * V;
    const float m = max_of(x, V);
    exp_shifted(x, lp, m, V); /* lp holds exp(x - m) until the next line */
    const float lse = m + birq_logf(sum_of(lp, V));
    for (int64_t j = 0; j < V; j++) lp[j] = x[j] - lse;
    loss[i] = -dot_of(t, lp, V);
    tsum[i] = sum_of(t, V);
  }
}

void birq_xent_bwd(const float *logp, const float *targets, const float *tsum, float s, float *dlogits, float *dtargets,
                   int64_t M, int64_t V) {
  for (int64_t i = 0; i < M; i++) {
    const float *restrict lp = logp + i * V, *restrict t = targets + i * V;
    float *restrict dl = dlogits + i * V, *restrict dt = dtargets + i * V;
    const float ts = tsum[i];
    for (int64_t j = 0; j < V; j++) {
      dl[j] = s * (birq_expf(lp[j]) * ts - t[j]);
      dt[j] = -s * lp[j];
    }
  }
}

/* Lane state x -> its next xorshift32 state, and the uniform (m + 0.5)/2^23 from the top 23 bits m (exact). */
static inline float next_uniform(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return ((float)(x >> 9) + 0.5f) * (1.0f / 8388608.0f);
}

/* out[i] = the next uniform of lane i mod 8: util/rng.ts's uniformFloats exactly. Whole rounds of 8 first, so
   the lanes advance together in one vector. */
static void uniform_floats(float *out, int64_t n, const uint32_t lanes[8]) {
  uint32_t s[8];
  memcpy(s, lanes, sizeof s);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) out[i + l] = next_uniform(&s[l]);
  for (int l = 0; i < n; i++, l++) out[i] = next_uniform(&s[l]);
}

void birq_dropout_mask(float *out, int64_t n, const uint32_t lanes[8], double keep) {
  uniform_floats(out, n, lanes);
  const float scale = (float)(1.0 / keep);
  /* compared in double, as the JS mask compares its float32 uniforms with keep */
  for (int64_t i = 0; i < n; i++) out[i] = (double)out[i] < keep ? scale : 0.0f;
}

void birq_gumbel_noise(float *out, int64_t n, const uint32_t lanes[8]) {
  uniform_floats(out, n, lanes);
  for (int64_t i = 0; i < n; i++) out[i] = -birq_logf(-birq_logf(out[i]));
}

void birq_layernorm_fwd(const float *x, const float *g, const float *b, float *y, float *xhat, float *rstd, int64_t N,
                        int64_t D, float eps) {
  for (int64_t i = 0; i < N; i++) {
    const float *restrict xr = x + i * D;
    float *restrict h = xhat + i * D, *restrict yr = y + i * D;
    const float mean = sum_of(xr, D) / (float)D;
    for (int64_t j = 0; j < D; j++) h[j] = xr[j] - mean;
    const float r = 1.0f / sqrtf(dot_of(h, h, D) / (float)D + eps);
    for (int64_t j = 0; j < D; j++) {
      h[j] *= r;
      yr[j] = g[j] * h[j] + b[j];
    }
    rstd[i] = r;
  }
}

void birq_layernorm_bwd(const float *xhat, const float *rstd, const float *g, const float *dy, float *dx, float *dg,
                        float *db, int64_t N, int64_t D) {
  memset(dg, 0, 4 * (size_t)D);
  memset(db, 0, 4 * (size_t)D);
  for (int64_t i = 0; i < N; i++) {
    const float *restrict h = xhat + i * D, *restrict d = dy + i * D;
    float *restrict o = dx + i * D;
    for (int64_t j = 0; j < D; j++) o[j] = d[j] * g[j]; /* dxh, in place of dx */
    const float m1 = sum_of(o, D) / (float)D, m2 = dot_of(o, h, D) / (float)D, r = rstd[i];
    for (int64_t j = 0; j < D; j++) o[j] = r * (o[j] - m1 - h[j] * m2);
    for (int64_t j = 0; j < D; j++) {
      dg[j] += d[j] * h[j];
      db[j] += d[j];
    }
  }
}

void birq_swish_fwd(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = x[i] / (1.0f + birq_expf(-x[i]));
}

void birq_swish_bwd(const float *restrict x, const float *restrict dy, float *restrict dx, int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    const float s = 1.0f / (1.0f + birq_expf(-x[i]));
    dx[i] = dy[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}
