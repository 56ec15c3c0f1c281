// /1.0/resources read from a described machine: a directory tree standing for /sys and /proc.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "services/resources/HostResources.h"

namespace {

namespace fs = std::filesystem;
using namespace lxdp::services::resources;

class HostResourcesTest : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("lxdp-resources-" + std::to_string(::getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }

    void file(const std::string& path, const std::string& content) {
        const fs::path p = root_ / path.substr(1);
        fs::create_directories(p.parent_path());
        std::ofstream(p) << content << "\n";
    }
    void dir(const std::string& path) { fs::create_directories(root_ / path.substr(1)); }
    // A link as sysfs has them: relative to where it is.
    void link(const std::string& path, const std::string& target) {
        const fs::path p = root_ / path.substr(1);
        fs::create_directories(p.parent_path());
        fs::create_symlink(fs::relative(root_ / target.substr(1), p.parent_path()), p);
    }
    void cpu(int id, int socket, int core, int node, bool withOnline = true) {
        const std::string d = "/sys/devices/system/cpu/cpu" + std::to_string(id);
        file(d + "/topology/physical_package_id", std::to_string(socket));
        file(d + "/topology/core_id", std::to_string(core));
        file(d + "/topology/die_id", "0");
        if (withOnline) file(d + "/online", "1");
        dir(d + "/node" + std::to_string(node));
        file(d + "/cache/index0/level", "1");
        file(d + "/cache/index0/type", "Data");
        file(d + "/cache/index0/size", "32K");
        file(d + "/cpufreq/scaling_cur_freq", "2400000");
        file(d + "/cpufreq/cpuinfo_min_freq", "800000");
        file(d + "/cpufreq/cpuinfo_max_freq", "3600000");
    }
    HostFiles host() const { return HostFiles(root_.string()); }

    fs::path root_;
};

TEST_F(HostResourcesTest, CpuTopologyBySocketCoreAndThread) {
    // Two sockets of one core with two threads; cpu3 offline without topology, cpu1 isolated.
    cpu(0, 0, 0, 0, false);
    cpu(1, 0, 0, 0);
    cpu(2, 1, 0, 1);
    file("/sys/devices/system/cpu/cpu3/online", "0");
    file("/sys/devices/system/cpu/isolated", "1");
    dir("/sys/devices/system/cpu/cpufreq");
    file("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\n\n"
                          "processor\t: 2\nvendor_id\t: GenuineIntel\nmodel name\t: Test CPU\n");
    const auto cpu = cpuResources(host());
    EXPECT_EQ(cpu["total"], 4);
    ASSERT_EQ(cpu["sockets"].size(), 2u);
    const auto& s0 = cpu["sockets"][0];
    EXPECT_EQ(s0["name"], "Test CPU");
    EXPECT_EQ(s0["vendor"], "GenuineIntel");
    EXPECT_EQ(s0["frequency"], 2400);
    EXPECT_EQ(s0["frequency_minimum"], 800);
    EXPECT_EQ(s0["frequency_turbo"], 3600);
    EXPECT_EQ(s0["cache"][0]["size"], 32768);
    // cpu3 has no topology: socket 0, core 0, beside cpu0 and cpu1.
    ASSERT_EQ(s0["cores"].size(), 1u);
    const auto& threads = s0["cores"][0]["threads"];
    ASSERT_EQ(threads.size(), 3u);
    EXPECT_EQ(threads[0]["id"], 0);
    EXPECT_EQ(threads[0]["online"], true);
    EXPECT_EQ(threads[1]["isolated"], true);
    EXPECT_EQ(threads[1]["thread"], 1);
    EXPECT_EQ(threads[2]["online"], false);
    EXPECT_EQ(cpu["sockets"][1]["cores"][0]["threads"][0]["numa_node"], 1);
}

TEST_F(HostResourcesTest, MemoryWithHugepagesAndNodes) {
    file("/proc/meminfo", "MemTotal:       1000 kB\nMemFree:         100 kB\nBuffers:          50 kB\n"
                          "Cached:          250 kB\nHugePages_Total:       4\nHugePages_Free:        1\n"
                          "Hugepagesize:       2048 kB\n");
    file("/sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:  1000 kB\nNode 0 MemFree:   200 kB\n"
                                                   "Node 0 FilePages:   300 kB\n");
    file("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "4");
    file("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "1");
    const auto memory = memoryResources(host());
    EXPECT_EQ(memory["total"], 1000 * 1024);
    EXPECT_EQ(memory["used"], 600 * 1024);
    EXPECT_EQ(memory["hugepages_size"], 2048 * 1024);
    EXPECT_EQ(memory["hugepages_total"], 4 * 2048 * 1024);
    EXPECT_EQ(memory["hugepages_used"], 3 * 2048 * 1024);
    ASSERT_EQ(memory["nodes"].size(), 1u);
    EXPECT_EQ(memory["nodes"][0]["used"], 500 * 1024);
    EXPECT_EQ(memory["nodes"][0]["hugepages_used"], 3 * 2048 * 1024);
}

TEST_F(HostResourcesTest, DevicesOnThePciBus) {
    const std::string gpu = "/sys/devices/pci0000:00/0000:00:02.0";
    file(gpu + "/class", "0x030000");
    file(gpu + "/vendor", "0x8086");
    file(gpu + "/device", "0x5916");
    file(gpu + "/numa_node", "-1");
    file(gpu + "/drm/card0/dev", "226:0");
    file(gpu + "/drm/renderD128/dev", "226:128");
    link(gpu + "/iommu_group", "/sys/kernel/iommu_groups/7");
    link("/sys/bus/pci/devices/0000:00:02.0", gpu);
    // A virtio NIC: the netdev's device is virtio0, below the PCI function.
    const std::string nic = "/sys/devices/pci0000:00/0000:00:03.0";
    file(nic + "/class", "0x020000");
    file(nic + "/vendor", "0x1af4");
    file(nic + "/device", "0x1000");
    file(nic + "/numa_node", "0");
    dir(nic + "/virtio0");
    link("/sys/bus/pci/devices/0000:00:03.0", nic);
    link("/sys/class/net/lxdptest0/device", nic + "/virtio0");
    file("/sys/class/net/lxdptest0/address", "00:16:3e:00:00:01");
    file("/sys/class/net/lxdptest0/carrier", "1");
    file("/sys/class/net/lxdptest0/type", "1");
    file("/sys/class/net/lo/address", "00:00:00:00:00:00");
    // A disk with one partition, and a loop device without hardware.
    const std::string disk = "/sys/devices/pci0000:00/0000:00:03.0/virtio1/block/vda";
    file(disk + "/dev", "254:0");
    file(disk + "/size", "2048");
    file(disk + "/ro", "0");
    file(disk + "/removable", "0");
    file(disk + "/queue/logical_block_size", "512");
    file(disk + "/vda1/partition", "1");
    file(disk + "/vda1/dev", "254:1");
    file(disk + "/vda1/size", "1024");
    link(disk + "/device", "/sys/devices/pci0000:00/0000:00:03.0/virtio1");
    link("/sys/class/block/vda", disk);
    link("/sys/class/block/vda1", disk + "/vda1");
    file("/sys/devices/virtual/block/loop0/dev", "7:0");
    link("/sys/class/block/loop0", "/sys/devices/virtual/block/loop0");

    const DeviceNames names;
    const auto pci = pciResources(host(), names);
    ASSERT_EQ(pci["total"], 2);
    EXPECT_EQ(pci["devices"][0]["pci_address"], "0000:00:02.0");
    EXPECT_EQ(pci["devices"][0]["vendor_id"], "8086");
    EXPECT_EQ(pci["devices"][0]["iommu_group"], 7);
    EXPECT_EQ(pci["devices"][0]["numa_node"], 0);

    const auto gpus = gpuResources(host(), names);
    ASSERT_EQ(gpus["total"], 1);
    EXPECT_EQ(gpus["cards"][0]["drm"]["card_name"], "card0");
    EXPECT_EQ(gpus["cards"][0]["drm"]["render_device"], "226:128");
    EXPECT_EQ(gpus["cards"][0]["product_id"], "5916");

    const auto network = networkResources(host(), names);
    ASSERT_EQ(network["total"], 1);
    EXPECT_EQ(network["cards"][0]["pci_address"], "0000:00:03.0");
    EXPECT_EQ(network["cards"][0]["ports"][0]["id"], "lxdptest0");
    EXPECT_EQ(network["cards"][0]["ports"][0]["link_detected"], true);
    EXPECT_EQ(network["cards"][0]["ports"][0]["address"], "00:16:3e:00:00:01");

    const auto storage = storageResources(host(), names);
    ASSERT_EQ(storage["total"], 1);
    const auto& vda = storage["disks"][0];
    EXPECT_EQ(vda["id"], "vda");
    EXPECT_EQ(vda["size"], 2048 * 512);
    EXPECT_EQ(vda["block_size"], 512);
    EXPECT_EQ(vda["pci_address"], "0000:00:03.0");
    ASSERT_EQ(vda["partitions"].size(), 1u);
    EXPECT_EQ(vda["partitions"][0]["partition"], 1);
    EXPECT_EQ(vda["partitions"][0]["size"], 1024 * 512);
}

TEST_F(HostResourcesTest, SystemFromDmi) {
    file("/sys/class/dmi/id/sys_vendor", "LENOVO");
    file("/sys/class/dmi/id/chassis_type", "10");
    file("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
    const auto system = systemResources(host());
    EXPECT_EQ(system["vendor"], "LENOVO");
    EXPECT_EQ(system["chassis"]["type"], "Notebook");
    EXPECT_EQ(system["type"], "virtual-machine");
}

TEST_F(HostResourcesTest, EmptyMachineStillAnswersEveryPart) {
    const auto all = hostResources(host());
    for (const char* key : {"cpu", "memory", "gpu", "network", "storage", "usb", "pci", "system"}) EXPECT_TRUE(all.contains(key)) << key;
    EXPECT_EQ(all["cpu"]["total"], 0);
    EXPECT_EQ(all["system"]["firmware"], nullptr);
}

}  // namespace
