// The SGD update on float32 values, written once: native/sgd.c applies it to a gradient
// buffer, native/outer.c to gradient tiles it computes. The arithmetic is the graph's
// (src/optim/sgd.ts, src/optim/adamw.ts), operation by operation in float32 (every file including
// this one is built with -ffp-contract=off, so no fused multiply-adds change the
// rounding), so the host and graph updates give bit-identical weights and momenta:
//   d   = g * scale + wd * w          scale: the clip coefficient (1 without clipping)
//   buf = buf * mu + d                only with momentum
//   s   = nesterov ? d + buf * mu : (momentum ? buf : d)
//   w   = w - s * lr
// AdamW, PyTorch's torch.optim.AdamW (amsgrad off) in its own order of operations, with
// the step's scalars computed by the caller in float64 and rounded to float32
// (wdf = 1 - lr * wd, step_size = lr / (1 - b1^t), bc2s = sqrt(1 - b2^t)):
//   d   = g * scale
//   m   = m * b1 + d * (1 - b1)
//   v   = v * b2 + ((1 - b2) * d) * d
//   w   = w * wdf - (m * step_size) / (sqrt(v) / bc2s + eps)
// Squared norms (of g as given, and of the new w) are summed in float32 over runs of 256
// values in 8 lanes, as the graph's ReduceSumSquare rows are in float32 (so values
// beyond ~1.8e19 give an infinite norm on both paths); callers add the runs in float64
// in a fixed order.
#ifndef ALEXNET_STEP_H
#define ALEXNET_STEP_H
#include <stdint.h>
#include <string.h>

typedef struct {
  float lr, wd, mu, scale;
  int nesterov;
  // AdamW only (see above)
  float b1, omb1, b2, omb2, wdf, step_size, bc2s, eps;
} StepParams;

// 8 float32 lanes; the operations are IEEE float32 per lane, as the scalar ones are.
typedef float v8f __attribute__((vector_size(32)));
static inline v8f load8(const float *p) {
  v8f v;
  memcpy(&v, p, sizeof v);
  return v;
}
static inline void store8(float *p, v8f v) { memcpy(p, &v, sizeof v); }

// The update kinds; each call site passes a constant, so each gets its own loop.
enum { PLAIN = 0, MOMENTUM = 1, NESTEROV = 2, ADAMW = 3 };

// The step on 8 values: reads w, m (and v for AdamW), g; writes the new weights into nw
// (which may be g) and the new m and v into mo and vo; adds the squares of g and of the
// new weights to the lanes gsq and wsq.
static inline __attribute__((always_inline)) void step8(const StepParams *p, const float *w, const float *m, const float *v, const float *g, float *nw, float *mo,
                                                        float *vo, v8f *wsq, v8f *gsq, const int kind) {
  v8f wi = load8(w), gi = load8(g);
  v8f d = gi * p->scale;
  v8f nwi;
  if (kind == ADAMW) {
    v8f mi = load8(m) * p->b1;
    mi = mi + d * p->omb1;
    v8f vi = load8(v) * p->b2;
    vi = vi + (d * p->omb2) * d;
    store8(mo, mi);
    store8(vo, vi);
    v8f den;
    for (int k = 0; k < 8; k++) den[k] = __builtin_sqrtf(vi[k]);  // vectorised with -fno-math-errno
    den = den / p->bc2s + p->eps;
    nwi = wi * p->wdf - (mi * p->step_size) / den;
  } else {
    d = d + wi * p->wd;
    v8f st = d;
    if (kind != PLAIN) {
      v8f bf = load8(m) * p->mu;
      bf = bf + d;
      store8(mo, bf);
      st = kind == NESTEROV ? d + bf * p->mu : bf;
    }
    nwi = wi - st * p->lr;
  }
  store8(nw, nwi);
  *gsq += gi * gi;
  *wsq += nwi * nwi;
}

// The step on one run of at most 256 values, its squared norms summed in float32 over 8
// lanes and returned in float64. The last values of the run (fewer than 8) go through
// the same code, staged in zero-padded lanes: a zero weight, gradient and momentum add
// nothing to the norms.
static inline __attribute__((always_inline)) void step_run(const StepParams *p, const float *w, const float *m, const float *v, const float *g, float *nw, float *mo,
                                                           float *vo, int64_t len, double *wrun, double *grun, const int kind) {
  const int has_m = kind != PLAIN, has_v = kind == ADAMW;
  v8f wv8 = {0}, gv8 = {0};
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    step8(p, w + i, has_m ? m + i : NULL, has_v ? v + i : NULL, g + i, nw + i, has_m ? mo + i : NULL, has_v ? vo + i : NULL, &wv8, &gv8, kind);
  }
  if (i < len) {
    // zero padding: a zero v gives sqrt(0) / bc2s + eps = eps, never a division by zero
    size_t bytes = (size_t)(len - i) * sizeof(float);
    float tw[8] = {0}, tm[8] = {0}, tv[8] = {0}, tg[8] = {0}, tnw[8], tmo[8], tvo[8];
    memcpy(tw, w + i, bytes);
    memcpy(tg, g + i, bytes);
    if (has_m) memcpy(tm, m + i, bytes);
    if (has_v) memcpy(tv, v + i, bytes);
    step8(p, tw, tm, tv, tg, tnw, tmo, tvo, &wv8, &gv8, kind);
    memcpy(nw + i, tnw, bytes);
    if (has_m) memcpy(mo + i, tmo, bytes);
    if (has_v) memcpy(vo + i, tvo, bytes);
  }
  double wr = 0, gr = 0;
  for (int k = 0; k < 8; k++) {
    wr += wv8[k];
    gr += gv8[k];
  }
  *wrun = wr;
  *grun = gr;
}

// Threads for `units` pieces of work: at least 1, at most max and units.
static inline int clamp_threads(int threads, int64_t units, int max) {
  if (threads > max) threads = max;
  if (threads > units) threads = (int)units;
  return threads < 1 ? 1 : threads;
}

// sum of x^2 over a run of at most 256 values, summed as step_run sums its norms (8
// float32 lanes, the last values zero-padded, the lanes added in float64).
static inline double squares_run(const float *x, int64_t len) {
  v8f a8 = {0};
  int64_t i = 0;
  for (; i + 8 <= len; i += 8) {
    v8f v = load8(x + i);
    a8 += v * v;
  }
  if (i < len) {
    float t[8] = {0};
    memcpy(t, x + i, (size_t)(len - i) * sizeof(float));
    v8f v = load8(t);
    a8 += v * v;
  }
  double r = 0;
  for (int k = 0; k < 8; k++) r += a8[k];
  return r;
}

#endif
