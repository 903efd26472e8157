// The SGD step of the trainer's host update (src/train/sgd_trainer.ts), as a Node addon;
// also the dropout masks of src/train/dropout.ts (at the end of this file).
//
// Why native: an ORT inference session cannot update its inputs in place. The in-graph
// update (src/train/train_graph.ts) makes ~10 element-wise passes over every weight and
// returns new weight and momentum buffers, which onnxruntime-node then copies into fresh
// JS memory: for torchvision alexnet at 64x64, batch 64 (57M parameters), ~92 ms of ORT
// passes plus ~100 ms of copies in a 467 ms step. Here the same arithmetic is one pass
// over memory the trainer owns, ~20 ms for 57M parameters on 2 threads (NOTES.md).
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
  const float *m;  // NULL without momentum
  float *g;        // NULL for sum_squares; receives the new weights
  float *m_out;    // NULL without momentum
  int64_t n;
  StepParams p;
  double *w_sq, *g_sq;  // per block
  int64_t first_block, last_block;  // [first, last)
} Job;

// One block of the step, in runs of 256 values. The flags are compile-time constants at
// each call below, so the compiler emits a branch-free loop per variant. It is written
// with GCC's vector extension: left to itself, the compiler vectorised the in-place form
// of this loop poorly (36 ms for 57M values on 2 threads, 72 on one, against ~18 and
// ~35). The 8 lanes also keep the norms vectorisable: a single running float sum is a
// serial chain of additions, which made the pass compute-bound (~45 ms).
static inline __attribute__((always_inline)) void step_block_v(const Job *j, int64_t b, const int momentum, const int nesterov) {
  int64_t i0 = b * BLOCK, i1 = i0 + BLOCK < j->n ? i0 + BLOCK : j->n;
  double wsq = 0, gsq = 0;
  for (int64_t r = i0; r < i1; r += 256) {
    int64_t len = r + 256 < i1 ? 256 : i1 - r;
    double wrun, grun;
    step_run(&j->p, j->w + r, momentum ? j->m + r : NULL, j->g + r, j->g + r, momentum ? j->m_out + r : NULL, len, &wrun, &grun, momentum, nesterov);
    wsq += wrun;
    gsq += grun;
  }
  j->w_sq[b] = wsq;
  j->g_sq[b] = gsq;
}

static void step_block(const Job *j, int64_t b) {
  if (j->m && j->p.nesterov) step_block_v(j, b, 1, 1);
  else if (j->m) step_block_v(j, b, 1, 0);
  else step_block_v(j, b, 0, 0);
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
  j.n = (int64_t)nw;
  double w_sq, g_sq;
  if (!run_parallel(&j, threads, &w_sq, &g_sq)) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  return pair(env, w_sq, g_sq);
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
  double w_sq, g_sq;
  if (!outer_step(&s, threads, &w_sq, &g_sq)) {
    napi_throw_error(env, NULL, "alexnet native: out of memory");
    return NULL;
  }
  return pair(env, w_sq, g_sq);
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

// src/nn/init.ts's counter-based uniform stream, bit for bit: hash32 is Chris Wellons'
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
// src/train/dropout.ts's draw. In JS it took 15-30 ms per step for the 850K mask values of
// torchvision alexnet at 64x64, batch 64, on the thread that then waits for ORT.
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
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
