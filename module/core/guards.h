// SPDX-License-Identifier: GPL-2.0
//
// RAII for the kernel objects the core borrows: locks are released and references dropped on
// every path out of a scope.  release() hands an sk_buff on to someone else.
#pragma once

#include "runtime.h"

namespace afc {

// A namespace's socket table lock (spin_lock_bh).
class NetLock {
public:
	explicit NetLock(const struct net *net) : net_(net) { afk_net_lock(net_); }
	~NetLock() { afk_net_unlock(net_); }
	NetLock(const NetLock &) = delete;
	NetLock &operator=(const NetLock &) = delete;

private:
	const struct net *net_;
};

// An RCU read-side section (rcu_read_lock).
class RcuRead {
public:
	RcuRead() { afk_rcu_read_lock(); }
	~RcuRead() { afk_rcu_read_unlock(); }
	RcuRead(const RcuRead &) = delete;
	RcuRead &operator=(const RcuRead &) = delete;
};

// A socket's sk_lock.slock (spin_lock_bh): guards ownership and the back_log.
class SlockGuard {
public:
	explicit SlockGuard(struct sock *sk) : sk_(sk) { afk_owner_lock(sk_); }
	~SlockGuard() { afk_owner_unlock(sk_); }
	SlockGuard(const SlockGuard &) = delete;
	SlockGuard &operator=(const SlockGuard &) = delete;

private:
	struct sock *sk_;
};

// Sole ownership of an sk_buff: freed as a drop unless released or consumed.
class SkbPtr {
public:
	SkbPtr() = default;
	explicit SkbPtr(struct sk_buff *skb) : skb_(skb) {}
	~SkbPtr()
	{
		if (skb_)
			afk_skb_free(skb_);
	}
	SkbPtr(SkbPtr &&o) : skb_(o.release()) {}
	SkbPtr(const SkbPtr &) = delete;
	SkbPtr &operator=(const SkbPtr &) = delete;

	struct sk_buff *get() const { return skb_; }
	explicit operator bool() const { return skb_ != nullptr; }
	struct sk_buff *release()
	{
		struct sk_buff *skb = skb_;
		skb_ = nullptr;
		return skb;
	}
	void reset(struct sk_buff *skb)
	{
		if (skb_)
			afk_skb_free(skb_);
		skb_ = skb;
	}
	// Freed as used, not dropped (it matters to drop monitors).
	void consume() { afk_skb_consume(release()); }

private:
	struct sk_buff *skb_ = nullptr;
};

// A device reference from afk_dev_get.
class DevRef {
public:
	explicit DevRef(struct net_device *dev) : dev_(dev) {}
	~DevRef()
	{
		if (dev_)
			afk_dev_put(dev_);
	}
	DevRef(const DevRef &) = delete;
	DevRef &operator=(const DevRef &) = delete;

	struct net_device *get() const { return dev_; }
	explicit operator bool() const { return dev_ != nullptr; }

private:
	struct net_device *dev_;
};

} // namespace afc
