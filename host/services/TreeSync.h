// Makes one mounted volume's content that of another, for copies where no single driver sees
// both volumes (between pools) and for refreshing an existing copy.
#pragma once

#include <string>

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// Which files of dst are rewritten: those that differ in size or mtime, or all of them (a
// block volume's image keeps its size, and a change within the second keeps its mtime).
enum class SyncCheck { SizeAndTime, Everything };

// Makes dst's tree (a mounted path) an exact copy of src's: what is missing or differs (as check
// says) is copied, holes included, what src lacks is deleted. The operation's cancellation
// reaches it.
void syncTree(const std::string& src, const std::string& dst, ops::Operation& op,
              SyncCheck check = SyncCheck::SizeAndTime);

}  // namespace lxdp::services
