// The relay's CCSDS framer (apps/relay/ccsds.h) against a reference framer
// written here independently (whole-stream, bitwise CRC): on generated
// streams of good packets of many lengths and APIDs, corrupted CRCs, bad
// headers, garbage between packets, partial markers and good packets hidden
// inside failed candidates, the native build and the dissolved wasm module on
// the emulated core report every packet and every count as the reference does.
#include "ccsds.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <set>

#include "base/tools.h"
#include "compose/compose.h"
#include "dissolve/dissolve.h"
#include "emu/cortexm.h"
#include "prove/prove.h"
#include "prove_support.h"
#include "support.h"
#include "wasm/module.h"

namespace gust::test {
namespace {

constexpr uint32_t kMaxPacket = 256;
constexpr uint8_t kSync[4] = {0x1A, 0xCF, 0xFC, 0x1D};

struct Seen {
  uint32_t event, apid, seq, len;
  bool operator==(const Seen&) const = default;
};
struct Outcome {
  std::vector<Seen> packets;
  uint32_t ok = 0, bad = 0, resync = 0;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << (s.event == ccsds::kGood ? "ok" : "bad-crc") << " apid=" << s.apid << " seq=" << s.seq
            << " len=" << s.len;
}

uint16_t crc_bitwise(const uint8_t* p, size_t n) {
  uint16_t crc = 0xFFFF;
  for (size_t i = 0; i < n; ++i) {
    crc ^= uint16_t(p[i] << 8);
    for (int k = 0; k < 8; ++k) crc = (crc & 0x8000) ? uint16_t(crc << 1 ^ 0x1021) : uint16_t(crc << 1);
  }
  return crc;
}

// The rules, read straight off the stream: at each position, a marker, a
// header that fits them, and a CRC; on any failure the next position.
Outcome reference(const Bytes& s) {
  Outcome o;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t k = 0;
    while (k < 4 && pos + k < s.size() && s[pos + k] == kSync[k]) ++k;
    if (k < 4 && pos + k == s.size()) break;  // a marker's prefix at the end: undecided
    if (k < 4) {
      ++pos;
      continue;
    }
    if (pos + 10 > s.size()) break;
    const uint8_t* h = &s[pos + 4];
    const uint32_t total = 6 + (uint32_t(h[4]) << 8 | h[5]) + 1;
    if ((h[0] >> 5) != 0 || total > kMaxPacket || total < 8) {
      ++o.resync;
      ++pos;
      continue;
    }
    if (pos + 4 + total > s.size()) break;
    const uint32_t apid = (uint32_t(h[0]) << 8 | h[1]) & 0x7FF, seq = (uint32_t(h[2]) << 8 | h[3]) & 0x3FFF;
    const uint16_t sent = uint16_t(h[total - 2] << 8 | h[total - 1]);
    if (crc_bitwise(h, total - 2) == sent) {
      o.packets.push_back({ccsds::kGood, apid, seq, total});
      ++o.ok;
      pos += 4 + total;
    } else {
      o.packets.push_back({ccsds::kBadCrc, apid, seq, total});
      ++o.bad;
      ++pos;
    }
  }
  return o;
}

// A packet with its marker: total length `total` (8..), any APID and count.
Bytes packet(std::mt19937& rng, uint32_t total, bool good_crc = true, uint32_t version = 0) {
  Bytes p(kSync, kSync + 4);
  const uint32_t apid = rng() & 0x7FF, seq = rng() & 0x3FFF, dl = total - 7;
  p.insert(p.end(), {uint8_t(version << 5 | (rng() & 0x18) | apid >> 8), uint8_t(apid),
                     uint8_t((rng() & 0xC0) | seq >> 8), uint8_t(seq), uint8_t(dl >> 8), uint8_t(dl)});
  for (uint32_t i = 0; i < total - 8; ++i) p.push_back(uint8_t(rng()));
  uint16_t crc = crc_bitwise(&p[4], total - 2);
  if (!good_crc) crc ^= uint16_t(1u << (rng() % 16));
  p.push_back(uint8_t(crc >> 8));
  p.push_back(uint8_t(crc));
  return p;
}

// Every situation the framer must get through, mixed at random.
Bytes stream(uint32_t seed, size_t pieces) {
  std::mt19937 rng(seed);
  Bytes s;
  auto add = [&](const Bytes& b) { s.insert(s.end(), b.begin(), b.end()); };
  for (size_t i = 0; i < pieces; ++i) {
    switch (rng() % 9) {
      case 0:
      case 1:
      case 2:
        add(packet(rng, 8 + rng() % (kMaxPacket - 7)));
        break;
      case 3:
        add(packet(rng, 8 + rng() % 16));  // short ones, many of them
        break;
      case 4:
        add(packet(rng, 8 + rng() % (kMaxPacket - 7), false));
        break;
      case 5: {  // a bad header: version, a length over the maximum, a data field too short for its CRC
        const uint32_t kind = rng() % 3;
        Bytes p = packet(rng, 8 + rng() % 40, true, kind == 0 ? 1 + rng() % 7 : 0);
        if (kind == 1) p[8] = uint8_t(1 + rng() % 255);  // data length >= 256
        if (kind == 2) p[8] = p[9] = 0;
        add(p);
        break;
      }
      case 6: {  // garbage, with marker prefixes in it
        for (uint32_t n = rng() % 20; n > 0; --n) s.push_back(uint8_t(rng()));
        add(Bytes(kSync, kSync + 1 + rng() % 3));
        break;
      }
      case 7: {  // a candidate claiming a long packet, with a good one inside it
        Bytes outer = packet(rng, 60 + rng() % 150, false);
        Bytes inner = packet(rng, 8 + rng() % 40);
        std::copy(inner.begin(), inner.end(), outer.begin() + 10 + rng() % 8);
        add(outer);
        break;
      }
      default: {  // a truncated packet, then a good one
        Bytes p = packet(rng, 20 + rng() % 100);
        p.resize(10 + rng() % (p.size() - 10));
        add(p);
        add(packet(rng, 8 + rng() % 60));
      }
    }
  }
  return s;
}

Outcome native(const Bytes& s) {
  auto framer = std::make_unique<ccsds::Framer<kMaxPacket>>();
  Outcome o;
  for (uint8_t b : s) {
    EXPECT_TRUE(framer->push(b));
    ccsds::Packet p;
    for (ccsds::Event e; (e = framer->poll(p)) != ccsds::kNone;) o.packets.push_back({e, p.apid, p.seq, p.len});
  }
  o.ok = framer->ok();
  o.bad = framer->bad();
  o.resync = framer->resync();
  return o;
}

void expect_same(const Outcome& got, const Outcome& want, const std::string& what) {
  ASSERT_EQ(got.packets.size(), want.packets.size()) << what;
  for (size_t i = 0; i < want.packets.size(); ++i)
    ASSERT_EQ(got.packets[i], want.packets[i]) << what << ", packet " << i;
  EXPECT_EQ(got.ok, want.ok) << what;
  EXPECT_EQ(got.bad, want.bad) << what;
  EXPECT_EQ(got.resync, want.resync) << what;
}

TEST(Ccsds, CrcIsCcittFalse) {
  const char* check = "123456789";
  uint16_t crc = 0xFFFF;
  for (const char* c = check; *c; ++c) crc = ccsds::crc16_update(crc, uint8_t(*c));
  EXPECT_EQ(crc, 0x29B1);
  EXPECT_EQ(crc_bitwise(reinterpret_cast<const uint8_t*>(check), 9), 0x29B1);
}

TEST(Ccsds, TheStreamsHoldEveryCase) {
  const Outcome o = reference(stream(1, 400));
  EXPECT_GT(o.ok, 100u);
  EXPECT_GT(o.bad, 20u);
  EXPECT_GT(o.resync, 20u);
  std::set<uint32_t> lengths;
  for (const auto& p : o.packets) lengths.insert(p.len);
  EXPECT_GT(lengths.size(), 100u) << "packets of many lengths";
  EXPECT_TRUE(lengths.count(8)) << "the shortest packet";
}

TEST(Ccsds, NativeFramerMatchesTheReference) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    const Bytes s = stream(seed, 60);
    expect_same(native(s), reference(s), "seed " + std::to_string(seed));
  }
}

TEST(Ccsds, OneCorruptedPacketNeverSwallowsTheNext) {
  std::mt19937 rng(7);
  Bytes outer = packet(rng, 200, false), inner = packet(rng, 30);
  std::copy(inner.begin(), inner.end(), outer.begin() + 12);
  outer.insert(outer.end(), inner.begin(), inner.end());
  const Outcome o = native(outer);
  ASSERT_EQ(o.packets.size(), 3u);
  EXPECT_EQ(o.packets[0].event, ccsds::kBadCrc);
  EXPECT_EQ(o.packets[1].event, ccsds::kGood);
  EXPECT_EQ(o.packets[1].len, 30u);
  EXPECT_EQ(o.packets[2], o.packets[1]);
}

// The relay harness, built as gust builds a node's modules (with a
// shadow stack for its byte arrays).
const wasm::Module& framer_proofs() {
  static const wasm::Module m = module_from_cpp(
      "apps/relay/proofs.cpp", "ccsds-proofs",
      {"-Wl,--allow-undefined", "-Wl,-z,stack-size=256", "-I", (source_root() / "apps/relay").string()});
  return m;
}

prove::Options framer_prove_options(const std::string& harness) {
  prove::Options o = prove_options();
  o.unwind = 300;  // the candidate loops run up to the bytes pushed, no more
  o.env.memory_bytes = 1024;
  o.harnesses = {"gust_proof_" + harness};
  return o;
}

// The shipped framer's proofs, each over its bounded stream.
class CcsdsProof : public ::testing::TestWithParam<const char*> {};

TEST_P(CcsdsProof, SucceedsOnTheShippedFramer) {
  const wasm::Module framer = module_from_cpp("apps/relay/framer.cpp", "ccsds-framer");
  auto vs = prove::prove(framer_proofs(), &framer, framer_prove_options(GetParam()));
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].status, prove::Verdict::Successful) << vs[0].text();
}

INSTANTIATE_TEST_SUITE_P(Framer, CcsdsProof,
                         ::testing::Values("framer_good_only_with_its_crc", "framer_never_traps_on_any_bytes",
                                           "framer_resumes_after_a_rejected_header"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

TEST(CcsdsMutant, AFramerThatSkipsTheCrcFailsTheCrcProof) {
  const wasm::Module mutant =
      module_from_cpp("apps/relay/framer.cpp", "ccsds-mutant", {"-DCCSDS_MUTANT_CRC_UNCHECKED"});
  auto vs = prove::prove(framer_proofs(), &mutant, framer_prove_options("framer_good_only_with_its_crc"));
  ASSERT_EQ(vs.size(), 1u);
  const prove::Verdict& v = vs[0];
  ASSERT_EQ(v.status, prove::Verdict::Failed) << v.text();
  EXPECT_EQ(v.assertion, 3u) << "a good packet reported whose CRC does not match: " << v.text();
}

// The module that ships, dissolved and run on the emulated core.
class CcsdsEmu : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir = scratch("ccsds-emu");
    auto c = compose::compile_driver(source_root() / "apps/relay/framer.cpp", dir / "framer.wasm", 0);
    ASSERT_TRUE(c) << c.error().str();
    auto m = wasm::decode(read_file(dir / "framer.wasm"));
    ASSERT_TRUE(m) << m.error().str();
    dissolve::Options opts;
    opts.memory_bytes = 1024;
    auto out = dissolve::dissolve(*m, opts);
    ASSERT_TRUE(out) << out.error().str();
    std::ofstream(dir / "framer.o", std::ios::binary)
        .write(reinterpret_cast<const char*>(out->object.data()), std::streamsize(out->object.size()));
    auto cpu = emu::CortexM::load({dir / "framer.o"}, dir);
    ASSERT_TRUE(cpu) << cpu.error().str();
    cpu_ = std::move(*cpu).release();
  }
  static void TearDownTestSuite() { delete cpu_; }

  static uint32_t call(const std::string& fn, const std::vector<uint32_t>& args = {}) {
    auto r = cpu_->call(fn, args);
    EXPECT_TRUE(r.ok) << fn << ": " << r.fault;
    return r.r0;
  }
  static Outcome run(const Bytes& s) {
    Outcome o;
    for (uint8_t b : s) {
      EXPECT_EQ(call("ccsds_push", {b}), 1u);
      for (uint32_t e; (e = call("ccsds_poll")) != ccsds::kNone;)
        o.packets.push_back({e, call("ccsds_apid"), call("ccsds_seq"), call("ccsds_len")});
    }
    o.ok = call("ccsds_ok");
    o.bad = call("ccsds_bad");
    o.resync = call("ccsds_resync");
    return o;
  }
  static emu::CortexM* cpu_;
};
emu::CortexM* CcsdsEmu::cpu_ = nullptr;

TEST_F(CcsdsEmu, DissolvedFramerMatchesTheReference) {
  // One framer for the whole run, as on the node: the streams follow each
  // other, so the reference sees them joined.
  Bytes all;
  for (uint32_t seed = 1000; seed < 1008; ++seed) {
    const Bytes s = stream(seed, 40);
    all.insert(all.end(), s.begin(), s.end());
  }
  expect_same(run(all), reference(all), "8 streams joined");
}

// The relay node in QEMU (nodes/f100-relay.toml): a generated stream fed to
// USART2 through the wasm handler and the proven ring, framed by the wasm
// framer; every line the node prints on USART1, and its final counts, are
// the reference framer's. QEMU's USART holds a byte until DR is read, so
// nothing overruns: the run ends at "overrun=0", the counts line's last field
// (--expect matches as the line arrives, so nothing before it is cut).
void relay_in_qemu(const std::string& mode) {
  const fs::path dir = scratch("ccsds-relay" + mode);
  Bytes all;
  for (uint32_t seed = 3000; seed < 3004; ++seed) {
    const Bytes s = stream(seed, 30);
    all.insert(all.end(), s.begin(), s.end());
  }
  std::ofstream(dir / "stream.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(all.data()), std::streamsize(all.size()));
  auto r = base::run_tool({GUST_BINARY, "run", mode, (source_root() / "nodes" / "f100-relay.toml").string(), "--input",
                           "usart2=" + (dir / "stream.bin").string(), "--expect", "overrun=0", "--timeout", "120",
                           "--out", (dir / "nodes").string()});
  ASSERT_EQ(r.status, 0) << r.output;
  const Outcome want = reference(all);
  std::vector<std::string> lines;
  std::string line;
  for (char c : r.output) {
    if (c == '\r') continue;
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) lines.push_back(line);
  auto banner = std::find(lines.begin(), lines.end(), "gust-relay");
  ASSERT_NE(banner, lines.end()) << r.output;
  std::vector<std::string> got_pkts;
  std::string counts;
  for (auto it = banner + 1; it != lines.end(); ++it) {
    if (it->rfind("pkt ", 0) == 0) got_pkts.push_back(*it);
    if (it->rfind("ccsds: ", 0) == 0) counts = *it;
  }
  ASSERT_EQ(got_pkts.size(), want.packets.size()) << r.output;
  for (size_t i = 0; i < want.packets.size(); ++i) {
    const Seen& p = want.packets[i];
    char expect[96];
    snprintf(expect, sizeof expect, "pkt apid=0x%03x seq=%u len=%u %s", p.apid, p.seq, p.len,
             p.event == ccsds::kGood ? "ok" : "bad-crc");
    ASSERT_EQ(got_pkts[i], expect) << "packet " << i;
  }
  char expect[96];
  snprintf(expect, sizeof expect, "ccsds: ok=%u bad=%u resync=%u overrun=0", want.ok, want.bad, want.resync);
  EXPECT_EQ(counts, expect);
  EXPECT_GT(want.ok, 20u);
  EXPECT_GT(want.bad, 3u);
  EXPECT_GT(want.resync, 3u);
}

TEST(CcsdsRelay, TheNodeInQemuPrintsWhatTheReferenceFrames) { relay_in_qemu("--separate"); }

// The same with the app and its three instances dissolved into one object.
TEST(CcsdsRelay, TheFusedNodeInQemuPrintsWhatTheReferenceFrames) { relay_in_qemu("--fuse"); }

}  // namespace
}  // namespace gust::test
