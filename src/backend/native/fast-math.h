/* Branch-free float32 exp and log that gcc vectorizes (max error 1 ulp; test/backend/native-kernels.test.ts). */
#ifndef BIRQ_FAST_MATH_H
#define BIRQ_FAST_MATH_H
#include <stdint.h>
#include <string.h>

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
#endif
