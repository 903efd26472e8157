// native/outer.c: the SGD step of a Gemm weight whose gradient is the outer product
// A^T B (A [n, rows], B [n, cols]), and that gradient's squared norm.
#ifndef ALEXNET_OUTER_H
#define ALEXNET_OUTER_H
#include <stdint.h>
#include "step.h"

typedef struct {
  const float *a, *b;  // [n, rows], [n, cols]
  int64_t n, rows, cols;
  const float *w, *m;  // [rows, cols]; m NULL without momentum
  float *w_out, *m_out;  // the new weights and momenta (m_out NULL without momentum)
  const float *v;  // AdamW's second moments (m its first), else NULL
  float *v_out;
  int kind;  // step.h: PLAIN, MOMENTUM, NESTEROV or ADAMW
  StepParams p;
} OuterStep;

/** The step over all rows on `threads` threads; the squared norms of the new weights and of G. 0 when out of memory. */
int outer_step(const OuterStep *s, int threads, double *w_sq, double *g_sq);

/** sum of x^2 over x [rows, cols], summed as outer_step sums the new weights' norm. */
double row_sum_squares(const float *x, int64_t rows, int64_t cols);

/** |A^T B|^2 in float64; -1 when out of memory. */
double outer_sum_squares(const float *a, const float *b, int64_t n, int64_t rows, int64_t cols);
#endif
