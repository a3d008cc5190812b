// A peripheral's window is what a driver instance granted it may read and
// write, byte for byte (bridge.h's window check): so the chip description's
// windows must not hand out more than one peripheral's registers. A window
// that wrapped 2^32, lay on flash or SRAM (every instance's region, the
// bridge's data), on the RCC (whose enable and reset bits the bridge owns)
// or on another window (two instances on one register), or that reached the
// system control space beyond SysTick's four registers (the NVIC's pend and
// enable words, ICSR, VTOR, AIRCR), would be an escape written in the chip
// file. And a core exception has one vector, so one peripheral grants it.
// A peripheral's clock is a bit the bridge sets at start-up at RCC_BASE +
// reg: reg must be one of the RCC's enable registers and bit one of its 32,
// or the trusted bridge would write any address (0x40021000 + reg wraps
// 2^32). irq_count is at most the Cortex-M3's 240 external interrupts.
#include "compose/chip_check.h"

#include <cinttypes>
#include <cstdio>
#include <map>

namespace gust::compose {

namespace {

constexpr uint64_t kRccBase = 0x40021000, kRccSize = 0x400;  // RCC_BASE of firmware/stm32f100/bridge.h
constexpr uint64_t kSystemSpace = 0xE0000000;
constexpr uint64_t kSysTickBase = 0xE000E010, kSysTickSize = 0x10;  // ARMv7-M B3.3: CSR, RVR, CVR, CALIB
constexpr uint32_t kMaxIrqs = 240;                                  // Cortex-M3 (DDI0337): external interrupts
// RM0041 7.3: RCC_AHBENR, RCC_APB2ENR, RCC_APB1ENR.
bool enable_register(uint32_t reg) { return reg == 0x14 || reg == 0x18 || reg == 0x1C; }

std::string range(uint64_t lo, uint64_t hi) {
  char buf[48];
  snprintf(buf, sizeof buf, "[0x%08" PRIX64 ", 0x%08" PRIX64 ")", lo, hi);
  return buf;
}

bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; }

}  // namespace

WindowProblem check_windows(const Chip& c) {
  if (c.irq_count > kMaxIrqs)
    return {"", "irq_count " + std::to_string(c.irq_count) + " is more than a Cortex-M3's " + std::to_string(kMaxIrqs) +
                    " external interrupts"};
  if (uint64_t(c.flash_origin) + c.flash_size > (uint64_t(1) << 32))
    return {"", "flash " + range(c.flash_origin, uint64_t(c.flash_origin) + c.flash_size) + " runs past 2^32"};
  if (uint64_t(c.sram_origin) + c.sram_size > (uint64_t(1) << 32))
    return {"", "sram " + range(c.sram_origin, uint64_t(c.sram_origin) + c.sram_size) + " runs past 2^32"};
  const std::string* exception_owner = nullptr;
  std::map<std::pair<std::string, uint32_t>, const std::string*> pin_owner;  // one peripheral's signal per pin
  for (const auto& [name, p] : c.peripherals) {
    const uint64_t lo = p.base, hi = lo + p.size;
    const std::string w = "its window " + range(lo, hi);
    if (p.base % 4) return {name, "base must be 4-byte aligned (the bridge's 32-bit accesses)"};
    if (p.clock && (!enable_register(p.clock->first) || p.clock->second > 31))
      return {name, "clock must be a bit 0..31 of an RCC enable register (reg 0x14, 0x18 or 0x1C), not reg " +
                        std::to_string(p.clock->first) + " bit " + std::to_string(p.clock->second)};
    if (hi > (uint64_t(1) << 32)) return {name, w + " runs past 2^32"};
    if (overlap(lo, p.size, c.flash_origin, c.flash_size)) return {name, w + " lies on flash"};
    if (overlap(lo, p.size, c.sram_origin, c.sram_size))
      return {name, w + " lies on SRAM, every instance's region and the bridge's data"};
    if (overlap(lo, p.size, kRccBase, kRccSize))
      return {name, w + " lies on the RCC " + range(kRccBase, kRccBase + kRccSize) +
                        ", whose clock and reset bits the bridge owns"};
    if (hi > kSystemSpace && !(lo == kSysTickBase && p.size == kSysTickSize))
      return {name, w + " reaches the core's system space (" + range(kSystemSpace, uint64_t(1) << 32) +
                        "), where only SysTick's own registers " + range(kSysTickBase, kSysTickBase + kSysTickSize) +
                        " may be a window"};
    if (!p.exceptions.empty() && lo < kSystemSpace)
      return {name, "a core exception is granted only with the core peripheral that raises it (SysTick's window)"};
    if (p.exceptions.size() > 1) return {name, "exception 15 is listed twice: one vector, one grant"};
    if (!p.exceptions.empty()) {
      if (exception_owner)
        return {name, "exception 15 is granted by peripheral '" + *exception_owner + "' too: one vector, one grant"};
      exception_owner = &name;
    }
    for (const auto& pin : p.pins)
      if (auto [it, fresh] = pin_owner.emplace(std::make_pair(pin.port, pin.pin), &name); !fresh)
        return {name, "pin " + std::to_string(pin.pin) + " of " + pin.port + " is peripheral '" + *it->second +
                          "''s too: the bridge would set it up for both"};
    for (const auto& [other, q] : c.peripherals)
      if (other < name && overlap(lo, p.size, q.base, q.size))
        return {name, w + " overlaps peripheral '" + other + "''s " + range(q.base, uint64_t(q.base) + q.size) +
                          ": two instances would share registers"};
  }
  return {};
}

}  // namespace gust::compose
