#include "lxc_vf_netlink.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace lxdp_lxc {

namespace {

// A netlink message under construction: attributes appended, nests closed by their offset.
class Message {
public:
    Message(uint16_t type, uint16_t flags, int ifindex) : buf_(NLMSG_SPACE(sizeof(ifinfomsg)), '\0') {
        auto *ifi = static_cast<ifinfomsg *>(NLMSG_DATA(hdr()));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        hdr()->nlmsg_type = type;
        hdr()->nlmsg_flags = NLM_F_REQUEST | flags;
    }
    void put(uint16_t type, const void *data, size_t len) {
        const size_t at = buf_.size();
        buf_.resize(at + RTA_SPACE(len), '\0');
        auto *rta = reinterpret_cast<rtattr *>(&buf_[at]);
        rta->rta_type = type;
        rta->rta_len = uint16_t(RTA_LENGTH(len));
        if (len != 0)
            std::memcpy(RTA_DATA(rta), data, len);
    }
    size_t begin_nest(uint16_t type) {
        const size_t at = buf_.size();
        put(type | NLA_F_NESTED, nullptr, 0);
        return at;
    }
    void end_nest(size_t at) { reinterpret_cast<rtattr *>(&buf_[at])->rta_len = uint16_t(buf_.size() - at); }
    const std::string &bytes() {
        hdr()->nlmsg_len = uint32_t(buf_.size());
        return buf_;
    }

private:
    nlmsghdr *hdr() { return reinterpret_cast<nlmsghdr *>(buf_.data()); }
    std::string buf_;
};

int index_of(const std::string &pf) {
    const unsigned idx = if_nametoindex(pf.c_str());
    if (idx == 0)
        fail_errno(errno, "Parent device \"%s\" not found", pf.c_str());
    return int(idx);
}

// Sends msg and returns every message of the answer (up to the ACK or the dump's end).
std::vector<std::string> exchange(const std::string &msg, const std::string &what) {
    UniqueFd sock(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (!sock || sendto(sock.get(), msg.data(), msg.size(), 0, reinterpret_cast<sockaddr *>(&kernel), sizeof kernel) < 0)
        fail_errno(errno, "%s: netlink", what.c_str());
    std::vector<std::string> out;
    for (;;) {
        // A PF's VF list with its statistics can outgrow any fixed buffer: the datagram's size first.
        const ssize_t size = recv(sock.get(), nullptr, 0, MSG_PEEK | MSG_TRUNC);
        if (size < 0)
            fail_errno(errno, "%s: netlink", what.c_str());
        std::string buf(size_t(size), '\0');
        ssize_t n = recv(sock.get(), buf.data(), buf.size(), 0);
        if (n < 0)
            fail_errno(errno, "%s: netlink", what.c_str());
        int len = int(n);
        for (auto *h = reinterpret_cast<nlmsghdr *>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_ERROR) {
                const int err = -static_cast<const nlmsgerr *>(NLMSG_DATA(h))->error;
                if (err != 0)
                    fail_errno(err, "%s", what.c_str());
                return out;
            }
            if (h->nlmsg_type == NLMSG_DONE)
                return out;
            out.emplace_back(reinterpret_cast<const char *>(h), h->nlmsg_len);
        }
    }
}

void set_vf(const std::string &pf, uint16_t attr, const void *data, size_t len, const std::string &what) {
    Message m(RTM_SETLINK, NLM_F_ACK, index_of(pf));
    const size_t list = m.begin_nest(IFLA_VFINFO_LIST);
    const size_t info = m.begin_nest(IFLA_VF_INFO);
    m.put(attr, data, len);
    m.end_nest(info);
    m.end_nest(list);
    exchange(m.bytes(), what);
}

std::string mac_text(const uint8_t *mac) {
    char out[18];
    std::snprintf(out, sizeof out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return out;
}

} // namespace

VfSettings read_vf(const std::string &pf, int vf) {
    Message m(RTM_GETLINK, NLM_F_ACK, index_of(pf)); // the ACK ends the answer
    const uint32_t mask = RTEXT_FILTER_VF;
    m.put(IFLA_EXT_MASK, &mask, sizeof mask);
    const std::string what = "Failed to read virtual function " + std::to_string(vf) + " of \"" + pf + "\"";
    for (const std::string &msg : exchange(m.bytes(), what)) {
        const auto *h = reinterpret_cast<const nlmsghdr *>(msg.data());
        if (h->nlmsg_type != RTM_NEWLINK)
            continue;
        int len = int(IFLA_PAYLOAD(h));
        for (auto *a = IFLA_RTA(NLMSG_DATA(h)); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
            if ((a->rta_type & NLA_TYPE_MASK) != IFLA_VFINFO_LIST)
                continue;
            int list_len = int(RTA_PAYLOAD(a));
            for (auto *info = static_cast<rtattr *>(RTA_DATA(a)); RTA_OK(info, list_len);
                 info = RTA_NEXT(info, list_len)) {
                VfSettings s;
                int id = -1;
                int info_len = int(RTA_PAYLOAD(info));
                for (auto *f = static_cast<rtattr *>(RTA_DATA(info)); RTA_OK(f, info_len); f = RTA_NEXT(f, info_len)) {
                    const size_t size = RTA_PAYLOAD(f);
                    if (f->rta_type == IFLA_VF_MAC && size >= sizeof(ifla_vf_mac)) {
                        const auto *v = static_cast<const ifla_vf_mac *>(RTA_DATA(f));
                        id = int(v->vf);
                        s.mac = mac_text(v->mac);
                    } else if (f->rta_type == IFLA_VF_VLAN && size >= sizeof(ifla_vf_vlan)) {
                        s.vlan = int(static_cast<const ifla_vf_vlan *>(RTA_DATA(f))->vlan);
                    } else if (f->rta_type == IFLA_VF_SPOOFCHK && size >= sizeof(ifla_vf_spoofchk)) {
                        s.spoofchk = static_cast<const ifla_vf_spoofchk *>(RTA_DATA(f))->setting == 1;
                    }
                }
                if (id == vf)
                    return s;
            }
        }
    }
    fail(LXDP_E_NOTFOUND, "%s: the parent lists no such virtual function", what.c_str());
}

void set_vf_mac(const std::string &pf, int vf, const std::string &mac) {
    ifla_vf_mac v{};
    v.vf = uint32_t(vf);
    unsigned b[6];
    if (std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
        fail(LXDP_E_INVAL, "Invalid MAC address \"%s\"", mac.c_str());
    for (int i = 0; i < 6; i++)
        v.mac[i] = uint8_t(b[i]);
    set_vf(pf, IFLA_VF_MAC, &v, sizeof v,
           "Failed to set the MAC of virtual function " + std::to_string(vf) + " of \"" + pf + "\" to " + mac);
}

void set_vf_vlan(const std::string &pf, int vf, int vlan) {
    ifla_vf_vlan v{};
    v.vf = uint32_t(vf);
    v.vlan = uint32_t(vlan);
    set_vf(pf, IFLA_VF_VLAN, &v, sizeof v,
           "Failed to set the VLAN of virtual function " + std::to_string(vf) + " of \"" + pf + "\" to " +
               std::to_string(vlan));
}

void set_vf_spoofchk(const std::string &pf, int vf, bool on) {
    ifla_vf_spoofchk v{};
    v.vf = uint32_t(vf);
    v.setting = on ? 1 : 0;
    set_vf(pf, IFLA_VF_SPOOFCHK, &v, sizeof v,
           "Failed to turn " + std::string(on ? "on" : "off") + " spoof checking of virtual function " +
               std::to_string(vf) + " of \"" + pf + "\"");
}

} // namespace lxdp_lxc
