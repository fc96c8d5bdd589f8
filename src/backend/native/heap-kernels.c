/*
 * Native kernels for the wasm backend, run directly on the wasm heap: the heap is a plain ArrayBuffer, so operands
 * are read and results written in place, no copies in or out (native-kernels.ts compiles and loads this file).
 *   - sgemm: cblas_sgemm from a system BLAS (OpenBLAS, BLIS, MKL, Accelerate), found with dlopen at load time;
 *   - exp / log: wasm's scalar expf/logf cost ~15 ns per element, these vectorized polynomials ~1 ns;
 *   - sumRows: Σ over the leading axes of [R, C], which wasm does by transposing first (bias gradients).
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
 */
#include <dlfcn.h>
#include <node_api.h>
#include <stdint.h>
#include <string.h>

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*set_threads_fn)(int);
typedef char *(*get_config_fn)(void);

static sgemm_fn sgemm = NULL;
static set_threads_fn set_threads = NULL;
static get_config_fn get_config = NULL;

#define CHECK(call)                                                                     \
  do {                                                                                  \
    if ((call) != napi_ok) {                                                            \
      napi_throw_error(env, NULL, "birq blas-gemm: N-API call failed: " #call);         \
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
    sgemm_fn f = (sgemm_fn)dlsym(lib, "cblas_sgemm");
    if (!f) {
      dlclose(lib);
      continue;
    }
    sgemm = f;
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
  const char *s = get_config ? get_config() : "";
  napi_value out;
  CHECK(napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 14 || !sgemm) {
    napi_throw_error(env, NULL, sgemm ? "gemm takes 14 arguments" : "gemm called before load()");
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
    sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, tb ? TRANS : NO_TRANS, (int)m, (int)n, (int)k, 1.0f, a, lda, b, ldb, beta, c, (int)n);
  }
  return NULL;
}

/* Reads `count` int64 arguments after the heap; returns the heap's base and size through the pointers. */
static int heap_args(napi_env env, napi_callback_info info, size_t count, int64_t *v, char **base, size_t *bytes) {
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
    if (napi_get_value_int64(env, argv[i + 1], &v[i]) != napi_ok) {
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

static inline float f_from_bits(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint32_t bits_of(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* exp(x) = 2^n · e^r with n = rint(x / ln 2), r = x - n·ln 2 (Cody-Waite, two constants), e^r by Cephes'
   expf polynomial; 2^n applied in two halves so results down to the smallest denormal stay exact. */
static inline float birq_expf(float x) {
  const float hi = 88.72283935546875f, lo = -103.97208404541015625f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  const float n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f; /* round to nearest */
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t ni = (int32_t)n, n1 = ni >> 1, n2 = ni - n1;
  float y = p * f_from_bits((uint32_t)(n1 + 127) << 23) * f_from_bits((uint32_t)(n2 + 127) << 23);
  y = x > hi ? f_from_bits(0x7f800000u) : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

/* log(x) = e·ln 2 + log(m), m in [√½, √2) from the float's bits (denormals scaled by 2^23 first), log(m) by
   Cephes' logf polynomial in m - 1; 0 -> -inf, negative -> NaN, inf and NaN pass through. */
static inline float birq_logf(float x) {
  const int denormal = x < 1.17549435e-38f;
  const float xs = denormal ? x * 8388608.0f : x;
  const uint32_t u = bits_of(xs);
  int32_t e = (int32_t)((u >> 23) & 0xff) - 126 - (denormal ? 23 : 0);
  float m = f_from_bits((u & 0x007fffffu) | 0x3f000000u); /* [0.5, 1) */
  const int small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  const float fe = (float)e;
  float y = p * m * z;
  y = y + fe * -2.12194440e-4f;
  y = y - 0.5f * z;
  y = m + y + fe * 0.693359375f;
  y = x == 0.0f ? -f_from_bits(0x7f800000u) : y;
  y = x < 0.0f ? f_from_bits(0x7fc00000u) : y;
  y = x == f_from_bits(0x7f800000u) ? x : y;
  return x != x ? x : y;
}

/* restrict (out never overlaps x) and branch-free bodies let gcc vectorize these loops. glibc's expf/logf are
   not used: called from inside Node they cost ~5 ns per element, these ~1 ns (max error 1 ulp, checked over a
   sweep of all floats in test/backend/native-kernels.test.ts). */
static void exp_loop(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = birq_expf(x[i]);
}

static void log_loop(const float *restrict x, float *restrict y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = birq_logf(x[i]);
}

static napi_value unary(napi_env env, napi_callback_info info) {
  int64_t v[4];
  char *base;
  size_t bytes;
  if (!heap_args(env, info, 4, v, &base, &bytes)) return NULL;
  const int64_t op = v[0], n = v[3];
  if (!in_heap(env, v[1], n, bytes) || !in_heap(env, v[2], n, bytes)) return NULL;
  const float *x = (const float *)(base + v[1]);
  float *y = (float *)(base + v[2]);
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

static napi_value sum_rows(napi_env env, napi_callback_info info) {
  int64_t v[4];
  char *base;
  size_t bytes;
  if (!heap_args(env, info, 4, v, &base, &bytes)) return NULL;
  const int64_t rows = v[1], cols = v[2];
  if (!in_heap(env, v[0], rows * cols, bytes) || !in_heap(env, v[3], cols, bytes)) return NULL;
  const float *x = (const float *)(base + v[0]);
  float *out = (float *)(base + v[3]);
  for (int64_t c = 0; c < cols; c++) out[c] = 0.0f;
  for (int64_t r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    for (int64_t c = 0; c < cols; c++) out[c] += row[c];
  }
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
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
