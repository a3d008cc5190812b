// gust run and gdb (run_gdb.cpp): QEMU's gdb server for `gust run --gdb`,
// and the trap watch of every gated run: gdb-multiarch in batch mode stops
// the core on gust_trap's first instruction (a breakpoint of QEMU's, no code
// in the image), reads the code from r0 and the call stack from the image's
// DWARF, and gust reports the trap at the driver's source line.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "compose/compose.h"

namespace gust::cli {

// A TCP port on localhost that no one listens on now, for QEMU's gdb server.
int free_port();

// The gdb-multiarch to run (GUST_GDB overrides), or "" when none is found.
std::string gdb_program();

// The command that attaches gdb-multiarch to QEMU's gdb server on `port`
// with the image's symbols, as `gust run --gdb` prints it.
std::string gdb_attach_command(const std::filesystem::path& elf, int port);

// gdb-multiarch watching a QEMU started halted (-S) with its gdb server on
// `port`: it lets the core run and, if gust_trap is called, prints the code
// and the backtrace, then exits, leaving the core halted.
struct TrapWatch {
  pid_t pid = -1;
  int fd = -1;         // gdb's output
  std::string output;  // what it printed so far
};
std::optional<TrapWatch> start_trap_watch(const std::filesystem::path& elf, int port);

// What the watch's output says, once gdb has exited: the report line
// ("gust: trap CODE (MEANING) in INSTANCE.FUNCTION at FILE:LINE"), or
// nullopt when the core never reached gust_trap.
std::optional<std::string> trap_report(const std::string& gdb_output, const std::filesystem::path& elf,
                                       const compose::Node& node);

// QEMU's report of a core lockup, from what it printed on stderr before it
// aborted (qemu-system-arm 7.2 on v7-M: "qemu: fatal: Lockup: can't escalate
// 3 to HardFault (current priority -1)" and the registers): the report line
// "gust: lockup (WHY) at pc 0xPC in FUNCTION at FILE:LINE", or nullopt when
// QEMU reported no lockup.
std::optional<std::string> lockup_report(const std::string& qemu_stderr, const std::filesystem::path& elf);

}  // namespace gust::cli
