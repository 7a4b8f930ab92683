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
EXPORT_SYMBOL_NS_GPL(afc_wire_csum, AF_CUSTOM_KUNIT);
EXPORT_SYMBOL_NS_GPL(afc_drop_name, AF_CUSTOM_KUNIT);
