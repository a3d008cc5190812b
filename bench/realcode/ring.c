/* ring.c: a byte ring buffer over caller-owned storage. Free-running
 * indices (used = head - tail) so that a full ring needs no spare slot;
 * block moves copy in at most two pieces around the wrap. */
#include "ring.h"

#include <string.h>

int ring_init(ring_t* r, uint8_t* storage, uint32_t size) {
  if (size == 0 || (size & (size - 1)) != 0) return -1;
  r->buf = storage;
  r->mask = size - 1;
  r->head = 0;
  r->tail = 0;
  r->overruns = 0;
  memset(storage, 0, size);
  return 0;
}

uint32_t ring_used(const ring_t* r) { return r->head - r->tail; }

uint32_t ring_free(const ring_t* r) { return r->mask + 1 - (r->head - r->tail); }

int ring_put(ring_t* r, uint8_t b) {
  if (ring_free(r) == 0) {
    r->overruns++;
    return -1;
  }
  r->buf[r->head & r->mask] = b;
  r->head++;
  return 0;
}

int ring_get(ring_t* r, uint8_t* out) {
  if (r->head == r->tail) return -1;
  *out = r->buf[r->tail & r->mask];
  r->tail++;
  return 0;
}

/* Copies up to n bytes in, in one or two memcpy calls; returns how many. */
uint32_t ring_write(ring_t* r, const uint8_t* src, uint32_t n) {
  const uint32_t room = ring_free(r);
  if (n > room) {
    r->overruns += n - room;
    n = room;
  }
  const uint32_t at = r->head & r->mask;
  const uint32_t first = (r->mask + 1 - at) < n ? (r->mask + 1 - at) : n;
  memcpy(r->buf + at, src, first);
  memcpy(r->buf, src + first, n - first);
  r->head += n;
  return n;
}

/* Copies `n` bytes starting `skip` bytes after the tail, without consuming. */
uint32_t ring_peek(const ring_t* r, uint8_t* dst, uint32_t n, uint32_t skip) {
  const uint32_t used = ring_used(r);
  if (skip >= used) return 0;
  if (n > used - skip) n = used - skip;
  const uint32_t at = (r->tail + skip) & r->mask;
  const uint32_t first = (r->mask + 1 - at) < n ? (r->mask + 1 - at) : n;
  memcpy(dst, r->buf + at, first);
  memcpy(dst + first, r->buf, n - first);
  return n;
}

uint32_t ring_read(ring_t* r, uint8_t* dst, uint32_t n) {
  n = ring_peek(r, dst, n, 0);
  r->tail += n;
  return n;
}

/* Early-exit scan: the offset of the first `b` after the tail, or -1. */
int32_t ring_find(const ring_t* r, uint8_t b) {
  const uint32_t used = ring_used(r);
  for (uint32_t i = 0; i < used; ++i)
    if (r->buf[(r->tail + i) & r->mask] == b) return (int32_t)i;
  return -1;
}

/* Takes one '\n'-terminated line out (without the '\n', NUL-terminated,
 * truncated to cap - 1); 0 and nothing consumed when no line is complete. */
uint32_t ring_read_line(ring_t* r, char* line, uint32_t cap) {
  const int32_t nl = ring_find(r, '\n');
  if (nl < 0 || cap == 0) return 0;
  uint32_t keep = (uint32_t)nl < cap - 1 ? (uint32_t)nl : cap - 1;
  ring_peek(r, (uint8_t*)line, keep, 0);
  line[keep] = '\0';
  r->tail += (uint32_t)nl + 1;
  return keep;
}

void ring_flush(ring_t* r) { r->tail = r->head; }
