// The Thumb-2 decoder against arm-none-eabi-as: each row is one instruction
// as written in assembly and what the decoder must say about it, side by side.
// The rows are assembled into one object, in order, and decoded back.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/tools.h"
#include "image/elf.h"
#include "image/thumb.h"
#include "support.h"

namespace gust::image {
namespace {

struct Row {
  const char* assembly;
  const char* expect;  // see summary()
};

// The decoder's verdict in one line: class, flow, size, then what applies,
// addresses relative to the instruction ("+8").
std::string summary(const Insn& in) {
  static const char* flows[] = {"next", "jump", "cond", "call", "icall", "ijump", "ret", "trap"};
  std::ostringstream s;
  s << op_name(in.op) << " " << flows[int(in.flow)] << " " << int(in.size);
  auto rel = [&](uint32_t a) {
    const int32_t d = int32_t(a - in.addr);
    return (d >= 0 ? "+" : "") + std::to_string(d);
  };
  if (in.target) s << " target=" << rel(*in.target);
  if (in.literal) s << " lit=" << rel(*in.literal);
  if (in.op == Op::Bcc || in.op == Op::Cbz || in.in_it) s << " cond=" << cond_name(in.cond);
  if (in.sp_unknown) s << " sp=?";
  if (in.sp_delta) s << " sp=" << in.sp_delta;
  if (in.reglist) s << " list=0x" << std::hex << in.reglist << std::dec;
  if (in.is_store() && in.op != Op::Push) {
    s << " base=" << in.rn << " w" << int(in.width);
    if (in.reg_offset) s << " index=" << in.rm;
  }
  if (in.op == Op::Movw || in.op == Op::Movt) s << " rd=" << in.rd << " imm=0x" << std::hex << in.imm << std::dec;
  if (in.op == Op::Bx || in.op == Op::BlxReg) s << " rm=" << in.rm;
  if (in.op == Op::Ldr || in.op == Op::Mov || in.op == Op::Alu || in.op == Op::Mul || in.op == Op::Div)
    s << " w=0x" << std::hex << in.writes << std::dec;
  return s.str();
}

const Row kRows[] = {
    // ---- direct branches and calls
    {"b .+4", "b jump 2 target=+4"},
    {"b.w .+0x1000", "b jump 4 target=+4096"},
    {"b.w .-0x80000", "b jump 4 target=-524288"},
    {"beq .+8", "b<c> cond 2 target=+8 cond=eq"},
    {"bne.w .-0x2000", "b<c> cond 4 target=-8192 cond=ne"},
    {"bhi.w .+0x40000", "b<c> cond 4 target=+262144 cond=hi"},
    {"cbz r3, .+0x44", "cbz/cbnz cond 2 target=+68 cond=eq"},
    {"cbnz r0, .+4", "cbz/cbnz cond 2 target=+4 cond=ne"},
    {"bl .+0x1234", "bl call 4 target=+4660"},
    {"bl .-0x100000", "bl call 4 target=-1048576"},
    // ---- indirect branches and returns
    {"bx lr", "bx ret 2 rm=14"},
    {"bx r3", "bx ijump 2 rm=3"},
    {"blx r3", "blx icall 2 rm=3"},
    {"blx r12", "blx icall 2 rm=12"},
    {"mov pc, r2", "mov ijump 2 w=0x8000"},
    {"add pc, r1", "alu ijump 2 w=0x8000"},
    {"pop {r4, r5, pc}", "pop ret 2 sp=12 list=0x8030"},
    {"pop.w {r4-r11, pc}", "pop ret 4 sp=36 list=0x8ff0"},
    {"ldr.w pc, [sp], #4", "pop ret 4 sp=4 list=0x8000"},
    {"ldr.w pc, [r0, #4]", "ldr ijump 4 w=0x8000"},
    {"ldr pc, [pc, #8]", "ldr literal ijump 4 lit=+10"},  // at 0x3a: Align(0x3a + 4, 4) + 8
    {"ldmia.w r0, {r1, pc}", "ldm ijump 4 list=0x8002"},
    {"tbb [pc, r0]", "tbb/tbh ijump 4"},
    {"tbh [r1, r2, lsl #1]", "tbb/tbh ijump 4"},
    // ---- stack frames
    {"push {r4, lr}", "push next 2 sp=-8 list=0x4010"},
    {"push {r0-r7, lr}", "push next 2 sp=-36 list=0x40ff"},
    {"push.w {r4-r11, lr}", "push next 4 sp=-36 list=0x4ff0"},
    {"str r7, [sp, #-4]!", "push next 4 sp=-4 list=0x80"},
    {"pop {r4}", "pop next 2 sp=4 list=0x10"},
    {"ldr r7, [sp], #4", "pop next 4 sp=4 list=0x80"},
    {"sub sp, #16", "add/sub sp next 2 sp=-16"},
    {"add sp, #508", "add/sub sp next 2 sp=508"},
    {"sub.w sp, sp, #1024", "add/sub sp next 4 sp=-1024"},
    {"subw sp, sp, #1000", "add/sub sp next 4 sp=-1000"},
    {"addw sp, sp, #4095", "add/sub sp next 4 sp=4095"},
    {"add.w sp, sp, #0x10000", "add/sub sp next 4 sp=65536"},
    {"sub sp, sp, r3", "add/sub sp next 4 sp=?"},
    {"add sp, r2", "add/sub sp next 2 sp=?"},
    {"mov sp, r7", "mov next 2 sp=? w=0x2000"},
    {"strd r4, r5, [sp, #-8]!", "strd next 4 sp=-8 base=13 w8"},
    {"stmdb sp!, {r4, r5}", "push next 4 sp=-8 list=0x30"},
    {"stmdb r0!, {r4, r5}", "stm next 4 list=0x30 base=0 w4"},
    {"add r7, sp, #8", "alu next 2 w=0x80"},
    {"sub.w r0, sp, #8", "alu next 4 w=0x1"},
    // ---- literals, addresses, immediates
    {"ldr r0, [pc, #8]", "ldr literal next 2 lit=+10"},  // at 0x8a: Align(0x8a + 4, 4) + 8
    {"ldr.w r5, [pc, #-12]", "ldr literal next 4 lit=-8"},
    {"adr r1, .+8", "adr next 2 lit=+8"},
    {"movw r3, #0xbeef", "movw next 4 rd=3 imm=0xbeef"},
    {"movt r3, #0x2000", "movt next 4 rd=3 imm=0x2000"},
    {"movw r10, #0", "movw next 4 rd=10 imm=0x0"},
    {"mov.w r0, #0x00ff00ff", "mov next 4 w=0x1"},
    {"movs r0, #7", "mov next 2 w=0x1"},
    {"mov r8, r1", "mov next 2 w=0x100"},
    // ---- stores, with their base
    {"str r1, [r0]", "str next 2 base=0 w4"},
    {"strb r2, [r3, #31]", "str next 2 base=3 w1"},
    {"strh r2, [r3, r4]", "str next 2 base=3 w2 index=4"},
    {"str r0, [sp, #12]", "str next 2 base=13 w4"},
    {"str.w r1, [r9, #4095]", "str next 4 base=9 w4"},
    {"strb.w r1, [r2, #-4]", "str next 4 base=2 w1"},
    {"str.w r1, [r2, r3, lsl #2]", "str next 4 base=2 w4 index=3"},
    {"str r1, [r2], #4", "str next 4 base=2 w4"},
    {"stmia r2!, {r0, r1}", "stm next 2 list=0x3 base=2 w4"},
    {"strd r0, r1, [r2, #8]", "strd next 4 base=2 w8"},
    // ---- loads and data processing, for their writes
    {"ldr r0, [r1, #4]", "ldr next 2 w=0x1"},
    {"ldrsh.w r9, [r1, r2]", "ldr next 4 w=0x200"},
    {"ldr.w r0, [r1, #4]!", "ldr next 4 w=0x3"},
    {"pld [r0, #4]", "pld next 4"},
    {"adds r0, r1, r2", "alu next 2 w=0x1"},
    {"add.w r10, r11, r12, lsl #2", "alu next 4 w=0x400"},
    {"cmp r0, #255", "cmp next 2"},
    {"cmp.w r0, #0x1000", "cmp next 4"},
    {"tst.w r0, #47", "cmp next 4"},
    {"muls r0, r1, r0", "mul next 2 w=0x1"},
    {"umull r0, r1, r2, r3", "mul next 4 w=0x3"},
    {"udiv r0, r1, r2", "div next 4 w=0x1"},
    // ---- the multiply and divide space with LR, an ordinary register there (libgcc's __udivmoddi4)
    {"mul lr, r0, r1", "mul next 4 w=0x4000"},
    {"mla r0, lr, r1, r2", "mul next 4 w=0x1"},
    {"mls r0, r1, lr, lr", "mul next 4 w=0x1"},
    {"umull lr, r12, r0, r1", "mul next 4 w=0x5000"},
    {"umlal r4, lr, r2, lr", "mul next 4 w=0x4010"},
    {"smull r0, lr, lr, r3", "mul next 4 w=0x4001"},
    {"sdiv lr, lr, r3", "div next 4 w=0x4000"},
    {"udiv r2, r3, lr", "div next 4 w=0x4"},
    {"ubfx r0, r1, #3, #5", "alu next 4 w=0x1"},
    {"clz r0, r1", "alu next 4 w=0x1"},
    {"uxtb r0, r1", "alu next 2 w=0x1"},
    {"nop", "nop next 2"},
    {"nop.w", "nop next 4"},
    // ---- system and privileged: none may appear in dissolved code
    {"msr primask, r0", "msr next 4"},
    {"msr basepri, r1", "msr next 4"},
    {"mrs r0, control", "mrs next 4"},
    {"cpsid i", "cps next 2"},
    {"cpsie f", "cps next 2"},
    {"svc #0", "svc trap 2"},
    {"bkpt #1", "bkpt trap 2"},
    {"wfi", "wfi next 2"},
    {"wfe.w", "wfe next 4"},
    {"sev", "sev next 2"},
    {"udf #0", "undefined trap 2"},
    {"udf.w #1", "undefined trap 4"},
    {"ldrex r0, [r1]", "ldrex next 4"},
    {"ldrexb r3, [r12]", "ldrex next 4"},
    {"strex r2, r0, [r1]", "strex next 4 base=1 w4"},
    {"strex r2, r0, [r1, #8]", "strex next 4 base=1 w4"},
    {"strexh r3, r0, [r12]", "strex next 4 base=12 w2"},
    {"strexb r3, r0, [r4]", "strex next 4 base=4 w1"},
    {"clrex", "clrex next 4"},
    {"dmb", "dmb/dsb/isb next 4"},
    {"isb", "dmb/dsb/isb next 4"},
    {"mcr p15, 0, r0, c7, c5, 0", "coprocessor next 4"},
};

TEST(Thumb, DecodesWhatTheAssemblerWrote) {
  const fs::path dir = test::scratch("audit_thumb");
  std::ofstream s(dir / "rows.s");
  s << ".syntax unified\n.cpu cortex-m3\n.thumb\n.text\n";
  for (const Row& r : kRows) s << "  " << r.assembly << "\n";
  s.close();
  auto as = base::run_tool({base::tool("GUST_ARM_AS", "arm-none-eabi-as"), "-mcpu=cortex-m3", "-mthumb",
                            (dir / "rows.s").string(), "-o", (dir / "rows.o").string()});
  ASSERT_EQ(as.status, 0) << as.output;
  auto img = read_elf(dir / "rows.o");
  ASSERT_TRUE(img) << img.error().str();
  const Section* text = img->section(".text");
  ASSERT_NE(text, nullptr);
  auto insns = decode_range(std::span(img->bytes.data() + text->offset, text->size), 0);
  ASSERT_EQ(insns.size(), std::size(kRows));
  for (size_t i = 0; i < insns.size(); ++i)
    EXPECT_EQ(summary(insns[i]), kRows[i].expect) << kRows[i].assembly << "  " << describe(insns[i]);
}

// The multiply and divide space (A5.3.16-18) field by field: LR in any
// register field decodes, with its reads and writes; SP or PC there is
// UNPREDICTABLE and comes back Undefined. The assembler refuses to write
// those, so the words are made here: hw1 holds Rn in bits 3:0, hw2 Ra (or
// RdLo) in 15:12, Rd (or RdHi) in 11:8 and Rm in 3:0.
TEST(Thumb, MultiplyAndDivideTakeLrButNotSpOrPc) {
  struct Form {
    const char* name;
    uint16_t hw1;     // with Rn = 0
    uint16_t hw2;     // with every register field 0 but the fixed ones
    bool has_ra;      // bits 15:12 are a register (Ra or RdLo), not the fixed 1111
    bool ra_reads;    // that register is read (an accumulator)
    bool top_writes;  // bits 15:12 are written (RdLo), bits 11:8 too (RdHi)
    Op op;
  };
  const Form forms[] = {
      {"mul", 0xFB00, 0xF000, false, false, false, Op::Mul},  {"mla", 0xFB00, 0x0000, true, true, false, Op::Mul},
      {"mls", 0xFB00, 0x0010, true, true, false, Op::Mul},    {"smull", 0xFB80, 0x0000, true, false, true, Op::Mul},
      {"umull", 0xFBA0, 0x0000, true, false, true, Op::Mul},  {"smlal", 0xFBC0, 0x0000, true, true, true, Op::Mul},
      {"umlal", 0xFBE0, 0x0000, true, true, true, Op::Mul},   {"sdiv", 0xFB90, 0xF0F0, false, false, false, Op::Div},
      {"udiv", 0xFBB0, 0xF0F0, false, false, false, Op::Div},
  };
  // Register fields: (name, shift within hw1 or hw2, in hw1?)
  struct Field {
    const char* name;
    int shift;
    bool in_hw1;
  };
  const Field fields[] = {{"rn", 0, true}, {"rm", 0, false}, {"rd or rdhi", 8, false}, {"ra or rdlo", 12, false}};
  // The registers of a form in which every field is its own low register: Rn r1, Rm r2, Rd r3, Ra r4.
  auto word = [](const Form& f, const Field* set, int reg) {
    uint32_t h1 = f.hw1 | 1, h2 = f.hw2 | 2u | 3u << 8 | (f.has_ra ? 4u << 12 : 0);
    if (set) {
      uint32_t& h = set->in_hw1 ? h1 : h2;
      h = (h & ~(0xFu << set->shift)) | uint32_t(reg) << set->shift;
    }
    return std::pair{uint16_t(h1), uint16_t(h2)};
  };
  for (const Form& f : forms) {
    auto [h1, h2] = word(f, nullptr, 0);
    Insn plain = decode(0x100, h1, h2);
    ASSERT_EQ(plain.op, f.op) << f.name << " " << describe(plain);
    for (const Field& fl : fields) {
      if (fl.shift == 12 && !fl.in_hw1 && !f.has_ra) continue;  // the fixed 1111 of MUL, SDIV, UDIV
      auto [l1, l2] = word(f, &fl, kLR);
      Insn lr = decode(0x100, l1, l2);
      EXPECT_EQ(lr.op, f.op) << f.name << " with " << fl.name << " = lr: " << describe(lr);
      EXPECT_EQ(lr.flow, Flow::Next) << f.name;
      const bool written = (fl.shift == 8 && !fl.in_hw1) || (fl.shift == 12 && !fl.in_hw1 && f.top_writes);
      const bool read =
          fl.in_hw1 || fl.shift == 0 || (fl.shift == 12 && f.ra_reads) || (fl.shift == 8 && f.top_writes && f.ra_reads);
      EXPECT_EQ(bool(lr.writes & reg_bit(kLR)), written) << f.name << " " << fl.name;
      EXPECT_EQ(bool(lr.reads & reg_bit(kLR)), read) << f.name << " " << fl.name;
      EXPECT_FALSE(lr.writes & (reg_bit(kSP) | reg_bit(kPC))) << f.name << " " << fl.name;
      for (int bad : {kSP, kPC}) {
        if (std::string(f.name) == "mla" && fl.shift == 12 && bad == kPC) continue;  // that is MUL
        auto [b1, b2] = word(f, &fl, bad);
        EXPECT_EQ(decode(0x100, b1, b2).op, Op::Undefined) << f.name << " with " << fl.name << " = r" << bad;
      }
    }
  }
  // RdLo and RdHi the same register is UNPREDICTABLE too.
  EXPECT_EQ(decode(0x100, 0xFBA1, 0x5502).op, Op::Undefined);  // umull r5, r5, r1, r2
  EXPECT_EQ(decode(0x100, 0xFBA1, 0x5602).op, Op::Mul);        // umull r5, r6, r1, r2
}

// IT blocks: the instructions inside get the block's conditions; a branch
// inside one is conditional; a conditional return is still a return.
TEST(Thumb, TracksItBlocks) {
  // ite eq; moveq r0, #1; movne r0, #2; it ne; bne... is UNPREDICTABLE, so: it ne; bxne lr; b .
  const uint8_t code[] = {
      0x0c, 0xbf,  // ite eq
      0x01, 0x20,  // moveq r0, #1
      0x02, 0x20,  // movne r0, #2
      0x18, 0xbf,  // it ne
      0x70, 0x47,  // bxne lr
      0x08, 0xbf,  // it eq
      0xfe, 0xe7,  // beq . (B T2 inside IT)
  };
  auto insns = decode_range(code, 0x100);
  ASSERT_EQ(insns.size(), 7u);
  EXPECT_EQ(insns[1].cond, Cond::EQ);
  EXPECT_TRUE(insns[1].in_it);
  EXPECT_FALSE(insns[1].sets_flags);
  EXPECT_EQ(insns[2].cond, Cond::NE);
  EXPECT_EQ(insns[4].flow, Flow::Return);
  EXPECT_EQ(insns[4].cond, Cond::NE);
  EXPECT_EQ(insns[6].flow, Flow::CondJump);
  EXPECT_EQ(insns[6].target, 0x10Cu);
}

// A branch in the middle of an IT block, a 32-bit encoding cut off by the end
// of the code, and garbage are all Undefined, never a crash.
TEST(Thumb, RefusesWhatIsNotCode) {
  const uint8_t mid_it[] = {0x04, 0xbf, 0x70, 0x47, 0x00, 0x20};  // itt eq; bxeq lr; moveq r0, #0
  auto a = decode_range(mid_it, 0);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].op, Op::Undefined);
  const uint8_t cut[] = {0x00, 0xf0};  // the first half of a BL
  auto b = decode_range(cut, 0);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].op, Op::Undefined);
  // Every halfword pair decodes to something with a sane size.
  for (uint32_t hw1 = 0; hw1 < 0x10000; hw1 += 7) {
    Insn in = decode(0x1000, uint16_t(hw1), uint16_t(hw1 * 40503u));
    EXPECT_TRUE(in.size == 2 || in.size == 4);
    if (in.target) EXPECT_EQ(*in.target % 2, 0u);
  }
}

}  // namespace
}  // namespace gust::image
