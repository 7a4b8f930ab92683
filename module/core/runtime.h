// SPDX-License-Identifier: GPL-2.0
//
// Freestanding C++ runtime for the af_custom core: allocation with an explicit context, atomics,
// invariants.  No standard library, no exceptions, no RTTI, no global constructors.
#pragma once

#include <af_custom/boundary.h>

namespace afc {

// Where an allocation happens decides whether it may sleep: every `new` names it.
enum class Ctx { Process, Atomic };

// Integer atomics on GCC builtins (no library calls; lock-prefixed instructions on x86).
// constexpr construction keeps globals constant-initialized: no .init_array.
template <typename T>
class Atomic {
public:
	constexpr explicit Atomic(T v = 0) : v_(v) {}
	Atomic(const Atomic &) = delete;
	Atomic &operator=(const Atomic &) = delete;

	T load() const { return __atomic_load_n(&v_, __ATOMIC_ACQUIRE); }
	void store(T v) { __atomic_store_n(&v_, v, __ATOMIC_RELEASE); }
	T add(T d) { return __atomic_add_fetch(&v_, d, __ATOMIC_ACQ_REL); }
	T sub(T d) { return __atomic_sub_fetch(&v_, d, __ATOMIC_ACQ_REL); }
	T fetch_or(T bits) { return __atomic_fetch_or(&v_, bits, __ATOMIC_ACQ_REL); }
	// Decrement if positive; true if it did.
	bool dec_if_positive()
	{
		T cur = load();
		while (cur > 0) {
			if (__atomic_compare_exchange_n(&v_, &cur, cur - 1, false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				return true;
		}
		return false;
	}

private:
	T v_;
};

} // namespace afc

// afk_bug() never returns (it is BUG()); the trap tells the compiler and objtool so.
#define AFC_BUG_ON(cond)                                    \
	do {                                                \
		if (__builtin_expect(!!(cond), 0)) {        \
			afk_bug(__FILE__, __LINE__);        \
			__builtin_trap();                   \
		}                                           \
	} while (0)

// WARN_ON_ONCE(): an invariant broke, but the caller recovers.  Evaluates to the condition.  The
// flag is a constant-initialized static: no guard variable, no constructor.
#define AFC_WARN_ON_ONCE(cond)                                      \
	({                                                          \
		static bool afc_warned_;                            \
		bool afc_c_ = !!(cond);                             \
		if (__builtin_expect(afc_c_, 0) && !afc_warned_) {  \
			afc_warned_ = true;                         \
			afk_warn(__FILE__, __LINE__);               \
		}                                                   \
		afc_c_;                                             \
	})

namespace afc {

// Fault injection (afc_fail_allocs): true when this allocation must fail.  Every allocation of
// the core asks, sk_buffs included.
bool inject_alloc_failure();

} // namespace afc

// Allocation functions.  The nothrow form means a failed allocation makes the new-expression yield
// nullptr without running the constructor; callers check.  There is deliberately no
// `operator new(size_t)`: a `new T` without a context fails to link.
void *operator new(afc_size_t size, afc::Ctx ctx) noexcept;
void *operator new[](afc_size_t size, afc::Ctx ctx) noexcept;
void operator delete(void *ptr) noexcept;
void operator delete(void *ptr, afc_size_t size) noexcept;
void operator delete[](void *ptr) noexcept;
void operator delete[](void *ptr, afc_size_t size) noexcept;
