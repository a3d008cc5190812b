// Kernel: one step of a fixed-point PID controller (Q16.16) with integral
// and output clamping.
#include <gust/driver-thin.h>

namespace {
constexpr int32_t kP = 0x18000, kI = 0x0800, kD = 0x4000;  // 1.5, 0.03125, 0.25
constexpr int32_t kLimit = 100 << 16;
int32_t integral, previous;

int32_t clamp(int64_t v) { return v > kLimit ? kLimit : v < -kLimit ? -kLimit : int32_t(v); }
}  // namespace

extern "C" {
GUST_EXPORT("pid_step") int32_t pid_step(int32_t setpoint, int32_t measured) {
  const int32_t error = setpoint - measured;
  integral = clamp(int64_t(integral) + error);
  const int32_t derivative = error - previous;
  previous = error;
  const int64_t out = (int64_t(kP) * error + int64_t(kI) * integral + int64_t(kD) * derivative) >> 16;
  return clamp(out);
}
}
