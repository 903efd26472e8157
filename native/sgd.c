// The SGD and AdamW steps of the trainer's host update (the host forms of src/optim/sgd.ts
// and src/optim/adamw.ts), as a Node addon; also the dropout masks of src/train/dropout.ts
// (at the end of this file).
//
// Why native: an ORT inference session cannot update its inputs in place. The in-graph
// update (the graph forms in src/optim) makes ~10 element-wise passes over every weight
// and returns new weight and momentum buffers, which onnxruntime-node then copies into
// fresh JS memory. Here the same arithmetic is one pass over memory the trainer owns (the
// measurements are in docs/design/host-update.md).
//
// sgdStep reads w, m and g and writes the new weights over g (the gradient buffer is the
// step's own scratch) and the new momenta into mOut, leaving w and m as they were: the
// trainer adopts the new buffers on commit, or drops them if the step is refused.
//
// The arithmetic, and how the norms are summed, are in native/step.h; the per-run norms
// are added in float64 over fixed blocks in a fixed order, so they do not depend on the
// number of threads.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "outer.h"
#include "step.h"

#define BLOCK 65536
#define MAX_THREADS 64

typedef struct {
  const float *w;
  const float *m;  // NULL without momentum (AdamW: the first moments)
  const float *v;  // AdamW's second moments, else NULL
  float *g;        // NULL for sum_squares; receives the new weights
  float *m_out;    // NULL without momentum
  float *v_out;    // NULL but for AdamW
  int kind;        // step.h: PLAIN, MOMENTUM, NESTEROV or ADAMW
  int64_t n;
  StepParams p;
  double *w_sq, *g_sq;  // per block
  int64_t first_block, last_block;  // [first, last)
} Job;

// One block of the step, in runs of 256 values. The flags are compile-time constants at
// each call below, so the compiler emits a branch-free loop per variant. It is written
// with GCC's vector extension: left to itself, the compiler vectorises the in-place form
// of this loop poorly, at about half this speed. The 8 lanes also keep the norms
// vectorisable: a single running float sum is a serial chain of additions, which makes
// the pass compute-bound (docs/design/host-update.md).
static inline __attribute__((always_inline)) void step_block_v(const Job *j, int64_t b, const int kind) {
  int64_t i0 = b * BLOCK, i1 = i0 + BLOCK < j->n ? i0 + BLOCK : j->n;
  double wsq = 0, gsq = 0;
  for (int64_t r = i0; r < i1; r += 256) {
    int64_t len = r + 256 < i1 ? 256 : i1 - r;
    double wrun, grun;
    const int has_m = kind != PLAIN, has_v = kind == ADAMW;
    step_run(&j->p, j->w + r, has_m ? j->m + r : NULL, has_v ? j->v + r : NULL, j->g + r, j->g + r, has_m ? j->m_out + r : NULL, has_v ? j->v_out + r : NULL,
             len, &wrun, &grun, kind);
    wsq += wrun;
    gsq += grun;
  }
  j->w_sq[b] = wsq;
  j->g_sq[b] = gsq;
}

static void step_block(const Job *j, int64_t b) {
  switch (j->kind) {
    case ADAMW: step_block_v(j, b, ADAMW); break;
    case NESTEROV: step_block_v(j, b, NESTEROV); break;
    case MOMENTUM: step_block_v(j, b, MOMENTUM); break;
    default: step_block_v(j, b, PLAIN);
  }
}

static void squares_block(const Job *j, int64_t b) {
  int64_t i0 = b * BLOCK, i1 = i0 + BLOCK < j->n ? i0 + BLOCK : j->n;
  double sq = 0;
  for (int64_t r = i0; r < i1; r += 256) sq += squares_run(j->w + r, r + 256 < i1 ? 256 : i1 - r);
  j->w_sq[b] = sq;
}

static void *run_job(void *p) {
  Job *j = p;
  for (int64_t b = j->first_block; b < j->last_block; b++) {
    if (j->g) step_block(j, b); else squares_block(j, b);
  }
  return NULL;
}

// Split the blocks of `proto` over `threads` threads; sums of the per-block norms in block order.
static int run_parallel(const Job *proto, int threads, double *w_sq, double *g_sq) {
  int64_t blocks = (proto->n + BLOCK - 1) / BLOCK;
  double *sq = calloc(2 * (blocks > 0 ? blocks : 1), sizeof(double));
  if (!sq) return 0;
  threads = clamp_threads(threads, blocks, MAX_THREADS);
  Job jobs[MAX_THREADS];
  pthread_t tids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    jobs[t] = *proto;
    jobs[t].w_sq = sq;
    jobs[t].g_sq = sq + blocks;
    jobs[t].first_block = blocks * t / threads;
    jobs[t].last_block = blocks * (t + 1) / threads;
  }
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&tids[t], NULL, run_job, &jobs[t]) == 0;
  run_job(&jobs[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tids[t], NULL); else run_job(&jobs[t]);
  }
  *w_sq = 0;
  *g_sq = 0;
  for (int64_t b = 0; b < blocks; b++) {
    *w_sq += sq[b];
    *g_sq += sq[blocks + b];
  }
  free(sq);
  return 1;
}

#define CHECK(call) do { if ((call) != napi_ok) { napi_throw_error(env, NULL, "alexnet native: N-API call failed: " #call); return NULL; } } while (0)

static int get_f32(napi_env env, napi_value v, float **data, size_t *len, const char *what) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *ptr;
  napi_value ab;
  size_t off;
  if (napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta &&
      napi_get_typedarray_info(env, v, &type, len, &ptr, &ab, &off) == napi_ok && type == napi_float32_array) {
    *data = ptr;
    return 1;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "alexnet native: %s must be a Float32Array", what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static int get_opt_f32(napi_env env, napi_value v, float **data, size_t *len, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_null) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  return get_f32(env, v, data, len, what);
}

static int get_num(napi_env env, napi_value v, double *out, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) == napi_ok && t == napi_number && napi_get_value_double(env, v, out) == napi_ok) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "alexnet native: %s must be a number", what);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

// The call's arguments into a[0..n); exactly n, or a TypeError naming the function.
static int get_args(napi_env env, napi_callback_info info, size_t n, napi_value *a, const char *fn) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, a, NULL, NULL) == napi_ok && argc == n) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "alexnet native: %s takes %zu arguments", fn, n);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static napi_value pair(napi_env env, double w_sq, double g_sq) {
  napi_value out, a, b;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_create_double(env, w_sq, &a));
  CHECK(napi_create_double(env, g_sq, &b));
  CHECK(napi_set_named_property(env, out, "weightSq", a));
  CHECK(napi_set_named_property(env, out, "gradSq", b));
  return out;
}

// Run a step job on `threads` threads; {weightSq, gradSq}, or an error when out of memory.
static napi_value run_step(napi_env env, const Job *j, int threads) {
  double w_sq, g_sq;
  if (!run_parallel(j, threads, &w_sq, &g_sq)) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  return pair(env, w_sq, g_sq);
}

// The same for a Gemm weight's step (native/outer.c).
static napi_value run_outer_step(napi_env env, const OuterStep *s, int threads) {
  double w_sq, g_sq;
  if (!outer_step(s, threads, &w_sq, &g_sq)) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  return pair(env, w_sq, g_sq);
}

// lr, wd, mu, nesterov, scale, threads: the step's settings from six arguments.
static int get_step_params(napi_env env, const napi_value *a, StepParams *p, int *threads) {
  double lr, wd, mu, sc, th;
  bool nesterov;
  if (!get_num(env, a[0], &lr, "lr") || !get_num(env, a[1], &wd, "wd") || !get_num(env, a[2], &mu, "mu") ||
      !get_num(env, a[4], &sc, "scale") || !get_num(env, a[5], &th, "threads")) return 0;
  if (napi_get_value_bool(env, a[3], &nesterov) != napi_ok) {
    napi_throw_type_error(env, NULL, "alexnet native: nesterov must be a boolean");
    return 0;
  }
  *p = (StepParams){(float)lr, (float)wd, (float)mu, (float)sc, nesterov};
  *threads = (int)th;
  return 1;
}

// A momentum buffer comes with its output buffer, or neither is given.
static int check_momentum_pair(napi_env env, const float *m, const float *mo, const char *fn) {
  if ((m == NULL) == (mo == NULL)) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "alexnet native: %s takes a momentum and its output, or neither", fn);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

// No two of the given buffers (NULL ones aside) are the same; else a RangeError "<fn> needs separate buffers for <what>".
static int check_separate(napi_env env, const float *const *bufs, int n, const char *fn, const char *what) {
  for (int i = 0; i < n; i++) {
    for (int k = i + 1; k < n; k++) {
      if (bufs[i] && bufs[i] == bufs[k]) {
        char msg[200];
        snprintf(msg, sizeof msg, "alexnet native: %s needs separate buffers for %s", fn, what);
        napi_throw_range_error(env, NULL, msg);
        return 0;
      }
    }
  }
  return 1;
}

// sgdStep(w, m | null, g, mOut | null, lr, wd, mu, nesterov, scale, threads) -> {weightSq, gradSq}
static napi_value sgd_step(napi_env env, napi_callback_info info) {
  napi_value a[10];
  if (!get_args(env, info, 10, a, "sgdStep")) return NULL;
  Job j;
  memset(&j, 0, sizeof j);
  float *w, *m, *g, *mo;
  size_t nw, nm, ng, nmo;
  if (!get_f32(env, a[0], &w, &nw, "weights") || !get_opt_f32(env, a[1], &m, &nm, "momentum") ||
      !get_f32(env, a[2], &g, &ng, "gradient") || !get_opt_f32(env, a[3], &mo, &nmo, "momentum output")) return NULL;
  if (!check_momentum_pair(env, m, mo, "sgdStep")) return NULL;
  if (ng != nw || (m && (nm != nw || nmo != nw))) {
    char msg[200];
    snprintf(msg, sizeof msg, "alexnet native: sgdStep lengths differ: weights %zu, momentum %zu, gradient %zu, momentum output %zu", nw, nm, ng, nmo);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  const float *bufs[4] = {w, m, g, mo};
  if (!check_separate(env, bufs, 4, "sgdStep", "weights, momentum, gradient and momentum output")) return NULL;
  int threads;
  if (!get_step_params(env, a + 4, &j.p, &threads)) return NULL;
  j.w = w; j.m = m; j.g = g; j.m_out = mo;
  j.kind = m ? (j.p.nesterov ? NESTEROV : MOMENTUM) : PLAIN;
  j.n = (int64_t)nw;
  return run_step(env, &j, threads);
}

// n, the rows of A [n, rows] (na values) and B [n, cols] (nb values): a whole number >= 1 dividing both.
static int check_rows(napi_env env, double n, size_t na, size_t nb, const char *fn) {
  if (n >= 1 && n == (double)(int64_t)n && na % (size_t)n == 0 && nb % (size_t)n == 0) return 1;
  char msg[200];
  snprintf(msg, sizeof msg, "alexnet native: %s needs a whole number of rows n >= 1 dividing a (%zu values) and b (%zu), got n = %g", fn, na, nb, n);
  napi_throw_range_error(env, NULL, msg);
  return 0;
}

// sgdStepOuter(w, m | null, a, b, n, wOut, mOut | null, lr, wd, mu, nesterov, scale, threads) -> {weightSq, gradSq}:
// the step with the gradient G = A^T B (A [n, rows], B [n, cols], w [rows, cols]) computed
// by native/outer.c; the new weights go to wOut and the new momenta to mOut.
static napi_value sgd_step_outer(napi_env env, napi_callback_info info) {
  napi_value a[13];
  if (!get_args(env, info, 13, a, "sgdStepOuter")) return NULL;
  OuterStep s;
  memset(&s, 0, sizeof s);
  float *w, *m, *fa, *fb, *wo, *mo;
  size_t nw, nm, na, nb, nwo, nmo;
  double n;
  if (!get_f32(env, a[0], &w, &nw, "weights") || !get_opt_f32(env, a[1], &m, &nm, "momentum") || !get_f32(env, a[2], &fa, &na, "a") ||
      !get_f32(env, a[3], &fb, &nb, "b") || !get_num(env, a[4], &n, "n") || !get_f32(env, a[5], &wo, &nwo, "weights output") ||
      !get_opt_f32(env, a[6], &mo, &nmo, "momentum output")) return NULL;
  if (!check_momentum_pair(env, m, mo, "sgdStepOuter")) return NULL;
  if (!check_rows(env, n, na, nb, "sgdStepOuter")) return NULL;
  char msg[240];
  s.n = (int64_t)n;
  s.rows = (int64_t)(na / (size_t)n);
  s.cols = (int64_t)(nb / (size_t)n);
  if ((size_t)(s.rows * s.cols) != nw || nwo != nw || (m && (nm != nw || nmo != nw))) {
    snprintf(msg, sizeof msg, "alexnet native: sgdStepOuter lengths differ: a^T b is %lld x %lld, weights %zu, weights output %zu, momentum %zu, momentum output %zu",
             (long long)s.rows, (long long)s.cols, nw, nwo, nm, nmo);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  const float *bufs[6] = {w, m, fa, fb, wo, mo};
  if (!check_separate(env, bufs, 6, "sgdStepOuter", "weights, momentum, a, b and the two outputs")) return NULL;
  int threads;
  if (!get_step_params(env, a + 7, &s.p, &threads)) return NULL;
  s.a = fa; s.b = fb; s.w = w; s.m = m; s.w_out = wo; s.m_out = mo;
  s.kind = m ? (s.p.nesterov ? NESTEROV : MOMENTUM) : PLAIN;
  return run_outer_step(env, &s, threads);
}

// AdamW's settings {b1, b2, eps, wdFactor, stepSize, bc2Sqrt} (step.h), then scale and threads.
static int get_adamw_params(napi_env env, const napi_value *a, StepParams *p, int *threads) {
  static const char *const names[6] = {"b1", "b2", "eps", "wdFactor", "stepSize", "bc2Sqrt"};
  double x[6], sc, th;
  napi_valuetype t;
  if (napi_typeof(env, a[0], &t) != napi_ok || t != napi_object) {
    napi_throw_type_error(env, NULL, "alexnet native: the AdamW settings must be an object {b1, b2, eps, wdFactor, stepSize, bc2Sqrt}");
    return 0;
  }
  for (int i = 0; i < 6; i++) {
    napi_value v;
    char what[40];
    snprintf(what, sizeof what, "AdamW setting %s", names[i]);
    if (napi_get_named_property(env, a[0], names[i], &v) != napi_ok || !get_num(env, v, &x[i], what)) return 0;
  }
  if (!get_num(env, a[1], &sc, "scale") || !get_num(env, a[2], &th, "threads")) return 0;
  memset(p, 0, sizeof *p);
  p->scale = (float)sc;
  p->b1 = (float)x[0];
  p->omb1 = (float)(1 - x[0]);
  p->b2 = (float)x[1];
  p->omb2 = (float)(1 - x[1]);
  p->eps = (float)x[2];
  p->wdf = (float)x[3];
  p->step_size = (float)x[4];
  p->bc2s = (float)x[5];
  *threads = (int)th;
  return 1;
}

// adamwStep(w, m, v, g, mOut, vOut, settings, scale, threads) -> {weightSq, gradSq}: the
// AdamW step of step.h; new weights over g, new moments into mOut and vOut.
static napi_value adamw_step(napi_env env, napi_callback_info info) {
  napi_value a[9];
  if (!get_args(env, info, 9, a, "adamwStep")) return NULL;
  Job j;
  memset(&j, 0, sizeof j);
  float *w, *m, *v, *g, *mo, *vo;
  size_t nw, nm, nv, ng, nmo, nvo;
  if (!get_f32(env, a[0], &w, &nw, "weights") || !get_f32(env, a[1], &m, &nm, "first moments") || !get_f32(env, a[2], &v, &nv, "second moments") ||
      !get_f32(env, a[3], &g, &ng, "gradient") || !get_f32(env, a[4], &mo, &nmo, "first moments output") || !get_f32(env, a[5], &vo, &nvo, "second moments output")) return NULL;
  if (nm != nw || nv != nw || ng != nw || nmo != nw || nvo != nw) {
    char msg[240];
    snprintf(msg, sizeof msg, "alexnet native: adamwStep lengths differ: weights %zu, first moments %zu, second moments %zu, gradient %zu, outputs %zu and %zu", nw, nm, nv, ng, nmo, nvo);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  const float *bufs[6] = {w, m, v, g, mo, vo};
  if (!check_separate(env, bufs, 6, "adamwStep", "weights, moments, gradient and outputs")) return NULL;
  int threads;
  if (!get_adamw_params(env, a + 6, &j.p, &threads)) return NULL;
  j.w = w; j.m = m; j.v = v; j.g = g; j.m_out = mo; j.v_out = vo;
  j.kind = ADAMW;
  j.n = (int64_t)nw;
  return run_step(env, &j, threads);
}

// adamwStepOuter(w, m, v, a, b, n, wOut, mOut, vOut, settings, scale, threads) -> {weightSq, gradSq}:
// adamwStep with the gradient G = A^T B formed by native/outer.c, as sgdStepOuter.
static napi_value adamw_step_outer(napi_env env, napi_callback_info info) {
  napi_value a[12];
  if (!get_args(env, info, 12, a, "adamwStepOuter")) return NULL;
  OuterStep s;
  memset(&s, 0, sizeof s);
  float *w, *m, *v, *fa, *fb, *wo, *mo, *vo;
  size_t nw, nm, nv, na, nb, nwo, nmo, nvo;
  double n;
  if (!get_f32(env, a[0], &w, &nw, "weights") || !get_f32(env, a[1], &m, &nm, "first moments") || !get_f32(env, a[2], &v, &nv, "second moments") ||
      !get_f32(env, a[3], &fa, &na, "a") || !get_f32(env, a[4], &fb, &nb, "b") || !get_num(env, a[5], &n, "n") ||
      !get_f32(env, a[6], &wo, &nwo, "weights output") || !get_f32(env, a[7], &mo, &nmo, "first moments output") ||
      !get_f32(env, a[8], &vo, &nvo, "second moments output")) return NULL;
  if (!check_rows(env, n, na, nb, "adamwStepOuter")) return NULL;
  s.n = (int64_t)n;
  s.rows = (int64_t)(na / (size_t)n);
  s.cols = (int64_t)(nb / (size_t)n);
  if ((size_t)(s.rows * s.cols) != nw || nwo != nw || nm != nw || nv != nw || nmo != nw || nvo != nw) {
    char msg[280];
    snprintf(msg, sizeof msg, "alexnet native: adamwStepOuter lengths differ: a^T b is %lld x %lld, weights %zu, weights output %zu, moments %zu and %zu, outputs %zu and %zu",
             (long long)s.rows, (long long)s.cols, nw, nwo, nm, nv, nmo, nvo);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  const float *bufs[8] = {w, m, v, fa, fb, wo, mo, vo};
  if (!check_separate(env, bufs, 8, "adamwStepOuter", "weights, moments, a, b and the three outputs")) return NULL;
  int threads;
  if (!get_adamw_params(env, a + 9, &s.p, &threads)) return NULL;
  s.a = fa; s.b = fb; s.w = w; s.m = m; s.v = v; s.w_out = wo; s.m_out = mo; s.v_out = vo;
  s.kind = ADAMW;
  return run_outer_step(env, &s, threads);
}

// outerSumSquares(a, b, n) -> |A^T B|^2 in float64 (A [n, rows], B [n, cols])
static napi_value outer_sum_squares_js(napi_env env, napi_callback_info info) {
  napi_value a[3];
  if (!get_args(env, info, 3, a, "outerSumSquares")) return NULL;
  float *fa, *fb;
  size_t na, nb;
  double n;
  if (!get_f32(env, a[0], &fa, &na, "a") || !get_f32(env, a[1], &fb, &nb, "b") || !get_num(env, a[2], &n, "n")) return NULL;
  if (!check_rows(env, n, na, nb, "outerSumSquares")) return NULL;
  double sq = outer_sum_squares(fa, fb, (int64_t)n, (int64_t)(na / (size_t)n), (int64_t)(nb / (size_t)n));
  if (sq < 0) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_double(env, sq, &out));
  return out;
}

// rowSumSquares(x, cols) -> float64 sum of x[i]^2 over x [rows, cols], summed as sgdStepOuter sums weightSq
static napi_value row_sum_squares_js(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (!get_args(env, info, 2, a, "rowSumSquares")) return NULL;
  float *x;
  size_t n;
  double cols;
  if (!get_f32(env, a[0], &x, &n, "x") || !get_num(env, a[1], &cols, "cols")) return NULL;
  if (!(cols >= 1 && cols == (double)(int64_t)cols) || n % (size_t)cols) {
    char msg[160];
    snprintf(msg, sizeof msg, "alexnet native: rowSumSquares needs a whole number of columns cols >= 1 dividing x (%zu values), got %g", n, cols);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_double(env, row_sum_squares(x, (int64_t)(n / (size_t)cols), (int64_t)cols), &out));
  return out;
}

// sumSquares(x, threads) -> float64 sum of x[i]^2
static napi_value sum_squares(napi_env env, napi_callback_info info) {
  napi_value a[2];
  if (!get_args(env, info, 2, a, "sumSquares")) return NULL;
  Job j;
  memset(&j, 0, sizeof j);
  float *x;
  size_t n;
  double threads;
  if (!get_f32(env, a[0], &x, &n, "x") || !get_num(env, a[1], &threads, "threads")) return NULL;
  j.w = x;
  j.n = (int64_t)n;
  double sq, unused;
  if (!run_parallel(&j, (int)threads, &sq, &unused)) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  napi_value out;
  CHECK(napi_create_double(env, sq, &out));
  return out;
}

// src/util/rng.ts's counter-based uniform stream, bit for bit: hash32 is Chris Wellons'
// "lowbias32", uniformAt(key, i) = ((hash32(hash32(i ^ key) + key) >> 8) + 0.5) / 2^24.
static inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// dropoutMask(buf, key, counter, keep, scale): buf[i] = uniformAt(key, counter + i) < keep ? scale : 0,
// src/train/dropout.ts's draw, off the JS thread that then waits for ORT
// (docs/design/host-update.md).
static napi_value dropout_mask(napi_env env, napi_callback_info info) {
  napi_value a[5];
  if (!get_args(env, info, 5, a, "dropoutMask")) return NULL;
  float *buf;
  size_t n;
  double key, counter, keep, scale;
  if (!get_f32(env, a[0], &buf, &n, "mask") || !get_num(env, a[1], &key, "key") || !get_num(env, a[2], &counter, "counter") ||
      !get_num(env, a[3], &keep, "keep") || !get_num(env, a[4], &scale, "scale")) return NULL;
  if (!(key >= 0 && key <= 4294967295.0 && key == (double)(uint32_t)key) || !(counter >= 0 && counter <= 4294967295.0 && counter == (double)(uint32_t)counter)) {
    napi_throw_range_error(env, NULL, "alexnet native: dropoutMask key and counter must be integers in [0, 2^32)");
    return NULL;
  }
  uint32_t k = (uint32_t)key, c = (uint32_t)counter;
  float sc = (float)scale;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits = hash32(hash32((c + (uint32_t)i) ^ k) + k);
    double u = ((double)(bits >> 8) + 0.5) / 16777216.0;
    buf[i] = u < keep ? sc : 0.0f;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"sgdStep", NULL, sgd_step, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_enumerable, NULL},
    {"dropoutMask", NULL, dropout_mask, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sgdStepOuter", NULL, sgd_step_outer, NULL, NULL, NULL, napi_enumerable, NULL},
    {"outerSumSquares", NULL, outer_sum_squares_js, NULL, NULL, NULL, napi_enumerable, NULL},
    {"rowSumSquares", NULL, row_sum_squares_js, NULL, NULL, NULL, napi_enumerable, NULL},
    {"adamwStep", NULL, adamw_step, NULL, NULL, NULL, napi_enumerable, NULL},
    {"adamwStepOuter", NULL, adamw_step_outer, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
