/* control.c: the fixed-point arithmetic of a sensor-to-actuator loop on an
 * FPU-less MCU: saturating Q16 PID, a direct-form-I biquad in Q14, a running
 * moving average, and a piecewise-linear sensor linearisation from a const
 * table (searched by bisection). */
#include "control.h"

#include <string.h>

static int32_t clamp(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Q16 x Q0 through 64 bits, rounded, saturated to 32 bits. */
static int32_t mul_q16(int32_t k, int32_t x) {
  const int64_t p = ((int64_t)k * x + (1 << 15)) >> 16;
  return p > INT32_MAX ? INT32_MAX : p < INT32_MIN ? INT32_MIN : (int32_t)p;
}

void pid_init(pid_t_* p, int32_t kp, int32_t ki, int32_t kd, int32_t lo, int32_t hi) {
  memset(p, 0, sizeof *p);
  p->kp = kp;
  p->ki = ki;
  p->kd = kd;
  p->out_min = lo;
  p->out_max = hi;
  p->first = 1;
}

/* Conditional integration: the integral only moves while the output is not
 * saturated in the direction the error pushes (anti-windup). */
int32_t pid_step(pid_t_* p, int32_t setpoint, int32_t measured) {
  const int32_t error = setpoint - measured;
  const int32_t deriv = p->first ? 0 : error - p->last_error;
  p->first = 0;
  p->last_error = error;
  const int32_t pterm = mul_q16(p->kp, error), dterm = mul_q16(p->kd, deriv);
  const int32_t iterm = p->integral >> 16;
  const int64_t raw = (int64_t)pterm + iterm + dterm;
  const int32_t out = (int32_t)(raw > p->out_max ? p->out_max : raw < p->out_min ? p->out_min : raw);
  const int pushing_up = error > 0, pushing_down = error < 0;
  if (!((raw >= p->out_max && pushing_up) || (raw <= p->out_min && pushing_down))) {
    const int64_t next = (int64_t)p->integral + (int64_t)p->ki * error;
    p->integral = (int32_t)(next > INT32_MAX ? INT32_MAX : next < INT32_MIN ? INT32_MIN : next);
  }
  return out;
}

void biquad_init(biquad_t* f, const int16_t coeff[5]) {
  memset(f, 0, sizeof *f);
  f->b0 = coeff[0];
  f->b1 = coeff[1];
  f->b2 = coeff[2];
  f->a1 = coeff[3];
  f->a2 = coeff[4];
}

int32_t biquad_step(biquad_t* f, int32_t x) {
  int64_t acc = (int64_t)f->b0 * x + (int64_t)f->b1 * f->x1 + (int64_t)f->b2 * f->x2;
  acc -= (int64_t)f->a1 * f->y1 + (int64_t)f->a2 * f->y2;
  const int32_t y = (int32_t)clamp((int32_t)(acc >> 14), -(1 << 24), 1 << 24);
  f->x2 = f->x1;
  f->x1 = x;
  f->y2 = f->y1;
  f->y1 = y;
  return y;
}

void movavg_init(movavg_t* m, int16_t* window, uint16_t size) {
  m->window = window;
  m->size = size;
  m->at = 0;
  m->count = 0;
  m->sum = 0;
  memset(window, 0, size * sizeof *window);
}

int32_t movavg_step(movavg_t* m, int16_t x) {
  m->sum += x - m->window[m->at];
  m->window[m->at] = x;
  m->at = (uint16_t)(m->at + 1 == m->size ? 0 : m->at + 1);
  if (m->count < m->size) m->count++;
  return m->sum / (int32_t)m->count;
}

/* A thermistor-like curve: (raw, value) pairs in increasing raw order. */
static const struct {
  int16_t raw;
  int16_t value;
} curve[17] = {
    {-32768, -400}, {-24000, -310}, {-16000, -200}, {-10000, -120}, {-6000, -60}, {-3000, -20},
    {-1000, 0},     {0, 10},        {1000, 22},     {3000, 50},     {6000, 95},   {10000, 160},
    {15000, 250},   {20000, 360},   {25000, 500},   {30000, 700},   {32767, 850},
};

int32_t interp_table(int32_t x) {
  x = clamp(x, -32768, 32767);
  size_t lo = 0, hi = sizeof curve / sizeof curve[0] - 1;
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (curve[mid].raw <= x)
      lo = mid;
    else
      hi = mid;
  }
  const int32_t x0 = curve[lo].raw, x1 = curve[hi].raw, y0 = curve[lo].value, y1 = curve[hi].value;
  return y0 + (int32_t)((int64_t)(y1 - y0) * (x - x0) / (x1 - x0));
}

/* A low-pass at about fs/10, Q14. */
static const int16_t lowpass[5] = {1094, 2189, 1094, -18956, 7150};

void loop_init(loop_t* l, int16_t* window, uint16_t size) {
  pid_init(&l->pid, 3 << 15, 1 << 11, 1 << 14, -1000, 1000);
  biquad_init(&l->filter, lowpass);
  movavg_init(&l->smooth, window, size);
  l->setpoint = 250;
  l->steps = 0;
  l->saturated = 0;
}

int32_t loop_step(loop_t* l, int32_t raw) {
  const int32_t filtered = biquad_step(&l->filter, raw);
  const int32_t value = interp_table(filtered);
  const int32_t smooth = movavg_step(&l->smooth, (int16_t)clamp(value, -32768, 32767));
  const int32_t out = pid_step(&l->pid, l->setpoint, smooth);
  l->steps++;
  if (out == l->pid.out_min || out == l->pid.out_max) l->saturated++;
  return out;
}

int32_t loop_run(loop_t* l, const int16_t* samples, size_t n, int16_t* outputs) {
  int32_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    last = loop_step(l, samples[i]);
    outputs[i] = (int16_t)last;
  }
  return last;
}
