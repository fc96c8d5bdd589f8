/*
 * Native kernels for the wasm backend, run directly on the wasm heap: the heap is a plain ArrayBuffer, so operands
 * are read and results written in place, no copies in or out (native-kernels.ts compiles and loads this file).
 *   - sgemm: cblas_sgemm from a system BLAS (OpenBLAS, BLIS, MKL, Accelerate), found with dlopen at load time;
 *   - exp / log: wasm's scalar expf/logf cost ~15 ns per element, these vectorized polynomials ~1 ns;
 *   - sumRows: Σ over the leading axes of [R, C], which wasm does by transposing first (bias gradients);
 *   - the model kernels of nn-kernels.c (depthwise conv, attention core, soft cross-entropy), forward and backward.
 *
 * JS API (N-API, ABI-stable across Node versions):
 *   load(paths: string[]) -> string           path of the BLAS library that loaded (throws if none)
 *   setThreads(n: number) -> void             BLAS threads (OpenBLAS: openblas_set_num_threads)
 *   config() -> string                         the library's own description (openblas_get_config)
 *   gemm(heap: ArrayBuffer, batch, m, n, k, transA, transB,
 *        aOff, aStride, bOff, bStride, cOff, cStride, biasOff) -> void
 *     C[i] = op(A[i]) · op(B[i]) (+ bias[n], row-broadcast, when biasOff >= 0) for i < batch;
 *     offsets in bytes, strides in elements (0 = broadcast), row-major, beta = 0.
 *   unary(heap, op, xOff, outOff, n) -> void    op 0: exp, 1: log; elementwise, out must not overlap x
 *   sumRows(heap, xOff, rows, cols, outOff) -> void   out[c] = Σ_r x[r, c]
 *   dwconv, attention, xent, layerNorm, swish (Fwd / Bwd each), dropoutMask, gumbelNoise: see the glue below and
 *   nn-kernels.h
 */
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fast-math.h"
#include "nn-kernels.h"

enum { ROW_MAJOR = BIRQ_ROW_MAJOR, NO_TRANS = BIRQ_NO_TRANS, TRANS = BIRQ_TRANS };
typedef void (*set_threads_fn)(int);
typedef char *(*get_config_fn)(void);

static set_threads_fn set_threads = NULL;
static get_config_fn get_config = NULL;

#define CHECK(call)                                                                     \
  do {                                                                                  \
    if ((call) != napi_ok) {                                                            \
      napi_throw_error(env, NULL, "birq heap kernels: N-API call failed: " #call);         \
      return NULL;                                                                      \
    }                                                                                   \
  } while (0)

static napi_value load(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t count = 0;
  CHECK(napi_get_array_length(env, argv[0], &count));
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    char path[1024];
    size_t len = 0;
    CHECK(napi_get_element(env, argv[0], i, &item));
    CHECK(napi_get_value_string_utf8(env, item, path, sizeof path, &len));
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) continue;
    birq_sgemm_fn f = (birq_sgemm_fn)dlsym(lib, "cblas_sgemm");
    if (!f) {
      dlclose(lib);
      continue;
    }
    birq_sgemm = f;
    set_threads = (set_threads_fn)dlsym(lib, "openblas_set_num_threads");
    if (!set_threads) set_threads = (set_threads_fn)dlsym(lib, "bli_thread_set_num_threads");
    get_config = (get_config_fn)dlsym(lib, "openblas_get_config");
    napi_value out;
    CHECK(napi_create_string_utf8(env, path, len, &out));
    return out;
  }
  napi_throw_error(env, NULL, "no BLAS library with cblas_sgemm could be loaded");
  return NULL;
}

static napi_value set_thread_count(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t n = 1;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &n));
  if (set_threads && n > 0) set_threads(n);
  return NULL;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  const char *s = get_config ? get_config() : "";
  napi_value out;
  CHECK(napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14 || !birq_sgemm) {
    napi_throw_error(env, NULL, birq_sgemm ? "gemm takes 14 arguments" : "gemm called before load()");
    return NULL;
  }
  void *heap = NULL;
  size_t heap_bytes = 0;
  CHECK(napi_get_arraybuffer_info(env, argv[0], &heap, &heap_bytes));
  int64_t v[13];
  for (int i = 0; i < 13; i++) CHECK(napi_get_value_int64(env, argv[i + 1], &v[i]));
  const int64_t batch = v[0], m = v[1], n = v[2], k = v[3], ta = v[4], tb = v[5];
  const int64_t a_off = v[6], a_stride = v[7], b_off = v[8], b_stride = v[9], c_off = v[10], c_stride = v[11], bias_off = v[12];
  /* Every operand must lie inside the heap: a bad offset is an error, never a write past the buffer. */
  const int64_t last = batch - 1;
  if (batch < 1 || m < 1 || n < 1 || k < 1 || a_off < 0 || b_off < 0 || c_off < 0 ||
      a_off + 4 * (last * a_stride + m * k) > (int64_t)heap_bytes ||
      b_off + 4 * (last * b_stride + k * n) > (int64_t)heap_bytes ||
      c_off + 4 * (last * c_stride + m * n) > (int64_t)heap_bytes ||
      (bias_off >= 0 && bias_off + 4 * n > (int64_t)heap_bytes)) {
    napi_throw_range_error(env, NULL, "gemm operands lie outside the wasm heap");
    return NULL;
  }
  char *base = (char *)heap;
  const float *bias = bias_off >= 0 ? (const float *)(base + bias_off) : NULL;
  const int lda = ta ? (int)m : (int)k, ldb = tb ? (int)k : (int)n;
  for (int64_t i = 0; i < batch; i++) {
    const float *a = (const float *)(base + a_off) + i * a_stride;
    const float *b = (const float *)(base + b_off) + i * b_stride;
    float *c = (float *)(base + c_off) + i * c_stride;
    float beta = 0.0f;
    if (bias) {
      /* C starts as the bias broadcast over rows, then C = op(A)op(B) + 1·C: one pass, no separate add. */
      for (int64_t r = 0; r < m; r++) memcpy(c + r * n, bias, 4 * (size_t)n);
      beta = 1.0f;
    }
    birq_sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f, a, lda, b, ldb, beta, c, (int)n);
  }
  return NULL;
}

/* Reads `count` numeric arguments after the heap (offsets and sizes are exact integers in a double); returns the
   heap's base and size through the pointers. */
static int heap_args(napi_env env, napi_callback_info info, size_t count, double *v, char **base, size_t *bytes) {
  napi_value argv[16];
  size_t argc = 16;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count + 1) {
    napi_throw_error(env, NULL, "birq heap kernel: wrong number of arguments");
    return 0;
  }
  void *heap = NULL;
  if (napi_get_arraybuffer_info(env, argv[0], &heap, bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "birq heap kernel: the first argument must be the wasm heap (ArrayBuffer)");
    return 0;
  }
  for (size_t i = 0; i < count; i++)
    if (napi_get_value_double(env, argv[i + 1], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "birq heap kernel: arguments after the heap must be numbers");
      return 0;
    }
  *base = (char *)heap;
  return 1;
}

static int in_heap(napi_env env, int64_t off, int64_t floats, size_t bytes) {
  if (off < 0 || floats < 0 || off + 4 * floats > (int64_t)bytes) {
    napi_throw_range_error(env, NULL, "birq heap kernel: operand lies outside the wasm heap");
    return 0;
  }
  return 1;
}

/* Argument access for the kernels below: the heap, then `count` numbers; I(k) the k-th as an integer, F32(k) the
   k-th as a float pointer into the heap, CHECK_OPERAND(k, n) that n floats from there lie inside it. */
#define HEAP_ARGS(count)                                         \
  double v[count];                                               \
  char *base;                                                    \
  size_t bytes;                                                  \
  if (!heap_args(env, info, count, v, &base, &bytes)) return NULL
#define I(k) ((int64_t)v[k])
#define F32(k) ((float *)(base + I(k)))
#define CHECK_OPERAND(k, floats) \
  if (!in_heap(env, I(k), (floats), bytes)) return NULL

/* restrict (out never overlaps x) and branch-free bodies let gcc vectorize these loops. glibc's expf/logf are
   not used: called from inside Node they cost ~5 ns per element, these ~1 ns (max error 1 ulp, checked over a
   sweep of all floats in test/backend/native-kernels.test.ts). */
static void exp_loop(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = birq_expf(x[i]);
}

static void log_loop(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = birq_logf(x[i]);
}

/* unary(heap, op, x, out, n) */
static napi_value unary(napi_env env, napi_callback_info info) {
  HEAP_ARGS(4);
  const int64_t op = I(0), n = I(3);
  CHECK_OPERAND(1, n);
  CHECK_OPERAND(2, n);
  const float *x = F32(1);
  float *y = F32(2);
  if ((const float *)y < x + n && x < (const float *)y + n) {
    napi_throw_range_error(env, NULL, "birq heap kernel: unary output overlaps its input");
    return NULL;
  }
  if (op == 0)
    exp_loop(x, y, n);
  else if (op == 1)
    log_loop(x, y, n);
  else
    napi_throw_range_error(env, NULL, "birq heap kernel: unknown unary op");
  return NULL;
}

/* sumRows(heap, x, rows, cols, out) */
static napi_value sum_rows(napi_env env, napi_callback_info info) {
  HEAP_ARGS(4);
  const int64_t rows = I(1), cols = I(2);
  CHECK_OPERAND(0, rows * cols);
  CHECK_OPERAND(3, cols);
  const float *x = F32(0);
  float *out = F32(3);
  for (int64_t c = 0; c < cols; c++) out[c] = 0.0f;
  for (int64_t r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] += row[c];
  }
  return NULL;
}

/* The model kernels (nn-kernels.c). Each checks every operand against the heap before touching it. */
/* dwconvFwd(heap, x, w, bias, y, B, T, C, K) */
static napi_value dwconv_fwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(8);
  const int64_t B = I(4), T = I(5), C = I(6), K = I(7);
  CHECK_OPERAND(0, B * T * C);
  CHECK_OPERAND(1, K * C);
  CHECK_OPERAND(2, C);
  CHECK_OPERAND(3, B * T * C);
  birq_dwconv1d_fwd(F32(0), F32(1), F32(2), F32(3), B, T, C, K);
  return NULL;
}

/* dwconvBwd(heap, x, w, dy, dx, dw, dbias, B, T, C, K) */
static napi_value dwconv_bwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(10);
  const int64_t B = I(6), T = I(7), C = I(8), K = I(9);
  CHECK_OPERAND(0, B * T * C);
  CHECK_OPERAND(1, K * C);
  CHECK_OPERAND(2, B * T * C);
  CHECK_OPERAND(3, B * T * C);
  CHECK_OPERAND(4, K * C);
  CHECK_OPERAND(5, C);
  birq_dwconv1d_bwd(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), B, T, C, K);
  return NULL;
}

/* attentionFwd(heap, qkv, keyBias, out, probs, B, T, D, H, scale) and
   attentionBwd(heap, qkv, probs, dout, dqkv, B, T, D, H, scale): operands 1-3 differ, shapes and checks do not. */
static napi_value attention(napi_env env, napi_callback_info info, int backward) {
  HEAP_ARGS(9);
  const int64_t B = I(4), T = I(5), D = I(6), H = I(7);
  if (!birq_sgemm || H < 1 || D % H != 0) {
    napi_throw_error(env, NULL, "birq heap kernel: attention needs a loaded BLAS and D divisible by H");
    return NULL;
  }
  CHECK_OPERAND(0, B * T * 3 * D);
  CHECK_OPERAND(1, backward ? B * H * T * T : B * T);
  CHECK_OPERAND(2, B * T * D);
  CHECK_OPERAND(3, backward ? B * T * 3 * D : B * H * T * T);
  if (!backward) {
    birq_attention_fwd(F32(0), F32(1), F32(2), F32(3), B, T, D, H, (float)v[8]);
    return NULL;
  }
  float *scratch = malloc(4 * (size_t)(T * T));
  if (!scratch) {
    napi_throw_error(env, NULL, "birq heap kernel: out of memory for the attention scratch");
    return NULL;
  }
  birq_attention_bwd(F32(0), F32(1), F32(2), F32(3), scratch, B, T, D, H, (float)v[8]);
  free(scratch);
  return NULL;
}

static napi_value attention_fwd(napi_env env, napi_callback_info info) { return attention(env, info, 0); }
static napi_value attention_bwd(napi_env env, napi_callback_info info) { return attention(env, info, 1); }

/* xentFwd(heap, logits, targets, logp, loss, tsum, M, V) */
static napi_value xent_fwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(7);
  const int64_t M = I(5), V = I(6);
  CHECK_OPERAND(0, M * V);
  CHECK_OPERAND(1, M * V);
  CHECK_OPERAND(2, M * V);
  CHECK_OPERAND(3, M);
  CHECK_OPERAND(4, M);
  birq_xent_fwd(F32(0), F32(1), F32(2), F32(3), F32(4), M, V);
  return NULL;
}

/* xentBwd(heap, logp, targets, tsum, s, dlogits, dtargets, M, V) */
static napi_value xent_bwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(8);
  const int64_t M = I(6), V = I(7);
  CHECK_OPERAND(0, M * V);
  CHECK_OPERAND(1, M * V);
  CHECK_OPERAND(2, M);
  CHECK_OPERAND(4, M * V);
  CHECK_OPERAND(5, M * V);
  birq_xent_bwd(F32(0), F32(1), F32(2), (float)v[3], F32(4), F32(5), M, V);
  return NULL;
}

/* dropoutMask(heap, out, n, keep, lane0, ..., lane7): the lanes' start states from util/rng.ts's uniformLaneSeeds */
static napi_value dropout_mask(napi_env env, napi_callback_info info) {
  HEAP_ARGS(11);
  CHECK_OPERAND(0, I(1));
  uint32_t lanes[8];
  for (int l = 0; l < 8; l++) lanes[l] = (uint32_t)I(3 + l);
  birq_dropout_mask(F32(0), I(1), lanes, v[2]);
  return NULL;
}

/* gumbelNoise(heap, out, n, lane0, ..., lane7) */
static napi_value gumbel_noise(napi_env env, napi_callback_info info) {
  HEAP_ARGS(10);
  CHECK_OPERAND(0, I(1));
  uint32_t lanes[8];
  for (int l = 0; l < 8; l++) lanes[l] = (uint32_t)I(2 + l);
  birq_gumbel_noise(F32(0), I(1), lanes);
  return NULL;
}

/* layerNormFwd(heap, x, g, b, y, xhat, rstd, N, D, eps) */
static napi_value layernorm_fwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(9);
  const int64_t N = I(6), D = I(7);
  CHECK_OPERAND(0, N * D);
  CHECK_OPERAND(1, D);
  CHECK_OPERAND(2, D);
  CHECK_OPERAND(3, N * D);
  CHECK_OPERAND(4, N * D);
  CHECK_OPERAND(5, N);
  birq_layernorm_fwd(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), N, D, (float)v[8]);
  return NULL;
}

/* layerNormBwd(heap, xhat, rstd, g, dy, dx, dg, db, N, D) */
static napi_value layernorm_bwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(9);
  const int64_t N = I(7), D = I(8);
  CHECK_OPERAND(0, N * D);
  CHECK_OPERAND(1, N);
  CHECK_OPERAND(2, D);
  CHECK_OPERAND(3, N * D);
  CHECK_OPERAND(4, N * D);
  CHECK_OPERAND(5, D);
  CHECK_OPERAND(6, D);
  birq_layernorm_bwd(F32(0), F32(1), F32(2), F32(3), F32(4), F32(5), F32(6), N, D);
  return NULL;
}

/* swishFwd(heap, x, y, n) and swishBwd(heap, x, dy, dx, n) */
static napi_value swish_fwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(3);
  CHECK_OPERAND(0, I(2));
  CHECK_OPERAND(1, I(2));
  birq_swish_fwd(F32(0), F32(1), I(2));
  return NULL;
}

static napi_value swish_bwd(napi_env env, napi_callback_info info) {
  HEAP_ARGS(4);
  CHECK_OPERAND(0, I(3));
  CHECK_OPERAND(1, I(3));
  CHECK_OPERAND(2, I(3));
  birq_swish_bwd(F32(0), F32(1), F32(2), I(3));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"load", NULL, load, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_thread_count, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
      {"gemm", NULL, gemm, NULL, NULL, NULL, napi_default, NULL},
      {"unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL},
      {"sumRows", NULL, sum_rows, NULL, NULL, NULL, napi_default, NULL},
      {"dwconvFwd", NULL, dwconv_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"dwconvBwd", NULL, dwconv_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"attentionFwd", NULL, attention_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBwd", NULL, attention_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"xentFwd", NULL, xent_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"xentBwd", NULL, xent_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"dropoutMask", NULL, dropout_mask, NULL, NULL, NULL, napi_default, NULL},
      {"gumbelNoise", NULL, gumbel_noise, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormFwd", NULL, layernorm_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormBwd", NULL, layernorm_bwd, NULL, NULL, NULL, napi_default, NULL},
      {"swishFwd", NULL, swish_fwd, NULL, NULL, NULL, napi_default, NULL},
      {"swishBwd", NULL, swish_bwd, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
