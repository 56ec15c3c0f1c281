#include "config/Validators.h"

#include <gtest/gtest.h>

using namespace lxdp::config;

TEST(ParseByteSize, BinaryAndDecimalUnits) {
    EXPECT_EQ(parseByteSize("1GiB"), 1073741824);
    EXPECT_EQ(parseByteSize("1GB"), 1000000000);
    EXPECT_EQ(parseByteSize("512MB"), 512000000);
    EXPECT_EQ(parseByteSize("2KiB"), 2048);
    EXPECT_EQ(parseByteSize("3kB"), 3000);
    EXPECT_EQ(parseByteSize("3KB"), 3000);
    EXPECT_EQ(parseByteSize("1EiB"), int64_t(1) << 60);
    EXPECT_EQ(parseByteSize("42"), 42);
    EXPECT_EQ(parseByteSize("42B"), 42);
    EXPECT_EQ(parseByteSize("42 bytes"), 42);
    EXPECT_EQ(parseByteSize(""), 0);
}

TEST(ParseByteSize, RejectsGarbageNegativesAndOverflow) {
    for (const char* bad : {"lots", "GB", "-1GB", "1.5GB", "1gb", "1 GB", "8EiB", "99999999999999999999"})
        EXPECT_THROW(parseByteSize(bad), InvalidValue) << bad;
}

TEST(ParseBitSize, Units) {
    EXPECT_EQ(parseBitSize("10Mbit"), 10000000);
    EXPECT_EQ(parseBitSize("1Gibit"), 1073741824);
    EXPECT_THROW(parseBitSize("10MB"), InvalidValue);
}

TEST(IsBool, AcceptsLxdSpellingsInAnyCase) {
    for (const char* ok : {"true", "false", "1", "0", "yes", "no", "on", "off", "TRUE", "Off", "Yes"})
        EXPECT_NO_THROW(isBool(ok)) << ok;
    for (const char* bad : {"", "2", "y", "enabled", "truee"}) EXPECT_THROW(isBool(bad), InvalidValue) << bad;
}

TEST(IsTrue, OnlyTrueSpellings) {
    EXPECT_TRUE(isTrue("On"));
    EXPECT_TRUE(isTrue("1"));
    EXPECT_FALSE(isTrue("false"));
    EXPECT_FALSE(isTrue(""));
}

TEST(Integers, RangesAreEnforced) {
    EXPECT_NO_THROW(isInt64("-5"));
    EXPECT_THROW(isInt64("5x"), InvalidValue);
    EXPECT_NO_THROW(isUint32("4294967295"));
    EXPECT_THROW(isUint32("4294967296"), InvalidValue);
    EXPECT_THROW(isUint32("-1"), InvalidValue);
    EXPECT_NO_THROW(isUint8("255"));
    EXPECT_THROW(isUint8("256"), InvalidValue);
    EXPECT_NO_THROW(isPriority("0"));
    EXPECT_NO_THROW(isPriority("10"));
    EXPECT_THROW(isPriority("11"), InvalidValue);
}

TEST(IsMemoryLimit, SizeOrPercentage) {
    for (const char* ok : {"512MB", "1GiB", "50%", "100%", "0%"}) EXPECT_NO_THROW(isMemoryLimit(ok)) << ok;
    for (const char* bad : {"lots", "101%", "-5%", "%", "5.5%"}) EXPECT_THROW(isMemoryLimit(bad), InvalidValue) << bad;
}

TEST(IsCPULimit, CountOrSet) {
    for (const char* ok : {"4", "0-3", "0-3,5", "1-1", "0,2,4"}) EXPECT_NO_THROW(isCPULimit(ok)) << ok;
    for (const char* bad : {"0", "-1", "3-1", "0,", ",1", "a", "1--2"}) EXPECT_THROW(isCPULimit(bad), InvalidValue) << bad;
}

TEST(IsCPUAllowance, PercentageOrTimeSlice) {
    for (const char* ok : {"50%", "25ms/100ms", "20/50"}) EXPECT_NO_THROW(isCPUAllowance(ok)) << ok;
    for (const char* bad : {"150%", "25ms", "ms/100ms", "0ms/100ms"}) EXPECT_THROW(isCPUAllowance(bad), InvalidValue) << bad;
}

TEST(IsCron, FiveFieldsAliasesAndLists) {
    for (const char* ok : {"0 6 * * *", "*/15 * * * *", "0 0 1 jan mon", "0 1,13 * * 1-5", "@daily", "@hourly, 0 6 * * *", "0 0 ? * *"})
        EXPECT_NO_THROW(isCron(ok)) << ok;
    for (const char* bad : {"0 6 * *", "60 * * * *", "* 24 * * *", "@sometimes", "*/0 * * * *", "5-1 * * * *", "0  6 * * *"})
        EXPECT_THROW(isCron(bad), InvalidValue) << bad;
}

TEST(IsSnapshotExpiry, UnitsFromTheSpec) {
    EXPECT_NO_THROW(isSnapshotExpiry("1M 2H 3d 4w 5m 6y"));
    EXPECT_NO_THROW(isSnapshotExpiry("2w"));
    EXPECT_THROW(isSnapshotExpiry("2x"), InvalidValue);
    EXPECT_THROW(isSnapshotExpiry("d"), InvalidValue);
}

TEST(Network, MacAndAddresses) {
    EXPECT_NO_THROW(isNetworkMAC("00:16:3e:aa:bb:cc"));
    EXPECT_NO_THROW(isNetworkMAC("00-16-3E-AA-BB-CC"));
    EXPECT_THROW(isNetworkMAC("00:16:3e:aa:bb"), InvalidValue);
    EXPECT_THROW(isNetworkMAC("00:16-3e:aa:bb:cc"), InvalidValue);
    EXPECT_NO_THROW(isIPv4("10.0.0.1"));
    EXPECT_THROW(isIPv4("10.0.0.256"), InvalidValue);
    EXPECT_NO_THROW(isIPv6("fd42::1"));
    EXPECT_NO_THROW(isIPv4CIDR("10.0.0.0/24"));
    EXPECT_THROW(isIPv4CIDR("10.0.0.0/33"), InvalidValue);
    EXPECT_THROW(isIPv4CIDR("10.0.0.0"), InvalidValue);
    EXPECT_NO_THROW(isIPv6CIDR("fd42::/64"));
}

TEST(IsAbsFilePath, NeedsLeadingSlash) {
    EXPECT_NO_THROW(isAbsFilePath("/var/lib"));
    EXPECT_THROW(isAbsFilePath("var/lib"), InvalidValue);
    EXPECT_THROW(isAbsFilePath(""), InvalidValue);
}

TEST(IsCompressionAlgorithm, PlainNamesOnly) {
    EXPECT_NO_THROW(isCompressionAlgorithm("gzip"));
    EXPECT_NO_THROW(isCompressionAlgorithm("none"));
    EXPECT_THROW(isCompressionAlgorithm("gzip --rsyncable"), InvalidValue);
    EXPECT_THROW(isCompressionAlgorithm("sh"), InvalidValue);
}

TEST(Combinators, OneOfListOfOptional) {
    const auto mode = isOneOf({"hard", "soft"});
    EXPECT_NO_THROW(mode("soft"));
    EXPECT_THROW(mode("medium"), InvalidValue);
    const auto ips = isListOf(isIPv4);
    EXPECT_NO_THROW(ips("10.0.0.1, 10.0.0.2"));
    EXPECT_THROW(ips("10.0.0.1,nope"), InvalidValue);
    EXPECT_THROW(isBool(""), InvalidValue);
    EXPECT_NO_THROW(optional(isBool)(""));
    EXPECT_THROW(optional(isBool)("maybe"), InvalidValue);
}

TEST(IsSingleLine, RefusesLineBreaks) {
    EXPECT_NO_THROW(isSingleLine("a value"));
    EXPECT_THROW(isSingleLine("a\nlxc.hook.pre-start=/bin/sh"), InvalidValue);
    EXPECT_THROW(isSingleLine(std::string("a\0b", 3)), InvalidValue);
}
