// SPDX-License-Identifier: GPL-2.0
//
// A hash chain that readers walk under RCU while one writer at a time (the owner of the table's
// lock) changes it: the kernel's hlist_nulls (include/linux/list_nulls.h) for the core.
//
// A chain ends in a "nulls" marker that names the chain instead of a null pointer.  An entry may
// be taken out of one chain and put into another while a reader stands on it; the reader then
// walks on into the other chain and reaches *its* end marker, sees the name differ, and starts
// again: a lookup never mistakes "moved away" for "not there".  That holds because an entry
// only ever enters a chain at its front (push_front): a reader that followed it from anywhere
// walks the whole chain it is in now, never skipping a part of it.  An entry taken out keeps its
// `next` for the readers still on it, so the memory of an entry must outlive the RCU readers
// that may have seen it (af_custom sockets are freed after a grace period: SOCK_RCU_FREE).
//
// Stores that publish an entry are releases and the readers' loads are acquires (the kernel's
// rcu_assign_pointer / rcu_dereference); other link stores are single-copy atomic.
#pragma once

namespace afc {

template <typename T>
class RcuChain;

template <typename T>
class RcuLink {
public:
	explicit RcuLink(T *owner) : owner_(owner) {}
	RcuLink(const RcuLink &) = delete;
	RcuLink &operator=(const RcuLink &) = delete;

	bool linked() const { return pprev_ != nullptr; }	// writer side
	T *owner() const { return owner_; }

private:
	friend class RcuChain<T>;

	unsigned long next_ = 1;		// an RcuLink *, or a nulls marker (odd)
	unsigned long *pprev_ = nullptr;	// the word that points at this link
	T *const owner_;
};

template <typename T>
class RcuChain {
public:
	RcuChain() = default;
	RcuChain(const RcuChain &) = delete;
	RcuChain &operator=(const RcuChain &) = delete;

	// Name the chain (its table index) before anyone uses it.
	void init(unsigned int id)
	{
		id_ = id;
		first_ = nulls(id);
	}

	// Writer side, under the table's lock.
	void push_front(RcuLink<T> &l)
	{
		unsigned long first = first_;

		l.next_ = first;
		l.pprev_ = &first_;
		if (!is_nulls(first))
			link_of(first)->pprev_ = &l.next_;
		publish(&first_, &l);
	}

	// Out of its chain; readers on it still find their way on through its `next`.
	static void unlink(RcuLink<T> &l)
	{
		unsigned long next = l.next_;

		__atomic_store_n(l.pprev_, next, __ATOMIC_RELAXED);
		if (!is_nulls(next))
			link_of(next)->pprev_ = l.pprev_;
		l.pprev_ = nullptr;
	}

	// Reader side, in an RCU read-side section (or under the lock): the first entry for which
	// @match(owner) is true, or nullptr.  @match may ask for a restart by returning
	// Match::Restart (the entry changed under it).  A walk that ends in another chain's marker
	// starts over.  Each restart needs a writer to have moved an entry meanwhile; after
	// kMaxRestarts of them the reader gives up (*@gave_up; the caller looks under the lock).
	enum class Match { No, Yes, Restart };
	enum : unsigned int { kMaxRestarts = 8 };
	template <typename F>
	T *find(F match, bool *gave_up) const
	{
		unsigned int restarts = 0;
	restart:
		if (restarts++ > kMaxRestarts) {
			*gave_up = true;
			return nullptr;
		}
		unsigned long p = __atomic_load_n(&first_, __ATOMIC_ACQUIRE);
		while (!is_nulls(p)) {
			const RcuLink<T> *l = link_of(p);
			switch (match(l->owner_)) {
			case Match::Yes:
				return l->owner_;
			case Match::Restart:
				goto restart;
			case Match::No:
				break;
			}
			p = __atomic_load_n(&l->next_, __ATOMIC_ACQUIRE);
		}
		if (p != nulls(id_))
			goto restart;
		return nullptr;
	}

private:
	static bool is_nulls(unsigned long p) { return p & 1; }
	static unsigned long nulls(unsigned int id) { return static_cast<unsigned long>(id) << 1 | 1; }
	static RcuLink<T> *link_of(unsigned long p) { return reinterpret_cast<RcuLink<T> *>(p); }
	static void publish(unsigned long *where, RcuLink<T> *l)
	{
		__atomic_store_n(where, reinterpret_cast<unsigned long>(l), __ATOMIC_RELEASE);
	}

	unsigned long first_ = 1;	// the first link, or this chain's end marker
	unsigned int id_ = 0;
};

} // namespace afc
