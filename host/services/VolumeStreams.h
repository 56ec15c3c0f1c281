// Volumes moved between two pools of one driver as the driver's own streams (ABI 1.3's
// volume_send and volume_receive): a btrfs volume goes to another btrfs pool whole, a snapshot as
// its difference from the one sent before it, where a file copy would rewrite every file.
#pragma once

#include "plugins/StorageDriver.h"

namespace lxdp::ops { class Operation; }

namespace lxdp::services {

// Whether volumes go from one pool to the other as streams: both of one driver, which streams.
bool canStream(const plugins::StoragePool& from, const plugins::StoragePool& to);

// Creates dst on to from src on from, streamed. parent is nullptr or the snapshot of src's volume
// streamed to the same pool just before (src then goes as its difference from it). Returns false,
// with nothing of dst made, when the driver cannot stream src (the caller copies its files);
// throws when the transfer failed, leaving nothing of dst.
bool streamVolume(plugins::StoragePool& from, const plugins::VolumeRef& src, const plugins::VolumeRef* parent,
                  plugins::StoragePool& to, const plugins::VolumeRef& dst, ops::Operation& op);

// streamVolume for a snapshot, which every streaming driver sends whole: a refusal is a failure.
void streamSnapshot(plugins::StoragePool& from, const plugins::VolumeRef& src, const plugins::VolumeRef* parent,
                    plugins::StoragePool& to, const plugins::VolumeRef& dst, ops::Operation& op);

}  // namespace lxdp::services
