// An emulated Cortex-M3 (Unicorn) that runs linked Thumb-2 code: dissolved
// objects, native builds of the same source, or spec-suite modules. Every
// symbol the objects leave undefined becomes a stub whose call is handled on
// the host, so the seam's imports can be scripted by a test or a benchmark.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wasm/error.h"

struct uc_struct;

namespace gust::emu {

namespace fs = std::filesystem;

constexpr uint32_t kFlashBase = 0x08000000;
constexpr uint32_t kSramBase = 0x20000000;

class CortexM {
 public:
  // Links the objects (and gust's soft-float helpers, newlib's libm and libc,
  // libgcc) into one image in `workdir`, with a
  // stub for each undefined symbol that `extra_asm` does not define, and
  // loads it. SRAM at 0x20000000 holds the stack first (`stack_bytes`, so an
  // overflow faults instead of corrupting data), then .data and .bss.
  [[nodiscard]] static Result<std::unique_ptr<CortexM>> load(const std::vector<fs::path>& objects,
                                                             const fs::path& workdir, const std::string& extra_asm = "",
                                                             uint32_t stack_bytes = 256 << 10);
  // An empty machine: a stack and no image yet.
  [[nodiscard]] static Result<std::unique_ptr<CortexM>> create(uint32_t stack_bytes = 256 << 10);
  // Links the objects at the next free flash and SRAM addresses and loads
  // them; `defsyms` resolves symbols to addresses in images loaded before
  // (functions with the Thumb bit set). Returns the image's index.
  [[nodiscard]] Result<int> add_image(const std::vector<fs::path>& objects, const fs::path& workdir,
                                      const std::string& extra_asm, const std::map<std::string, uint32_t>& defsyms);
  uint32_t address_in(int image, const std::string& symbol) const;

  // Loads an image linked elsewhere (a node's .elf): its flash and SRAM as the
  // chip has them, plain memory for the system control space and RCC, and
  // `window` bytes at `mmio_base` served by the callbacks (a device model).
  using MmioRead = std::function<uint32_t(uint32_t offset)>;
  using MmioWrite = std::function<void(uint32_t offset, uint32_t value)>;
  [[nodiscard]] static Result<std::unique_ptr<CortexM>> load_image(const fs::path& elf, uint32_t mmio_base,
                                                                   uint32_t window, MmioRead read, MmioWrite write);
  // Serves `size` bytes at `base` with a device model (after load()).
  void map_mmio(uint32_t base, uint32_t size, MmioRead read, MmioWrite write);
  // Plain memory at `base` (after load()), for registers the code under
  // test only stores to, such as the NVIC's set-enable words.
  [[nodiscard]] bool map_ram(uint32_t base, uint32_t size);
  ~CortexM();

  // A host function behind a stub: reads its arguments with arg(), sets its
  // result with set_result().
  using Host = std::function<void(CortexM&)>;
  void on_import(const std::string& symbol, Host fn) { hosts_[symbol] = std::move(fn); }

  struct Call {
    bool ok = false;       // returned normally
    bool trapped = false;  // reached gust_trap
    uint32_t trap_code = 0;
    uint32_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    uint64_t instructions = 0;  // executed, when counting is on
    std::string fault;          // the emulator's error, if it stopped otherwise
  };
  // Calls a function by symbol with argument words (AAPCS: r0-r3, then the
  // stack). The caller places 64-bit values in even register pairs.
  Call call(const std::string& symbol, const std::vector<uint32_t>& words);
  // The same with the four argument registers and the stack words given apart.
  Call call_raw(uint32_t address, const uint32_t regs[4], const std::vector<uint32_t>& stack_words);
  uint32_t sp() const;
  uint32_t scratch() const { return scratch_; }  // 4 KiB of SRAM free for the caller's use

  // By symbol, in the most recently added image that has it.
  bool has(const std::string& symbol) const;
  uint32_t address(const std::string& symbol) const;
  std::vector<std::string> stubs() const;  // the undefined symbols that became stubs
  uint32_t arg(int n) const;               // r0..r3 inside a host call
  void set_result(uint32_t r0, uint32_t r1 = 0);
  void set_results(const uint32_t r[4]);
  // From a host function: stop the current call as a trap with this code
  // (a trap in another instance that the host called into).
  void raise_trap(uint32_t code);
  // From a host function: stop the current call with a fault.
  void raise_fault(const std::string& why);
  void count_instructions(bool on);
  // Images added from now on take the __aeabi_* float helpers from libgcc
  // instead of gust's (firmware/softfloat): for a comparison with them.
  void use_libgcc_float(bool on) { libgcc_float_ = on; }
  uint64_t code_bytes(const std::string& symbol) const;  // st_size of a function
  bool read(uint32_t addr, void* out, size_t n) const;
  bool write(uint32_t addr, const void* in, size_t n);

 private:
  CortexM() = default;
  static void hook_code(uc_struct* uc, uint64_t address, uint32_t size, void* self);

  uc_struct* uc_ = nullptr;
  struct Image {
    std::map<std::string, uint32_t> symbols;
    std::map<std::string, uint64_t> sizes;
  };
  const Image* image_with(const std::string& symbol) const;
  std::vector<Image> images_;
  uint32_t flash_cursor_ = 0, flash_mapped_ = 0, sram_cursor_ = 0, sram_mapped_ = 0;
  std::map<uint32_t, std::string> stub_at_;
  std::map<std::string, Host> hosts_;
  uint32_t stack_top_ = 0;
  uint32_t scratch_ = 0;
  uint64_t time_limit_us_ = 10'000'000;
  size_t count_hook_ = 0;
  int nesting_ = 0;
  MmioRead mmio_read_;
  MmioWrite mmio_write_;
  Result<void> read_image(const fs::path& elf);
  bool counting_ = false;
  bool libgcc_float_ = false;
  uint64_t count_ = 0;
  bool trapped_ = false;
  uint32_t trap_code_ = 0;
  std::string host_error_;
};

}  // namespace gust::emu
