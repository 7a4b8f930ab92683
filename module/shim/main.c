// SPDX-License-Identifier: GPL-2.0
/*
 * af_custom module entry: the two parameters and the hand-off to the core.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/af_custom.h>
#include <af_custom/boundary.h>

static int family = AF_CUSTOM;
module_param(family, int, 0444);
MODULE_PARM_DESC(family, "address family number to register (default " __stringify(AF_CUSTOM) ")");

static unsigned int ethertype = AF_CUSTOM_ETHERTYPE;
module_param(ethertype, hexint, 0444);
MODULE_PARM_DESC(ethertype, "EtherType of af_custom frames (default " __stringify(AF_CUSTOM_ETHERTYPE) ")");

/* Fault injection for the tests of module init's unwind paths (AFC_INIT_STEP_LIST). */
static int fault_init_step;
module_param(fault_init_step, int, 0444);
MODULE_PARM_DESC(fault_init_step, "testing: make init step N fail (1 proto, 2 pernet, 3 netdev notifier, 4 family); 0 = none");

static int __init afc_init(void)
{
	return afc_module_init(family, ethertype, fault_init_step);
}

static void __exit afc_exit(void)
{
	afc_module_exit();
}

module_init(afc_init);
module_exit(afc_exit);

MODULE_LICENSE("GPL");
MODULE_VERSION(AFC_VERSION);
MODULE_DESCRIPTION("af_custom: a socket address family over Ethernet");
MODULE_ALIAS_NETPROTO(AF_CUSTOM);
