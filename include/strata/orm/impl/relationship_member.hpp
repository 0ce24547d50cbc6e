// strata/orm/impl/relationship_member.hpp - the definitions behind strata/orm/relationship_member.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <string>

#include "strata/detail/linkage.hpp"
#include "strata/orm/relationship_member.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE void check_loadable(const relationship_context& context) {
    if (context.mode == relationship_mode::raise)
        throw lazy_load_forbidden("lazy load of relationship '" + std::string{context.name()} +
                                  "' is forbidden by raiseload: load it with selectinload/joinedload");
    if (!context.can_load())
        throw usage_error("relationship '" + std::string{context.name()} +
                          "' is not loaded and its object is not attached to a session");
}

STRATA_COMPILED_LINKAGE bool relationship_context::link(tracked_object& target, bool added) const {
    return behavior != nullptr && parent != nullptr && link_other_side(*this, target, added);
}

STRATA_COMPILED_LINKAGE bool link_other_side(const relationship_context& context, tracked_object& target, bool added) {
    const auto& behavior = *context.behavior;
    if (behavior.inverse == nullptr) return false;  // the target does not declare the other side
    const auto& inverse = *behavior.inverse;
    const tracked_pointer self = behavior.member->handle(*context.parent);
    if (inverse.collection) return inverse.collection_of(target).follow(self, added);
    // A child moving to this parent leaves the loaded collection of its previous one, found by
    // its foreign key in the identity map when the reference is not loaded.
    auto& reference = inverse.reference_of(target);
    auto previous = reference.current_target();
    if (added && !reference.is_loaded() && context.owner != nullptr && behavior.inverse_target_in_session != nullptr)
        previous = behavior.inverse_target_in_session(*context.owner, target);
    if (added) {
        if (previous && previous != self) {
            previous->mark_touched();
            behavior.member->collection_of(*previous).follow(inverse.handle(target), false);
        }
        reference.assign(self);
    } else if (previous == self || !reference.is_loaded()) {
        // It was in this collection, so this was its parent: an unloaded reference would load
        // the foreign key that still names it until the flush.
        reference.assign({});
    }
    return false;
}

STRATA_COMPILED_LINKAGE bool left_without_parent(const relationship_behavior& behavior,
                                                 tracked_object& child) noexcept {
    if (behavior.inverse == nullptr || behavior.inverse->collection) return false;
    const auto& reference = behavior.inverse->reference_of(child);
    return reference.is_loaded() && !reference.current_target();
}

STRATA_COMPILED_LINKAGE reference_member::reference_member(const reference_member& other) = default;
STRATA_COMPILED_LINKAGE reference_member::reference_member(reference_member&& other) noexcept = default;
STRATA_COMPILED_LINKAGE reference_member& reference_member::operator=(const reference_member& other) = default;
STRATA_COMPILED_LINKAGE reference_member& reference_member::operator=(reference_member&& other) noexcept = default;
STRATA_COMPILED_LINKAGE reference_member::~reference_member() = default;

STRATA_COMPILED_LINKAGE collection_member::collection_member(const collection_member& other) = default;
STRATA_COMPILED_LINKAGE collection_member::collection_member(collection_member&& other) noexcept = default;
STRATA_COMPILED_LINKAGE collection_member& collection_member::operator=(const collection_member& other) = default;
STRATA_COMPILED_LINKAGE collection_member& collection_member::operator=(collection_member&& other) noexcept = default;
STRATA_COMPILED_LINKAGE collection_member::~collection_member() = default;

STRATA_COMPILED_LINKAGE void reference_member::set_target(tracked_pointer target) {
    // The previous target's loaded collection must lose this object: find it (usually in the
    // identity map, without SQL). Where lazy loads are forbidden (raiseload), in the identity map
    // only: a target not there holds no loaded collection.
    if (!loaded_ && context_.can_load()) {
        if (context_.mode == relationship_mode::lazy) {
            context_.load(static_cast<reference_member*>(this), false);
        } else if (context_.behavior->target_in_session != nullptr) {
            if (const auto previous = context_.behavior->target_in_session(*context_.owner, *context_.parent);
                previous && previous != target)
                context_.link(*previous, false);
        }
    }
    if (loaded_ && !weak_ && target_ == target) {
        // A new object's reference loaded from a key column the user set (a merge()d copy): the
        // target's loaded collection never held it, and gains it now, as the contract says. A
        // persistent object's rows put it there already; the search is skipped for it, so that
        // setting the same parent again in a loop stays constant time.
        if (target_ && context_.parent != nullptr && context_.parent->status == object_status::pending)
            context_.link(*target_, true);
        return;
    }
    if (loaded_ && !weak_ && target_) context_.link(*target_, false);
    target_ = std::move(target);
    weak_target_.reset();
    loaded_ = true;
    weak_ = false;
    changed_ = true;
    context_.touch();
    if (target_) context_.link(*target_, true);
}

STRATA_COMPILED_LINKAGE void reference_member::unload() noexcept {
    target_.reset();
    weak_target_.reset();
    loaded_ = false;
    weak_ = false;
}

STRATA_COMPILED_LINKAGE void reference_member::weaken() noexcept {
    if (!loaded_ || !target_) return;
    weak_target_ = target_;
    target_.reset();
    weak_ = true;
}

STRATA_COMPILED_LINKAGE void reference_member::load_now() const {
    check_loadable(context_);
    context_.load(const_cast<reference_member*>(this), true);
}

STRATA_COMPILED_LINKAGE tracked_object& reference_member::target_for_access_slow() const {
    if (weak_) return *locked_target();
    if (!loaded_) load_now();
    if (!target_) throw usage_error("dereferenced an empty strata::ref (no row matched, or it was moved from)");
    target_->mark_touched();
    return *target_;
}

STRATA_COMPILED_LINKAGE tracked_pointer reference_member::locked_target() const {
    if (auto target = weak_target_.lock()) return target;
    throw usage_error("relationship '" + std::string{context_.name()} +
                      "': the object it referred to was released after its session ended (a pair loaded both "
                      "ways keeps its many-to-one side weakly once detached): keep a handle to it");
}

STRATA_COMPILED_LINKAGE bool collection_member::contains_entry(const tracked_object* item) const {
    const auto& all = entries();
    return std::any_of(all.begin(), all.end(), [item](const tracked_pointer& each) { return each.get() == item; });
}

STRATA_COMPILED_LINKAGE void collection_member::add_entry(tracked_pointer item) {
    if (!item) throw usage_error("many<T>::add() of an empty strata::ref");
    // A child holds a one-to-many's foreign key, so only the parent's session can write it: a
    // child it does not track would stay in the collection with its row unchanged.
    if (context_.owner != nullptr && context_.behavior != nullptr && context_.behavior->items_hold_key() &&
        item->owner() != static_cast<const void*>(context_.owner))
        throw usage_error("many<T>::add(): '" + std::string{context_.name()} +
                          "' was given an object its session does not track (expunged, dropped, or another "
                          "session's), whose foreign key that session could never write: merge() it into the "
                          "session and add the object merge() returns");
    prepare_change();
    if (context_.behavior != nullptr && context_.behavior->items_hold_key()) item->orphaned = false;  // a parent again
    if (std::any_of(items_.begin(), items_.end(), [&item](const tracked_pointer& each) { return each == item; }))
        return;
    items_.push_back(item);
    if (!context_.link(*item, true)) record(item, true);
}

STRATA_COMPILED_LINKAGE bool collection_member::remove_entry(const tracked_object* item) {
    prepare_change();
    const auto found =
        std::find_if(items_.begin(), items_.end(), [item](const tracked_pointer& each) { return each.get() == item; });
    if (found == items_.end()) return false;
    const tracked_pointer removed = std::move(*found);
    erase_entry(found);
    if (!context_.link(*removed, false)) record(removed, false);
    // A new child of a delete_orphan collection has no parent now. With a many-to-one back, the
    // flush sees that in it (left_without_parent), and a move through that reference adds no
    // entry; without one, only this says so until a collection adds it again: the flush drops it
    // instead of writing a key that names no row.
    if (const auto* behavior = context_.behavior; behavior != nullptr && behavior->items_hold_key() &&
                                                  behavior->delete_orphan && behavior->inverse == nullptr &&
                                                  removed->status == object_status::pending)
        removed->orphaned = true;
    return true;
}

STRATA_COMPILED_LINKAGE bool collection_member::follow(const tracked_pointer& item, bool added) {
    auto& opposite = added ? removed_ : added_;
    const auto recorded = std::find(opposite.begin(), opposite.end(), item);
    // A one-to-many's child records its own move (its reference writes the key): the
    // collection forgets its recorded change, and nothing is cancelled.
    const bool cancelled =
        recorded != opposite.end() && (context_.behavior == nullptr || !context_.behavior->items_hold_key());
    if (recorded != opposite.end()) opposite.erase(recorded);
    if (!loaded_) return cancelled;  // an unloaded collection reads the database's truth when loaded
    const auto found = std::find(items_.begin(), items_.end(), item);
    if (added && found == items_.end()) items_.push_back(item);
    if (!added && found != items_.end()) erase_entry(found);
    return cancelled;
}

STRATA_COMPILED_LINKAGE void collection_member::append_unique(tracked_pointer item) {
    for (const auto& existing : items_)
        if (existing == item) return;
    items_.push_back(std::move(item));
}

STRATA_COMPILED_LINKAGE void collection_member::changed_while_iterated() const {
    throw usage_error("relationship '" + std::string{context_.name()} +
                      "' lost or reloaded entries while it was being iterated (an object removed from it or "
                      "moved to another parent, or the collection loaded again by a query that refreshed its "
                      "parent after a commit): iterate over a copy, std::vector<strata::ref<T>>(c.begin(), c.end())");
}

STRATA_COMPILED_LINKAGE void collection_member::load_now() const {
    check_loadable(context_);
    context_.load(const_cast<collection_member*>(this), true);
}

STRATA_COMPILED_LINKAGE void collection_member::forget_if_expired() noexcept {
    // What a commit expired with its object is the previous transaction's, and another may have
    // moved a child since. Reads keep it (as columns keep their values); what writes must go by
    // the rows, as SQLAlchemy's expired collection loads again: removing or cascading to a child
    // listed here but moved away would delete it or null the key another transaction wrote, and
    // adding back one still listed would be no change. A collection changed since the commit was
    // loaded again by its first change.
    if (loaded_ && !changed() && context_.owner != nullptr && context_.parent != nullptr && context_.parent->expired)
        unload();
}

STRATA_COMPILED_LINKAGE void collection_member::prepare_change() {
    // A new object's collection (never bound to a session) starts empty; the session marks
    // the collections of added objects loaded the same way (mark_new).
    if (!loaded_ && context_.behavior == nullptr) {
        loaded_ = true;
        return;
    }
    forget_if_expired();  // a change goes on the rows
    check_loadable(context_);
    if (!loaded_) context_.load(static_cast<collection_member*>(this), false);
}

STRATA_COMPILED_LINKAGE void collection_member::record(const tracked_pointer& item, bool added) {
    context_.touch();
    auto& undo = added ? removed_ : added_;
    if (const auto found = std::find(undo.begin(), undo.end(), item); found != undo.end()) {
        undo.erase(found);
        // A many-to-many's add after remove (or the reverse) cancels out. A one-to-many's last
        // change is what counts: a child moved here and away again has no parent now (it may
        // have left another for this one), and one taken out and put back belongs here.
        if (context_.behavior == nullptr || !context_.behavior->items_hold_key()) return;
    }
    (added ? added_ : removed_).push_back(item);
}

}  // namespace strata::orm
