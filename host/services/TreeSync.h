// Makes one mounted volume's content that of another, for copies where no single driver sees
// both volumes (between pools) and for refreshing an existing copy.
#pragma once

#include <string>

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// Which files of dst are rewritten: those whose size or content differ (same-size files are
// compared by checksum: a change within the second keeps the mtime, so size and mtime alone
// miss it), or all of them (a block volume's image, whose checksum would cost as much).
enum class SyncCheck { Content, Everything };

// Makes dst's tree (a mounted path) an exact copy of src's: what is missing or differs (as check
// says) is copied, holes included, what src lacks is deleted. The operation's cancellation
// reaches it.
void syncTree(const std::string& src, const std::string& dst, ops::Operation& op,
              SyncCheck check = SyncCheck::Content);

}  // namespace lxdp::services
