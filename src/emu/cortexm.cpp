// The emulated Cortex-M3: link with stubs, load the ELF, call through AAPCS.
#include "emu/cortexm.h"

#include <unicorn/unicorn.h>

#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>
#include <set>

#include "compose/compose.h"

namespace gust::emu {

namespace {

constexpr uint32_t kReturnMagic = 0x0F000000;  // where a finished call lands
constexpr uint32_t kFlashSize = 4 << 20;

// The stack (and a 4 KiB scratch area above it) comes first in SRAM.
std::string linker_script(uint32_t stack_bytes) {
  return "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 4M\n"
         "         SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = 480M }\n"
         "SECTIONS {\n"
         "  .text : { *(.text .text.*) *(.rodata .rodata.*) } > FLASH\n"
         "  .ARM.exidx : { *(.ARM.exidx*) } > FLASH\n"
         "  .data 0x20000000 + " + std::to_string(stack_bytes + 4096) + " : { *(.data .data.*) } > SRAM\n"
         "  .bss : { *(.bss .bss.* COMMON) } > SRAM\n"
         "  gust_sram_end = .;\n"
         "}\n";
}

}  // namespace

CortexM::~CortexM() {
  if (uc_) uc_close(uc_);
}

Result<std::unique_ptr<CortexM>> CortexM::load(const std::vector<fs::path>& objects, const fs::path& workdir,
                                               const std::string& extra_asm, uint32_t stack_bytes) {
  using compose::run_tool;
  using compose::tool;
  std::error_code ec;
  fs::create_directories(workdir, ec);
  // Every symbol some object needs and none defines gets a stub.
  std::set<std::string> defined, needed;
  for (const auto& o : objects) {
    auto facts = compose::read_object(o);
    if (!facts) return facts.error();
    defined.insert(facts->defined_globals.begin(), facts->defined_globals.end());
    needed.insert(facts->undefined.begin(), facts->undefined.end());
  }
  needed.insert("gust_trap");
  // Symbols the extra assembly defines are not stubbed.
  for (size_t at = extra_asm.find(".global "); at != std::string::npos; at = extra_asm.find(".global ", at + 1)) {
    size_t end = extra_asm.find('\n', at);
    defined.insert(extra_asm.substr(at + 8, end - at - 8));
  }
  static const std::set<std::string> from_libs = {"ceilf", "ceil", "floorf", "floor", "truncf", "trunc", "roundevenf",
                                             "roundeven", "sqrtf", "sqrt", "fminf", "fmin", "fmaxf", "fmax",
                                             "memcpy", "memmove", "memset", "nearbyintf", "nearbyint", "rintf", "rint"};
  std::string stubs = ".syntax unified\n.thumb\n.section .note.GNU-stack,\"\",%progbits\n" + extra_asm + "\n.section .text.gust_stubs,\"ax\"\n.p2align 2\n";
  std::set<std::string> stubbed;
  for (const auto& s : needed) {
    if (defined.count(s) || s.rfind("__", 0) == 0 || from_libs.count(s)) continue;
    stubbed.insert(s);
    stubs += ".global " + s + "\n.type " + s + ", %function\n.thumb_func\n" + s + ":\n  bx lr\n  nop\n";
  }
  const fs::path stub_s = workdir / "stubs.s", stub_o = workdir / "stubs.o", ld = workdir / "harness.ld",
                 elf = workdir / "image.elf";
  std::ofstream(stub_s) << stubs;
  std::ofstream(ld) << linker_script(stack_bytes);
  auto as = run_tool({tool("GUST_ARM_AS", "arm-none-eabi-as"), "-mcpu=cortex-m3", "-mthumb", "-o", stub_o.string(),
                      stub_s.string()});
  if (as.status != 0) return Error::make(Error::Kind::Tool, "arm-none-eabi-as failed: " + as.output);
  auto libgcc = run_tool({tool("GUST_ARM_GCC", "arm-none-eabi-gcc"), "-mcpu=cortex-m3", "-mthumb",
                          "-print-libgcc-file-name"});
  std::string libgcc_path = libgcc.output.substr(0, libgcc.output.find('\n'));
  auto libm = run_tool({tool("GUST_ARM_GCC", "arm-none-eabi-gcc"), "-mcpu=cortex-m3", "-mthumb",
                        "-print-file-name=libm.a"});
  std::string libm_path = libm.output.substr(0, libm.output.find('\n'));
  auto libc = run_tool({tool("GUST_ARM_GCC", "arm-none-eabi-gcc"), "-mcpu=cortex-m3", "-mthumb",
                        "-print-file-name=libc.a"});
  std::string libc_path = libc.output.substr(0, libc.output.find('\n'));
  std::vector<std::string> argv = {tool("GUST_ARM_LD", "arm-none-eabi-ld"), "-T", ld.string(), "-o", elf.string(),
                                   "--no-warn-rwx-segments", stub_o.string()};
  for (const auto& o : objects) argv.push_back(o.string());
  argv.push_back("--start-group");
  for (const auto& lib : {libm_path, libc_path, libgcc_path})
    if (!lib.empty() && fs::exists(lib)) argv.push_back(lib);
  argv.push_back("--end-group");
  auto lr = run_tool(argv);
  if (lr.status != 0) {
    argv.erase(argv.begin() + 5);  // older ld: no --no-warn-rwx-segments
    lr = run_tool(argv);
    if (lr.status != 0) return Error::make(Error::Kind::Tool, "arm-none-eabi-ld failed: " + lr.output);
  }

  std::unique_ptr<CortexM> cpu(new CortexM());
  if (uc_open(UC_ARCH_ARM, uc_mode(UC_MODE_THUMB | UC_MODE_MCLASS), &cpu->uc_) != UC_ERR_OK)
    return Error::make(Error::Kind::Tool, "unicorn cannot open an ARM M-class core");
  uc_ctl_set_cpu_model(cpu->uc_, UC_CPU_ARM_CORTEX_M3);
  auto buf = llvm::MemoryBuffer::getFile(elf.string());
  if (!buf) return Error::make(Error::Kind::Tool, "cannot read the linked image", elf.string());
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) return Error::make(Error::Kind::Tool, "the linked image is not ELF", elf.string());
  uint64_t sram_end = kSramBase + stack_bytes + 4096;
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    if (name && addr && *name == "gust_sram_end") sram_end = std::max<uint64_t>(sram_end, *addr);
  }
  uc_mem_map(cpu->uc_, kFlashBase, kFlashSize, UC_PROT_READ | UC_PROT_EXEC);
  const uint32_t sram_mapped = uint32_t((sram_end - kSramBase + 0xFFFF) & ~uint64_t(0xFFFF));
  uc_mem_map(cpu->uc_, kSramBase, sram_mapped, UC_PROT_ALL);
  uc_mem_map(cpu->uc_, kReturnMagic, 0x1000, UC_PROT_ALL);
  cpu->stack_top_ = kSramBase + stack_bytes;
  cpu->scratch_ = cpu->stack_top_;
  for (const auto& sec : (*obj)->sections()) {
    if (!(llvm::object::ELFSectionRef(sec).getFlags() & llvm::ELF::SHF_ALLOC) || sec.getSize() == 0) continue;
    if (sec.isBSS()) continue;  // mapped memory starts zeroed
    auto contents = sec.getContents();
    if (!contents) continue;
    if (uc_mem_write(cpu->uc_, sec.getAddress(), contents->data(), contents->size()) != UC_ERR_OK)
      return Error::make(Error::Kind::Limit, "section does not fit the emulated memory", elf.string());
  }
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    if (!name || !addr || name->empty()) continue;
    cpu->symbols_[name->str()] = uint32_t(*addr) & ~1u;
    cpu->sizes_[name->str()] = llvm::object::ELFSymbolRef(sym).getSize();
  }
  cpu->stub_lo_ = UINT32_MAX;
  for (const auto& s : stubbed) {
    if (!cpu->symbols_.count(s)) continue;
    const uint32_t at = cpu->symbols_[s];
    cpu->stub_at_[at] = s;
    cpu->stub_lo_ = std::min(cpu->stub_lo_, at);
    cpu->stub_hi_ = std::max(cpu->stub_hi_, at + 4);
  }
  if (cpu->stub_lo_ < cpu->stub_hi_) {
    uc_hook h;
    uc_hook_add(cpu->uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&CortexM::hook_code), cpu.get(), cpu->stub_lo_,
                cpu->stub_hi_ - 1);
  }
  return cpu;
}

static void hook_count(uc_struct*, uint64_t, uint32_t, void* counter) { ++*static_cast<uint64_t*>(counter); }

void CortexM::count_instructions(bool on) {
  if (on == counting_) return;
  counting_ = on;
  if (on) {
    uc_hook h;
    uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&hook_count), &count_, 1, 0);
    count_hook_ = h;
  } else {
    uc_hook_del(uc_, count_hook_);
  }
}

Result<void> CortexM::read_image(const fs::path& elf) {
  auto buf = llvm::MemoryBuffer::getFile(elf.string());
  if (!buf) return Error::make(Error::Kind::Input, "cannot read the image", elf.string());
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) return Error::make(Error::Kind::Input, "the image is not ELF", elf.string());
  for (const auto& sec : (*obj)->sections()) {
    if (!(llvm::object::ELFSectionRef(sec).getFlags() & llvm::ELF::SHF_ALLOC) || sec.getSize() == 0 || sec.isBSS())
      continue;
    auto contents = sec.getContents();
    if (contents && uc_mem_write(uc_, sec.getAddress(), contents->data(), contents->size()) != UC_ERR_OK)
      return Error::make(Error::Kind::Limit, "a section lies outside the emulated memory", elf.string());
  }
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    if (!name || !addr || name->empty()) continue;
    symbols_[name->str()] = uint32_t(*addr) & ~1u;
    sizes_[name->str()] = llvm::object::ELFSymbolRef(sym).getSize();
  }
  return {};
}

void CortexM::map_mmio(uint32_t base, uint32_t size, MmioRead read, MmioWrite write) {
  mmio_read_ = std::move(read);
  mmio_write_ = std::move(write);
  uc_mmio_map(
      uc_, base, size,
      [](uc_engine*, uint64_t offset, unsigned, void* self) -> uint64_t {
        return static_cast<CortexM*>(self)->mmio_read_(uint32_t(offset));
      },
      this,
      [](uc_engine*, uint64_t offset, unsigned, uint64_t value, void* self) {
        static_cast<CortexM*>(self)->mmio_write_(uint32_t(offset), uint32_t(value));
      },
      this);
}

Result<std::unique_ptr<CortexM>> CortexM::load_image(const fs::path& elf, uint32_t mmio_base, uint32_t window,
                                                     MmioRead read, MmioWrite write) {
  std::unique_ptr<CortexM> cpu(new CortexM());
  if (uc_open(UC_ARCH_ARM, uc_mode(UC_MODE_THUMB | UC_MODE_MCLASS), &cpu->uc_) != UC_ERR_OK)
    return Error::make(Error::Kind::Tool, "unicorn cannot open an ARM M-class core");
  uc_ctl_set_cpu_model(cpu->uc_, UC_CPU_ARM_CORTEX_M3);
  uc_mem_map(cpu->uc_, kFlashBase, kFlashSize, UC_PROT_READ | UC_PROT_EXEC);
  uc_mem_map(cpu->uc_, kSramBase, 0x10000, UC_PROT_ALL);
  uc_mem_map(cpu->uc_, 0x40021000, 0x1000, UC_PROT_ALL);  // RCC: enables are plain writes here
  uc_mem_map(cpu->uc_, 0xE000E000, 0x1000, UC_PROT_ALL);  // NVIC and SysTick registers
  uc_mem_map(cpu->uc_, kReturnMagic, 0x1000, UC_PROT_ALL);
  cpu->map_mmio(mmio_base, window, std::move(read), std::move(write));
  cpu->stack_top_ = kSramBase + 0x10000;
  cpu->scratch_ = kSramBase + 0x8000;
  if (auto r = cpu->read_image(elf); !r) return r.error();
  return cpu;
}

void CortexM::hook_code(uc_struct* uc, uint64_t address, uint32_t, void* self_ptr) {
  auto* self = static_cast<CortexM*>(self_ptr);
  auto it = self->stub_at_.find(uint32_t(address));
  if (it == self->stub_at_.end()) return;
  if (self->counting_) --self->count_;  // the stub's bx lr stands for the call, counted at the caller
  auto host = self->hosts_.find(it->second);
  if (host != self->hosts_.end()) {
    host->second(*self);
    return;
  }
  if (it->second == "gust_trap") {
    self->trapped_ = true;
    self->trap_code_ = self->arg(0);
    uc_emu_stop(uc);
    return;
  }
  self->host_error_ = "call to " + it->second + ", which no host function serves";
  uc_emu_stop(uc);
}

uint32_t CortexM::address(const std::string& symbol) const {
  auto it = symbols_.find(symbol);
  return it == symbols_.end() ? 0 : it->second;
}

uint64_t CortexM::code_bytes(const std::string& symbol) const {
  auto it = sizes_.find(symbol);
  return it == sizes_.end() ? 0 : it->second;
}

std::vector<std::string> CortexM::stubs() const {
  std::vector<std::string> out;
  for (const auto& [addr, name] : stub_at_) out.push_back(name);
  return out;
}

uint32_t CortexM::arg(int n) const {
  uint32_t v = 0;
  uc_reg_read(uc_, UC_ARM_REG_R0 + n, &v);
  return v;
}

void CortexM::set_result(uint32_t r0, uint32_t r1) {
  uc_reg_write(uc_, UC_ARM_REG_R0, &r0);
  uc_reg_write(uc_, UC_ARM_REG_R1, &r1);
}

void CortexM::set_results(const uint32_t r[4]) {
  for (int i = 0; i < 4; ++i) uc_reg_write(uc_, UC_ARM_REG_R0 + i, &r[i]);
}

void CortexM::raise_trap(uint32_t code) {
  trapped_ = true;
  trap_code_ = code;
  uc_emu_stop(uc_);
}

void CortexM::raise_fault(const std::string& why) {
  host_error_ = why;
  uc_emu_stop(uc_);
}

bool CortexM::read(uint32_t addr, void* out, size_t n) const { return uc_mem_read(uc_, addr, out, n) == UC_ERR_OK; }
bool CortexM::write(uint32_t addr, const void* in, size_t n) { return uc_mem_write(uc_, addr, in, n) == UC_ERR_OK; }

CortexM::Call CortexM::call(const std::string& symbol, const std::vector<uint32_t>& words) {
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) {
    Call c;
    c.fault = "no symbol " + symbol;
    return c;
  }
  uint32_t regs[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < 4 && i < words.size(); ++i) regs[i] = words[i];
  std::vector<uint32_t> stack(words.size() > 4 ? words.begin() + 4 : words.end(), words.end());
  return call_raw(it->second, regs, stack);
}

uint32_t CortexM::sp() const {
  uint32_t v = 0;
  uc_reg_read(uc_, UC_ARM_REG_SP, &v);
  return v;
}

CortexM::Call CortexM::call_raw(uint32_t address, const uint32_t regs[4], const std::vector<uint32_t>& stack_words) {
  Call c;
  // A host function may call into this core again (a nested call): the
  // nested frame goes below the current stack pointer.
  const bool nested = nesting_ > 0;
  uint32_t saved[18];
  if (nested)
    for (int i = 0; i < 16; ++i) uc_reg_read(uc_, UC_ARM_REG_R0 + i, &saved[i]);
  const bool saved_trapped = trapped_;
  uint32_t sp = nested ? (this->sp() - 64) & ~7u : stack_top_;
  trapped_ = false;
  trap_code_ = 0;
  if (!nested) count_ = 0;
  host_error_.clear();
  if (!stack_words.empty()) {
    sp -= uint32_t(stack_words.size()) * 4;
    sp &= ~7u;
    for (size_t i = 0; i < stack_words.size(); ++i) write(sp + uint32_t(i) * 4, &stack_words[i], 4);
  }
  for (int i = 0; i < 4; ++i) uc_reg_write(uc_, UC_ARM_REG_R0 + i, &regs[i]);
  uint32_t lr = kReturnMagic | 1;
  uc_reg_write(uc_, UC_ARM_REG_SP, &sp);
  uc_reg_write(uc_, UC_ARM_REG_LR, &lr);
  ++nesting_;
  uc_err err = uc_emu_start(uc_, address | 1, kReturnMagic, time_limit_us_, 0);
  --nesting_;
  auto restore = [&] {
    if (!nested) return;
    for (int i = 0; i < 16; ++i) uc_reg_write(uc_, UC_ARM_REG_R0 + i, &saved[i]);
    trapped_ = saved_trapped;
  };
  c.instructions = count_;
  uint32_t pc = 0;
  uc_reg_read(uc_, UC_ARM_REG_PC, &pc);
  if (trapped_) {
    c.trapped = true;
    c.trap_code = trap_code_;
  } else if (!host_error_.empty()) {
    c.fault = host_error_;
  } else if (err != UC_ERR_OK) {
    char buf[64];
    snprintf(buf, sizeof buf, " at pc 0x%08x", pc);
    c.fault = std::string(uc_strerror(err)) + buf;
  } else if ((pc & ~1u) != kReturnMagic) {
    c.fault = "stopped before returning (time limit?)";
  } else {
    c.ok = true;
    uc_reg_read(uc_, UC_ARM_REG_R0, &c.r0);
    uc_reg_read(uc_, UC_ARM_REG_R1, &c.r1);
    uc_reg_read(uc_, UC_ARM_REG_R2, &c.r2);
    uc_reg_read(uc_, UC_ARM_REG_R3, &c.r3);
  }
  restore();
  return c;
}

}  // namespace gust::emu
