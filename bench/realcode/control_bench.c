/* control_bench.c: benchmark glue for control.c: sensor traces from a seed
 * (a step, noise, spikes) through the loop; not part of the library. */
#include "control.h"
#include "rc.h"

static loop_t loop;
static int16_t window[8];
static int16_t samples[64];
static int16_t outputs[64];
static pid_t_ pid;
static biquad_t filter;

static void make(uint32_t* s, int16_t* p, size_t n) {
  int32_t level = (int32_t)(rc_next(s) % 40000) - 20000;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t r = rc_next(s);
    if ((r & 31) == 0) level = (int32_t)(rc_next(s) % 60000) - 30000;
    int32_t v = level + (int32_t)(r >> 20) - 2048;
    if ((r & 63) == 1) v = (r & 64) ? 32767 : -32768;
    p[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
  }
}

uint32_t rc_check(uint32_t seed) {
  uint32_t s = seed, h = RC_HASH_INIT;
  make(&s, samples, 64);
  loop_init(&loop, window, (uint16_t)(1 + rc_next(&s) % 8));
  loop.setpoint = (int32_t)(rc_next(&s) % 800) - 300;
  h = rc_hash_word(h, (uint32_t)loop_run(&loop, samples, 64, outputs));
  h = rc_hash_bytes(h, outputs, sizeof outputs);
  h = rc_hash_word(h, loop.steps ^ loop.saturated << 16);
  h = rc_hash_word(h, (uint32_t)loop.pid.integral);
  for (int i = 0; i < 8; ++i) h = rc_hash_word(h, (uint32_t)interp_table((int32_t)(rc_next(&s) ^ 0x80000000u)));
  pid_init(&pid, (int32_t)(rc_next(&s) % (8 << 16)), (int32_t)(rc_next(&s) % (1 << 16)),
           (int32_t)(rc_next(&s) % (1 << 16)), -(int32_t)(rc_next(&s) % 5000), (int32_t)(rc_next(&s) % 5000));
  for (int i = 0; i < 16; ++i) h = rc_hash_word(h, (uint32_t)pid_step(&pid, samples[i], samples[63 - i]));
  return h;
}

void rc_prepare(uint32_t seed) {
  uint32_t s = seed;
  make(&s, samples, 64);
  loop_init(&loop, window, 8);
  pid_init(&pid, 3 << 15, 1 << 11, 1 << 14, -1000, 1000);
  static const int16_t c[5] = {1094, 2189, 1094, -18956, 7150};
  biquad_init(&filter, c);
}

uintptr_t rc_arg(uint32_t i) {
  switch (i) {
    case 0:
      return (uintptr_t)&loop;
    case 1:
      return (uintptr_t)samples;
    case 2:
      return (uintptr_t)outputs;
    case 3:
      return (uintptr_t)&pid;
    case 4:
      return (uintptr_t)&filter;
    default:
      return 0;
  }
}
