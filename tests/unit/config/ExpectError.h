// Shared assertion for the config tests: the call throws a 400 lxdp::ApiError whose message
// contains `fragment`.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "util/ApiError.h"

#define EXPECT_BAD_REQUEST(statement, fragment)                                                   \
    do {                                                                                          \
        try {                                                                                     \
            statement;                                                                            \
            ADD_FAILURE() << #statement " did not throw";                                         \
        } catch (const lxdp::ApiError& e) {                                                       \
            EXPECT_EQ(e.status(), 400);                                                           \
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)                    \
                << "message \"" << e.what() << "\" lacks \"" << (fragment) << "\"";               \
        }                                                                                         \
    } while (0)
