/* crc.h: table-driven CRC-32, CRC-16/CCITT and CRC-8 over caller buffers. */
#ifndef CRC_H
#define CRC_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t state;
  uint32_t length;
} crc32_ctx_t;

void crc32_init(crc32_ctx_t* c);
void crc32_update(crc32_ctx_t* c, const uint8_t* p, size_t n);
uint32_t crc32_final(const crc32_ctx_t* c);
uint32_t crc32(const uint8_t* p, size_t n);
uint32_t crc32_bitwise(const uint8_t* p, size_t n);
uint16_t crc16_ccitt(uint16_t crc, const uint8_t* p, size_t n);
uint8_t crc8_smbus(uint8_t crc, const uint8_t* p, size_t n);
int crc16_frame_ok(const uint8_t* frame, size_t n);
size_t crc16_frame_seal(uint8_t* frame, size_t n);
int32_t crc8_find_sync(const uint8_t* p, size_t n, size_t len, uint8_t want);
#endif
