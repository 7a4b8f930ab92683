// SPDX-License-Identifier: GPL-2.0
//
// Intrusive doubly-linked list: the element embeds its Link, so linking never allocates and
// unlinking is O(1).  Not thread-safe: the owner of the list holds its lock.
#pragma once

namespace afc {

template <typename T>
class Link {
public:
	explicit Link(T *owner) : owner_(owner) {}
	Link(const Link &) = delete;
	Link &operator=(const Link &) = delete;

	bool linked() const { return next_ != this; }
	T *owner() const { return owner_; }

	void unlink()
	{
		prev_->next_ = next_;
		next_->prev_ = prev_;
		prev_ = next_ = this;
	}

	// Put @other (unlinked) where this link is, and unlink this one.
	void replace_with(Link &other)
	{
		other.prev_ = prev_;
		other.next_ = next_;
		prev_->next_ = &other;
		next_->prev_ = &other;
		prev_ = next_ = this;
	}

private:
	template <typename>
	friend class List;

	Link *prev_ = this;
	Link *next_ = this;
	T *const owner_;
};

template <typename T>
class List {
public:
	List() : head_(nullptr) {}
	List(const List &) = delete;
	List &operator=(const List &) = delete;

	bool empty() const { return !head_.linked(); }

	// The first element, or nullptr; the element after @l's owner, or nullptr at the end.
	T *front() const { return empty() ? nullptr : head_.next_->owner(); }
	T *next_of(const Link<T> &l) const { return l.next_ == &head_ ? nullptr : l.next_->owner(); }

	void push_back(Link<T> &l)
	{
		l.prev_ = head_.prev_;
		l.next_ = &head_;
		head_.prev_->next_ = &l;
		head_.prev_ = &l;
	}

	class Iterator {
	public:
		explicit Iterator(Link<T> *l) : l_(l) {}
		T *operator*() const { return l_->owner(); }
		Iterator &operator++()
		{
			l_ = l_->next_;
			return *this;
		}
		bool operator!=(const Iterator &o) const { return l_ != o.l_; }

	private:
		Link<T> *l_;
	};

	// Range-for over the elements; an element may not be unlinked while iterating past it.
	Iterator begin() { return Iterator(head_.next_); }
	Iterator end() { return Iterator(&head_); }

private:
	Link<T> head_;
};

} // namespace afc
