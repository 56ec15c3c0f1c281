/* SPDX-License-Identifier: Apache-2.0
 *
 * Network drivers (component kind LXDP_COMPONENT_NETWORK), and the description of a network
 * interface that network and instance drivers both report.
 *
 * The host owns the network records (name, type, config, description), their locks and the REST
 * side; a driver sets up and tears down one kind of network on this machine. Every call names
 * the network through an lxdp_network the host builds for that call only. Calls are stateless:
 * what a driver keeps between calls (pid files, lease files) lives under
 * $LXD_DIR/networks/<name>/, which the driver creates and removes.
 * @since 1.0
 */
#ifndef LXDP_NETWORK_H
#define LXDP_NETWORK_H

#include "abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Network status codes: -300..-399. */
#define LXDP_E_NETWORK_NO_FREE_SUBNET (-300) /* "auto" found no unused subnet */

typedef struct lxdp_network_info {
    uint32_t struct_size;
    uint32_t reserved;
    const char *version; /* backend version, for the logs */
} lxdp_network_info;

/* One network, as the host knows it for the duration of one call. */
typedef struct lxdp_network {
    uint32_t struct_size;
    uint32_t reserved;
    const char *project;         /* "default" */
    const char *name;            /* also the name of the host interface, for a bridge */
    const lxdp_kv_list *config;  /* the network config (may be NULL) */
} lxdp_network;

/* ---- Interfaces ------------------------------------------------------------------------- */

typedef struct lxdp_net_address {
    uint32_t struct_size;
    uint32_t reserved;
    const char *family;  /* "inet" or "inet6" */
    const char *address; /* "198.18.0.1", "fd42::1" */
    const char *netmask; /* the prefix length in decimal: "24" */
    const char *scope;   /* "global", "link" or "local" */
} lxdp_net_address;

/* One interface with its addresses and counters. Strings are never NULL ("" when unknown). */
typedef struct lxdp_net_interface {
    uint32_t struct_size;
    uint32_t mtu;
    const char *name;
    const char *hwaddr;    /* "00:16:3e:12:34:56" */
    const char *host_name; /* the host side of an instance's veth, "" otherwise */
    const char *state;     /* "up" or "down" */
    const char *type;      /* "broadcast", "loopback" or "point-to-point" */
    uint64_t bytes_received;
    uint64_t bytes_sent;
    uint64_t packets_received;
    uint64_t packets_sent;
    uint32_t n_addresses;
    uint32_t reserved;
    const lxdp_net_address *addresses;
} lxdp_net_interface;

/* The driver calls add() once per interface; the host copies what it needs before returning. */
typedef struct lxdp_net_interface_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void (*add)(void *ctx, const lxdp_net_interface *iface);
    void *ctx;
} lxdp_net_interface_sink;

/* ---- Leases ----------------------------------------------------------------------------- */

typedef struct lxdp_net_lease {
    uint32_t struct_size;
    uint32_t reserved;
    const char *hostname; /* "" when unknown */
    const char *hwaddr;
    const char *address;  /* "" in a static lease: any address of the range */
    const char *type;     /* "dynamic" or "static" (in a report) */
} lxdp_net_lease;

typedef struct lxdp_net_lease_sink {
    uint32_t struct_size;
    uint32_t reserved;
    void (*add)(void *ctx, const lxdp_net_lease *lease);
    void *ctx;
} lxdp_net_lease_sink;

/* ---- The driver ------------------------------------------------------------------------- */

typedef struct lxdp_network_ops {
    uint32_t struct_size;

    /* Discovery. Static, valid until unload. */
    const lxdp_network_info *(*info)(void);
    /* LXDP_OK when the driver can work on this machine, else why not (missing tool, module). */
    lxdp_status (*probe)(const lxdp_host_api *host, lxdp_error *err);

    /* Checks every key of net->config except user.*: an unknown key or a bad value is
     * LXDP_E_INVAL with a message naming the key. Changes nothing. */
    lxdp_status (*validate)(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err);

    /* Completes the config of a newly defined network: values the driver chooses ("auto"
     * addresses become real subnets) go to config_out, which the host stores. Makes nothing yet. */
    lxdp_status (*create)(const lxdp_host_api *host, const lxdp_network *net, const lxdp_kv_sink *config_out,
                          lxdp_error *err);
    /* Brings the network up as its config says (idempotent: a running network is set up again).
     * On failure whatever this call made is removed. */
    lxdp_status (*start)(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err);
    /* Takes the network down: interfaces, helper processes and firewall rules. Idempotent. */
    lxdp_status (*stop)(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err);
    /* Applies a changed config to a network (running or not); old is what runs now. */
    lxdp_status (*update)(const lxdp_host_api *host, const lxdp_network *old, const lxdp_network *updated,
                          lxdp_error *err);
    /* Stops the network and removes everything the driver keeps for it. */
    lxdp_status (*remove)(const lxdp_host_api *host, const lxdp_network *net, lxdp_error *err);

    /* Reports the network's host interface(s). LXDP_E_NOTFOUND when it does not exist. */
    lxdp_status (*state)(const lxdp_host_api *host, const lxdp_network *net, const lxdp_net_interface_sink *out,
                         lxdp_error *err);
    /* Reports the DHCP leases handed out, and the static ones. */
    lxdp_status (*leases)(const lxdp_host_api *host, const lxdp_network *net, const lxdp_net_lease_sink *out,
                          lxdp_error *err);
    /* Records (lease != NULL) or forgets (lease == NULL) the static lease of one NIC, named by
     * owner (e.g. "<project>_<instance>.<device>"): its MAC gets the hostname and, when set, the
     * address. Takes effect for the next DHCP request, running or not. */
    lxdp_status (*static_lease)(const lxdp_host_api *host, const lxdp_network *net, const char *owner,
                                const lxdp_net_lease *lease, lxdp_error *err);
} lxdp_network_ops;

#ifdef __cplusplus
}
#endif

#endif /* LXDP_NETWORK_H */
