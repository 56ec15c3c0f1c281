#include "config/RawIdmap.h"

#include <gtest/gtest.h>

#include "ExpectError.h"
#include "config/InstanceConfig.h"

using namespace lxdp::config;

TEST(RawIdmap, ParsesTheSpecsExample) {
    const auto entries = parseRawIdmap("both 1000 1000\nuid 50-60 500-510\n\ngid 100000-110000 10000-20000\n");
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_TRUE(entries[0].uid && entries[0].gid);
    EXPECT_EQ(entries[0].hostId, 1000);
    EXPECT_EQ(entries[0].size, 1);
    EXPECT_TRUE(entries[1].uid && !entries[1].gid);
    EXPECT_EQ(entries[1].hostId, 50);
    EXPECT_EQ(entries[1].nsId, 500);
    EXPECT_EQ(entries[1].size, 11);
    EXPECT_TRUE(!entries[2].uid && entries[2].gid);
    EXPECT_EQ(entries[2].line, 4);
    EXPECT_EQ(entries[2].size, 10001);
}

TEST(RawIdmap, BadLinesAreRefusedByNumber) {
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "user 1000 1000"), "line 1 (\"user 1000 1000\")");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "both 1000 1000\nuid 1000-1002 500-501"), "line 2");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "both 1000"), "line 1");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "both 1000 1000 7"), "line 1");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "uid 10x 10"), "invalid host id range");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "uid 20-10 20-10"), "invalid host id range");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "uid 4294967295 0"), "invalid host id range");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "uid 1000 1000\nboth 2000 1000"), "container ids are mapped by line 1");
    EXPECT_BAD_REQUEST(validateInstanceKey("raw.idmap", "gid 5-9 5-9\ngid 7 70"), "host ids are mapped by line 1");
    // A uid line and a gid line do not collide.
    EXPECT_NO_THROW(validateInstanceKey("raw.idmap", "uid 1000 1000\ngid 1000 1000"));
    EXPECT_NO_THROW(validateInstanceKey("raw.idmap", ""));
}
