// File access inside an instance's rootfs, confined with openat2(RESOLVE_IN_ROOT).
#pragma once

#include "lxc_common.h"

namespace lxdp_lxc {

void file_get(const InstanceView &inst, const char *path, lxdp_file_info *info, const lxdp_byte_sink *content,
              const lxdp_name_sink *names);
void file_put(const InstanceView &inst, const char *path, const lxdp_file_info *info,
              const lxdp_byte_source *content);
void file_delete(const InstanceView &inst, const char *path);

} // namespace lxdp_lxc
