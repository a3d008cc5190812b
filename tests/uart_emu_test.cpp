// The dissolved driver, run on an emulated Cortex-M3 against a scripted
// USART register model, behaves exactly as the native build of the same
// source: same results, same register accesses in the same order. The model
// raises the error flags QEMU's USART cannot.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "support.h"
#include "usart.h"
#include "wasm/module.h"

// The native build of drivers/uart-thin/uart.cpp, linked into this test.
extern "C" {
void uart_init(uint32_t pclk_hz, uint32_t baud);
void uart_tx_byte(uint8_t byte);
int32_t uart_rx();
bool uart_rx_fired();
}

namespace gust::test {
namespace {

// A scripted USART: SR values are served in order (the last one repeats),
// DR returns a fixed byte, and every access is recorded.
struct UsartModel {
  std::vector<uint32_t> sr;
  size_t next_sr = 0;
  uint32_t dr = 0;
  bool irq_latched = false;
  std::vector<std::string> trace;

  uint32_t read32(uint32_t off) {
    uint32_t v = 0;
    if (off == usart::SR) {
      v = sr.empty() ? 0 : sr[std::min(next_sr, sr.size() - 1)];
      ++next_sr;
    } else if (off == usart::DR) {
      v = dr;
    }
    trace.push_back("r" + std::to_string(off) + "=" + std::to_string(v));
    return v;
  }
  void write32(uint32_t off, uint32_t v) { trace.push_back("w" + std::to_string(off) + "=" + std::to_string(v)); }
  bool poll(uint32_t line) {
    trace.push_back("poll" + std::to_string(line));
    bool v = irq_latched;
    irq_latched = false;
    return v;
  }
};

UsartModel* native_model = nullptr;

}  // namespace
}  // namespace gust::test

extern "C" {
uint32_t gust_hal_mmio__read32(uint32_t off) { return gust::test::native_model->read32(off); }
void gust_hal_mmio__write32(uint32_t off, uint32_t v) { gust::test::native_model->write32(off, v); }
bool gust_hal_irq__poll(uint32_t line) { return gust::test::native_model->poll(line); }
}

namespace gust::test {
namespace {

class UartEmu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = wasm::decode(read_file(thin_driver_wasm()));
    ASSERT_TRUE(m);
    auto out = dissolve::dissolve(*m, {});
    ASSERT_TRUE(out);
    fs::path dir = scratch("uart-emu");
    std::ofstream(dir / "uart.o", std::ios::binary)
        .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
    auto cpu = emu::CortexM::load({dir / "uart.o"}, dir);
    ASSERT_TRUE(cpu) << cpu.error().str();
    cpu_ = std::move(*cpu).release();
  }
  static void TearDownTestSuite() { delete cpu_; }

  // Runs `fn` on both builds against copies of one model; returns both.
  struct Both {
    UsartModel native, emulated;
    uint32_t native_result = 0, emulated_result = 0;
  };
  Both run(const UsartModel& model, const std::string& fn, const std::vector<uint32_t>& args) {
    Both b{model, model};
    native_model = &b.native;
    if (fn == "uart_rx")
      b.native_result = uint32_t(uart_rx());
    else if (fn == "uart_tx_byte")
      uart_tx_byte(args[0]);
    else if (fn == "uart_init")
      uart_init(args[0], args[1]);
    else if (fn == "uart_rx_fired")
      b.native_result = uart_rx_fired();
    UsartModel* em = &b.emulated;
    cpu_->on_import("gust_hal_mmio__read32", [em](emu::CortexM& c) { c.set_result(em->read32(c.arg(0))); });
    cpu_->on_import("gust_hal_mmio__write32", [em](emu::CortexM& c) { em->write32(c.arg(0), c.arg(1)); });
    cpu_->on_import("gust_hal_irq__poll", [em](emu::CortexM& c) { c.set_result(em->poll(c.arg(0))); });
    auto r = cpu_->call(fn, args);
    EXPECT_TRUE(r.ok) << fn << ": " << r.fault;
    b.emulated_result = r.r0;
    if (fn == "uart_rx_fired") b.emulated_result &= 0xFF;  // a bool is defined in its low byte
    return b;
  }

  static emu::CortexM* cpu_;
};
emu::CortexM* UartEmu::cpu_ = nullptr;

TEST_F(UartEmu, RxMatchesNativeOnEveryLowSrByteAndRandomHighBits) {
  std::mt19937 rng(20261126);
  int errors = 0, data = 0, empty = 0;
  for (uint32_t low = 0; low < 256; ++low) {
    for (int k = 0; k < 4; ++k) {
      UsartModel m;
      m.sr = {uint32_t(low | (k ? (rng() & ~0xFFu) : 0))};
      m.dr = rng() & 0x1FF;  // DR is 9 bits wide
      Both b = run(m, "uart_rx", {});
      ASSERT_EQ(b.emulated_result, b.native_result) << "SR=" << m.sr[0];
      ASSERT_EQ(b.emulated.trace, b.native.trace) << "SR=" << m.sr[0];
      const int32_t r = int32_t(b.native_result);
      if (m.sr[0] & usart::SR_ERRORS) {
        EXPECT_EQ(r, UART_RX_FAULT) << "a byte with an error flag was handed out, SR=" << m.sr[0];
        EXPECT_EQ(b.native.trace.size(), 2u) << "DR must be read to clear the error";
        ++errors;
      } else if (m.sr[0] & usart::SR_RXNE) {
        EXPECT_EQ(r, int32_t(m.dr & 0xFF));
        ++data;
      } else {
        EXPECT_EQ(r, UART_RX_EMPTY);
        EXPECT_EQ(b.native.trace.size(), 1u) << "DR read with nothing received";
        ++empty;
      }
    }
  }
  EXPECT_GT(errors, 0);
  EXPECT_GT(data, 0);
  EXPECT_GT(empty, 0);
}

TEST_F(UartEmu, TxWaitsForTxeThenWritesDrOnce) {
  UsartModel m;
  m.sr = {0, 0, usart::SR_RXNE, usart::SR_TXE};
  Both b = run(m, "uart_tx_byte", {0xA5});  // a u8, zero-extended as AAPCS has the caller do
  EXPECT_EQ(b.emulated.trace, b.native.trace);
  ASSERT_EQ(b.native.trace.size(), 5u);
  EXPECT_EQ(b.native.trace.back(), "w4=165");
}

TEST_F(UartEmu, InitMatchesNative) {
  for (auto [pclk, baud] :
       std::vector<std::pair<uint32_t, uint32_t>>{{8000000, 115200}, {24000000, 9600}, {8000000, 0}}) {
    Both b = run(UsartModel{}, "uart_init", {pclk, baud});
    EXPECT_EQ(b.emulated.trace, b.native.trace) << pclk << "/" << baud;
    if (baud == 0)
      EXPECT_TRUE(b.native.trace.empty());
    else
      EXPECT_EQ(b.native.trace[0], "w8=" + std::to_string((pclk + baud / 2) / baud));
  }
}

TEST_F(UartEmu, RxFiredPollsLineZero) {
  for (bool latched : {false, true}) {
    UsartModel m;
    m.irq_latched = latched;
    Both b = run(m, "uart_rx_fired", {});
    EXPECT_EQ(b.emulated_result, uint32_t(latched));
    EXPECT_EQ(b.native_result, uint32_t(latched));
    EXPECT_EQ(b.emulated.trace, std::vector<std::string>{"poll0"});
  }
}

}  // namespace
}  // namespace gust::test
