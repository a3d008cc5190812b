/* control.h: fixed-point control blocks: a PID with anti-windup, a biquad
 * IIR (Q14 coefficients), a moving average over a caller-owned window, and a
 * lookup-table interpolator, chained into one loop step. */
#ifndef CONTROL_H
#define CONTROL_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  int32_t kp, ki, kd; /* Q16 */
  int32_t out_min, out_max;
  int32_t integral; /* Q16 */
  int32_t last_error;
  uint8_t first;
} pid_t_;

typedef struct {
  int16_t b0, b1, b2, a1, a2; /* Q14, a0 = 1 */
  int32_t x1, x2, y1, y2;
} biquad_t;

typedef struct {
  int16_t* window;
  uint16_t size, at, count;
  int32_t sum;
} movavg_t;

typedef struct {
  pid_t_ pid;
  biquad_t filter;
  movavg_t smooth;
  int32_t setpoint;
  uint32_t steps, saturated;
} loop_t;

void pid_init(pid_t_* p, int32_t kp, int32_t ki, int32_t kd, int32_t lo, int32_t hi);
int32_t pid_step(pid_t_* p, int32_t setpoint, int32_t measured);
void biquad_init(biquad_t* f, const int16_t coeff[5]);
int32_t biquad_step(biquad_t* f, int32_t x);
void movavg_init(movavg_t* m, int16_t* window, uint16_t size);
int32_t movavg_step(movavg_t* m, int16_t x);
int32_t interp_table(int32_t x);
void loop_init(loop_t* l, int16_t* window, uint16_t size);
int32_t loop_step(loop_t* l, int32_t raw);
int32_t loop_run(loop_t* l, const int16_t* samples, size_t n, int16_t* outputs);
#endif
