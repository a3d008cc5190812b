// The Thumb-2 decoder for ARMv7-M: the encoding tables of the ARMv7-M
// Architecture Reference Manual (A5.2 16-bit, A5.3 32-bit), one function per
// table, so each can be read against the manual.
#include "image/thumb.h"

#include <bit>
#include <cinttypes>
#include <cstdio>

namespace gust::image {

namespace {

constexpr uint32_t bits(uint32_t v, int hi, int lo) { return (v >> lo) & ((1u << (hi - lo + 1)) - 1); }
constexpr uint32_t bit(uint32_t v, int n) { return (v >> n) & 1; }
constexpr int32_t sign_extend(uint32_t v, int width) {
  const uint32_t m = 1u << (width - 1);
  return int32_t((v ^ m) - m);
}
// The PC a Thumb instruction reads is its address + 4; literal and ADR offsets
// are from that value rounded down to a word.
constexpr uint32_t pc_of(uint32_t addr) { return addr + 4; }
constexpr uint32_t align_pc(uint32_t addr) { return (addr + 4) & ~3u; }
uint16_t regs(std::initializer_list<int> rs) {
  uint16_t m = 0;
  for (int r : rs)
    if (r >= 0) m |= reg_bit(r);
  return m;
}

// ThumbExpandImm (A5.3.2): the 12-bit modified immediate of data processing.
uint32_t expand_imm(uint32_t imm12) {
  const uint32_t imm8 = imm12 & 0xFF;
  if (bits(imm12, 11, 10) == 0) {
    switch (bits(imm12, 9, 8)) {
      case 0:
        return imm8;
      case 1:
        return imm8 << 16 | imm8;
      case 2:
        return imm8 << 24 | imm8 << 8;
      default:
        return imm8 * 0x01010101u;
    }
  }
  const uint32_t unrotated = 0x80 | (imm12 & 0x7F);
  return std::rotr(unrotated, int(bits(imm12, 11, 7)));
}

void set_undefined(Insn& in) {
  in.op = Op::Undefined;
  in.flow = Flow::Trap;
  in.reads = in.writes = 0;
}

// A load or store at [rn, #imm] with the P/U/W addressing of the imm8 forms.
void address_imm(Insn& in, int rn, int32_t offset, bool index, bool wback) {
  in.rn = rn;
  in.imm = offset;
  in.post_index = !index;
  in.writeback = wback;
  if (wback) in.writes |= reg_bit(rn);
}

// ---- 16-bit encodings (A5.2)

void shift_add_sub_mov_cmp(Insn& in, uint16_t h) {
  const uint32_t opc = bits(h, 13, 9);
  const int lo = int(bits(h, 2, 0)), mid = int(bits(h, 5, 3));
  in.sets_flags = true;
  if (opc >> 2 <= 0b010) {  // LSL/LSR/ASR #imm5 (LSL #0 is MOVS); an amount of 0 is 32 for LSR and ASR
    in.op = Op::Mov;
    in.alu = AluOp::Mov;
    in.rd = lo;
    in.rm = mid;
    in.shift_type = uint8_t(opc >> 2);
    in.shift_amount = uint8_t(bits(h, 10, 6) == 0 && opc >> 2 ? 32 : bits(h, 10, 6));
  } else if (opc == 0b01100 || opc == 0b01101) {  // ADD/SUB register
    in.op = Op::Alu;
    in.alu = opc == 0b01100 ? AluOp::Add : AluOp::Sub;
    in.rd = lo;
    in.rn = mid;
    in.rm = int(bits(h, 8, 6));
  } else if (opc == 0b01110 || opc == 0b01111) {  // ADD/SUB #imm3
    in.op = Op::Alu;
    in.alu = opc == 0b01110 ? AluOp::Add : AluOp::Sub;
    in.has_imm = true;
    in.rd = lo;
    in.rn = mid;
    in.imm = bits(h, 8, 6);
  } else {
    const int rdn = int(bits(h, 10, 8));
    in.imm = bits(h, 7, 0);
    in.has_imm = true;
    switch (opc >> 2) {
      case 0b100:  // MOV #imm8
        in.op = Op::Mov;
        in.alu = AluOp::Mov;
        in.rd = rdn;
        break;
      case 0b101:  // CMP #imm8
        in.op = Op::Cmp;
        in.alu = AluOp::Cmp;
        in.rn = rdn;
        break;
      case 0b110:  // ADD #imm8
        in.op = Op::Alu;
        in.alu = AluOp::Add;
        in.rd = in.rn = rdn;
        break;
      default:  // SUB #imm8
        in.op = Op::Alu;
        in.alu = AluOp::Sub;
        in.rd = in.rn = rdn;
        break;
    }
  }
  in.reads = regs({in.rn, in.rm});
  in.writes = regs({in.rd});
}

void data_processing16(Insn& in, uint16_t h) {
  const uint32_t opc = bits(h, 9, 6);
  const int rdn = int(bits(h, 2, 0)), rm = int(bits(h, 5, 3));
  static constexpr AluOp ops[16] = {AluOp::And, AluOp::Eor,  AluOp::Lsl, AluOp::Lsr, AluOp::Asr, AluOp::Adc,
                                    AluOp::Sbc, AluOp::Ror,  AluOp::Tst, AluOp::Rsb, AluOp::Cmp, AluOp::Cmn,
                                    AluOp::Orr, AluOp::None, AluOp::Bic, AluOp::Mvn};
  in.sets_flags = true;
  in.rm = rm;
  in.alu = ops[opc];
  switch (opc) {
    case 0b1000:  // TST
    case 0b1010:  // CMP
    case 0b1011:  // CMN
      in.op = Op::Cmp;
      in.rn = rdn;
      in.reads = regs({rdn, rm});
      return;
    case 0b1001:  // RSB rd, rn, #0
      in.op = Op::Alu;
      in.has_imm = true;
      in.rd = rdn;
      in.rn = rm;
      in.rm = -1;
      in.reads = regs({rm});
      in.writes = regs({rdn});
      return;
    case 0b1111:  // MVN
      in.op = Op::Mov;
      in.rd = rdn;
      in.reads = regs({rm});
      in.writes = regs({rdn});
      return;
    case 0b1101:  // MUL
      in.op = Op::Mul;
      break;
    default:
      in.op = Op::Alu;
      break;
  }
  in.rd = in.rn = rdn;
  in.reads = regs({rdn, rm});
  in.writes = regs({rdn});
}

void special_data_branch(Insn& in, uint16_t h) {
  const uint32_t opc = bits(h, 9, 6);
  const int rdn = int(bit(h, 7) << 3 | bits(h, 2, 0)), rm = int(bits(h, 6, 3));
  if (opc >> 2 == 0b00) {  // ADD rdn, rm (high registers)
    in.op = rdn == kSP ? Op::AddSubSp : Op::Alu;
    in.alu = AluOp::Add;
    in.sp_unknown = rdn == kSP;
    in.rd = in.rn = rdn;
    in.rm = rm;
    in.reads = regs({rdn, rm});
    in.writes = regs({rdn});
  } else if (opc == 0b0100) {
    set_undefined(in);
  } else if (opc >> 2 == 0b01) {  // CMP rn, rm (high registers)
    in.op = Op::Cmp;
    in.alu = AluOp::Cmp;
    in.sets_flags = true;
    in.rn = rdn;
    in.rm = rm;
    in.reads = regs({rdn, rm});
  } else if (opc >> 2 == 0b10) {  // MOV rd, rm (high registers)
    in.op = Op::Mov;
    in.alu = AluOp::Mov;
    in.rd = rdn;
    in.rm = rm;
    in.reads = regs({rm});
    in.writes = regs({rdn});
  } else if (bits(h, 2, 0) != 0) {
    set_undefined(in);
  } else if (bit(h, 7) == 0) {  // BX rm
    in.op = Op::Bx;
    in.rm = rm;
    in.reads = regs({rm});
    in.writes = reg_bit(kPC);
    in.flow = rm == kLR ? Flow::Return : Flow::IndirectJump;
  } else {  // BLX rm
    in.op = Op::BlxReg;
    in.rm = rm;
    in.reads = regs({rm});
    in.writes = regs({kLR, kPC});
    in.flow = Flow::IndirectCall;
    if (rm == kPC) set_undefined(in);
  }
}

void load_store16(Insn& in, uint16_t h) {
  const uint32_t opa = bits(h, 15, 12);
  const int rt = int(bits(h, 2, 0)), rn = int(bits(h, 5, 3));
  bool load = false;
  if (opa == 0b0101) {  // register offset
    static constexpr struct {
      bool load;
      uint8_t width;
    } kinds[8] = {{false, 4}, {false, 2}, {false, 1}, {true, 1}, {true, 4}, {true, 2}, {true, 1}, {true, 2}};
    const auto k = kinds[bits(h, 11, 9)];
    load = k.load;
    in.width = k.width;
    in.rn = rn;
    in.rm = int(bits(h, 8, 6));
    in.reg_offset = true;
  } else if (opa == 0b1001) {  // SP-relative word
    load = bit(h, 11);
    in.width = 4;
    in.rn = kSP;
    in.imm = bits(h, 7, 0) * 4;
    in.rd = int(bits(h, 10, 8));
  } else {  // immediate offset: word, byte, halfword
    load = bit(h, 11);
    in.width = opa == 0b0110 ? 4 : opa == 0b0111 ? 1 : 2;
    in.rn = rn;
    in.imm = int64_t(bits(h, 10, 6)) * in.width;
  }
  if (in.rd < 0) in.rd = rt;
  in.op = load ? Op::Ldr : Op::Str;
  in.reads = regs({in.rn, in.rm});
  if (load)
    in.writes = reg_bit(in.rd);
  else
    in.reads |= reg_bit(in.rd);
}

void misc16(Insn& in, uint16_t h) {
  if ((h & 0xFF00) == 0xB000) {  // ADD/SUB sp, sp, #imm7*4
    in.op = Op::AddSubSp;
    in.alu = bit(h, 7) ? AluOp::Sub : AluOp::Add;
    in.has_imm = true;
    in.rd = in.rn = kSP;
    in.imm = bits(h, 6, 0) * 4;
    in.sp_delta = int32_t(bit(h, 7) ? -in.imm : in.imm);
    in.reads = in.writes = reg_bit(kSP);
  } else if ((h & 0xF500) == 0xB100) {  // CBZ / CBNZ
    in.op = Op::Cbz;
    in.rn = int(bits(h, 2, 0));
    in.cond = bit(h, 11) ? Cond::NE : Cond::EQ;
    in.target = pc_of(in.addr) + (bit(h, 9) << 6 | bits(h, 7, 3) << 1);
    in.flow = Flow::CondJump;
    in.reads = regs({in.rn});
  } else if ((h & 0xFF00) == 0xB200) {  // SXTH, SXTB, UXTH, UXTB
    in.op = Op::Alu;
    in.alu = AluOp::Other;
    in.rd = int(bits(h, 2, 0));
    in.rm = int(bits(h, 5, 3));
    in.reads = regs({in.rm});
    in.writes = regs({in.rd});
  } else if ((h & 0xFE00) == 0xB400) {  // PUSH
    in.op = Op::Push;
    in.rn = kSP;
    in.reglist = uint16_t(bits(h, 7, 0) | (bit(h, 8) ? reg_bit(kLR) : 0));
    in.width = 4;
    in.sp_delta = -4 * std::popcount(in.reglist);
    in.writeback = true;
    in.reads = in.reglist | reg_bit(kSP);
    in.writes = reg_bit(kSP);
    if (!in.reglist) set_undefined(in);
  } else if ((h & 0xFFE0) == 0xB660) {  // CPSIE / CPSID
    in.op = Op::Cps;
  } else if ((h & 0xFF00) == 0xBA00 && bits(h, 7, 6) != 0b10) {  // REV, REV16, REVSH
    in.op = Op::Alu;
    in.alu = AluOp::Other;
    in.rd = int(bits(h, 2, 0));
    in.rm = int(bits(h, 5, 3));
    in.reads = regs({in.rm});
    in.writes = regs({in.rd});
  } else if ((h & 0xFE00) == 0xBC00) {  // POP
    in.op = Op::Pop;
    in.rn = kSP;
    in.reglist = uint16_t(bits(h, 7, 0) | (bit(h, 8) ? reg_bit(kPC) : 0));
    in.width = 4;
    in.sp_delta = 4 * std::popcount(in.reglist);
    in.writeback = true;
    in.reads = reg_bit(kSP);
    in.writes = in.reglist | reg_bit(kSP);
    if (bit(h, 8)) in.flow = Flow::Return;
    if (!in.reglist) set_undefined(in);
  } else if ((h & 0xFF00) == 0xBE00) {  // BKPT
    in.op = Op::Bkpt;
    in.imm = bits(h, 7, 0);
    in.flow = Flow::Trap;
  } else if ((h & 0xFF00) == 0xBF00) {
    if (bits(h, 3, 0) != 0) {  // IT
      in.op = Op::It;
      in.imm = bits(h, 7, 0);
      in.cond = Cond(bits(h, 7, 4));
      if (bits(h, 7, 4) == 0b1111 || (bits(h, 7, 4) == 0b1110 && std::popcount(bits(h, 3, 0)) != 1)) set_undefined(in);
    } else {
      switch (bits(h, 7, 4)) {
        case 2:
          in.op = Op::Wfe;
          break;
        case 3:
          in.op = Op::Wfi;
          break;
        case 4:
          in.op = Op::Sev;
          break;
        default:  // NOP, YIELD, and the unallocated hints, which execute as NOP
          in.op = Op::Nop;
          break;
      }
    }
  } else {
    set_undefined(in);
  }
}

void decode16(Insn& in, uint16_t h) {
  const uint32_t top6 = bits(h, 15, 10);
  if (top6 >> 4 == 0b00) {
    shift_add_sub_mov_cmp(in, h);
  } else if (top6 == 0b010000) {
    data_processing16(in, h);
  } else if (top6 == 0b010001) {
    special_data_branch(in, h);
  } else if (top6 >> 1 == 0b01001) {  // LDR rt, [pc, #imm8*4]
    in.op = Op::LdrLit;
    in.rd = int(bits(h, 10, 8));
    in.rn = kPC;
    in.imm = bits(h, 7, 0) * 4;
    in.width = 4;
    in.literal = align_pc(in.addr) + uint32_t(in.imm);
    in.writes = reg_bit(in.rd);
  } else if (top6 >> 2 == 0b0101 || top6 >> 3 == 0b011 || top6 >> 3 == 0b100) {
    load_store16(in, h);
  } else if (top6 >> 1 == 0b10100) {  // ADR rd, label
    in.op = Op::Adr;
    in.rd = int(bits(h, 10, 8));
    in.imm = bits(h, 7, 0) * 4;
    in.literal = align_pc(in.addr) + uint32_t(in.imm);
    in.writes = reg_bit(in.rd);
  } else if (top6 >> 1 == 0b10101) {  // ADD rd, sp, #imm8*4
    in.op = Op::Alu;
    in.alu = AluOp::Add;
    in.has_imm = true;
    in.rd = int(bits(h, 10, 8));
    in.rn = kSP;
    in.imm = bits(h, 7, 0) * 4;
    in.reads = reg_bit(kSP);
    in.writes = reg_bit(in.rd);
  } else if (top6 >> 2 == 0b1011) {
    misc16(in, h);
  } else if (top6 >> 2 == 0b1100) {  // STM rn!, {..} / LDM rn{!}, {..}
    const bool load = bit(h, 11);
    in.op = load ? Op::Ldm : Op::Stm;
    in.rn = int(bits(h, 10, 8));
    in.reglist = uint16_t(bits(h, 7, 0));
    in.width = 4;
    in.writeback = !load || !(in.reglist & reg_bit(in.rn));
    in.reads = reg_bit(in.rn) | (load ? 0 : in.reglist);
    in.writes = uint16_t((load ? in.reglist : 0) | (in.writeback ? reg_bit(in.rn) : 0));
    if (!in.reglist) set_undefined(in);
  } else if (top6 >> 2 == 0b1101) {
    const uint32_t cond = bits(h, 11, 8);
    if (cond == 0b1110) {  // UDF
      set_undefined(in);
      in.imm = bits(h, 7, 0);
    } else if (cond == 0b1111) {  // SVC
      in.op = Op::Svc;
      in.imm = bits(h, 7, 0);
      in.flow = Flow::Trap;
    } else {  // B<c> label
      in.op = Op::Bcc;
      in.cond = Cond(cond);
      in.target = pc_of(in.addr) + uint32_t(sign_extend(bits(h, 7, 0) << 1, 9));
      in.flow = Flow::CondJump;
    }
  } else if (top6 >> 1 == 0b11100) {  // B label
    in.op = Op::B;
    in.target = pc_of(in.addr) + uint32_t(sign_extend(bits(h, 10, 0) << 1, 12));
    in.flow = Flow::Jump;
  } else {
    set_undefined(in);
  }
  if (in.writes & reg_bit(kPC) && in.flow == Flow::Next) in.flow = Flow::IndirectJump;
}

// ---- 32-bit encodings (A5.3)

void load_store_multiple(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t opc = bits(h1, 8, 7);
  const bool load = bit(h1, 4), wback = bit(h1, 5);
  const int rn = int(bits(h1, 3, 0));
  if (opc == 0b00 || opc == 0b11 || rn == kPC) return set_undefined(in);
  const bool increment = opc == 0b01;
  in.rn = rn;
  in.reglist = h2;
  in.width = 4;
  in.writeback = wback;
  const int n = std::popcount(in.reglist);
  // DB: the registers go to the n words below rn (and rn -= 4n); imm is the lowest word's offset.
  if (!increment) in.imm = -4 * n;
  if (load) {
    in.op = wback && rn == kSP && increment ? Op::Pop : Op::Ldm;
    in.reads = reg_bit(rn);
    in.writes = uint16_t(in.reglist | (wback ? reg_bit(rn) : 0));
    if (in.reglist & reg_bit(kPC)) in.flow = in.op == Op::Pop ? Flow::Return : Flow::IndirectJump;
  } else {
    in.op = wback && rn == kSP && !increment ? Op::Push : Op::Stm;
    in.reads = uint16_t(in.reglist | reg_bit(rn));
    in.writes = wback ? reg_bit(rn) : 0;
  }
  if (rn == kSP && wback && !(load && (in.reglist & reg_bit(kSP)))) in.sp_delta = increment ? 4 * n : -4 * n;
  if (!in.reglist || (in.reglist & reg_bit(kSP)) || (!load && (in.reglist & reg_bit(kPC)))) set_undefined(in);
}

// LDREX{,B,H} rt, [rn{, #imm}] and STREX{,B,H} rd, rt, [rn{, #imm}]: the
// base, the access width, the loaded or stored register (rd here, as for LDR
// and STR) and STREX's status register (ra). SP or PC as an operand, or a
// status register that is also the base or the value, is UNPREDICTABLE.
void exclusive(Insn& in, bool load, int rn, int rt, int status, uint8_t width, int64_t imm) {
  in.rn = rn;
  in.rd = rt;
  in.width = width;
  in.imm = imm;
  if (load) {
    in.op = Op::LdrEx;
    in.reads = reg_bit(rn);
    in.writes = reg_bit(rt);
  } else {
    in.op = Op::StrEx;
    in.ra = status;
    in.reads = regs({rn, rt});
    in.writes = reg_bit(status);
  }
  for (int r : {rn, rt, load ? 0 : status})
    if (r == kSP || r == kPC) return set_undefined(in);
  if (!load && (status == rn || status == rt)) set_undefined(in);
}

void dual_exclusive_table(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t o1 = bits(h1, 8, 7), o2 = bits(h1, 5, 4), o3 = bits(h2, 7, 4);
  const int rn = int(bits(h1, 3, 0)), rt = int(bits(h2, 15, 12)), rt2 = int(bits(h2, 11, 8));
  in.rn = rn;
  if (o1 == 0b00 && o2 <= 0b01) {  // STREX rd, rt, [rn, #imm] / LDREX rt, [rn, #imm]
    if (o2 == 0b01 && rt2 != 0xF) return set_undefined(in);
    return exclusive(in, o2 == 0b01, rn, rt, rt2, 4, int64_t(bits(h2, 7, 0)) * 4);
  }
  if (o1 == 0b01 && o2 == 0b00) {  // STREXB, STREXH
    if ((o3 == 0b0100 || o3 == 0b0101) && rt2 == 0xF)
      return exclusive(in, false, rn, rt, int(bits(h2, 3, 0)), o3 == 0b0100 ? 1 : 2, 0);
    return set_undefined(in);
  }
  if (o1 == 0b01 && o2 == 0b01) {
    if (o3 <= 0b0001) {  // TBB [rn, rm] / TBH [rn, rm, lsl #1]
      in.op = Op::Tbb;
      in.rm = int(bits(h2, 3, 0));
      in.width = o3 == 0 ? 1 : 2;
      in.reads = regs({rn, in.rm});
      in.writes = reg_bit(kPC);
      in.flow = Flow::IndirectJump;
      return;
    }
    if ((o3 == 0b0100 || o3 == 0b0101) && rt2 == 0xF && bits(h2, 3, 0) == 0xF)  // LDREXB, LDREXH
      return exclusive(in, true, rn, rt, 0, o3 == 0b0100 ? 1 : 2, 0);
    return set_undefined(in);
  }
  // LDRD / STRD (immediate): P = h1[8], U = h1[7], W = h1[5].
  const bool load = bit(h1, 4), index = bit(h1, 8), wback = bit(h1, 5);
  const int32_t offset = int32_t(bits(h2, 7, 0) * 4) * (bit(h1, 7) ? 1 : -1);
  in.op = load ? Op::Ldrd : Op::Strd;
  in.rd = rt;
  in.ra = rt2;
  in.width = 8;
  address_imm(in, rn, offset, index, wback);
  if (load) {
    in.writes |= regs({rt, rt2});
    if (rn == kPC) {
      in.literal = align_pc(in.addr) + uint32_t(offset);
      in.writes &= uint16_t(~reg_bit(kPC));
    }
    in.reads |= rn == kPC ? 0 : reg_bit(rn);
  } else {
    in.reads |= regs({rn, rt, rt2});
  }
  if (rn == kSP && wback) in.sp_delta = offset;
  if (rt == kPC || rt2 == kPC || rt == kSP || rt2 == kSP || (wback && rn == kPC)) set_undefined(in);
}

// The op table shared by data processing with a shifted register (A5.3.11)
// and with a modified immediate (A5.3.1). False for an encoding not in ARMv7-M.
bool data_processing_op(Insn& in, uint32_t opc, bool s, int rn, int rd) {
  const bool test = rd == kPC && s;
  static constexpr AluOp ops[16] = {AluOp::And,  AluOp::Bic,  AluOp::Orr, AluOp::Orn,  AluOp::Eor, AluOp::None,
                                    AluOp::None, AluOp::None, AluOp::Add, AluOp::None, AluOp::Adc, AluOp::Sbc,
                                    AluOp::None, AluOp::Sub,  AluOp::Rsb, AluOp::None};
  static constexpr AluOp tests[16] = {AluOp::Tst,  AluOp::None, AluOp::None, AluOp::None, AluOp::Teq,  AluOp::None,
                                      AluOp::None, AluOp::None, AluOp::Cmn,  AluOp::None, AluOp::None, AluOp::None,
                                      AluOp::None, AluOp::Cmp,  AluOp::None, AluOp::None};
  in.alu = test && tests[opc] != AluOp::None ? tests[opc] : ops[opc];
  switch (opc) {
    case 0b0000:  // AND / TST
    case 0b0100:  // EOR / TEQ
    case 0b1000:  // ADD / CMN
    case 0b1101:  // SUB / CMP
      in.op = test ? Op::Cmp : Op::Alu;
      break;
    case 0b0010:  // ORR / MOV
    case 0b0011:  // ORN / MVN
      in.op = rn == kPC ? Op::Mov : Op::Alu;
      if (rn == kPC) in.alu = opc == 0b0010 ? AluOp::Mov : AluOp::Mvn;
      break;
    case 0b0001:  // BIC
    case 0b1010:  // ADC
    case 0b1011:  // SBC
    case 0b1110:  // RSB
      in.op = Op::Alu;
      break;
    default:
      return false;
  }
  in.sets_flags = s;
  in.rn = in.op == Op::Mov ? -1 : rn;
  if (in.op != Op::Cmp) {
    in.rd = rd;
    in.writes = regs({rd});
  }
  in.reads = regs({in.rn});
  // ADD/SUB may write SP; no other data-processing result may go to SP or PC.
  if (in.op != Op::Cmp && rd == kPC) return false;
  if (rd == kSP && in.op != Op::Cmp) {
    if (opc != 0b1000 && opc != 0b1101 && in.op != Op::Mov) return false;
    if (in.op != Op::Mov) in.op = Op::AddSubSp;
  }
  return true;
}

void data_processing_shifted(Insn& in, uint16_t h1, uint16_t h2) {
  const int rn = int(bits(h1, 3, 0)), rd = int(bits(h2, 11, 8)), rm = int(bits(h2, 3, 0));
  if (!data_processing_op(in, bits(h1, 8, 5), bit(h1, 4), rn, rd)) return set_undefined(in);
  in.rm = rm;
  in.shift_type = uint8_t(bits(h2, 5, 4));
  const uint32_t amount = bits(h2, 14, 12) << 2 | bits(h2, 7, 6);
  // An amount of 0 is 32 for LSR and ASR; ROR #0 is RRX, a one-bit rotate through carry.
  in.shift_amount = uint8_t(amount == 0 && (in.shift_type == 1 || in.shift_type == 2) ? 32 : amount);
  if (amount == 0 && in.shift_type == 3) in.alu = in.alu == AluOp::Mov ? AluOp::Other : in.alu;
  in.reads |= reg_bit(rm);
  if (rd == kSP && in.op != Op::Cmp) in.sp_unknown = true;
}

void data_processing_modified_imm(Insn& in, uint16_t h1, uint16_t h2) {
  const int rn = int(bits(h1, 3, 0)), rd = int(bits(h2, 11, 8));
  const uint32_t opc = bits(h1, 8, 5);
  if (!data_processing_op(in, opc, bit(h1, 4), rn, rd)) return set_undefined(in);
  in.imm = expand_imm(bit(h1, 10) << 11 | bits(h2, 14, 12) << 8 | bits(h2, 7, 0));
  in.has_imm = true;
  if (in.op == Op::AddSubSp) {
    if (rn == kSP)
      in.sp_delta = int32_t(opc == 0b1000 ? in.imm : -in.imm);
    else
      in.sp_unknown = true;
  } else if (in.op == Op::Mov && rd == kSP) {
    in.sp_unknown = true;
  }
}

void plain_binary_imm(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t opc = bits(h1, 8, 4);
  const int rn = int(bits(h1, 3, 0)), rd = int(bits(h2, 11, 8));
  const uint32_t imm12 = bit(h1, 10) << 11 | bits(h2, 14, 12) << 8 | bits(h2, 7, 0);
  in.rd = rd;
  in.writes = regs({rd});
  switch (opc) {
    case 0b00000:  // ADDW / ADR.W (add)
    case 0b01010:  // SUBW / ADR.W (sub)
    {
      const int32_t imm = opc == 0b00000 ? int32_t(imm12) : -int32_t(imm12);
      if (rn == kPC) {
        in.op = Op::Adr;
        in.imm = imm;
        in.literal = align_pc(in.addr) + uint32_t(imm);
      } else {
        in.op = rd == kSP ? Op::AddSubSp : Op::Alu;
        in.alu = opc == 0b00000 ? AluOp::Add : AluOp::Sub;
        in.has_imm = true;
        in.rn = rn;
        in.imm = imm12;
        in.reads = reg_bit(rn);
        if (rd == kSP && rn == kSP)
          in.sp_delta = imm;
        else if (rd == kSP)
          in.sp_unknown = true;
      }
      break;
    }
    case 0b00100:  // MOVW
    case 0b01100:  // MOVT
      in.op = opc == 0b00100 ? Op::Movw : Op::Movt;
      in.imm = bits(h1, 3, 0) << 12 | imm12;
      if (in.op == Op::Movt) in.reads = reg_bit(rd);  // keeps the bottom half
      break;
    case 0b10000:  // SSAT
    case 0b10010:  // SSAT (ASR form)
    case 0b10100:  // SBFX
    case 0b11000:  // USAT
    case 0b11010:  // USAT (ASR form)
    case 0b11100:  // UBFX
      in.op = Op::Alu;
      in.alu = AluOp::Other;
      in.rn = rn;
      in.reads = reg_bit(rn);
      break;
    case 0b10110:  // BFI / BFC
      in.op = Op::Alu;
      in.alu = AluOp::Other;
      in.rn = rn == kPC ? -1 : rn;
      in.reads = uint16_t(regs({in.rn}) | reg_bit(rd));
      break;
    default:
      return set_undefined(in);
  }
  if (in.op != Op::AddSubSp && (rd == kSP || rd == kPC)) set_undefined(in);
}

void branches_misc(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t op = bits(h1, 10, 4), op1 = bits(h2, 14, 12);
  const uint32_t s = bit(h1, 10), j1 = bit(h2, 13), j2 = bit(h2, 11), imm11 = bits(h2, 10, 0);
  if (op1 == 0b010 && op == 0b1111111) return set_undefined(in);  // UDF.W
  if ((op1 & 0b101) == 0b000) {
    if ((op & 0b0111000) != 0b0111000) {  // B<c>.W label
      in.op = Op::Bcc;
      in.cond = Cond(bits(h1, 9, 6));
      const uint32_t off = s << 20 | j2 << 19 | j1 << 18 | bits(h1, 5, 0) << 12 | imm11 << 1;
      in.target = pc_of(in.addr) + uint32_t(sign_extend(off, 21));
      in.flow = Flow::CondJump;
    } else if ((op & 0b1111110) == 0b0111000) {
      in.op = Op::Msr;
      in.rn = int(bits(h1, 3, 0));
      in.imm = bits(h2, 7, 0);  // SYSm
    } else if (op == 0b0111010) {
      if (op1 != 0) return set_undefined(in);
      const uint32_t hint = bits(h2, 7, 0);
      in.op = hint == 2 ? Op::Wfe : hint == 3 ? Op::Wfi : hint == 4 ? Op::Sev : hint >> 4 == 0xF ? Op::Dbg : Op::Nop;
    } else if (op == 0b0111011) {
      const uint32_t opt = bits(h2, 7, 4);
      if (opt == 0b0010)
        in.op = Op::ClrEx;
      else if (opt >= 0b0100 && opt <= 0b0110)
        in.op = Op::Barrier;  // DSB, DMB, ISB
      else
        return set_undefined(in);
    } else if ((op & 0b1111110) == 0b0111110) {
      in.op = Op::Mrs;
      in.rd = int(bits(h2, 11, 8));
      in.imm = bits(h2, 7, 0);  // SYSm
      in.writes = regs({in.rd});
    } else {
      return set_undefined(in);
    }
    return;
  }
  if ((op1 & 0b101) == 0b100) return set_undefined(in);  // BLX label: no ARM state on ARMv7-M
  // B.W / BL: I1 = NOT(J1 EOR S), I2 = NOT(J2 EOR S).
  const uint32_t i1 = (~(j1 ^ s)) & 1, i2 = (~(j2 ^ s)) & 1;
  const uint32_t off = s << 24 | i1 << 23 | i2 << 22 | bits(h1, 9, 0) << 12 | imm11 << 1;
  in.target = pc_of(in.addr) + uint32_t(sign_extend(off, 25));
  if (bit(op1, 2)) {
    in.op = Op::Bl;
    in.flow = Flow::Call;
    in.writes = reg_bit(kLR);
  } else {
    in.op = Op::B;
    in.flow = Flow::Jump;
  }
}

void store_single(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t o1 = bits(h1, 7, 5);
  const int rn = int(bits(h1, 3, 0)), rt = int(bits(h2, 15, 12));
  if ((o1 & 3) == 3 || rn == kPC || rt == kPC) return set_undefined(in);
  in.op = Op::Str;
  in.width = uint8_t(1u << (o1 & 3));
  in.rd = rt;
  if (o1 & 4) {  // STR{B,H}.W rt, [rn, #imm12]
    address_imm(in, rn, int32_t(bits(h2, 11, 0)), true, false);
  } else if (bit(h2, 11)) {  // imm8 with P/U/W (P=1 U=1 W=0 is STRT)
    const bool index = bit(h2, 10), wback = bit(h2, 8);
    if (!index && !wback) return set_undefined(in);
    address_imm(in, rn, int32_t(bits(h2, 7, 0)) * (bit(h2, 9) ? 1 : -1), index, wback);
  } else if (bits(h2, 11, 6) == 0) {  // STR{B,H}.W rt, [rn, rm, lsl #imm2]
    in.rn = rn;
    in.rm = int(bits(h2, 3, 0));
    in.reg_offset = true;
    in.shift_amount = uint8_t(bits(h2, 5, 4));
  } else {
    return set_undefined(in);
  }
  in.reads = regs({rn, in.rm, rt});
  if (rn == kSP && in.writeback) {
    in.sp_delta = int32_t(in.imm);
    if (in.width == 4 && !in.post_index && in.imm == -4) {  // STR rt, [sp, #-4]! is PUSH {rt}
      in.op = Op::Push;
      in.reglist = reg_bit(rt);
    }
  }
  if (rt == kSP || (in.writeback && rn == rt)) set_undefined(in);
}

void load_single(Insn& in, uint16_t h1, uint16_t h2) {
  const bool sign = bit(h1, 8), big = bit(h1, 7);
  const uint32_t sz = bits(h1, 6, 5);
  const int rn = int(bits(h1, 3, 0)), rt = int(bits(h2, 15, 12));
  if (sz == 3 || (sign && sz == 2)) return set_undefined(in);
  in.width = uint8_t(1u << sz);
  in.rd = rt;
  const bool hint = rt == kPC && sz < 2;  // PLD / PLI
  in.op = hint ? Op::Pld : Op::Ldr;
  if (rn == kPC) {  // LDR{B,H,SB,SH} rt, [pc, #+/-imm12]
    const int32_t off = int32_t(bits(h2, 11, 0)) * (big ? 1 : -1);
    in.rn = kPC;
    in.imm = off;
    in.literal = align_pc(in.addr) + uint32_t(off);
    if (!hint) in.op = Op::LdrLit;
  } else if (big) {  // [rn, #imm12]
    address_imm(in, rn, int32_t(bits(h2, 11, 0)), true, false);
  } else if (bit(h2, 11)) {  // [rn, #+/-imm8] with P/U/W
    const bool index = bit(h2, 10), wback = bit(h2, 8);
    if (!index && !wback) return set_undefined(in);
    address_imm(in, rn, int32_t(bits(h2, 7, 0)) * (bit(h2, 9) ? 1 : -1), index, wback);
  } else if (bits(h2, 11, 6) == 0) {  // [rn, rm, lsl #imm2]
    in.rn = rn;
    in.rm = int(bits(h2, 3, 0));
    in.reg_offset = true;
    in.shift_amount = uint8_t(bits(h2, 5, 4));
  } else {
    return set_undefined(in);
  }
  in.reads = regs({rn == kPC ? -1 : rn, in.rm});
  if (hint) {
    in.writes &= uint16_t(~reg_bit(kPC));
    in.rd = -1;
    return;
  }
  in.writes |= reg_bit(rt);
  if (rn == kSP && in.writeback) {
    if (in.width == 4 && in.post_index && in.imm == 4) {  // LDR rt, [sp], #4 is POP {rt}
      in.op = Op::Pop;
      in.reglist = reg_bit(rt);
    }
    in.sp_delta = int32_t(in.imm);
  }
  if (rt == kPC) in.flow = in.op == Op::Pop ? Flow::Return : Flow::IndirectJump;
  if (rt == kSP) in.sp_unknown = true;
  if (rt == kPC && in.width != 4) set_undefined(in);
  if (in.writeback && rn == rt) set_undefined(in);
}

void data_processing_register(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t o1 = bits(h1, 7, 4), o2 = bits(h2, 7, 4);
  const int rn = int(bits(h1, 3, 0)), rd = int(bits(h2, 11, 8)), rm = int(bits(h2, 3, 0));
  if (bits(h2, 15, 12) != 0xF) return set_undefined(in);
  in.op = Op::Alu;
  in.rd = rd;
  in.rm = rm;
  in.alu = AluOp::Other;
  if ((o1 & 0b1000) == 0 && o2 == 0) {  // LSL, LSR, ASR, ROR by register
    static constexpr AluOp shifts[4] = {AluOp::Lsl, AluOp::Lsr, AluOp::Asr, AluOp::Ror};
    in.alu = shifts[o1 >> 1];
    in.rn = rn;
    in.sets_flags = bit(h1, 4);
  } else if ((o1 & 0b1000) == 0 && (o2 & 0b1000)) {  // SXTH, UXTH, SXTB, UXTB (the accumulating forms are DSP)
    if (rn != kPC || (o1 != 0b0000 && o1 != 0b0001 && o1 != 0b0100 && o1 != 0b0101)) return set_undefined(in);
  } else if ((o1 & 0b1100) == 0b1000 && (o2 & 0b1100) == 0b1000) {  // REV, REV16, RBIT, REVSH, CLZ
    const uint32_t a = o1 & 3, b = o2 & 3;
    if (!(a == 1 || (a == 3 && b == 0))) return set_undefined(in);
  } else {
    return set_undefined(in);  // parallel add/subtract and saturating arithmetic: ARMv7E-M only
  }
  in.reads = regs({in.rn, rm});
  in.writes = reg_bit(rd);
  if (rd == kSP || rd == kPC) set_undefined(in);
}

// The multiply and divide space (A5.3.16-18) leaves an operand of SP or PC UNPREDICTABLE.
constexpr bool sp_or_pc(int r) { return r == kSP || r == kPC; }

void multiply(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t o1 = bits(h1, 6, 4), o2 = bits(h2, 5, 4);
  if (o1 != 0 || o2 > 1 || bits(h2, 7, 6) != 0) return set_undefined(in);
  const int ra = int(bits(h2, 15, 12));
  in.op = Op::Mul;
  in.rd = int(bits(h2, 11, 8));
  in.rn = int(bits(h1, 3, 0));
  in.rm = int(bits(h2, 3, 0));
  in.ra = o2 == 0 && ra == kPC ? -1 : ra;  // MUL has Ra = 1111; MLA and MLS accumulate
  in.reads = regs({in.rn, in.rm, in.ra});
  in.writes = reg_bit(in.rd);
  // Only SP and PC are UNPREDICTABLE here (the MUL, MLA and MLS pages of A7.7); LR is an ordinary
  // register, which libgcc's __udivmoddi4 uses. MLS has no Ra = 1111 form.
  if (sp_or_pc(in.rd) || sp_or_pc(in.rn) || sp_or_pc(in.rm) || (in.ra >= 0 && sp_or_pc(in.ra))) set_undefined(in);
}

void long_multiply_divide(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t o1 = bits(h1, 6, 4), o2 = bits(h2, 7, 4);
  in.rn = int(bits(h1, 3, 0));
  in.rm = int(bits(h2, 3, 0));
  if ((o1 == 0b001 || o1 == 0b011) && o2 == 0xF) {  // SDIV, UDIV
    in.op = Op::Div;
    in.rd = int(bits(h2, 11, 8));
    in.writes = reg_bit(in.rd);
    in.reads = regs({in.rn, in.rm});
    if (bits(h2, 15, 12) != 0xF || sp_or_pc(in.rd) || sp_or_pc(in.rn) || sp_or_pc(in.rm)) set_undefined(in);
    return;
  }
  if (o2 != 0 || (o1 != 0b000 && o1 != 0b010 && o1 != 0b100 && o1 != 0b110)) return set_undefined(in);
  in.op = Op::Mul;  // SMULL, UMULL, SMLAL, UMLAL
  in.rd = int(bits(h2, 15, 12));
  in.ra = int(bits(h2, 11, 8));
  in.writes = regs({in.rd, in.ra});
  in.reads = uint16_t(regs({in.rn, in.rm}) | (o1 & 0b100 ? regs({in.rd, in.ra}) : 0));
  if (sp_or_pc(in.rd) || sp_or_pc(in.ra) || sp_or_pc(in.rn) || sp_or_pc(in.rm) || in.rd == in.ra) set_undefined(in);
}

void decode32(Insn& in, uint16_t h1, uint16_t h2) {
  const uint32_t op1 = bits(h1, 12, 11), op2 = bits(h1, 10, 4);
  if (op1 == 0b01) {
    if ((op2 & 0b1100100) == 0b0000000)
      load_store_multiple(in, h1, h2);
    else if ((op2 & 0b1100100) == 0b0000100)
      dual_exclusive_table(in, h1, h2);
    else if ((op2 & 0b1100000) == 0b0100000)
      data_processing_shifted(in, h1, h2);
    else
      in.op = Op::Coproc;
  } else if (op1 == 0b10) {
    if (bit(h2, 15))
      branches_misc(in, h1, h2);
    else if (bit(op2, 5) == 0)
      data_processing_modified_imm(in, h1, h2);
    else
      plain_binary_imm(in, h1, h2);
  } else {
    if ((op2 & 0b1110001) == 0b0000000)
      store_single(in, h1, h2);
    else if ((op2 & 0b1100111) == 0b0000001 || (op2 & 0b1100111) == 0b0000011 || (op2 & 0b1100111) == 0b0000101)
      load_single(in, h1, h2);
    else if ((op2 & 0b1110000) == 0b0100000)
      data_processing_register(in, h1, h2);
    else if ((op2 & 0b1111000) == 0b0110000)
      multiply(in, h1, h2);
    else if ((op2 & 0b1111000) == 0b0111000)
      long_multiply_divide(in, h1, h2);
    else if (op2 & 0b1000000)
      in.op = Op::Coproc;
    else
      set_undefined(in);
  }
  if (in.writes & reg_bit(kPC) && in.flow == Flow::Next) in.flow = Flow::IndirectJump;
}

}  // namespace

Insn decode(uint32_t addr, uint16_t hw1, uint16_t hw2) {
  Insn in;
  in.addr = addr;
  if (is_32bit(hw1)) {
    in.size = 4;
    in.raw = uint32_t(hw1) << 16 | hw2;
    decode32(in, hw1, hw2);
  } else {
    in.size = 2;
    in.raw = hw1;
    decode16(in, hw1);
  }
  // What writes SP by an amount this decoder did not compute is unknown to a stack bound.
  const bool sp_known =
      in.op == Op::AddSubSp || in.op == Op::Push || in.op == Op::Pop || (in.writeback && in.rn == kSP);
  if ((in.writes & reg_bit(kSP)) && !sp_known) in.sp_unknown = true;
  if (in.sp_unknown) in.sp_delta = 0;
  return in;
}

std::vector<Insn> decode_range(std::span<const uint8_t> bytes, uint32_t addr) {
  std::vector<Insn> out;
  uint32_t it_first = 0, it_mask = 0;  // the IT block in force: its first condition and the remaining mask
  int it_left = 0, it_index = 0;
  size_t pos = 0;
  while (pos + 2 <= bytes.size()) {
    const uint16_t hw1 = uint16_t(bytes[pos] | bytes[pos + 1] << 8);
    Insn in;
    if (is_32bit(hw1) && pos + 4 > bytes.size()) {
      in.addr = addr + uint32_t(pos);
      in.raw = hw1;
      set_undefined(in);
    } else {
      const uint16_t hw2 = is_32bit(hw1) ? uint16_t(bytes[pos + 2] | bytes[pos + 3] << 8) : 0;
      in = decode(addr + uint32_t(pos), hw1, hw2);
    }
    if (it_left > 0) {
      const uint32_t c = it_index == 0 ? it_first : ((it_first & 0xE) | ((it_mask >> (4 - it_index)) & 1));
      ++it_index;
      --it_left;
      in.in_it = true;
      if (in.op == Op::It || in.op == Op::Cbz || in.op == Op::Bcc || (in.flow != Flow::Next && it_left > 0)) {
        set_undefined(in);  // nested IT, a conditional branch in IT, or a branch not last in its block
      } else {
        in.cond = Cond(c == 0xF ? 0xE : c);
        if (in.flow == Flow::Jump && in.cond != Cond::AL) in.flow = Flow::CondJump;
        if (!in.is32()) in.sets_flags = false;  // 16-bit data processing inside IT does not set flags
      }
    }
    if (in.op == Op::It && !in.in_it) {
      it_first = uint32_t(in.imm) >> 4;
      it_mask = uint32_t(in.imm) & 0xF;
      it_left = 4 - std::countr_zero(it_mask);
      it_index = 0;
    }
    pos += in.size;
    out.push_back(in);
  }
  return out;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::Undefined:
      return "undefined";
    case Op::B:
      return "b";
    case Op::Bcc:
      return "b<c>";
    case Op::Cbz:
      return "cbz/cbnz";
    case Op::Bl:
      return "bl";
    case Op::Bx:
      return "bx";
    case Op::BlxReg:
      return "blx";
    case Op::Tbb:
      return "tbb/tbh";
    case Op::It:
      return "it";
    case Op::Mov:
      return "mov";
    case Op::Movw:
      return "movw";
    case Op::Movt:
      return "movt";
    case Op::Alu:
      return "alu";
    case Op::AddSubSp:
      return "add/sub sp";
    case Op::Cmp:
      return "cmp";
    case Op::Adr:
      return "adr";
    case Op::Mul:
      return "mul";
    case Op::Div:
      return "div";
    case Op::Ldr:
      return "ldr";
    case Op::LdrLit:
      return "ldr literal";
    case Op::Ldrd:
      return "ldrd";
    case Op::Str:
      return "str";
    case Op::Strd:
      return "strd";
    case Op::Ldm:
      return "ldm";
    case Op::Stm:
      return "stm";
    case Op::Push:
      return "push";
    case Op::Pop:
      return "pop";
    case Op::LdrEx:
      return "ldrex";
    case Op::StrEx:
      return "strex";
    case Op::ClrEx:
      return "clrex";
    case Op::Pld:
      return "pld";
    case Op::Nop:
      return "nop";
    case Op::Wfi:
      return "wfi";
    case Op::Wfe:
      return "wfe";
    case Op::Sev:
      return "sev";
    case Op::Bkpt:
      return "bkpt";
    case Op::Svc:
      return "svc";
    case Op::Cps:
      return "cps";
    case Op::Msr:
      return "msr";
    case Op::Mrs:
      return "mrs";
    case Op::Barrier:
      return "dmb/dsb/isb";
    case Op::Dbg:
      return "dbg";
    case Op::Coproc:
      return "coprocessor";
  }
  return "?";
}

const char* cond_name(Cond c) {
  static const char* names[] = {"eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
                                "hi", "ls", "ge", "lt", "gt", "le", "al"};
  return names[unsigned(c) < 15 ? unsigned(c) : 14];
}

namespace {

std::string reg_name(int r) {
  static const char* names[] = {"r0", "r1", "r2",  "r3",  "r4",  "r5", "r6", "r7",
                                "r8", "r9", "r10", "r11", "r12", "sp", "lr", "pc"};
  return r >= 0 && r < 16 ? names[r] : "?";
}

std::string reglist_text(uint16_t list) {
  std::string s = "{";
  for (int r = 0; r < 16; ++r)
    if (list & reg_bit(r)) s += (s.size() > 1 ? ", " : "") + reg_name(r);
  return s + "}";
}

}  // namespace

std::string describe(const Insn& in) {
  char buf[96];
  std::string s;
  snprintf(buf, sizeof buf, "0x%08" PRIx32 ": ", in.addr);
  s = buf;
  if (in.op == Op::Cbz)
    s += in.cond == Cond::EQ ? "cbz" : "cbnz";
  else if (in.op == Op::Bcc)
    s += std::string("b") + cond_name(in.cond);
  else
    s += op_name(in.op);
  if (in.op != Op::Bcc && in.op != Op::Cbz && in.in_it && in.cond != Cond::AL)
    s += std::string(".") + cond_name(in.cond);
  if (in.op == Op::Cbz) s += " " + reg_name(in.rn) + ",";
  if (in.target) {
    snprintf(buf, sizeof buf, " 0x%08" PRIx32, *in.target);
    s += buf;
  } else if (in.op == Op::Push || in.op == Op::Pop || in.op == Op::Ldm || in.op == Op::Stm) {
    if (in.op == Op::Ldm || in.op == Op::Stm) s += " " + reg_name(in.rn) + (in.writeback ? "!," : ",");
    s += " " + reglist_text(in.reglist);
  } else if (in.op == Op::Bx || in.op == Op::BlxReg) {
    s += " " + reg_name(in.rm);
  } else if (in.is_load() || in.is_store()) {
    s += " " + reg_name(in.rd) + ", [" + reg_name(in.rn);
    if (in.reg_offset)
      s += ", " + reg_name(in.rm) + (in.imm ? ", lsl #" + std::to_string(in.imm) : "") + "]";
    else if (in.post_index)
      s += "], #" + std::to_string(in.imm);
    else
      s += (in.imm ? ", #" + std::to_string(in.imm) : "") + (in.writeback ? "]!" : "]");
  }
  snprintf(buf, sizeof buf, in.is32() ? " (%08" PRIx32 ")" : " (%04" PRIx32 ")", in.raw);
  return s + buf;
}

}  // namespace gust::image
