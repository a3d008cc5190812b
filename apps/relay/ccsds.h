// The CCSDS space-packet framer of the relay node: finds packets in a byte
// stream by their attached sync marker, checks each header and CRC, and
// counts what it rejects. Freestanding C++ (no headers beyond <stdint.h>),
// built into wasm for the node and natively for the reference tests.
//
// The stream (CCSDS 131.0-B / 133.0-B): 1A CF FC 1D, then a 6-byte primary
// header (version 3 bits, must be 0; type; secondary-header flag; APID 11
// bits; sequence flags 2 bits; sequence count 14 bits; data length 16 bits =
// data-field bytes - 1), then the data field, whose last two bytes are the
// CRC-16/CCITT-FALSE of every packet byte before them, big-endian. A packet's
// total length is 6 + data length + 1 bytes.
//
// A header is rejected (a "resync") when its version is not 0, when the total
// length exceeds MaxLen, or when the data field is too short to hold the CRC.
// After a rejected header or a bad CRC the search resumes at the byte after
// the failed marker's first byte, so a corrupted packet never swallows the
// good one that follows it. The marker's other bytes (CF FC 1D) cannot start
// a marker, so that search begins at the failed header's first byte, which
// the framer still holds: it keeps the candidate's bytes until it decides.
//
// Written for the prover as much as for the core: the marker search is
// branch-free (a select per byte), so a proof over n arbitrary bytes follows
// a path per place a marker can start, not one per byte value.
#pragma once
#include <stdint.h>

namespace ccsds {

constexpr uint8_t kMarker[4] = {0x1A, 0xCF, 0xFC, 0x1D};
constexpr uint32_t kMarkerBytes = 4, kHeaderBytes = 6, kCrcBytes = 2;
constexpr uint32_t kMinPacket = kHeaderBytes + kCrcBytes;  // a data field of just the CRC

enum Event : uint32_t { kNone = 0, kGood = 1, kBadCrc = 2 };

// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, unreflected, no final XOR),
// a bit at a time and branch-free: no table in memory, and no path per bit
// in a proof.
inline uint16_t crc16_update(uint16_t crc, uint8_t byte) {
  uint32_t c = crc ^ uint32_t(byte) << 8;
  for (int k = 0; k < 8; ++k) c = (c << 1) ^ (0x1021u & (0u - (c >> 15 & 1)));
  return uint16_t(c);
}

struct Packet {
  uint32_t apid = 0, seq = 0, len = 0;  // len: the total packet length, header included
};

template <uint32_t MaxLen>
class Framer {
 public:
  static_assert(MaxLen >= kMinPacket && MaxLen <= 65536 + kHeaderBytes, "a packet length CCSDS can express");
  // Room for the longest candidate (its marker is not kept) and one byte more.
  static constexpr uint32_t kCapacity = MaxLen + 1;

  // Appends a byte; false (and the byte is not taken) when the buffer is
  // full, which happens only if poll() was not called since the last push.
  bool push(uint8_t byte) {
    if (count_ == kCapacity) return false;
    buf_[wrap(start_ + count_)] = byte;
    ++count_;
    return true;
  }

  // Works through the buffered bytes until a packet ends (kGood, kBadCrc,
  // with its fields in `out`) or more bytes are needed (kNone). Call it after
  // every push until it returns kNone: one byte can end several packets, when
  // a failed candidate gives back bytes that hold a whole packet.
  Event poll(Packet& out) {
    for (;;) {
      if (!collecting_) {
        if (count_ == 0) return kNone;
        // How many marker bytes the stream's last bytes match. The marker has
        // no proper prefix that is also a suffix, so a mismatch falls back to
        // "this byte starts a marker" or nothing.
        const uint8_t b = at(0);
        drop(1);
        const uint32_t expected = kMarkerWord >> (8 * matched_) & 0xFF;
        matched_ = b == expected ? matched_ + 1 : uint32_t(b == kMarker[0]);
        collecting_ = matched_ == kMarkerBytes;
        matched_ = collecting_ ? 0 : matched_;
        continue;
      }
      // Collecting: the candidate's bytes after its marker, from buf_[start_].
      if (count_ < kHeaderBytes) return kNone;
      const uint32_t total = kHeaderBytes + (uint32_t(at(4)) << 8 | at(5)) + 1;
      if ((at(0) >> 5) != 0 || total > MaxLen || total < kMinPacket) {
        ++resync_;
        collecting_ = false;  // hunt again from the header's first byte
        continue;
      }
      if (count_ < total) return kNone;
      uint16_t crc = 0xFFFF;
      for (uint32_t i = 0; i < total - kCrcBytes; ++i) crc = crc16_update(crc, at(i));
      const uint32_t sent = uint32_t(at(total - 2)) << 8 | at(total - 1);
      out.apid = (uint32_t(at(0)) << 8 | at(1)) & 0x7FF;
      out.seq = (uint32_t(at(2)) << 8 | at(3)) & 0x3FFF;
      out.len = total;
      collecting_ = false;
#ifdef CCSDS_MUTANT_CRC_UNCHECKED
      const bool good = true;  // the mutant that the CRC proof must catch
#else
      const bool good = crc == sent;
#endif
      if (good) {
        ++ok_;
        drop(total);
        return kGood;
      }
      ++bad_;  // its bytes stay, to be hunted through again
      return kBadCrc;
    }
  }

  uint32_t ok() const { return ok_; }
  uint32_t bad() const { return bad_; }        // packets whose CRC did not match
  uint32_t resync() const { return resync_; }  // headers rejected
  uint32_t buffered() const { return count_; }

 private:
  static constexpr uint32_t kMarkerWord =
      uint32_t(kMarker[0]) | uint32_t(kMarker[1]) << 8 | uint32_t(kMarker[2]) << 16 | uint32_t(kMarker[3]) << 24;
  static uint32_t wrap(uint32_t i) { return i >= kCapacity ? i - kCapacity : i; }
  uint8_t at(uint32_t i) const { return buf_[wrap(start_ + i)]; }
  void drop(uint32_t n) {
    start_ = wrap(start_ + n);
    count_ -= n;
  }

  uint8_t buf_[kCapacity] = {};
  uint32_t start_ = 0, count_ = 0;  // count_ bytes from buf_[start_], wrapping
  uint32_t matched_ = 0;            // while hunting: marker bytes matched so far
  bool collecting_ = false;         // a marker was found; buf_ holds what follows it
  uint32_t ok_ = 0, bad_ = 0, resync_ = 0;
};

}  // namespace ccsds
