// SPDX-License-Identifier: GPL-2.0
//
// Module load and unload: validate the parameters, register the protocol and the address family,
// and undo exactly what was done when a step fails.
#include "runtime.h"

namespace {

// Values < 0x0600 in the EtherType/length field are 802.3 lengths, not EtherTypes.
constexpr unsigned int kMinEtherType = 0x0600;
constexpr unsigned int kMaxEtherType = 0xffff;

int family_in_use = AFC_AF_UNSPEC;
unsigned int ethertype_in_use;

} // namespace

extern "C" int afc_module_init(int family, unsigned int ethertype)
{
	if (family <= AFC_AF_UNSPEC || family >= AFC_NPROTO) {
		afk_log(AFC_LOG_ERR, "family=%d is out of range: it must be 1..%d\n", family,
			AFC_NPROTO - 1);
		return -AFC_EINVAL;
	}
	if (ethertype < kMinEtherType || ethertype > kMaxEtherType) {
		afk_log(AFC_LOG_ERR, "ethertype=0x%x is not an EtherType: it must be 0x%04x..0x%04x\n",
			ethertype, kMinEtherType, kMaxEtherType);
		return -AFC_EINVAL;
	}

	// Namespaces first: a socket may be created as soon as the family is registered.
	int err = afk_pernet_register();
	if (err)
		return err;
	err = afk_proto_register();
	if (err)
		goto out_pernet;
	family_in_use = family;		// addresses carry it from the first socket on
	ethertype_in_use = ethertype;
	err = afk_family_register(family);
	if (err) {
		if (err == -AFC_EEXIST)
			afk_log(AFC_LOG_ERR,
				"address family %d is already registered by another protocol; "
				"load with family=<a free number>\n",
				family);
		else
			afk_log(AFC_LOG_ERR, "cannot register address family %d: error %d\n", family,
				err);
		goto out_proto;
	}
	err = afk_netdev_notifier_register();
	if (err)
		goto out_family;

	afk_packet_type_add(ethertype);		// frames flow from here on
	afk_log(AFC_LOG_INFO, "address family %d, EtherType 0x%04x\n", family, ethertype);
	return 0;

out_family:
	afk_family_unregister();
out_proto:
	family_in_use = AFC_AF_UNSPEC;
	afk_proto_unregister();
out_pernet:
	afk_pernet_unregister();
	return err;
}

// No socket is left (each holds the module), so no namespace holds any state but its counters.
extern "C" void afc_module_exit(void)
{
	afk_packet_type_remove();		// waits for receivers in flight
	afk_netdev_notifier_unregister();
	afk_family_unregister();
	afk_proto_unregister();
	afk_pernet_unregister();
	family_in_use = AFC_AF_UNSPEC;
}

extern "C" int afc_family(void)
{
	return family_in_use;
}

extern "C" unsigned int afc_ethertype(void)
{
	return ethertype_in_use;
}
