// The emulated Cortex-M3: link with stubs, load the ELF, call through AAPCS.
#include "emu/cortexm.h"

#include <llvm/Object/ELFObjectFile.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/MemoryBuffer.h>
#include <unicorn/unicorn.h>

#include <fstream>
#include <set>

#include "base/objects.h"
#include "base/tools.h"

namespace gust::emu {

namespace {

constexpr uint32_t kReturnMagic = 0x0F000000;  // where a finished call lands
constexpr uint32_t kFlashSize = 4 << 20;       // mapped for a firmware image

// Each image is linked at the next free flash and SRAM addresses, so that
// several images share one address space and call each other directly.
std::string linker_script(uint32_t flash_origin, uint32_t sram_origin) {
  char buf[640];
  snprintf(buf, sizeof buf,
           "MEMORY { FLASH (rx) : ORIGIN = 0x%08x, LENGTH = 64M\n"
           "         SRAM (rwx) : ORIGIN = 0x%08x, LENGTH = 256M }\n"
           "SECTIONS {\n"
           "  .text : { *(.text .text.*) *(.rodata .rodata.*) } > FLASH\n"
           "  .ARM.exidx : { *(.ARM.exidx*) } > FLASH\n"
           "  gust_flash_end = .;\n"
           "  .data : { *(.data .data.*) } > SRAM\n"
           "  .bss : { *(.bss .bss.* COMMON) } > SRAM\n"
           "  gust_sram_end = .;\n"
           "  /DISCARD/ : { *(.gust.*) }\n"
           "}\n",
           flash_origin, sram_origin);
  return buf;
}

uint64_t round_up(uint64_t v, uint64_t to) { return (v + to - 1) & ~(to - 1); }

}  // namespace

CortexM::~CortexM() {
  if (uc_) uc_close(uc_);
}

Result<std::unique_ptr<CortexM>> CortexM::create(uint32_t stack_bytes) {
  std::unique_ptr<CortexM> cpu(new CortexM());
  if (uc_open(UC_ARCH_ARM, uc_mode(UC_MODE_THUMB | UC_MODE_MCLASS), &cpu->uc_) != UC_ERR_OK)
    return Error::make(Error::Kind::Tool, "unicorn cannot open an ARM M-class core");
  uc_ctl_set_cpu_model(cpu->uc_, UC_CPU_ARM_CORTEX_M3);
  uc_mem_map(cpu->uc_, kReturnMagic, 0x1000, UC_PROT_ALL);
  // SRAM starts with the stack and a 4 KiB scratch area: an overflow faults
  // below 0x20000000 instead of corrupting an image's data.
  cpu->stack_top_ = kSramBase + stack_bytes;
  cpu->scratch_ = cpu->stack_top_;
  cpu->sram_cursor_ = uint32_t(round_up(cpu->stack_top_ + 4096, 16));
  cpu->sram_mapped_ = uint32_t(round_up(cpu->sram_cursor_, 0x10000));
  uc_mem_map(cpu->uc_, kSramBase, cpu->sram_mapped_ - kSramBase, UC_PROT_ALL);
  cpu->flash_cursor_ = kFlashBase;
  cpu->flash_mapped_ = kFlashBase;
  return cpu;
}

Result<std::unique_ptr<CortexM>> CortexM::load(const std::vector<fs::path>& objects, const fs::path& workdir,
                                               const std::string& extra_asm, uint32_t stack_bytes) {
  auto cpu = create(stack_bytes);
  if (!cpu) return cpu.error();
  if (auto r = (*cpu)->add_image(objects, workdir, extra_asm, {}); !r) return r.error();
  return cpu;
}

Result<int> CortexM::add_image(const std::vector<fs::path>& objects, const fs::path& workdir,
                               const std::string& extra_asm, const std::map<std::string, uint32_t>& defsyms) {
  using base::run_tool;
  using base::tool;
  std::error_code ec;
  fs::create_directories(workdir, ec);
  // Every symbol some object needs and none defines gets a stub.
  std::set<std::string> defined, needed;
  for (const auto& o : objects) {
    auto facts = base::read_object(o);
    if (!facts) return facts.error();
    defined.insert(facts->defined_globals.begin(), facts->defined_globals.end());
    needed.insert(facts->undefined.begin(), facts->undefined.end());
  }
  needed.insert("gust_trap");
  // Symbols the extra assembly defines, or another image provides, are not stubbed.
  for (size_t at = extra_asm.find(".global "); at != std::string::npos; at = extra_asm.find(".global ", at + 1)) {
    size_t end = extra_asm.find('\n', at);
    defined.insert(extra_asm.substr(at + 8, end - at - 8));
  }
  for (const auto& [name, addr] : defsyms) defined.insert(name);
  static const std::set<std::string> from_libs = {
      "ceilf",     "ceil",  "floorf", "floor",  "truncf", "trunc",  "roundevenf", "roundeven", "sqrtf",
      "sqrt",      "fminf", "fmin",   "fmaxf",  "fmax",   "memcpy", "memmove",    "memset",    "nearbyintf",
      "nearbyint", "rintf", "rint",   "memcmp", "memchr", "strlen", "strcmp",     "strncmp"};
  std::string stubs = ".syntax unified\n.thumb\n.section .note.GNU-stack,\"\",%progbits\n" + extra_asm +
                      "\n.section .text.gust_stubs,\"ax\"\n.p2align 2\n";
  std::set<std::string> stubbed;
  for (const auto& s : needed) {
    if (defined.count(s) || s.rfind("__", 0) == 0 || from_libs.count(s)) continue;
    stubbed.insert(s);
    stubs += ".global " + s + "\n.type " + s + ", %function\n.thumb_func\n" + s + ":\n  bx lr\n  nop\n";
  }
  const fs::path stub_s = workdir / "stubs.s", stub_o = workdir / "stubs.o", ld = workdir / "harness.ld",
                 elf = workdir / "image.elf";
  std::ofstream(stub_s) << stubs;
  std::ofstream(ld) << linker_script(flash_cursor_, sram_cursor_);
  auto as = run_tool(
      {tool("GUST_ARM_AS", "arm-none-eabi-as"), "-mcpu=cortex-m3", "-mthumb", "-o", stub_o.string(), stub_s.string()});
  if (as.status != 0) return Error::make(Error::Kind::Tool, "arm-none-eabi-as failed: " + as.output);
  static const std::vector<std::string> libs = [] {
    std::vector<std::string> out;
    for (const char* q : {"-print-file-name=libm.a", "-print-file-name=libc.a", "-print-libgcc-file-name"}) {
      auto r = run_tool({tool("GUST_ARM_GCC", "arm-none-eabi-gcc"), "-mcpu=cortex-m3", "-mthumb", q});
      const std::string path = r.output.substr(0, r.output.find('\n'));
      if (!path.empty() && fs::exists(path)) out.push_back(path);
    }
    return out;
  }();
  std::vector<std::string> argv = {tool("GUST_ARM_LD", "arm-none-eabi-ld"),
                                   "-T",
                                   ld.string(),
                                   "-o",
                                   elf.string(),
                                   "--no-warn-rwx-segments",
                                   stub_o.string()};
  for (const auto& [name, addr] : defsyms) {
    char buf[32];
    snprintf(buf, sizeof buf, "=0x%08x", addr);
    argv.push_back("--defsym=" + name + buf);
  }
  for (const auto& o : objects) argv.push_back(o.string());
  argv.push_back("--start-group");
  // First in the group, so that its __aeabi_* definitions are the ones found.
  if (!libgcc_float_) {
    if (!fs::exists(GUST_SOFTFLOAT_LIB))
      return Error::make(Error::Kind::Tool, "gust's soft-float archive is missing (build target gust_softfloat_arm)",
                         GUST_SOFTFLOAT_LIB);
    argv.push_back(GUST_SOFTFLOAT_LIB);
  }
  argv.insert(argv.end(), libs.begin(), libs.end());
  argv.push_back("--end-group");
  auto lr = run_tool(argv);
  if (lr.status != 0) {
    argv.erase(argv.begin() + 5);  // older ld: no --no-warn-rwx-segments
    lr = run_tool(argv);
    if (lr.status != 0) return Error::make(Error::Kind::Tool, "arm-none-eabi-ld failed: " + lr.output);
  }
  auto buf = llvm::MemoryBuffer::getFile(elf.string());
  if (!buf) return Error::make(Error::Kind::Tool, "cannot read the linked image", elf.string());
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) return Error::make(Error::Kind::Tool, "the linked image is not ELF", elf.string());
  uint64_t flash_end = flash_cursor_, sram_end = sram_cursor_;
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    if (!name || !addr) continue;
    if (*name == "gust_flash_end") flash_end = std::max<uint64_t>(flash_end, *addr);
    if (*name == "gust_sram_end") sram_end = std::max<uint64_t>(sram_end, *addr);
  }
  if (flash_end > flash_mapped_) {
    const uint64_t to = round_up(flash_end, 0x10000);
    uc_mem_map(uc_, flash_mapped_, to - flash_mapped_, UC_PROT_READ | UC_PROT_EXEC);
    flash_mapped_ = uint32_t(to);
  }
  if (sram_end > sram_mapped_) {
    const uint64_t to = round_up(sram_end, 0x10000);
    if (uc_mem_map(uc_, sram_mapped_, to - sram_mapped_, UC_PROT_ALL) != UC_ERR_OK)
      return Error::make(Error::Kind::Limit, "the image's data does not fit the emulated SRAM", elf.string());
    sram_mapped_ = uint32_t(to);
  }
  if (auto r = read_image(elf); !r) return r.error();
  const Image& img = images_.back();
  uint32_t lo = UINT32_MAX, hi = 0;
  for (const auto& s : stubbed) {
    if (!img.symbols.count(s)) continue;
    const uint32_t at = img.symbols.at(s);
    stub_at_[at] = s;
    lo = std::min(lo, at);
    hi = std::max(hi, at + 4);
  }
  if (lo < hi) {
    uc_hook h;
    uc_hook_add(uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&CortexM::hook_code), this, lo, hi - 1);
  }
  flash_cursor_ = uint32_t(round_up(flash_end, 16));
  sram_cursor_ = uint32_t(round_up(sram_end, 16));
  return int(images_.size() - 1);
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

// Writes a linked image's loadable sections into mapped memory (.bss is
// skipped: mapped memory starts zeroed) and records its symbols.
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
  Image img;
  for (const auto& sym : (*obj)->symbols()) {
    auto name = sym.getName();
    auto addr = sym.getAddress();
    if (!name || !addr || name->empty()) continue;
    img.symbols[name->str()] = uint32_t(*addr) & ~1u;
    img.sizes[name->str()] = llvm::object::ELFSymbolRef(sym).getSize();
  }
  images_.push_back(std::move(img));
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

bool CortexM::map_ram(uint32_t base, uint32_t size) { return uc_mem_map(uc_, base, size, UC_PROT_ALL) == UC_ERR_OK; }

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
  // The image's own gust_trap is where a trap ends: stop there, with its
  // code. The bridge's checks may reach the policy's function directly (the
  // compiler inlines gust_trap into its callers in the bridge's file), whose
  // first argument is the code too.
  for (const char* trap : {"gust_trap", "gust_trap_halt", "gust_trap_reset"}) {
    if (!cpu->has(trap)) continue;
    const uint32_t at = cpu->address(trap);
    cpu->stub_at_[at] = "gust_trap";
    uc_hook h;
    uc_hook_add(cpu->uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&CortexM::hook_code), cpu.get(), at, at + 1);
  }
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

const CortexM::Image* CortexM::image_with(const std::string& symbol) const {
  for (auto it = images_.rbegin(); it != images_.rend(); ++it)
    if (it->symbols.count(symbol)) return &*it;
  return nullptr;
}

bool CortexM::has(const std::string& symbol) const { return image_with(symbol) != nullptr; }

uint32_t CortexM::address(const std::string& symbol) const {
  const Image* img = image_with(symbol);
  return img ? img->symbols.at(symbol) : 0;
}

uint32_t CortexM::address_in(int image, const std::string& symbol) const {
  const auto& syms = images_.at(size_t(image)).symbols;
  auto it = syms.find(symbol);
  return it == syms.end() ? 0 : it->second;
}

uint64_t CortexM::code_bytes(const std::string& symbol) const {
  const Image* img = image_with(symbol);
  return img ? img->sizes.at(symbol) : 0;
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
  if (!has(symbol)) {
    Call c;
    c.fault = "no symbol " + symbol;
    return c;
  }
  uint32_t regs[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < 4 && i < words.size(); ++i) regs[i] = words[i];
  std::vector<uint32_t> stack(words.size() > 4 ? words.begin() + 4 : words.end(), words.end());
  return call_raw(address(symbol), regs, stack);
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
