/* ring.h: a byte ring buffer over caller-owned storage (power-of-two size),
 * as UART and USB stacks keep them. */
#ifndef RING_H
#define RING_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t* buf;
  uint32_t mask; /* size - 1; size is a power of two */
  uint32_t head; /* next write, free-running */
  uint32_t tail; /* next read, free-running */
  uint32_t overruns;
} ring_t;

int ring_init(ring_t* r, uint8_t* storage, uint32_t size);
uint32_t ring_used(const ring_t* r);
uint32_t ring_free(const ring_t* r);
int ring_put(ring_t* r, uint8_t b);
int ring_get(ring_t* r, uint8_t* out);
uint32_t ring_write(ring_t* r, const uint8_t* src, uint32_t n);
uint32_t ring_read(ring_t* r, uint8_t* dst, uint32_t n);
uint32_t ring_peek(const ring_t* r, uint8_t* dst, uint32_t n, uint32_t skip);
int32_t ring_find(const ring_t* r, uint8_t b);
uint32_t ring_read_line(ring_t* r, char* line, uint32_t cap);
void ring_flush(ring_t* r);
#endif
