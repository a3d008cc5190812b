// gust: a C++20 toolchain that dissolves sandboxed wasm drivers into native
// Thumb-2 firmware. This file only dispatches to the subcommands.
#include <cstdio>

#include "cli/cli.h"

namespace gust::cli {

int exit_status = 0;

int report(const Error& e) {
  fprintf(stderr, "gust: %s\n", e.str().c_str());
  return 1;
}

}  // namespace gust::cli

int main(int argc, char** argv) {
  CLI::App app{"gust: C++ drivers compiled to WebAssembly, dissolved into native Thumb-2 firmware"};
  app.require_subcommand(1);
  gust::cli::add_dissolve(app);
  gust::cli::add_build(app);
  gust::cli::add_run(app);
  gust::cli::add_spec(app);
  gust::cli::add_prove(app);
  gust::cli::add_bind(app);
  gust::cli::add_audit(app);
  gust::cli::add_trace(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // a usage error, distinct from a failing input (1)
  }
  return gust::cli::exit_status;
}
