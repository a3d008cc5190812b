/* The relay node's app: CCSDS packets received on USART2 (the wasm handler
 * fills the ring, the wasm framer frames what the ring hands out), one line
 * per framed packet on the console (USART1), and after 300 ms without a
 * received byte the counts. Everything that parses the stream is wasm; this
 * moves bytes between the instance's exports and prints. */
#include <stdint.h>

void console_uart_init(uint32_t pclk_hz, uint32_t baud);
void console_uart_tx_byte(uint8_t byte);
void rx_uart_init(uint32_t pclk_hz, uint32_t baud);
int32_t rx_uart_rx(void);
uint32_t rx_uart_overrun(void);
uint32_t rx_ccsds_push(uint32_t byte);
uint32_t rx_ccsds_poll(void);
uint32_t rx_ccsds_apid(void);
uint32_t rx_ccsds_seq(void);
uint32_t rx_ccsds_len(void);
uint32_t rx_ccsds_ok(void);
uint32_t rx_ccsds_bad(void);
uint32_t rx_ccsds_resync(void);

enum { PCLK_HZ = 8000000, CONSOLE_BAUD = 115200, LINK_BAUD = 1500000, IDLE_MS = 300 };
enum { EVENT_NONE = 0, EVENT_GOOD = 1, EVENT_BAD_CRC = 2 };

/* SysTick (ARM DDI0337, B3.3): a 1 ms tick from the core clock, polled. */
#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
enum { CORE_HZ = 24000000 };

static void print(const char* s) {
  while (*s) console_uart_tx_byte((uint8_t)*s++);
}
static void print_dec(uint32_t v) {
  char b[11];
  int i = 10;
  b[i] = 0;
  do b[--i] = (char)('0' + v % 10); while (v /= 10);
  print(&b[i]);
}
static void print_hex3(uint32_t v) {
  static const char digits[] = "0123456789abcdef";
  char b[6] = {'0', 'x', digits[(v >> 8) & 15], digits[(v >> 4) & 15], digits[v & 15], 0};
  print(b);
}

static void report_packets(void) {
  for (uint32_t e; (e = rx_ccsds_poll()) != EVENT_NONE;) {
    print("pkt apid=");
    print_hex3(rx_ccsds_apid());
    print(" seq=");
    print_dec(rx_ccsds_seq());
    print(" len=");
    print_dec(rx_ccsds_len());
    print(e == EVENT_GOOD ? " ok\r\n" : " bad-crc\r\n");
  }
}

int main(void) {
  console_uart_init(PCLK_HZ, CONSOLE_BAUD);
  rx_uart_init(PCLK_HZ, LINK_BAUD);
  SYST_RVR = CORE_HZ / 1000 - 1;
  SYST_CVR = 0;
  SYST_CSR = 5; /* enabled, core clock, no interrupt */
  print("gust-relay\r\n");
  uint32_t idle_ms = 0;
  int reported = 1; /* nothing received yet: nothing to report */
  for (;;) {
    const int32_t c = rx_uart_rx();
    if (c >= 0) {
      while (!rx_ccsds_push((uint32_t)c)) report_packets();
      report_packets();
      idle_ms = 0;
      reported = 0;
      continue;
    }
    if (SYST_CSR & (1u << 16)) ++idle_ms; /* COUNTFLAG: a millisecond went by */
    if (!reported && idle_ms >= IDLE_MS) {
      print("ccsds: ok=");
      print_dec(rx_ccsds_ok());
      print(" bad=");
      print_dec(rx_ccsds_bad());
      print(" resync=");
      print_dec(rx_ccsds_resync());
      print(" overrun=");
      print_dec(rx_uart_overrun());
      print("\r\n");
      reported = 1;
    }
  }
}
