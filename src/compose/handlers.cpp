// Interrupt handlers in wasm: a thin-seam driver that exports
// `irq_handler_<k>` (no parameters, no results) has the node's vector entry
// for its k-th granted line call that export directly (bridge.h,
// GUST_IRQ_WASM_HANDLER), with no latch and no poll on that line. A handler
// for a line the node does not grant the instance, or of another type, is
// refused here, before anything is dissolved. A peripheral's core
// exceptions (SysTick) are its lines after the NVIC ones: irq_handler_0 of a
// SysTick instance is the SysTick exception's handler.
#include "compose/stages.h"

namespace gust::compose {

const char* const kIrqHandlerPrefix = "irq_handler_";

Result<std::set<uint32_t>> irq_handlers(const Node& n, const DriverInstance& d, const Peripheral& p,
                                        const wasm::Module& m) {
  std::set<uint32_t> lines;
  const std::string prefix = kIrqHandlerPrefix;
  for (const auto& e : m.exports) {
    if (e.name.rfind(prefix, 0) != 0) continue;
    auto refuse = [&](const std::string& why) {
      return Error::make(
          Error::Kind::Input,
          "driver instance '" + d.instance + "' (" + d.source.string() + ") exports \"" + e.name + "\": " + why,
          n.file.string());
    };
    const std::string k = e.name.substr(prefix.size());
    const bool number = !k.empty() && k.size() <= 3 && k.find_first_not_of("0123456789") == std::string::npos &&
                        (k == "0" || k[0] != '0');
    if (!number) return refuse("an interrupt handler is irq_handler_<k>, k the index of a granted line (0, 1, ...)");
    const uint32_t line = uint32_t(std::stoul(k));
    if (e.kind != wasm::ExternKind::Func) return refuse("an interrupt handler is a function");
    if (d.seam != "thin")
      return refuse("only a thin-seam driver is granted interrupt lines ('" + d.seam + "' seam: the bridge owns them)");
    const size_t granted = p.irqs.size() + p.exceptions.size();
    if (line >= granted)
      return refuse("a handler for line " + std::to_string(line) + ", but the node grants it " +
                    std::to_string(granted) + " interrupt line" + (granted == 1 ? "" : "s") + " (" + p.name + ")");
    const uint32_t imported = m.imported(wasm::ExternKind::Func);
    if (e.index < imported) return refuse("an interrupt handler is the driver's own function, not an import");
    const wasm::FuncType& ft = m.types.at(m.functions.at(e.index - imported).type);
    if (!ft.params.empty() || !ft.results.empty()) return refuse("an interrupt handler takes and returns nothing");
    lines.insert(line);
  }
  return lines;
}

}  // namespace gust::compose
