// Makes one mounted volume's content that of another, for copies where no single driver sees
// both volumes (between pools) and for refreshing an existing copy.
#pragma once

#include <string>

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// Makes dst's tree (a mounted path) an exact copy of src's: what is missing or differs in
// size or mtime is copied, what src lacks is deleted. The operation's cancellation reaches it.
void syncTree(const std::string& src, const std::string& dst, ops::Operation& op);

}  // namespace lxdp::services
