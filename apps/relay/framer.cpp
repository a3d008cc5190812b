// The relay node's framer as a wasm module's exports: one Framer over the
// relay's 256-byte maximum packet, fed a byte at a time. The app (and the
// proofs, and the emulated-core tests) drive it through these.
#include "ccsds.h"

#ifndef CCSDS_MAX_PACKET
#define CCSDS_MAX_PACKET 256
#endif

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))

namespace {
ccsds::Framer<CCSDS_MAX_PACKET> framer;  // constant-initialised: no constructor runs
ccsds::Packet last;
}  // namespace

// 1 when the byte was taken, 0 when the caller must poll first.
EXPORT(ccsds_push) uint32_t ccsds_push(uint32_t byte) { return framer.push(uint8_t(byte)); }
// A ccsds::Event; the packet's fields stay readable until the next poll.
EXPORT(ccsds_poll) uint32_t ccsds_poll() { return framer.poll(last); }
EXPORT(ccsds_apid) uint32_t ccsds_apid() { return last.apid; }
EXPORT(ccsds_seq) uint32_t ccsds_seq() { return last.seq; }
EXPORT(ccsds_len) uint32_t ccsds_len() { return last.len; }
EXPORT(ccsds_ok) uint32_t ccsds_ok() { return framer.ok(); }
EXPORT(ccsds_bad) uint32_t ccsds_bad() { return framer.bad(); }
EXPORT(ccsds_resync) uint32_t ccsds_resync() { return framer.resync(); }
EXPORT(ccsds_buffered) uint32_t ccsds_buffered() { return framer.buffered(); }
