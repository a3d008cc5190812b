// Example: the thin UART driver written with a register-access template and
// typed bit fields. Each register is a type that knows its offset in the
// window; each field knows its position and width, so a write names fields,
// not masks, and the compiler folds every access to one mmio call with a
// constant, as the plain driver (drivers/uart-thin) writes by hand.
#include <gust/driver-thin.h>

#include <bit>
#include <concepts>
#include <cstdint>
#include <type_traits>

namespace {

namespace mmio = gust::hal::mmio;

// A field of `Width` bits at bit `Lsb` of a register, holding values of T.
template <unsigned Lsb, unsigned Width, typename T = uint32_t>
struct Field {
  static_assert(Lsb + Width <= 32, "a field lies inside its 32-bit register");
  static constexpr uint32_t mask = (Width == 32 ? ~0u : ((1u << Width) - 1)) << Lsb;
  static constexpr uint32_t encode(T v) { return (static_cast<uint32_t>(v) << Lsb) & mask; }
  static constexpr T decode(uint32_t reg) { return static_cast<T>((reg & mask) >> Lsb); }
};

template <typename F>
concept RegisterField = requires(uint32_t r) {
  { F::mask } -> std::convertible_to<uint32_t>;
  F::decode(r);
};

// A 32-bit register at `Offset` in the granted window.
template <uint32_t Offset>
struct Reg {
  static_assert(Offset % 4 == 0, "32-bit registers are word aligned");
  static uint32_t read() { return mmio::read32(Offset); }
  static void write(uint32_t v) { mmio::write32(Offset, v); }
  template <RegisterField F>
  static auto get() {
    return F::decode(read());
  }
};

// RM0041 23.6: the USART's registers and the fields this driver uses.
struct Usart {
  using SR = Reg<0x00>;
  using DR = Reg<0x04>;
  using BRR = Reg<0x08>;
  using CR1 = Reg<0x0C>;
  using Errors = Field<0, 4>;  // PE, FE, NE, ORE
  using Rxne = Field<5, 1, bool>;
  using Txe = Field<7, 1, bool>;
  using Data = Field<0, 8, uint8_t>;
  using Re = Field<2, 1, bool>;
  using Te = Field<3, 1, bool>;
  using Rxneie = Field<5, 1, bool>;
  using Ue = Field<13, 1, bool>;
};

static_assert(Usart::Errors::mask == 0xF && Usart::Txe::mask == 0x80 && std::popcount(Usart::Ue::mask) == 1);

}  // namespace

extern "C" {

void uart_init(uint32_t pclk_hz, uint32_t baud) {
  if (baud == 0) return;
  Usart::BRR::write((pclk_hz + baud / 2) / baud);
  Usart::CR1::write(Usart::Ue::encode(true) | Usart::Te::encode(true) | Usart::Re::encode(true) |
                    Usart::Rxneie::encode(true));
}

void uart_tx_byte(uint8_t byte) {
  while (!Usart::SR::get<Usart::Txe>()) {
  }
  Usart::DR::write(Usart::Data::encode(byte));
}

int32_t uart_rx() {
  const uint32_t sr = Usart::SR::read();
  if (!Usart::Errors::decode(sr) && !Usart::Rxne::decode(sr)) return -1;
  const uint8_t byte = Usart::DR::get<Usart::Data>();  // reading DR also clears an error
  return Usart::Errors::decode(sr) ? -2 : byte;
}

bool uart_rx_fired() { return gust::hal::irq::poll(0); }
}
