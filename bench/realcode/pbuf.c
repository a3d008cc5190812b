/* pbuf.c: the protobuf wire format as nanopb-style firmware codecs write it:
 * a writer and a reader over caller buffers with a sticky error, varints with
 * a 10-byte limit, zigzag for signed values, and nested messages written
 * after their length (computed by a sizing pass, so no second buffer). */
#include "pbuf.h"

#include <string.h>

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

void pb_writer_init(pb_writer_t* w, uint8_t* buf, size_t cap) {
  w->buf = buf;
  w->cap = cap;
  w->len = 0;
  w->error = 0;
}

static void put_byte(pb_writer_t* w, uint8_t b) {
  if (w->len >= w->cap) {
    w->error = 1;
    return;
  }
  w->buf[w->len++] = b;
}

void pb_put_varint(pb_writer_t* w, uint64_t v) {
  while (v >= 0x80) {
    put_byte(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  put_byte(w, (uint8_t)v);
}

size_t pb_varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void pb_put_tag(pb_writer_t* w, uint32_t field, uint32_t wire) { pb_put_varint(w, (uint64_t)field << 3 | wire); }

void pb_put_fixed32(pb_writer_t* w, uint32_t v) {
  for (int i = 0; i < 4; ++i) put_byte(w, (uint8_t)(v >> (8 * i)));
}

void pb_put_bytes(pb_writer_t* w, uint32_t field, const void* p, size_t n) {
  pb_put_tag(w, field, WT_LEN);
  pb_put_varint(w, n);
  if (w->len + n > w->cap) {
    w->error = 1;
    return;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static uint32_t zigzag(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }
static int32_t unzigzag(uint32_t v) { return (int32_t)(v >> 1) ^ -(int32_t)(v & 1); }

void pb_reader_init(pb_reader_t* r, const uint8_t* buf, size_t len) {
  r->buf = buf;
  r->len = len;
  r->pos = 0;
  r->error = 0;
}

uint64_t pb_get_varint(pb_reader_t* r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (r->pos >= r->len) break;
    const uint8_t b = r->buf[r->pos++];
    v |= (uint64_t)(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
  }
  r->error = 1; /* truncated, or longer than 10 bytes */
  return 0;
}

uint32_t pb_get_fixed32(pb_reader_t* r) {
  if (r->len - r->pos < 4 || r->pos > r->len) {
    r->error = 1;
    return 0;
  }
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= (uint32_t)r->buf[r->pos++] << (8 * i);
  return v;
}

int pb_skip(pb_reader_t* r, uint32_t wire) {
  switch (wire) {
    case WT_VARINT:
      pb_get_varint(r);
      break;
    case WT_I64:
      pb_get_fixed32(r);
      pb_get_fixed32(r);
      break;
    case WT_LEN: {
      const uint64_t n = pb_get_varint(r);
      if (n > r->len - r->pos)
        r->error = 1;
      else
        r->pos += (size_t)n;
      break;
    }
    case WT_I32:
      pb_get_fixed32(r);
      break;
    default:
      r->error = 1;
  }
  return !r->error;
}

static size_t header_size(const tlm_header_t* h) {
  return 1 + pb_varint_size(h->node_id) + 1 + pb_varint_size(h->sequence) + 1 + pb_varint_size(h->priority);
}

static size_t sample_size(const tlm_sample_t* s) {
  return 1 + pb_varint_size(zigzag(s->value)) + 1 + pb_varint_size(s->timestamp) + 1 + pb_varint_size(s->channel);
}

/* Fields: 1 header (message), 2 name (string), 3 samples (repeated message),
 * 4 checksum (fixed32). */
size_t tlm_encode(const tlm_message_t* m, uint8_t* buf, size_t cap) {
  pb_writer_t w;
  pb_writer_init(&w, buf, cap);
  pb_put_tag(&w, 1, WT_LEN);
  pb_put_varint(&w, header_size(&m->header));
  pb_put_tag(&w, 1, WT_VARINT);
  pb_put_varint(&w, m->header.node_id);
  pb_put_tag(&w, 2, WT_VARINT);
  pb_put_varint(&w, m->header.sequence);
  pb_put_tag(&w, 3, WT_VARINT);
  pb_put_varint(&w, m->header.priority);
  const size_t nl = strlen(m->name);
  if (nl) pb_put_bytes(&w, 2, m->name, nl);
  for (uint32_t i = 0; i < m->nsamples && i < TLM_MAX_SAMPLES; ++i) {
    const tlm_sample_t* s = &m->samples[i];
    pb_put_tag(&w, 3, WT_LEN);
    pb_put_varint(&w, sample_size(s));
    pb_put_tag(&w, 1, WT_VARINT);
    pb_put_varint(&w, zigzag(s->value));
    pb_put_tag(&w, 2, WT_VARINT);
    pb_put_varint(&w, s->timestamp);
    pb_put_tag(&w, 3, WT_VARINT);
    pb_put_varint(&w, s->channel);
  }
  pb_put_tag(&w, 4, WT_I32);
  pb_put_fixed32(&w, m->checksum);
  return w.error ? 0 : w.len;
}

static int decode_header(tlm_header_t* h, pb_reader_t* r) {
  while (r->pos < r->len && !r->error) {
    const uint64_t key = pb_get_varint(r);
    const uint32_t field = (uint32_t)(key >> 3), wire = (uint32_t)(key & 7);
    if (field == 1 && wire == WT_VARINT)
      h->node_id = (uint32_t)pb_get_varint(r);
    else if (field == 2 && wire == WT_VARINT)
      h->sequence = (uint32_t)pb_get_varint(r);
    else if (field == 3 && wire == WT_VARINT)
      h->priority = (uint8_t)pb_get_varint(r);
    else if (!pb_skip(r, wire))
      return -1;
  }
  return r->error ? -1 : 0;
}

static int decode_sample(tlm_sample_t* s, pb_reader_t* r) {
  while (r->pos < r->len && !r->error) {
    const uint64_t key = pb_get_varint(r);
    const uint32_t field = (uint32_t)(key >> 3), wire = (uint32_t)(key & 7);
    if (field == 1 && wire == WT_VARINT)
      s->value = unzigzag((uint32_t)pb_get_varint(r));
    else if (field == 2 && wire == WT_VARINT)
      s->timestamp = (uint32_t)pb_get_varint(r);
    else if (field == 3 && wire == WT_VARINT)
      s->channel = (uint8_t)pb_get_varint(r);
    else if (!pb_skip(r, wire))
      return -1;
  }
  return r->error ? -1 : 0;
}

/* A sub-reader over the next length-delimited field. */
static int sub(pb_reader_t* r, pb_reader_t* inner) {
  const uint64_t n = pb_get_varint(r);
  if (r->error || n > r->len - r->pos) return -1;
  pb_reader_init(inner, r->buf + r->pos, (size_t)n);
  r->pos += (size_t)n;
  return 0;
}

/* Returns 0, or -1 on malformed input (the message may be partly filled). */
int tlm_decode(tlm_message_t* m, const uint8_t* buf, size_t len) {
  pb_reader_t r, inner;
  memset(m, 0, sizeof *m);
  pb_reader_init(&r, buf, len);
  while (r.pos < r.len) {
    const uint64_t key = pb_get_varint(&r);
    if (r.error) return -1;
    const uint32_t field = (uint32_t)(key >> 3), wire = (uint32_t)(key & 7);
    if (field == 1 && wire == WT_LEN) {
      if (sub(&r, &inner) || decode_header(&m->header, &inner)) return -1;
    } else if (field == 2 && wire == WT_LEN) {
      if (sub(&r, &inner) || inner.len > TLM_NAME_MAX) return -1;
      memcpy(m->name, inner.buf, inner.len);
      m->name[inner.len] = '\0';
    } else if (field == 3 && wire == WT_LEN) {
      if (m->nsamples == TLM_MAX_SAMPLES) return -1;
      if (sub(&r, &inner) || decode_sample(&m->samples[m->nsamples], &inner)) return -1;
      m->nsamples++;
    } else if (field == 4 && wire == WT_I32) {
      m->checksum = pb_get_fixed32(&r);
    } else if (!pb_skip(&r, wire)) {
      return -1;
    }
    if (r.error) return -1;
  }
  return 0;
}
