#include "lxc_uevent.h"

#include "lxc_ns.h"

#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace lxdp_lxc {

namespace {

// The message type the kernel's uevent socket takes: any from NLMSG_MIN_TYPE on, as upstream's.
constexpr uint16_t kUeventSend = NLMSG_MIN_TYPE;

} // namespace

void inject_uevent(pid_t pid, const std::vector<std::string> &parts) {
    // Each part ends with a NUL, as the kernel's own: it appends SEQNUM=N after the last.
    std::string payload;
    for (const std::string &part : parts) {
        payload += part;
        payload.push_back('\0');
    }
    std::string message(NLMSG_LENGTH(payload.size()), '\0');
    auto *hdr = reinterpret_cast<nlmsghdr *>(message.data());
    hdr->nlmsg_len = uint32_t(message.size());
    hdr->nlmsg_type = kUeventSend;
    hdr->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    std::memcpy(NLMSG_DATA(hdr), payload.data(), payload.size());
    in_namespace(pid, CLONE_NEWNET, "Failed to inject a uevent into the container", [&] {
        UniqueFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (!sock || sendto(sock.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr *>(&kernel),
                            sizeof kernel) < 0)
            return errno;
        // The kernel's answer: an nlmsgerr whose error is 0 or minus an errno.
        char answer[NLMSG_SPACE(sizeof(nlmsgerr)) + 256];
        const ssize_t n = recv(sock.get(), answer, sizeof answer, 0);
        if (n < 0)
            return errno;
        const auto *reply = reinterpret_cast<const nlmsghdr *>(answer);
        if (size_t(n) < NLMSG_SPACE(sizeof(nlmsgerr)) || reply->nlmsg_type != NLMSG_ERROR)
            return EPROTO;
        return -static_cast<const nlmsgerr *>(NLMSG_DATA(reply))->error;
    });
}

} // namespace lxdp_lxc
