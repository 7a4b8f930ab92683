// SPDX-License-Identifier: GPL-2.0
//
// operator new / delete for the core, on kmalloc/kfree through the shim, with fault injection so
// tests can prove every allocation failure path.
#include "runtime.h"

namespace {

// Number of upcoming allocations that fail (afc_fail_allocs).
afc::Atomic<unsigned int> fail_next;

void *allocate(afc_size_t size, afc::Ctx ctx)
{
	if (afc::inject_alloc_failure())
		return nullptr;
	return afk_alloc(size, ctx == afc::Ctx::Process ? AFC_GFP_PROCESS : AFC_GFP_ATOMIC);
}

} // namespace

bool afc::inject_alloc_failure()
{
	return __builtin_expect(fail_next.load() != 0, 0) && fail_next.dec_if_positive();
}

void *operator new(afc_size_t size, afc::Ctx ctx) noexcept
{
	return allocate(size, ctx);
}

void *operator new[](afc_size_t size, afc::Ctx ctx) noexcept
{
	return allocate(size, ctx);
}

void operator delete(void *ptr) noexcept
{
	afk_free(ptr);
}

void operator delete(void *ptr, afc_size_t) noexcept
{
	afk_free(ptr);
}

void operator delete[](void *ptr) noexcept
{
	afk_free(ptr);
}

void operator delete[](void *ptr, afc_size_t) noexcept
{
	afk_free(ptr);
}

extern "C" void afc_fail_allocs(unsigned int count)
{
	fail_next.store(count);
}
