// The gust command line: one file per subcommand, each registering itself.
#pragma once
#include <CLI/CLI.hpp>
#include <filesystem>

#include "wasm/error.h"

namespace gust::cli {

// Each subcommand sets the process's exit status through this.
extern int exit_status;

// Prints an error on stderr in gust's one format and returns 1.
int report(const Error& e);

// Where `gust build` puts images when --out is not given.
std::filesystem::path default_out_root();

void add_dissolve(CLI::App& app);
void add_build(CLI::App& app);
void add_run(CLI::App& app);
void add_spec(CLI::App& app);
void add_prove(CLI::App& app);
void add_bind(CLI::App& app);
void add_audit(CLI::App& app);
void add_trace(CLI::App& app);

}  // namespace gust::cli
