// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: module parameters as the core sees them, and the load-time validation of bad ones
 * (rejected before anything is registered, so calling it here has no side effect).
 */
#include <kunit/test.h>
#include <linux/net.h>
#include <linux/af_custom.h>
#include <af_custom/boundary.h>

MODULE_IMPORT_NS(AF_CUSTOM_KUNIT);

static void family_is_the_loaded_parameter(struct kunit *test)
{
	/* The VM loads af_custom with its defaults. */
	KUNIT_EXPECT_EQ(test, afc_family(), AF_CUSTOM);
	KUNIT_EXPECT_EQ(test, afc_ethertype(), (unsigned int)AF_CUSTOM_ETHERTYPE);
}

static void family_out_of_range_is_einval(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, afc_module_init(0, AF_CUSTOM_ETHERTYPE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_module_init(-1, AF_CUSTOM_ETHERTYPE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_module_init(NPROTO, AF_CUSTOM_ETHERTYPE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_module_init(1000, AF_CUSTOM_ETHERTYPE, 0), -EINVAL);
}

static void ethertype_out_of_range_is_einval(struct kunit *test)
{
	/* Below 0x0600 the field is an 802.3 length; above 0xffff it does not fit. */
	KUNIT_EXPECT_EQ(test, afc_module_init(AF_CUSTOM, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_module_init(AF_CUSTOM, 0x05ff, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, afc_module_init(AF_CUSTOM, 0x10000, 0), -EINVAL);
	/* Nothing was registered or changed by the rejected calls. */
	KUNIT_EXPECT_EQ(test, afc_family(), AF_CUSTOM);
	KUNIT_EXPECT_EQ(test, afc_ethertype(), (unsigned int)AF_CUSTOM_ETHERTYPE);
}

static struct kunit_case family_cases[] = {
	KUNIT_CASE(family_is_the_loaded_parameter),
	KUNIT_CASE(family_out_of_range_is_einval),
	KUNIT_CASE(ethertype_out_of_range_is_einval),
	{}
};

static struct kunit_suite family_suite = {
	.name = "afc_family",
	.test_cases = family_cases,
};

kunit_test_suites(&family_suite);
