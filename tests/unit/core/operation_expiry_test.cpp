// Finished operations: still answered for 5 s after they end (GET, /wait), then gone from the
// registry, as upstream; running ones stay whatever their age.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "events/EventHub.h"
#include "ops/OperationManager.h"

namespace {

using namespace std::chrono_literals;

class OperationExpiryTest : public ::testing::Test {
protected:
    lxdp::events::EventHub events_;
    lxdp::ops::OperationManager ops_{events_};
};

TEST_F(OperationExpiryTest, FinishedOperationIsAnsweredForFiveSecondsThenForgotten) {
    auto op = ops_.run("default", "quick", nullptr, [](lxdp::ops::Operation&) {});
    ASSERT_TRUE(op->wait(5));
    const std::string id = op->id();
    op.reset();
    std::this_thread::sleep_for(4s);
    EXPECT_NE(ops_.get(id), nullptr);
    EXPECT_EQ(ops_.list("default").size(), 1u);
    std::this_thread::sleep_for(1500ms);
    EXPECT_EQ(ops_.get(id), nullptr);
    EXPECT_TRUE(ops_.list("").empty());
}

TEST_F(OperationExpiryTest, RunningOperationStaysListed) {
    std::atomic<bool> release{false};
    auto op = ops_.run("default", "slow", nullptr, [&](lxdp::ops::Operation&) {
        while (!release) std::this_thread::sleep_for(10ms);
    });
    std::this_thread::sleep_for(6s);
    EXPECT_EQ(ops_.get(op->id()), op);
    EXPECT_EQ(ops_.running(), 1u);
    release = true;
    ASSERT_TRUE(op->wait(5));
    EXPECT_NE(ops_.get(op->id()), nullptr);
}

TEST_F(OperationExpiryTest, OperationFinishingAfterTheManagerIsGoneIsHarmless) {
    std::atomic<bool> release{false};
    std::shared_ptr<lxdp::ops::Operation> op;
    {
        lxdp::ops::OperationManager shortLived(events_);
        op = shortLived.run("", "outlives", nullptr, [&](lxdp::ops::Operation&) {
            while (!release) std::this_thread::sleep_for(10ms);
        });
    }
    release = true;
    EXPECT_TRUE(op->wait(5));
}

}  // namespace
