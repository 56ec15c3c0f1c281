// Mutexes by key: one mutex per key while it is held, nothing kept of keys nobody holds (a
// daemon that creates and deletes instances by the thousand keeps no entry per deleted one).
#include <gtest/gtest.h>

#include <string>

#include "util/KeyedMutexes.h"

namespace {

TEST(KeyedMutexes, SameKeySharesTheMutexWhileHeld) {
    lxdp::util::KeyedMutexes locks;
    auto a = locks.get("default/c1");
    auto b = locks.get("default/c1");
    EXPECT_EQ(a, b);
    EXPECT_NE(a, locks.get("default/c2"));
    std::lock_guard held(*a);
    EXPECT_FALSE(b->try_lock());
}

TEST(KeyedMutexes, KeysNobodyHoldsAreForgotten) {
    lxdp::util::KeyedMutexes locks;
    for (int i = 0; i < 1000; ++i) {
        auto m = locks.get("default/c" + std::to_string(i));
        std::lock_guard held(*m);
    }
    EXPECT_EQ(locks.size(), 0u);
    auto kept = locks.get("default/kept");
    locks.get("default/other");
    EXPECT_EQ(locks.size(), 1u);
    EXPECT_EQ(locks.get("default/kept"), kept);
}

}  // namespace
