/*
 * channel_width.h - How many channels of a group a width keeps.
 *
 * One definition for the compiler's channel pruning (--prune channels=F
 * keeps mica_channels_kept(n, F, round) of a group of n) and the runtime's
 * width of a --sortable-width artifact (mica_context_set_width(w) keeps
 * mica_channels_kept(n, 1 - w, round), the same channels pruning at 1 - w
 * keeps, in the same arithmetic so that both round alike).
 */
#ifndef MICA_CHANNEL_WIDTH_H
#define MICA_CHANNEL_WIDTH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The fewest multiple of `round` (at least `round`) that keeps 1 - fraction
 * of `n` channels, never more than n; a group of at most `round` channels
 * stays whole. Never more than `fraction` goes: a group of two heads loses
 * none at 0.3. `fraction` in [0, 1), round >= 1. */
static inline int64_t mica_channels_kept(int64_t n, double fraction,
                                         int64_t round) {
  if (n <= round)
    return n;
  /* ceil(units - 1e-9) without libm: units is at least 0. */
  double units = (double)n * (1.0 - fraction) / (double)round - 1e-9;
  int64_t whole = (int64_t)units;
  if ((double)whole < units)
    ++whole;
  int64_t keep = whole * round;
  return keep < round ? round : keep > n ? n : keep;
}

#ifdef __cplusplus
}
#endif

#endif /* MICA_CHANNEL_WIDTH_H */
