#!/bin/bash
# The xtables firewall, used where nft is missing: the daemon runs with a PATH on which iptables,
# ip6tables and ebtables are found but nft is not, says "firewall":"xtables" in GET /1.0, and
# makes upstream's rules, each tagged "generated for LXD ...": a bridge's MASQUERADE and its
# DHCP/DNS/forwarding accepts (a container gets a lease and pings the gateway), a NIC's
# security.ipv4_filtering as an ebtables chain (the spoofed source dropped, the real one
# passing), security.ipv6_filtering's check of neighbour advertisements as an ip6tables chain
# (one naming another MAC dropped, the NIC's own passing), a proxy's nat=true as DNAT (real bytes through it, tagged with the device); none of them is left after the
# network's deletion, the device's removal or the daemon's stop, and no nft table is made. With
# neither nft nor iptables, bridge NAT, proxy NAT and NIC filters are refused naming both.
# Addresses: 198.18.93.0/24 to 198.18.95.0/24 (and ULA prefixes for the IPv6 rules), nothing leaves the machine.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"

export LXD_PLUGIN_PATH=$PLUGINS
BR=lxdpxt0 BR2=lxdpxt1
cleanup() { # whatever a failed run left, by name
  lxc delete -f xt1 >/dev/null 2>&1
  lxc delete -f xf1 >/dev/null 2>&1
  lxc delete -f xp1 >/dev/null 2>&1
  lxc delete -f xn1 >/dev/null 2>&1
  lxc network delete $BR >/dev/null 2>&1
  lxc network delete $BR2 >/dev/null 2>&1
  lxc network delete lxdpxt2 >/dev/null 2>&1
  ip link del $BR 2>/dev/null
  ip link del $BR2 2>/dev/null
  ip link del lxdpxt2 2>/dev/null
  ip link del lxdpxt-a 2>/dev/null
  return 0
}
trap 'cleanup; finish' EXIT
for tool in iptables ip6tables ebtables iptables-save iptables-restore; do
  command -v $tool >/dev/null || { echo "SKIP: $tool (package iptables) is not installed"; exit 0; }
done
# The daemon's PATH: every tool of /usr/sbin but nft.
mkdir "$WORK/sbin"
for f in /usr/sbin/*; do [[ $(basename "$f") == nft ]] || ln -s "$f" "$WORK/sbin/"; done
PATH="$WORK/sbin:/usr/bin:/bin" start_daemon
setup_base
export BR BR2

# Our rules in the ruleset of one family (iptables-save or ip6tables-save), tagged by upstream's comment.
tagged() { "$1" | grep -F -- "--comment \"generated for LXD $2\""; }
no_nft_table() { ! nft list tables 2>/dev/null | grep -q lxdpp_; }
export -f tagged no_nft_table

expect firewall-is-xtables bash -c "api GET /1.0 | jq -e '.metadata.environment.firewall == \"xtables\"'"
expect create lxc network create $BR ipv4.address=198.18.93.1/24 ipv4.nat=true ipv6.address=none
expect masquerade-tagged bash -c "iptables -w -t nat -S POSTROUTING | grep -qxF -- '-A POSTROUTING -s 198.18.93.0/24 ! -d 198.18.93.0/24 -m comment --comment \"generated for LXD network $BR\" -j MASQUERADE'"
expect dhcp-dns-accepted bash -c "iptables -w -S INPUT | grep -F 'generated for LXD network $BR' | grep -q -- '--dport 67' &&
  iptables -w -S FORWARD | grep -F 'generated for LXD network $BR' | grep -q -- '-i $BR'"
expect no-ipv6-rules bash -c "! tagged ip6tables-save 'network $BR'"
expect no-nft-table no_nft_table
expect nat-order-after bash -c "lxc network set $BR ipv4.nat.order=after && iptables -w -t nat -S POSTROUTING | tail -n 1 | grep -qF 'generated for LXD network $BR' &&
  [ \$(tagged iptables-save 'network $BR' | grep -c MASQUERADE) = 1 ]"
expect nat-address-snat bash -c "lxc network set $BR ipv4.nat.address=198.18.93.1 && tagged iptables-save 'network $BR' | grep -q -- '-j SNAT --to-source 198.18.93.1' &&
  ! tagged iptables-save 'network $BR' | grep -q MASQUERADE"
expect nat-off-removes-rule bash -c "lxc network set $BR ipv4.nat=false && ! tagged iptables-save 'network $BR' | grep -q -- '-t nat\\|SNAT\\|MASQUERADE' &&
  lxc network unset $BR ipv4.nat.address && lxc network unset $BR ipv4.nat.order && lxc network set $BR ipv4.nat=true &&
  tagged iptables-save 'network $BR' | grep -q MASQUERADE"
expect firewall-off-keeps-nat bash -c "lxc network set $BR ipv4.firewall=false && ! iptables -w -S | grep -qF 'generated for LXD network $BR' &&
  tagged iptables-save 'network $BR' | grep -q MASQUERADE && lxc network unset $BR ipv4.firewall &&
  iptables -w -S INPUT | grep -qF 'generated for LXD network $BR'"

expect launch lxc launch bb xt1 -n $BR
# The test image asks for no lease at boot: ask now, with a script that sets the address.
printf '#!/bin/sh\n[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"\nexit 0\n' >"$WORK/dhcp.sh"
expect dhcp-lease bash -c "lxc file push --mode 0755 '$WORK/dhcp.sh' xt1/tmp/dhcp.sh && lxc exec xt1 -- udhcpc -i eth0 -q -n -t 10 -s /tmp/dhcp.sh &&
  lxc exec xt1 -- ip -4 addr show eth0 | grep -q 'inet 198.18.93.'"
expect ping-gateway bash -c "lxc exec xt1 -- ping -c 1 -W 2 198.18.93.1 | grep -q '1 packets received'"
lxc delete -f xt1 >/dev/null 2>&1

# security.ipv4_filtering: the NIC's ebtables chain drops a spoofed source and passes its own, as
# nic_security proves it for nftables (the container sets its MAC and address with ip, then pings).
MAC=00:16:3e:5e:c1:01 SPOOF=00:16:3e:5e:c1:99
lxc init bb xf1 >/dev/null 2>&1
lxc config device add xf1 eth0 nic network=$BR hwaddr=$MAC ipv4.address=198.18.93.2 security.ipv4_filtering=true >/dev/null
in_ct() { lxc exec xf1 -- "$@"; }
chain() { echo "lxdpp_$(lxc config get xf1 volatile.eth0.host_name)"; }
use() { in_ct ip link set eth0 down && in_ct ip link set eth0 address "$1" && in_ct ip addr flush dev eth0 &&
        in_ct ip addr add "$2/24" dev eth0 && in_ct ip link set eth0 up && ip neigh flush dev $BR; }
pings() { in_ct ping -c 1 -W 2 198.18.93.1 >/dev/null; }
# The NIC's chain with its two jumps, or none of them.
filtered() { local c; c=$(chain); ebtables-save | grep -qx ":$c RETURN" && ebtables-save | grep -qx -- "-A INPUT -i ${c#lxdpp_} -j $c" &&
             ebtables-save | grep -qx -- "-A FORWARD -i ${c#lxdpp_} -j $c"; }
unfiltered() { ! ebtables-save | grep -q "$1"; }
export MAC SPOOF
export -f in_ct chain use pings filtered unfiltered

expect filter-start bash -c "lxc start xf1 && filtered && ebtables-save | grep -q -- '--ip-src ! 198.18.93.2 -j DROP'"
expect filter-own-passes bash -c "use $MAC 198.18.93.2 && pings"
expect filter-spoofed-ip-dropped bash -c "use $MAC 198.18.93.3 && ! pings"
expect filter-spoofed-mac-dropped bash -c "use $SPOOF 198.18.93.2 && ! pings"
expect filter-own-passes-again bash -c "use $MAC 198.18.93.2 && pings"
CHAIN=$(chain)
expect filter-off-in-place bash -c "lxc config device set xf1 eth0 security.ipv4_filtering=false && unfiltered $CHAIN && use $MAC 198.18.93.3 && pings"
expect filter-on-in-place bash -c "lxc config device set xf1 eth0 security.ipv4_filtering=true && filtered && ! pings && use $MAC 198.18.93.2 && pings"
expect filter-gone-with-device bash -c "lxc config device remove xf1 eth0 && unfiltered $CHAIN"
lxc config device add xf1 eth0 nic network=$BR hwaddr=$MAC ipv4.address=198.18.93.2 security.mac_filtering=true >/dev/null
CHAIN=$(chain)
expect filter-hotplugged bash -c "filtered && ! ebtables-save | grep -q -- '-p IPv4 --ip-src' && use $SPOOF 198.18.93.2 && ! pings"
expect filter-gone-with-stop bash -c "lxc stop -f xf1 && unfiltered $CHAIN"

# security.ipv6_filtering: ebtables reads no ICMPv6 options, so a neighbour advertisement naming
# another MAC than the NIC's is dropped by upstream's ip6tables rule, in the NIC's chain of the
# same name there (jumped to for what came in through its host side), and one naming its own
# passes; the chain and its jumps go with the stop.
advert() { nsenter --net=/proc/$(lxc query /1.0/instances/xf1/state | jq .pid)/ns/net python3 "$here/send_neighbour_advert.py" eth0 $MAC "$1"; }
adverts_dropped() { ip6tables -w -L "$(chain)" -v -x -n | awk '/DROP/ {print $1}'; }
advert_checked() { local c; c=$(chain); ip6tables-save -t filter | grep -qx ":$c - \[0:0\]" &&
  ip6tables-save -t filter | grep -qx -- "-A INPUT -m physdev --physdev-in ${c#lxdpp_} -j $c" &&
  ip6tables-save -t filter | grep -qx -- "-A FORWARD -m physdev --physdev-in ${c#lxdpp_} -j $c" &&
  ip6tables-save -t filter | grep -qxF -- "-A $c -p ipv6-icmp -m icmp6 --icmpv6-type 136 -m string ! --hex-string \"|${MAC//:/}|\" --algo bm --from 66 --to 72 -j DROP"; }
export here
export -f advert adverts_dropped advert_checked
# The bridge has no IPv6 of its own: a port of the test's carries the advertisements through FORWARD.
ip link add lxdpxt-a type veth peer name lxdpxt-b && ip link set lxdpxt-a master $BR && ip link set lxdpxt-a up && ip link set lxdpxt-b up
lxc config device set xf1 eth0 security.mac_filtering=false security.ipv6_filtering=true ipv6.address=fd42:4242:4242:9::2 >/dev/null
expect advert-check-loaded bash -c "lxc start xf1 && advert_checked && filtered && ebtables-save | grep -q -- '-p IPv6 -j DROP'"
expect advert-spoofed-dropped bash -c "in_ct ip link set eth0 up && [ \$(adverts_dropped) = 0 ] && advert $SPOOF && [ \$(adverts_dropped) = 1 ]"
expect advert-own-passes bash -c "advert $MAC && [ \$(adverts_dropped) = 1 ]"
CHAIN=$(chain)
expect advert-check-gone-with-stop bash -c "lxc stop -f xf1 && unfiltered $CHAIN && ! ip6tables-save -t filter | grep -q $CHAIN"
ip link del lxdpxt-a
lxc delete -f xf1 >/dev/null 2>&1

# A proxy with nat=true: DNAT to the container's static address, upstream's three rules tagged
# with the device, real bytes through them, and none left once the device or the instance goes.
NP=$((53000 + $$ % 900)) PROXY_TAG="generated for LXD container default_xp1 (web)"
lxc init bb xp1 >/dev/null 2>&1
lxc config device add xp1 eth0 nic network=$BR ipv4.address=198.18.93.4 >/dev/null
lxc start xp1
lxc exec xp1 -- sh -c 'ip addr add 198.18.93.4/24 dev eth0 && mkdir -p /www && echo hello-xtables > /www/index.html && httpd -p 8082 -h /www'
proxy_rules() { iptables-save -t nat | grep -F -- "--comment \"$PROXY_TAG\""; }
export NP PROXY_TAG
export -f proxy_rules
expect proxy-nat-add lxc config device add xp1 web proxy listen=tcp:198.18.93.1:$NP connect=tcp:0.0.0.0:8082 nat=true
expect proxy-nat-rules bash -c "proxy_rules | grep -q -- '-A PREROUTING -d 198.18.93.1/32 -p tcp .*--dport $NP .*-j DNAT --to-destination 198.18.93.4:8082' &&
  proxy_rules | grep -q -- '-A OUTPUT -d 198.18.93.1/32 -p tcp .*--dport $NP .*-j DNAT --to-destination 198.18.93.4:8082' &&
  proxy_rules | grep -q -- '-A POSTROUTING -s 198.18.93.4/32 -d 198.18.93.4/32 -p tcp .*--dport 8082 .*-j MASQUERADE' &&
  [ \$(proxy_rules | wc -l) = 3 ] && no_nft_table"
expect proxy-nat-forwards bash -c "curl -sf --max-time 5 http://198.18.93.1:$NP/ | grep -qx hello-xtables"
expect proxy-nat-remove-clears bash -c "lxc config device remove xp1 web && ! proxy_rules && ! curl -sf --max-time 2 http://198.18.93.1:$NP/"
lxc config device add xp1 web proxy listen=tcp:198.18.93.1:$NP connect=tcp:198.18.93.4:8082 nat=true >/dev/null
expect proxy-nat-stop-clears bash -c "proxy_rules >/dev/null && lxc stop -f xp1 && ! proxy_rules"
expect proxy-nat-start-restores bash -c "lxc start xp1 && [ \$(proxy_rules | wc -l) = 3 ]"
expect proxy-nat-gone-with-instance bash -c "lxc delete -f xp1 && ! proxy_rules"

# A daemon stop leaves the bridges and their rules up (instances keep running, as upstream's);
# its start loads them again in place of the old ones, not beside them.
expect dual-stack lxc network create $BR2 ipv4.address=198.18.94.1/24 ipv4.nat=true ipv6.address=fd42:4242:4242:1::1/64 ipv6.nat=true
expect ipv6-masquerade bash -c "tagged ip6tables-save 'network $BR2' | grep -q -- '-s fd42:4242:4242:1::/64 ! -d fd42:4242:4242:1::/64 .*-j MASQUERADE'"
stop_daemon
rules_of_both() { tagged iptables-save "network $BR" | sort; tagged ip6tables-save "network $BR2" | sort; }
export -f rules_of_both
rules_of_both >"$WORK/rules.before"
PATH="$WORK/sbin:/usr/bin:/bin" start_daemon
expect restart-replaces bash -c "rules_of_both | diff - '$WORK/rules.before' && [ \$(tagged iptables-save 'network $BR' | grep -c MASQUERADE) = 1 ]"

expect delete bash -c "lxc network delete $BR && lxc network delete $BR2"
expect delete-clears bash -c "! iptables-save | grep -F 'generated for LXD network lxdpxt' && ! ip6tables-save | grep -F 'generated for LXD network lxdpxt'"
expect still-no-nft-table no_nft_table

# Neither nft nor iptables: what needs a firewall is refused, saying what to install, and nothing is made.
stop_daemon
mkdir "$WORK/sbin-bare"
for f in /usr/sbin/*; do
  case $(basename "$f") in nft|iptables*|ip6tables*|ebtables*|xtables*) ;; *) ln -s "$f" "$WORK/sbin-bare/" ;; esac
done
PATH="$WORK/sbin-bare:/usr/bin:/bin" start_daemon
expect firewall-is-none bash -c "api GET /1.0 | jq -e '.metadata.environment.firewall == \"none\"'"
expect nat-refused bash -c "api POST /1.0/networks '{\"name\":\"lxdpxt2\",\"config\":{\"ipv4.address\":\"198.18.95.1/24\",\"ipv4.nat\":\"true\",\"ipv6.address\":\"none\"}}' >$WORK/reply &&
  jq -e '.error_code == 400' $WORK/reply && grep -q 'needs nft (package nftables) or iptables (package iptables)' $WORK/reply &&
  ! ip link show lxdpxt2 2>/dev/null && [ \$(status_of GET /1.0/networks/lxdpxt2) = 404 ]"
expect bridge-without-rules lxc network create lxdpxt2 ipv4.address=198.18.95.1/24 ipv4.nat=false ipv4.firewall=false ipv6.address=none
lxc init bb xn1 >/dev/null 2>&1
lxc config device add xn1 eth0 nic network=lxdpxt2 ipv4.address=198.18.95.2 >/dev/null
expect proxy-nat-refused bash -c "lxc start xn1 && ! lxc config device add xn1 web proxy listen=tcp:198.18.95.1:$NP connect=tcp:0.0.0.0:80 nat=true 2>$WORK/err &&
  grep -q 'needs nft (package nftables) or iptables (package iptables)' $WORK/err && ! lxc config device get xn1 web type 2>/dev/null"
expect nic-filter-refused bash -c "lxc stop -f xn1 && lxc config device set xn1 eth0 security.ipv4_filtering=true && ! lxc start xn1 2>$WORK/err &&
  grep -q 'needs nft (package nftables) or iptables (package iptables)' $WORK/err"
lxc delete -f xn1 >/dev/null 2>&1
lxc network delete lxdpxt2 >/dev/null 2>&1
