// The Thumb-2 decoder for ARMv7-M (Cortex-M3): every 16- and 32-bit encoding of
// a linked image classified, for the audit and the stack oracle, without LLVM.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace gust::image {

// Core registers by number; r13 is SP, r14 LR, r15 PC.
constexpr int kSP = 13, kLR = 14, kPC = 15;
constexpr uint16_t reg_bit(int r) { return uint16_t(1u << r); }

// The instruction's class, one per mnemonic family (the audit names these).
enum class Op : uint8_t {
  Undefined,  // not an ARMv7-M encoding, UDF, or an encoding ARMv7-M leaves UNPREDICTABLE in a way we refuse
  // ---- control flow
  B,       // B / B.W, unconditional, direct
  Bcc,     // B<c> / B<c>.W, conditional, direct
  Cbz,     // CBZ / CBNZ (cond holds which: EQ for CBZ, NE for CBNZ)
  Bl,      // BL, direct call
  Bx,      // BX rm
  BlxReg,  // BLX rm
  Tbb,     // TBB / TBH [rn, rm]: a table branch
  It,      // IT block start
  // ---- data processing (writes `writes`, may set flags)
  Mov,       // MOV/MVN register or immediate, shifts by immediate (LSL/LSR/ASR/ROR/RRX)
  Movw,      // MOVW rd, #imm16
  Movt,      // MOVT rd, #imm16 (top half)
  Alu,       // other ALU: ADD, SUB, AND, ORR, ..., shifts by register, extends, bitfields, CLZ, REV, SSAT
  AddSubSp,  // ADD/SUB with SP as a destination (sp adjust; `sp_delta` says how much when constant)
  Cmp,       // CMP/CMN/TST/TEQ: sets flags, writes no register
  Adr,       // ADR rd, label (rd = `literal`)
  Mul,       // MUL, MLA, MLS, SMULL, UMULL, SMLAL, UMLAL
  Div,       // SDIV, UDIV
  // ---- memory
  Ldr,     // a single load (LDR, LDRB, LDRH, LDRSB, LDRSH, LDRT...)
  LdrLit,  // LDR rt, [pc, #imm]: `literal` is the pool address
  Ldrd,    // LDRD
  Str,     // a single store (STR, STRB, STRH, STRT...)
  Strd,    // STRD
  Ldm,     // LDM / LDMDB (not from SP with writeback: that is Pop)
  Stm,     // STM / STMDB (not to SP with writeback: that is Push)
  Push,    // PUSH (16-bit, STMDB sp!, or STR rt,[sp,#-4]!)
  Pop,     // POP (16-bit, LDM sp!, or LDR rt,[sp],#4)
  LdrEx,   // LDREX, LDREXB, LDREXH: a load that opens the exclusive monitor
  StrEx,   // STREX, STREXB, STREXH: a store if the monitor is open (`ra` gets 0, else 1 and no store)
  ClrEx,   // CLREX: closes the monitor
  Pld,     // PLD / PLI: a hint, no architectural effect
  // ---- hints and system: nothing in dissolved code may use these
  Nop,        // NOP, YIELD
  Wfi,        // WFI
  Wfe,        // WFE
  Sev,        // SEV
  Bkpt,       // BKPT
  Svc,        // SVC
  Cps,        // CPSIE / CPSID
  Msr,        // MSR
  Mrs,        // MRS
  Barrier,    // DMB, DSB, ISB
  Dbg,        // DBG
  Coproc,     // a coprocessor instruction (no coprocessor on a Cortex-M3)
};

// How the instruction moves the PC.
enum class Flow : uint8_t {
  Next,          // falls through
  Jump,          // direct, unconditional (B, B.W): `target`
  CondJump,      // direct, conditional (B<c>, CBZ, CBNZ, or B inside an IT block): `target`
  Call,          // BL: `target`, returns to the next instruction
  IndirectCall,  // BLX rm
  IndirectJump,  // BX rm (rm != lr), MOV/ADD pc, LDR pc (not a pop), LDM with pc (not from sp), TBB/TBH
  Return,        // BX lr, POP {..., pc}, LDR pc, [sp], #4
  Trap,          // UDF, BKPT, SVC: does not fall through in any way gust relies on
};

// The operation of a Mov, Alu, AddSubSp or Cmp instruction, for a reader that follows values.
// The second operand is `imm` when has_imm, else rm shifted by shift_type/shift_amount.
enum class AluOp : uint8_t {
  None,
  Mov,
  Mvn,
  Add,
  Sub,
  Rsb,
  Adc,
  Sbc,
  And,
  Orr,
  Orn,
  Eor,
  Bic,
  Lsl,
  Lsr,
  Asr,
  Ror,  // by register: rn shifted by rm
  Cmp,
  Cmn,
  Tst,
  Teq,
  Other,  // extends, bitfields, saturation, CLZ, REV, RBIT
};

// Condition codes as encoded (ARM ARM A7.3); AL for unconditional.
enum class Cond : uint8_t { EQ, NE, CS, CC, MI, PL, VS, VC, HI, LS, GE, LT, GT, LE, AL };

struct Insn {
  uint32_t addr = 0;
  uint8_t size = 2;  // 2 or 4 bytes
  uint32_t raw = 0;  // 16-bit: the halfword; 32-bit: first halfword << 16 | second
  Op op = Op::Undefined;
  Flow flow = Flow::Next;
  Cond cond = Cond::AL;  // the branch's own condition, or the IT block's for a conditional instruction
  bool in_it = false;    // inside an IT block (set by decode_range; such an instruction may not execute)

  std::optional<uint32_t> target;   // direct branch or call target (B, Bcc, CBZ/CBNZ, BL)
  std::optional<uint32_t> literal;  // LdrLit: the pool word's address; Adr: the address computed
  int rd = -1;                      // destination (or Rt of a load/store, RdLo of a long multiply)
  int rn = -1;                      // first operand, or the base register of a load/store/LDM/STM
  int rm = -1;                      // second register operand, or the index register of a load/store, BX/BLX target
  int ra = -1;                      // a third register: Rt2 of LDRD/STRD, RdHi of a long multiply, Ra of MLA/MLS
  int64_t imm = 0;          // immediate: MOVW/MOVT imm16, ALU immediate, load/store offset (signed, negative for U=0),
                            // CMP immediate, IT: firstcond:mask (8 bits)
  uint8_t width = 0;        // load/store access bytes (1, 2, 4, 8 for LDRD/STRD); LDM/STM: 4 per register
  bool writeback = false;   // load/store/LDM/STM updates its base register
  bool post_index = false;  // the access is at [rn], then rn += imm
  bool reg_offset = false;  // the address is rn + (rm << shift_amount)
  bool sets_flags = false;
  AluOp alu = AluOp::None;
  bool has_imm = false;      // the ALU's second operand is `imm`
  uint8_t shift_type = 0;    // the ALU's rm (or a load/store index) shifted: LSL 0, LSR 1, ASR 2, ROR 3
  uint8_t shift_amount = 0;  // by this many bits (a load/store index: the LSL amount)
  uint16_t reglist = 0;      // PUSH/POP/LDM/STM registers (PUSH {r4, lr} is bit 4 | bit 14)

  uint16_t reads = 0;   // registers read (bit n = rn); PC reads are not listed
  uint16_t writes = 0;  // registers written, SP and PC included (conditional writes too)

  // SP: the constant change this instruction makes (PUSH {r4,lr}: -8, SUB sp,#16: -16, POP: +n),
  // or sp_unknown when it writes SP by an amount not known here (MOV sp, r7; ADD sp, r3; LDM sp...).
  int32_t sp_delta = 0;
  bool sp_unknown = false;

  bool is32() const { return size == 4; }
  bool is_store() const {
    return op == Op::Str || op == Op::Strd || op == Op::Stm || op == Op::Push || op == Op::StrEx;
  }
  bool is_load() const {
    return op == Op::Ldr || op == Op::LdrLit || op == Op::Ldrd || op == Op::Ldm || op == Op::Pop || op == Op::LdrEx;
  }
  // Any hint or system instruction that dissolved code has no business with.
  bool is_system() const { return op >= Op::Wfi; }
  uint32_t next() const { return addr + size; }
};

// True when hw1 opens a 32-bit encoding (its top five bits are 0b11101, 0b11110 or 0b11111).
constexpr bool is_32bit(uint16_t hw1) { return (hw1 >> 11) >= 0b11101; }

// Decodes one instruction at `addr`. `hw2` is read only for a 32-bit encoding. Never fails: what is not an
// ARMv7-M instruction comes back as Op::Undefined.
Insn decode(uint32_t addr, uint16_t hw1, uint16_t hw2 = 0);

// Decodes `bytes` (little-endian halfwords, loaded at `addr`) linearly to the end, tracking IT blocks
// (instructions inside one get in_it, their IT condition, and conditional branches become CondJump).
// A 32-bit encoding cut off by the end comes back as one 2-byte Op::Undefined.
std::vector<Insn> decode_range(std::span<const uint8_t> bytes, uint32_t addr);

// The mnemonic class as text ("bl", "blx", "msr", ...), and one instruction as text for messages
// ("0x08000254: blx r3").
const char* op_name(Op op);
const char* cond_name(Cond c);
std::string describe(const Insn& in);

}  // namespace gust::image
