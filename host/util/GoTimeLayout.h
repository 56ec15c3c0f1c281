// Formatting a time with a Go reference layout ("2006-01-02_15-04-05"), as pongo2's date
// filter does in snapshots.pattern.
#pragma once

#include <ctime>
#include <string>

namespace lxdp::util {

// The elements of Go's layout language (January Jan Monday Mon 2006 06 01 1 02 _2 2 15 03 3
// 04 4 05 5 PM pm MST -0700 -07:00 -07 Z0700 Z07:00 Z07, .000/.999 fractions as zeros); any
// other text is copied. tm is the broken-down time with its tm_gmtoff and tm_zone.
std::string formatGoLayout(const std::tm& tm, const std::string& layout);

}  // namespace lxdp::util
