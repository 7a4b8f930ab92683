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

namespace {

#define AFC_STEP_ENUM(name, text) kStep##name,
enum Step { kStepNone, AFC_INIT_STEP_LIST(AFC_STEP_ENUM) };
#undef AFC_STEP_ENUM
#define AFC_STEP_NAME(name, text) text,
const char *const step_names[] = { "", AFC_INIT_STEP_LIST(AFC_STEP_NAME) };
#undef AFC_STEP_NAME

// fault_init_step=: make @step fail as an allocation failure would.
int injected(int step, int fault)
{
	if (step != fault)
		return 0;
	afk_log(AFC_LOG_ERR, "init step %d (%s) failed: injected fault\n", step, step_names[step]);
	return -AFC_ENOMEM;
}

} // namespace

// The order is af_packet's: everything a socket needs first, the family last, so no socket can
// exist until the module is whole, and none when a step fails.  Each step's failure undoes
// exactly the steps before it.
extern "C" int afc_module_init(int family, unsigned int ethertype, int fault_step)
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

	int err = injected(kStepPROTO, fault_step) ?: afk_proto_register();
	if (err)
		return err;
	// Namespaces before the notifier: registering it replays events for every device.
	err = injected(kStepPERNET, fault_step) ?: afk_pernet_register();
	if (err)
		goto out_proto;
	err = injected(kStepNOTIFIER, fault_step) ?: afk_netdev_notifier_register();
	if (err)
		goto out_pernet;
	family_in_use = family;		// frames and addresses carry them from here on
	ethertype_in_use = ethertype;
	afk_packet_type_add(ethertype);
	// GSO for our EtherType (dev_add_offload cannot fail; the step can, for the tests of the
	// unwinding): in place before any socket can send a super-frame.
	err = injected(kStepOFFLOAD, fault_step);
	if (err)
		goto out_packet;
	afk_offload_add(ethertype);
	err = injected(kStepFAMILY, fault_step) ?: afk_family_register(family);
	if (err) {
		if (err == -AFC_EEXIST)
			afk_log(AFC_LOG_ERR,
				"address family %d is already registered by another protocol; "
				"load with family=<a free number>\n",
				family);
		else
			afk_log(AFC_LOG_ERR, "cannot register address family %d: error %d\n", family,
				err);
		goto out_offload;
	}
	afk_log(AFC_LOG_INFO, "address family %d, EtherType 0x%04x\n", family, ethertype);
	return 0;

out_offload:
	afk_offload_remove();			// waits for gso_segment calls in flight
out_packet:
	afk_packet_type_remove();		// waits for receivers in flight
	family_in_use = AFC_AF_UNSPEC;
	ethertype_in_use = 0;
	afk_netdev_notifier_unregister();
out_pernet:
	afk_pernet_unregister();
out_proto:
	afk_proto_unregister();
	return err;
}

// No socket is left (each holds the module).  The family goes first, so none can be created
// while the rest is torn down.
extern "C" void afc_module_exit(void)
{
	afk_family_unregister();
	// No socket is left, but frames it sent may still wait in a qdisc: from here on one that
	// needs cutting up finds no gso_segment and is dropped by the stack.
	afk_offload_remove();			// waits for gso_segment calls in flight
	afk_packet_type_remove();		// waits for receivers in flight
	afk_netdev_notifier_unregister();
	afk_pernet_unregister();
	afk_proto_unregister();
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
