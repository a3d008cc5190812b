// The relay instance's proofs for `gust build --prove`: the ring's
// (drivers/uart-irq/proofs.cpp) and the framer's (proofs.cpp), each in a
// namespace of its own, against the one module relay.cpp builds.
#include <gust/prove.h>

#include <utility>

#include "../../drivers/uart-irq/ring.h"
#include "../../drivers/uart-thin/usart.h"
#include "ccsds.h"

namespace ring_harnesses {
#include "../../drivers/uart-irq/proofs.cpp"
}  // namespace ring_harnesses
namespace framer_harnesses {
#include "proofs.cpp"
}  // namespace framer_harnesses
