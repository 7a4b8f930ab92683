// SPDX-License-Identifier: GPL-2.0
/*
 * Built only against a kernel with CONFIG_KUNIT: exports the core's boundary to the KUnit suites
 * (af_custom_kunit.ko) in the AF_CUSTOM_KUNIT symbol namespace.  The stock module exports nothing.
 */
#include <linux/export.h>
#include <af_custom/boundary.h>

EXPORT_SYMBOL_NS_GPL(afc_module_init, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_family, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_ethertype, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_check, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_live, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_fail_allocs, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_wire_build, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_wire_parse, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_wire_put, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_wire_check, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_wire_csum, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_drop_name, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afk_sk_core, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_wmalloc, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_rmalloc, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_rspace, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_wspace, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_wmem, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_rmem, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_alloc_send_skb, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_sock_queue_rcv_skb, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_lock_sock, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_release_sock, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_backlog_len, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_backlog_bytes, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_skb_recv_datagram, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_shutdown, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_rx, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_net_stat, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_net_set_ephemeral, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_conn_info, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_conn_timer, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_clock_fake, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_conn_state_name, AF_CUSTOM_KUNIT);
