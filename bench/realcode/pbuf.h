/* pbuf.h: a protobuf-style wire codec (varints, zigzag, fixed32,
 * length-delimited) for one telemetry message with nested structs. */
#ifndef PBUF_H
#define PBUF_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint8_t* buf;
  size_t cap, len;
  int error;
} pb_writer_t;

typedef struct {
  const uint8_t* buf;
  size_t len, pos;
  int error;
} pb_reader_t;

#define TLM_MAX_SAMPLES 8
#define TLM_NAME_MAX 16

typedef struct {
  uint32_t node_id;
  uint32_t sequence;
  uint8_t priority;
} tlm_header_t;

typedef struct {
  int32_t value; /* zigzag on the wire */
  uint32_t timestamp;
  uint8_t channel;
} tlm_sample_t;

typedef struct {
  tlm_header_t header;
  char name[TLM_NAME_MAX + 1];
  uint32_t nsamples;
  tlm_sample_t samples[TLM_MAX_SAMPLES];
  uint32_t checksum; /* fixed32 */
} tlm_message_t;

void pb_writer_init(pb_writer_t* w, uint8_t* buf, size_t cap);
void pb_put_varint(pb_writer_t* w, uint64_t v);
void pb_put_tag(pb_writer_t* w, uint32_t field, uint32_t wire);
void pb_put_fixed32(pb_writer_t* w, uint32_t v);
void pb_put_bytes(pb_writer_t* w, uint32_t field, const void* p, size_t n);
void pb_reader_init(pb_reader_t* r, const uint8_t* buf, size_t len);
uint64_t pb_get_varint(pb_reader_t* r);
uint32_t pb_get_fixed32(pb_reader_t* r);
int pb_skip(pb_reader_t* r, uint32_t wire);
size_t tlm_encode(const tlm_message_t* m, uint8_t* buf, size_t cap);
int tlm_decode(tlm_message_t* m, const uint8_t* buf, size_t len);
size_t pb_varint_size(uint64_t v);
#endif
