/* frame.h: COBS packet framing and HDLC-style byte-stuffed frames with a
 * CRC-16 FCS, as serial links between MCUs use them. */
#ifndef FRAME_H
#define FRAME_H
#include <stddef.h>
#include <stdint.h>

size_t cobs_encode(const uint8_t* in, size_t n, uint8_t* out, size_t cap);
long cobs_decode(const uint8_t* in, size_t n, uint8_t* out, size_t cap);

#define HDLC_FLAG 0x7E
#define HDLC_ESCAPE 0x7D
#define HDLC_MAX_FRAME 128

enum hdlc_state { HS_HUNT = 0, HS_DATA, HS_ESCAPED, HS_COUNT };

typedef struct {
  uint8_t state;
  uint16_t len;
  uint8_t frame[HDLC_MAX_FRAME];
  uint32_t good, bad_fcs, too_long, aborted;
} hdlc_rx_t;

size_t hdlc_encode(const uint8_t* in, size_t n, uint8_t* out, size_t cap);
void hdlc_rx_init(hdlc_rx_t* rx);
int hdlc_rx_byte(hdlc_rx_t* rx, uint8_t b);
size_t hdlc_rx_feed(hdlc_rx_t* rx, const uint8_t* p, size_t n, uint8_t* last, size_t cap);
uint16_t hdlc_fcs(const uint8_t* p, size_t n);
#endif
