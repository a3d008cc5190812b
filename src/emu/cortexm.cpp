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

std::string linker_script(uint32_t sram_bytes) {
  return "MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 4M\n"
         "         SRAM (rwx) : ORIGIN = 0x20000000, LENGTH = " + std::to_string(sram_bytes) + " }\n"
         "SECTIONS {\n"
         "  .text : { *(.text .text.*) *(.rodata .rodata.*) } > FLASH\n"
         "  .ARM.exidx : { *(.ARM.exidx*) } > FLASH\n"
         "  .data : { *(.data .data.*) } > SRAM\n"
         "  .bss : { *(.bss .bss.* COMMON) } > SRAM\n"
         "}\n";
}

}  // namespace

CortexM::~CortexM() {
  if (uc_) uc_close(uc_);
}

Result<std::unique_ptr<CortexM>> CortexM::load(const std::vector<fs::path>& objects, const fs::path& workdir,
                                               uint32_t sram_bytes) {
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
  std::string stubs = ".syntax unified\n.thumb\n.section .text.gust_stubs,\"ax\"\n.p2align 2\n";
  for (const auto& s : needed) {
    if (defined.count(s) || s.rfind("__aeabi_", 0) == 0 || s.rfind("__", 0) == 0) continue;
    stubs += ".global " + s + "\n.type " + s + ", %function\n.thumb_func\n" + s + ":\n  bx lr\n  nop\n";
  }
  const fs::path stub_s = workdir / "stubs.s", stub_o = workdir / "stubs.o", ld = workdir / "harness.ld",
                 elf = workdir / "image.elf";
  std::ofstream(stub_s) << stubs;
  std::ofstream(ld) << linker_script(sram_bytes);
  auto as = run_tool({tool("GUST_ARM_AS", "arm-none-eabi-as"), "-mcpu=cortex-m3", "-mthumb", "-o", stub_o.string(),
                      stub_s.string()});
  if (as.status != 0) return Error::make(Error::Kind::Tool, "arm-none-eabi-as failed: " + as.output);
  auto libgcc = run_tool({tool("GUST_ARM_GCC", "arm-none-eabi-gcc"), "-mcpu=cortex-m3", "-mthumb",
                          "-print-libgcc-file-name"});
  std::string libgcc_path = libgcc.output.substr(0, libgcc.output.find('\n'));
  std::vector<std::string> argv = {tool("GUST_ARM_LD", "arm-none-eabi-ld"), "-T", ld.string(), "-o", elf.string(),
                                   "--no-warn-rwx-segments", stub_o.string()};
  for (const auto& o : objects) argv.push_back(o.string());
  if (!libgcc_path.empty()) argv.push_back(libgcc_path);
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
  uc_mem_map(cpu->uc_, kFlashBase, kFlashSize, UC_PROT_READ | UC_PROT_EXEC);
  const uint32_t sram_mapped = (sram_bytes + 0xFFF) & ~0xFFFu;
  uc_mem_map(cpu->uc_, kSramBase, sram_mapped, UC_PROT_ALL);
  uc_mem_map(cpu->uc_, kReturnMagic, 0x1000, UC_PROT_ALL);
  cpu->stack_top_ = kSramBase + sram_mapped;

  auto buf = llvm::MemoryBuffer::getFile(elf.string());
  if (!buf) return Error::make(Error::Kind::Tool, "cannot read the linked image", elf.string());
  auto obj = llvm::object::ObjectFile::createObjectFile((*buf)->getMemBufferRef());
  if (!obj) return Error::make(Error::Kind::Tool, "the linked image is not ELF", elf.string());
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
  for (const auto& s : needed) {
    if (defined.count(s) || !cpu->symbols_.count(s)) continue;
    const uint32_t at = cpu->symbols_[s];
    cpu->stub_at_[at] = s;
    cpu->stub_lo_ = std::min(cpu->stub_lo_, at);
    cpu->stub_hi_ = std::max(cpu->stub_hi_, at + 4);
  }
  uc_hook h;
  uc_hook_add(cpu->uc_, &h, UC_HOOK_CODE, reinterpret_cast<void*>(&CortexM::hook_code), cpu.get(), 1, 0);
  return cpu;
}

void CortexM::hook_code(uc_struct* uc, uint64_t address, uint32_t, void* self_ptr) {
  auto* self = static_cast<CortexM*>(self_ptr);
  if (self->counting_) ++self->count_;
  if (address < self->stub_lo_ || address >= self->stub_hi_) return;
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

bool CortexM::read(uint32_t addr, void* out, size_t n) const { return uc_mem_read(uc_, addr, out, n) == UC_ERR_OK; }
bool CortexM::write(uint32_t addr, const void* in, size_t n) { return uc_mem_write(uc_, addr, in, n) == UC_ERR_OK; }

CortexM::Call CortexM::call(const std::string& symbol, const std::vector<uint32_t>& words) {
  Call c;
  auto it = symbols_.find(symbol);
  if (it == symbols_.end()) {
    c.fault = "no symbol " + symbol;
    return c;
  }
  trapped_ = false;
  trap_code_ = 0;
  count_ = 0;
  host_error_.clear();
  uint32_t sp = stack_top_;
  // Words beyond the fourth go on the stack, the fifth at the lowest address.
  if (words.size() > 4) {
    sp -= uint32_t(words.size() - 4) * 4;
    sp &= ~7u;
    for (size_t i = 4; i < words.size(); ++i) write(sp + uint32_t(i - 4) * 4, &words[i], 4);
  }
  for (size_t i = 0; i < 4; ++i) {
    uint32_t v = i < words.size() ? words[i] : 0;
    uc_reg_write(uc_, UC_ARM_REG_R0 + int(i), &v);
  }
  uint32_t lr = kReturnMagic | 1;
  uc_reg_write(uc_, UC_ARM_REG_SP, &sp);
  uc_reg_write(uc_, UC_ARM_REG_LR, &lr);
  uc_err err = uc_emu_start(uc_, it->second | 1, kReturnMagic, 0, 0);
  c.instructions = count_;
  if (trapped_) {
    c.trapped = true;
    c.trap_code = trap_code_;
    return c;
  }
  if (!host_error_.empty()) {
    c.fault = host_error_;
    return c;
  }
  if (err != UC_ERR_OK) {
    uint32_t pc = 0;
    uc_reg_read(uc_, UC_ARM_REG_PC, &pc);
    char buf[64];
    snprintf(buf, sizeof buf, " at pc 0x%08x", pc);
    c.fault = std::string(uc_strerror(err)) + buf;
    return c;
  }
  uint32_t pc = 0;
  uc_reg_read(uc_, UC_ARM_REG_PC, &pc);
  if ((pc & ~1u) != kReturnMagic) {
    c.fault = "stopped before returning";
    return c;
  }
  c.ok = true;
  uc_reg_read(uc_, UC_ARM_REG_R0, &c.r0);
  uc_reg_read(uc_, UC_ARM_REG_R1, &c.r1);
  uc_reg_read(uc_, UC_ARM_REG_R2, &c.r2);
  uc_reg_read(uc_, UC_ARM_REG_R3, &c.r3);
  return c;
}

}  // namespace gust::emu
