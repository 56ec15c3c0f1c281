#include "config/Devices.h"

#include <gtest/gtest.h>

#include "ExpectError.h"

using namespace lxdp::config;

namespace {
const DeviceConfig kRoot{{"type", "disk"}, {"path", "/"}, {"pool", "default"}};
const DeviceConfig kEth0{{"type", "nic"}, {"nictype", "bridged"}, {"parent", "lxdbr0"}, {"name", "eth0"}};
}  // namespace

TEST(Devices, TypicalProfileIsValid) {
    EXPECT_NO_THROW(validateDevices({{"root", kRoot}, {"eth0", kEth0}}, true));
    EXPECT_NO_THROW(validateDevices({{"eth0", {{"type", "nic"}, {"network", "lxdbr0"}, {"name", "eth0"}}}}));
}

TEST(Devices, TypeMustBeKnown) {
    EXPECT_BAD_REQUEST(validateDevices({{"x", {{"type", "floppy"}}}}), "Unsupported device type \"floppy\"");
    EXPECT_BAD_REQUEST(validateDevices({{"x", {{"path", "/mnt"}}}}), "Missing device type");
    EXPECT_NO_THROW(validateDevices({{"eth0", {{"type", "none"}}}}));
}

TEST(Devices, RootDiskNeedsPool) {
    EXPECT_BAD_REQUEST(validateDevices({{"root", {{"type", "disk"}, {"path", "/"}}}}),
                       "Root disk entry must have a \"pool\" property set");
    EXPECT_BAD_REQUEST(validateDevices({{"root", kRoot}, {"root2", kRoot}}), "More than one root device found");
}

TEST(Devices, DiskKeys) {
    EXPECT_NO_THROW(validateDevices({{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "p"}, {"size", "10GiB"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"root", {{"type", "disk"}, {"path", "/"}, {"pool", "p"}, {"size", "big"}}}}),
                       "Invalid value for device option \"size\"");
    EXPECT_NO_THROW(validateDevices({{"data", {{"type", "disk"}, {"source", "/srv"}, {"path", "/srv"}, {"readonly", "true"},
                                               {"limits.read", "100iops"}, {"propagation", "rslave"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"data", {{"type", "disk"}, {"source", "/srv"}}}}), "required \"path\"");
    EXPECT_BAD_REQUEST(validateDevices({{"data", {{"type", "disk"}, {"path", "/srv"}}}}), "required \"source\"");
    EXPECT_BAD_REQUEST(validateDevices({{"data", {{"type", "disk"}, {"source", "/srv"}, {"path", "/srv"}, {"size", "1GB"}}}}),
                       "Only the root disk may have a size quota");
    EXPECT_BAD_REQUEST(validateDevices({{"data", {{"type", "disk"}, {"source", "/srv"}, {"path", "/srv"}, {"bogus", "1"}}}}),
                       "Invalid device option \"bogus\"");
    EXPECT_NO_THROW(validateDevices({{"config", {{"type", "disk"}, {"source", "cloud-init:config"}}}}));
}

TEST(Devices, UserKeysAllowedEverywhere) {
    EXPECT_NO_THROW(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "p2p"}, {"user.note", "x"}}}}));
}

TEST(Devices, NicSubTypes) {
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}}}}), "Missing \"nictype\" property");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "wifi"}}}}), "Unsupported nictype \"wifi\"");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "macvlan"}}}}), "Missing required \"parent\"");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "bridged"}}}}), "\"parent\" or \"network\"");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "p2p"}, {"hwaddr", "nope"}}}}), "hwaddr");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "macvlan"}, {"parent", "eth0"}, {"host_name", "x"}}}}),
                       "Invalid device option \"host_name\"");
    EXPECT_BAD_REQUEST(validateDevices({{"eth0", {{"type", "nic"}, {"nictype", "p2p"}, {"host_name", "../../etc"}}}}), "host_name");
}

TEST(Devices, KindRestrictions) {
    const DeviceMap unixChar{{"tty", {{"type", "unix-char"}, {"path", "/dev/ttyS0"}}}};
    EXPECT_NO_THROW(validateDevices(unixChar, false, InstanceKind::Container));
    EXPECT_BAD_REQUEST(validateDevices(unixChar, false, InstanceKind::VirtualMachine), "only supported by containers");
    EXPECT_NO_THROW(validateDevices(unixChar, true, InstanceKind::VirtualMachine));
    const DeviceMap proxy{{"web", {{"type", "proxy"}, {"listen", "tcp:0.0.0.0:80"}, {"connect", "tcp:127.0.0.1:80"}}}};
    EXPECT_NO_THROW(validateDevices(proxy, false, InstanceKind::Container));
    EXPECT_BAD_REQUEST(validateDevices(proxy, false, InstanceKind::VirtualMachine), "NAT mode");
}

TEST(Devices, OtherTypes) {
    EXPECT_BAD_REQUEST(validateDevices({{"web", {{"type", "proxy"}, {"listen", "tcp:0.0.0.0:80"}}}}), "Missing required \"connect\"");
    EXPECT_BAD_REQUEST(validateDevices({{"web", {{"type", "proxy"}, {"listen", "sctp:1"}, {"connect", "tcp:1"}}}}), "listen");
    EXPECT_NO_THROW(validateDevices({{"gpu0", {{"type", "gpu"}, {"id", "0"}, {"mode", "0660"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"gpu0", {{"type", "gpu"}, {"mode", "999"}}}}), "mode");
    EXPECT_BAD_REQUEST(validateDevices({{"gpu0", {{"type", "gpu"}, {"gputype", "mig"}}}}), "mig.uuid");
    EXPECT_NO_THROW(validateDevices({{"key", {{"type", "usb"}, {"vendorid", "1050"}, {"required", "false"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"dev", {{"type", "unix-block"}}}}), "\"source\" or \"path\"");
    EXPECT_BAD_REQUEST(validateDevices({{"tpm0", {{"type", "tpm"}}}}), "Missing required \"path\"");
    EXPECT_BAD_REQUEST(validateDevices({{"x", {{"type", "none"}, {"path", "/"}}}}), "Invalid device option \"path\"");
}

// usb, gpu, infiniband and unix-hotplug keys as the spec's property tables and upstream's checks.
TEST(Devices, PassthroughTypes) {
    EXPECT_NO_THROW(validateDevices({{"u", {{"type", "usb"}, {"vendorid", "1d6b"}, {"productid", "0002"}, {"uid", "1000"}, {"mode", "0600"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"u", {{"type", "usb"}, {"vendorid", "1D6B"}}}}), "four lower case hex");
    EXPECT_BAD_REQUEST(validateDevices({{"u", {{"type", "usb"}, {"productid", "12345"}}}}), "\"productid\"");
    EXPECT_BAD_REQUEST(validateDevices({{"u", {{"type", "usb"}, {"required", "maybe"}}}}), "\"required\"");
    EXPECT_BAD_REQUEST(validateDevices({{"u", {{"type", "usb"}, {"uid", "-1"}}}}), "\"uid\"");

    EXPECT_NO_THROW(validateDevices({{"g", {{"type", "gpu"}, {"pci", "0000:01:00.0"}}}}));
    EXPECT_NO_THROW(validateDevices({{"g", {{"type", "gpu"}, {"pci", "0a:1f.7"}}}}));
    EXPECT_NO_THROW(validateDevices({{"g", {{"type", "gpu"}, {"vendorid", "10de"}, {"productid", "1eb8"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"pci", "01:00"}}}}), "Invalid PCI address");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"pci", "0000:01:00.0"}, {"vendorid", "10de"}}}}),
                       "when \"pci\" is set");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"id", "0"}, {"productid", "1eb8"}}}}), "when \"id\" is set");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"vendorid", "nvidia"}}}}), "four lower case hex");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "vgpu"}}}}), "Unsupported gputype");
    EXPECT_NO_THROW(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "mig"}, {"pci", "0000:01:00.0"}, {"mig.uuid", "abc"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "mig"}, {"mig.uuid", "abc"}}}}), "\"pci\" or \"id\"");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "mig"}, {"id", "0"}, {"mig.uuid", "a"}, {"mig.ci", "1"}}}}),
                       "together with");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "mdev"}, {"mdev", "i915-GVTg_V5_4"}}}}, false,
                                       InstanceKind::Container),
                       "only supported by virtual machines");
    EXPECT_BAD_REQUEST(validateDevices({{"g", {{"type", "gpu"}, {"gputype", "mdev"}}}}), "Missing required \"mdev\"");

    EXPECT_NO_THROW(validateDevices({{"ib", {{"type", "infiniband"}, {"nictype", "sriov"}, {"parent", "ib0"}, {"mtu", "2044"}}}}));
    EXPECT_NO_THROW(validateDevices({{"ib", {{"type", "infiniband"}, {"nictype", "physical"}, {"parent", "ib0"},
                                             {"hwaddr", "00:11:22:33:44:55:66:77"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"ib", {{"type", "infiniband"}, {"nictype", "physical"}}}}), "Missing required \"parent\"");
    EXPECT_BAD_REQUEST(validateDevices({{"ib", {{"type", "infiniband"}, {"nictype", "bridged"}, {"parent", "ib0"}}}}),
                       "Unsupported nictype");
    EXPECT_BAD_REQUEST(validateDevices({{"ib", {{"type", "infiniband"}, {"nictype", "physical"}, {"parent", "ib0"},
                                                {"hwaddr", "00:16:3e:00:00:01"}}}}),
                       "8 or 20 bytes");

    EXPECT_NO_THROW(validateDevices({{"h", {{"type", "unix-hotplug"}, {"vendorid", "0781"}}}}));
    EXPECT_BAD_REQUEST(validateDevices({{"h", {{"type", "unix-hotplug"}, {"mode", "0660"}}}}), "require a \"vendorid\" or a \"productid\"");
    EXPECT_BAD_REQUEST(validateDevices({{"h", {{"type", "unix-hotplug"}, {"productid", "xyz1"}}}}), "four lower case hex");
}

TEST(Devices, NamesAreChecked) {
    EXPECT_BAD_REQUEST(validateDevices({{".hidden", kEth0}}), "Invalid device name");
    EXPECT_BAD_REQUEST(validateDevices({{"a b", kEth0}}), "Invalid device name");
}

TEST(FindRootDisk, FindsDiskAtSlashWithoutSource) {
    const auto root = findRootDisk({{"eth0", kEth0}, {"rootfs", kRoot}});
    ASSERT_TRUE(root.has_value());
    EXPECT_EQ(root->first, "rootfs");
    EXPECT_EQ(root->second.at("pool"), "default");
    EXPECT_FALSE(findRootDisk({{"eth0", kEth0}}).has_value());
    EXPECT_FALSE(findRootDisk({{"bind", {{"type", "disk"}, {"path", "/"}, {"source", "/srv"}}}}).has_value());
    EXPECT_TRUE(isRootDisk(kRoot));
}
