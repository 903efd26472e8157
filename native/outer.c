// The SGD step of a fully connected layer's weights, with the weight gradient computed
// here instead of in ORT: the trainer's host update for Gemm weights
// (src/train/train_graph.ts, "Gemm weights"; src/optim).
//
// A Gemm's weight gradient is an outer product summed over the batch, G = A^T B with
// A [n, R] and B [n, C] (for [out, in] weights A is dY and B the layer's input X; for
// [in, out] weights the other way round), so the graph outputs A and B, ~3 MB for fc6 at
// batch 64, instead of G, 151 MB. That saves ORT's dW Gemm, onnxruntime-node's copy of
// G into fresh JS memory and the update's read of it; G is computed here in tiles that
// stay in the L1 cache, each applied at once (docs/design/host-update.md).
//
// Each G[r, c] is summed over k = 0..n-1 in that order, with fused multiply-adds where
// the CPU has them (GCC target clones: x86-64-v4, v3, or the baseline), so the result
// depends on the CPU's instruction set but not on the number of threads, which split
// the rows. It differs from ORT's Gemm by rounding only (test/runtime/native.test.ts).
#include <pthread.h>
#include <stdlib.h>
#include "outer.h"
#include "step.h"

// A tile of G is TILE_ROWS x TILE_COLS: 24 AVX-512 accumulators; 12 rows is the fastest
// of the heights tried (docs/design/host-update.md).
#define TILE_ROWS 12
#define TILE_COLS 32
#define BLOCK_COLS 1024  // columns of G computed before they are applied (16 KB per row tile)
#define RUN 256  // the norms' float32 run length (step.h)
#define MAX_THREADS 64

typedef float v16f __attribute__((vector_size(64)));

// CLONES: one copy per x86-64 level, picked when the addon loads; the products of G with
// fused multiply-adds. EXACT_CLONES: the same copies for the update, whose arithmetic
// keeps the file's -ffp-contract=off (step.h), so it stays bit for bit sgdStep's.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), optimize("fp-contract=fast")))
#define EXACT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES __attribute__((optimize("fp-contract=fast")))
#define EXACT_CLONES
#endif

// out[rr][c] = sum over k of ap[k][rr] * bp[k][c] for the TILE_ROWS rows packed in ap
// ([n][TILE_ROWS], zero rows past the matrix) and the columns c < len of bp (len <=
// BLOCK_COLS, a multiple of TILE_COLS: the caller pads the last block with zeros).
CLONES static void gemm_run(const float *ap, const float *bp, int64_t ldb, int64_t n, int64_t len, float *out) {
  for (int64_t c = 0; c < len; c += TILE_COLS) {
    v16f acc[TILE_ROWS][2];
    memset(acc, 0, sizeof acc);
    for (int64_t k = 0; k < n; k++) {
      v16f x0, x1;
      memcpy(&x0, bp + k * ldb + c, sizeof x0);
      memcpy(&x1, bp + k * ldb + c + 16, sizeof x1);
      for (int rr = 0; rr < TILE_ROWS; rr++) {
        float s = ap[k * TILE_ROWS + rr];
        acc[rr][0] += s * x0;
        acc[rr][1] += s * x1;
      }
    }
    for (int rr = 0; rr < TILE_ROWS; rr++) {
      memcpy(out + rr * BLOCK_COLS + c, &acc[rr][0], sizeof(v16f));
      memcpy(out + rr * BLOCK_COLS + c + 16, &acc[rr][1], sizeof(v16f));
    }
  }
}

typedef struct {
  const OuterStep *s;
  int64_t r0, r1;  // rows [r0, r1)
  double *row_w, *row_g;  // per row, over all of the matrix's rows
  int failed;
} Part;

// The step on rows r..r+rows-1, columns c0..c0+len-1, with their G in g ([TILE_ROWS][BLOCK_COLS]).
static inline __attribute__((always_inline)) void update_rows(const OuterStep *s, const float *g, int64_t r, int rows, int64_t c0, int64_t len,
                                                              double *row_w, double *row_g, const int kind) {
  const int has_m = kind != PLAIN, has_v = kind == ADAMW;
  for (int rr = 0; rr < rows; rr++) {
    for (int64_t q = 0; q < len; q += RUN) {
      int64_t off = (r + rr) * s->cols + c0 + q, l = q + RUN < len ? RUN : len - q;
      double wrun, grun;
      step_run(&s->p, s->w + off, has_m ? s->m + off : NULL, has_v ? s->v + off : NULL, g + rr * BLOCK_COLS + q, s->w_out + off, has_m ? s->m_out + off : NULL,
               has_v ? s->v_out + off : NULL, l, &wrun, &grun, kind);
      row_w[r + rr] += wrun;
      row_g[r + rr] += grun;
    }
  }
}

EXACT_CLONES static void update_rows_adamw(const OuterStep *s, const float *g, int64_t r, int rows, int64_t c0, int64_t len, double *row_w, double *row_g) { update_rows(s, g, r, rows, c0, len, row_w, row_g, ADAMW); }
EXACT_CLONES static void update_rows_nesterov(const OuterStep *s, const float *g, int64_t r, int rows, int64_t c0, int64_t len, double *row_w, double *row_g) { update_rows(s, g, r, rows, c0, len, row_w, row_g, NESTEROV); }
EXACT_CLONES static void update_rows_momentum(const OuterStep *s, const float *g, int64_t r, int rows, int64_t c0, int64_t len, double *row_w, double *row_g) { update_rows(s, g, r, rows, c0, len, row_w, row_g, MOMENTUM); }
EXACT_CLONES static void update_rows_plain(const OuterStep *s, const float *g, int64_t r, int rows, int64_t c0, int64_t len, double *row_w, double *row_g) { update_rows(s, g, r, rows, c0, len, row_w, row_g, PLAIN); }

static void *run_part(void *arg) {
  Part *p = arg;
  const OuterStep *s = p->s;
  const int64_t n = s->n, R = s->rows, C = s->cols;
  int64_t my_tiles = (p->r1 - p->r0 + TILE_ROWS - 1) / TILE_ROWS;
  float *ap = malloc(sizeof(float) * (size_t)n * TILE_ROWS * (size_t)(my_tiles > 0 ? my_tiles : 1));
  float *g = malloc(sizeof(float) * TILE_ROWS * BLOCK_COLS);
  float *bpad = NULL;  // the last run of columns, zero-padded to a multiple of TILE_COLS
  int64_t tail = C % TILE_COLS;
  if (tail) bpad = malloc(sizeof(float) * (size_t)n * BLOCK_COLS);
  if (!ap || !g || (tail && !bpad)) {
    p->failed = 1;
    free(ap), free(g), free(bpad);
    return NULL;
  }
  for (int64_t r = p->r0; r < p->r1; r += TILE_ROWS) {
    int rows = r + TILE_ROWS <= p->r1 ? TILE_ROWS : (int)(p->r1 - r);
    float *t = ap + (r - p->r0) / TILE_ROWS * n * TILE_ROWS;
    for (int64_t k = 0; k < n; k++) {
      for (int rr = 0; rr < TILE_ROWS; rr++) t[k * TILE_ROWS + rr] = rr < rows ? s->a[k * R + r + rr] : 0.0f;
    }
  }
  for (int64_t c0 = 0; c0 < C; c0 += BLOCK_COLS) {
    int64_t len = c0 + BLOCK_COLS < C ? BLOCK_COLS : C - c0;
    int64_t padded = (len + TILE_COLS - 1) / TILE_COLS * TILE_COLS;
    const float *bp = s->b + c0;
    int64_t ldb = C;
    if (padded != len) {
      for (int64_t k = 0; k < n; k++) {
        memcpy(bpad + k * BLOCK_COLS, s->b + k * C + c0, sizeof(float) * (size_t)len);
        memset(bpad + k * BLOCK_COLS + len, 0, sizeof(float) * (size_t)(padded - len));
      }
      bp = bpad;
      ldb = BLOCK_COLS;
    }
    for (int64_t r = p->r0; r < p->r1; r += TILE_ROWS) {
      int rows = r + TILE_ROWS <= p->r1 ? TILE_ROWS : (int)(p->r1 - r);
      gemm_run(ap + (r - p->r0) / TILE_ROWS * n * TILE_ROWS, bp, ldb, n, padded, g);
      switch (s->kind) {
        case ADAMW: update_rows_adamw(s, g, r, rows, c0, len, p->row_w, p->row_g); break;
        case NESTEROV: update_rows_nesterov(s, g, r, rows, c0, len, p->row_w, p->row_g); break;
        case MOMENTUM: update_rows_momentum(s, g, r, rows, c0, len, p->row_w, p->row_g); break;
        default: update_rows_plain(s, g, r, rows, c0, len, p->row_w, p->row_g);
      }
    }
  }
  free(ap), free(g), free(bpad);
  return NULL;
}

int outer_step(const OuterStep *s, int threads, double *w_sq, double *g_sq) {
  const int64_t R = s->rows;
  double *rows = calloc(2 * (size_t)(R > 0 ? R : 1), sizeof(double));
  if (!rows) return 0;
  int64_t tiles = (R + TILE_ROWS - 1) / TILE_ROWS;
  threads = clamp_threads(threads, tiles, MAX_THREADS);
  Part parts[MAX_THREADS];
  pthread_t tids[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int t = 0; t < threads; t++) {
    int64_t r0 = tiles * t / threads * TILE_ROWS, r1 = tiles * (t + 1) / threads * TILE_ROWS;
    parts[t] = (Part){s, r0, r1 < R ? r1 : R, rows, rows + R, 0};
  }
  for (int t = 1; t < threads; t++) started[t] = pthread_create(&tids[t], NULL, run_part, &parts[t]) == 0;
  run_part(&parts[0]);
  int ok = !parts[0].failed;
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(tids[t], NULL); else run_part(&parts[t]);
    ok = ok && !parts[t].failed;
  }
  *w_sq = 0;
  *g_sq = 0;
  for (int64_t r = 0; r < R; r++) {
    *w_sq += rows[r];
    *g_sq += rows[R + r];
  }
  free(rows);
  return ok;
}

// sum of x^2 over a [rows, cols] matrix as outer_step sums its weights' norm: runs of
// RUN values within each row (step.h's squares_run), each row's runs in float64, then
// the rows in order. For the squared norm of weights that outer_step did not write
// (at the start, after a restore), so that it is the same bit for bit.
double row_sum_squares(const float *x, int64_t rows, int64_t cols) {
  double sq = 0;
  for (int64_t r = 0; r < rows; r++) {
    double row = 0;
    for (int64_t q = 0; q < cols; q += RUN) {
      row += squares_run(x + r * cols + q, q + RUN < cols ? RUN : cols - q);
    }
    sq += row;
  }
  return sq;
}

// sum over k, l of (A A^T)[k, l] * (B B^T)[k, l] = |A^T B|^2, in float64: the squared
// norm of G without forming it, for the clipping coefficient, which is needed before the
// step. n (n + 1) / 2 (R + C) products: 27M for fc6 at batch 64. Returns -1 when out of memory.
static void gram(const float *x, int64_t n, int64_t len, double *out) {
  for (int64_t k = 0; k < n; k++) {
    for (int64_t l = k; l < n; l++) {
      const float *xk = x + k * len, *xl = x + l * len;
      double acc[4] = {0, 0, 0, 0};
      int64_t i = 0;
      for (; i + 4 <= len; i += 4) {
        for (int q = 0; q < 4; q++) acc[q] += (double)xk[i + q] * (double)xl[i + q];
      }
      for (; i < len; i++) acc[0] += (double)xk[i] * (double)xl[i];
      out[k * n + l] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
  }
}

double outer_sum_squares(const float *a, const float *b, int64_t n, int64_t rows, int64_t cols) {
  double *ga = malloc(sizeof(double) * (size_t)(n * n > 0 ? n * n : 1)), *gb = malloc(sizeof(double) * (size_t)(n * n > 0 ? n * n : 1));
  if (!ga || !gb) {
    free(ga), free(gb);
    return -1;
  }
  gram(a, n, rows, ga);
  gram(b, n, cols, gb);
  double sq = 0;
  for (int64_t k = 0; k < n; k++) {
    sq += ga[k * n + k] * gb[k * n + k];
    for (int64_t l = k + 1; l < n; l++) sq += 2 * ga[k * n + l] * gb[k * n + l];
  }
  free(ga), free(gb);
  return sq;
}
