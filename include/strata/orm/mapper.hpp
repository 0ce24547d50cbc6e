// strata/orm/mapper.hpp - mapper<T>: what one model's objects in a session need of T itself.
//
// The unit of work's bookkeeping is model_objects (orm/model_objects.hpp, non-template) and the
// identity map identity_map<Key> (orm/identity_map.hpp, one per key type); mapper<T> adds new
// objects, loads rows into objects, and answers their per-model questions: change detection
// over T's columns (orm/model.hpp's row_operations) and everything its relationships do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/detail/recycling_allocator.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/identity_map.hpp"
#include "strata/orm/loading.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

template <class T>
class mapper;
/// The identity map of T in `owner` (defined in orm/session.hpp, once session is complete).
template <class T>
mapper<T>& mapper_in(session& owner);

/// The objects of one model in one session.
template <class T>
class mapper final : public identity_map<key_type<T>> {
    using base = identity_map<key_type<T>>;

public:
    using state = object_state<T>;
    using state_ptr = std::shared_ptr<state>;

    /// A mapper for a session speaking `target`.
    mapper(session* owner, dialect target, relationship_mode relationships)
        : base(owner, target, relationships, describe<T>(), has_relationship_members<T>, self_referential()) {}

    /// The object with this key, if loaded.
    [[nodiscard]] state_ptr find(const key_type<T>& key) {
        const auto* found = map_.find(key);
        return found ? std::static_pointer_cast<state>(*found) : nullptr;
    }

    /// Adds a new object (INSERTed at the next flush).
    ref<T> add(T object) {
        auto created = new_state();
        created->object = std::move(object);
        created->status = object_status::pending;
        created->owner = owner_;
        bind_relationships(*created, owner_, relationships_);
        // A deferred member the new object leaves unset holds its type's default, which the INSERT
        // writes (an unloaded one would be left out: NULL, or a NOT NULL violation), unless the
        // column has a server default: then the server's value is read back.
        for (std::size_t i = 0; i < info_.columns.size(); ++i) {
            const auto& column = info_.columns[i];
            if (column.deferrable && !column.server_default && column.is_unset(&created->object))
                column.fill_default(&created->object);
        }
        // A new object's collections cannot have rows yet: they start loaded with what it holds.
        for_each_relationship_member(created->object, [](auto& member) {
            if constexpr (requires { member.mark_new(); }) member.mark_new();
        });
        pending_.push_back(created);
        return ref<T>{std::move(created)};
    }

    /// Turns the current row into the identity-mapped object for it.
    ///
    /// `positions[i]` is the select-list index of column i (or -1 when not selected); `mask` has
    /// the bits of the selected columns. An object already in the map keeps its values unless it
    /// is expired or `overwrite` is set (a locking read); columns it lacks are filled in.
    ///
    /// `spare` (a stream's): a detached state no one else holds, reused for a new object instead
    /// of allocating one (its strings keep their buffers); taken (left empty) only when used.
    ref<T> load(const field_reader& row, const std::vector<int>& positions, std::uint64_t mask, bool overwrite,
                bool* created_here = nullptr, state_ptr* spare = nullptr) {
        if (created_here) *created_here = false;
        auto key = read_key(row, positions, std::make_index_sequence<primary_key_elements<T>.size()>{});
        auto [slot, inserted] = map_.try_emplace(key);
        if (!inserted) {
            state_ptr existing = std::static_pointer_cast<state>(*slot);
            if (existing->status == object_status::deleted) return ref<T>{existing};
            std::uint64_t fill = 0;
            if (existing->expired || overwrite) {
                fill = mask;
                existing->expired = false;
            } else {
                fill = detail::row_operations<T>::unloaded_columns(existing->object, mask);
            }
            for (std::size_t i = 0; fill != 0 && i < info_.columns.size(); ++i) {
                if (!(fill >> i & 1)) continue;
                existing->snapshot[i] =
                    info_.columns[i].read(&existing->object, row, static_cast<std::size_t>(positions[i]));
            }
            return ref<T>{std::move(existing)};
        }
        state_ptr created;
        try {
            created = spare != nullptr && *spare ? reuse(std::move(*spare)) : new_state();
            detail::row_operations<T>::read_new(created->object, key, row, positions.data(), mask,
                                                created->snapshot.data());
        } catch (...) {
            map_.erase(key);  // no memory, or a conversion failed: leave no empty or half-loaded entry
            throw;
        }
        created->status = object_status::persistent;
        created->owner = owner_;
        created->touch_list = &touched_;
        bind_relationships(*created, owner_, relationships_);
        *slot = created;
        if (created_here) *created_here = true;
        return ref<T>{std::move(created)};
    }

    /// Calls `visit(tracked_pointer)` for every object held, pending ones included.
    template <class Visit>
    void for_each_object(Visit&& visit) {
        map_.for_each([&](const key_type<T>&, const tracked_pointer& item) { visit(item); });
        for (const auto& item : pending_) visit(item);
    }

    void write_associations(connection& target) override {
        if constexpr (has_relationship_members<T>) {
            const auto write = [&](const tracked_pointer& item, bool deleted) {
                for_each_relationship_element<T>([&]<class Element>(const Element&) {
                    if constexpr (is_many_to_many<Element>)
                        write_association_rows<Element>(target, state_of<T>(*item), deleted);
                });
            };
            for (const auto& item : relationship_changed_)
                if (item->status != object_status::deleted) write(item, false);
            for (const auto& item : deleted_) write(item, true);
        }
    }

    [[nodiscard]] std::vector<std::string_view> relationship_targets() const override {
        std::vector<std::string_view> tables;
        for_each_relationship_element<T>([&tables]<class Element>(const Element&) {
            tables.push_back(mapping<typename relationship_traits<Element>::target>::table.name);
        });
        return tables;
    }

private:
    using base::map_;
    using model_objects::deleted_;
    using model_objects::dialect_;
    using model_objects::info_;
    using model_objects::order_after;
    using model_objects::owner_;
    using model_objects::parameters_;
    using model_objects::pending_;
    using model_objects::relationship_changed_;
    using model_objects::relationships_;
    using model_objects::touched_;
    using typename model_objects::after_edge;

    [[nodiscard]] key_type<T> key_of_object(const tracked_object& item) const override {
        return key_of(state_of<T>(item).object);
    }
    [[nodiscard]] void* object_address(tracked_object& item) const noexcept override {
        return &state_of<T>(item).object;
    }
    [[nodiscard]] std::uint64_t changed_columns(const tracked_object& item) const noexcept override {
        const auto& typed = state_of<T>(item);
        return detail::row_operations<T>::changed_columns(typed.object, typed.snapshot.data());
    }
    void take_snapshot(tracked_object& item) const noexcept override {
        auto& typed = state_of<T>(item);
        detail::row_operations<T>::fingerprints(typed.object, typed.snapshot.data());
    }
    void bind(tracked_object& item, session* owner) noexcept override {
        bind_relationships(state_of<T>(item), owner, relationships_);
    }
    [[nodiscard]] bool relationships_changed(const tracked_object& item) const override {
        bool changed = false;
        for_each_relationship_member(state_of<T>(item).object,
                                     [&](const auto& member) { changed = changed || member.changed(); });
        return changed;
    }
    void forget_relationships(tracked_object& item) noexcept override {
        for_each_relationship_member(state_of<T>(item).object, [](auto& member) {
            member.clear_changes();
            member.unload();
        });
    }
    void clear_relationship_changes(tracked_object& item) noexcept override {
        for_each_relationship_member(state_of<T>(item).object, [](auto& member) { member.clear_changes(); });
    }
    [[nodiscard]] const void* graph_key(const tracked_object& item) const noexcept override {
        return &state_of<T>(item);
    }
    void visit_loaded_targets(const tracked_object& item,
                              strata::detail::function_ref<void(const void*, bool)> visit) const override {
        for_each_relationship_member(state_of<T>(item).object, [&](const auto& member) {
            constexpr bool by_collection = requires(std::remove_cvref_t<decltype(member)> & collection) {
                collection.start_loading();
            };
            member.visit_loaded([&](const void* target) { visit(target, by_collection); });
        });
    }
    void unload_relationships(tracked_object& item) noexcept override {
        for_each_relationship_member(state_of<T>(item).object, [](auto& member) { member.unload(); });
    }
    void weaken_held_references(tracked_object& item,
                                strata::detail::function_ref<bool(const void*)> holds) noexcept override {
        for_each_relationship_member(state_of<T>(item).object, [&](auto& member) {
            if constexpr (requires { member.weaken(); }) {
                member.visit_loaded([&](const void* target) {
                    if (holds(target)) member.weaken();
                });
            }
        });
    }

    /// A fresh state, its memory recycled from earlier objects of this size on this thread.
    static state_ptr new_state() { return std::allocate_shared<state>(strata::detail::recycling_allocator<state>{}); }

    /// A released, unshared state made ready for a new row: the members the mapping does not name
    /// go back to their defaults (moving from a new T keeps a string's buffer in libstdc++).
    static state_ptr reuse(state_ptr item) {
        item->object = T{};
        item->expired = false;
        return item;
    }

    /// The key of the current row; key element Is is primary-key column info_.primary_key[Is].
    template <std::size_t... Is>
    key_type<T> read_key(const field_reader& row, const std::vector<int>& positions, std::index_sequence<Is...>) const {
        using elements = schema::elements_of<T>;
        return key_type<T>{read_field<typename std::tuple_element_t<primary_key_elements<T>[Is], elements>::value_type>(
            row, static_cast<std::size_t>(positions[info_.primary_key[Is]]))...};
    }

    /// Points the foreign key of each many-to-one the user set() at its target's key (the target's
    /// INSERT, if it was new, ran before: referenced models flush first).
    void point_references(tracked_object& tracked) override {
        auto& item = state_of<T>(tracked);
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_many_to_one<Element>) {
                using traits = relationship_traits<Element>;
                auto& member = item.object.*(traits::member);
                if (!member.changed()) return;
                using foreign_key = key_operations<typename traits::foreign_keys>;
                using target_key = key_operations<typename traits::target_keys>;
                const auto referenced = member.current();
                if (referenced && !has_row(*referenced.state())) {
                    // Its target is new and not inserted yet (a cycle of new objects): this row goes
                    // in with NULL and write_updates points it once the target's row exists.
                    if constexpr (foreign_key::all_nullable) {
                        foreign_key::set_null(item.object);
                        return;
                    } else {
                        throw usage_error("relationship '" + std::string{element.name} +
                                          "' is part of a cycle of new objects, and " +
                                          foreign_key::describe_columns() +
                                          " is not nullable: make it std::optional so that one row can be "
                                          "inserted first and pointed after");
                    }
                }
                if (referenced) {
                    foreign_key::assign(item.object, typename foreign_key::value_type{target_key::values(*referenced)});
                } else if constexpr (foreign_key::all_nullable) {
                    foreign_key::set_null(item.object);
                } else {
                    throw usage_error("relationship '" + std::string{element.name} + "' was set to no object but " +
                                      foreign_key::describe_columns() +
                                      " is not nullable: declare it std::optional or set an object");
                }
            }
        });
    }

    /// point_children() for one parent: its additions, or its removals.
    void point_children_of(tracked_object& tracked, bool additions) override {
        auto* item = &state_of<T>(tracked);
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_one_to_many<Element>) {
                using traits = relationship_traits<Element>;
                using child = typename traits::target;
                const auto& collection = item->object.*(traits::member);
                if (!collection.changed()) return;
                using parent_key = key_operations<typename traits::parent_keys>;
                using child_key = key_operations<typename traits::foreign_keys>;
                const typename child_key::value_type key{parent_key::values(item->object)};
                if (additions) {
                    for (const auto& added : collection.added()) child_key::assign(object_of(added), key);
                    return;
                }
                for (const auto& removed : collection.removed()) {
                    // A child whose key names another parent moved there meanwhile - unless it only
                    // passed through here: moved in from its parent and removed again, its reference
                    // (set by both moves) says it now has none.
                    if (!child_key::equals(object_of(removed), key) && !left_without_parent<Element>(*removed.state()))
                        continue;
                    if (element.delete_orphan) {
                        mapper_in<child>(*this->owner_).remove(removed.state());
                    } else if constexpr (child_key::all_nullable) {
                        child_key::set_null(object_of(removed));
                    } else {
                        throw usage_error("removed an object from '" + std::string{element.name} + "' but " +
                                          child_key::describe_columns() +
                                          " is not nullable: declare the relationship with strata::delete_orphan, "
                                          "or make the column std::optional");
                    }
                }
            }
        });
    }

    /// What deleting `item` does to its one-to-many children, as SQLAlchemy's cascades do: with
    /// delete_orphan they are deleted too (before it, at the flush); otherwise a nullable foreign
    /// key is set to NULL. An unloaded collection is loaded first, unless the foreign key declares
    /// ON DELETE CASCADE or SET NULL and so the database does it. A foreign key that can be
    /// neither is left: the DELETE fails with foreign_key_violation and the flush writes nothing.
    void cascade_removal(tracked_object& tracked) override {
        auto& item = state_of<T>(tracked);
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_one_to_many<Element>) {
                using traits = relationship_traits<Element>;
                using child = typename traits::target;
                using child_key = key_operations<typename traits::foreign_keys>;
                auto& collection = item.object.*(traits::member);
                if (!collection.is_loaded()) {
                    const auto action = column_of<child_key::first_member>().options.delete_action;
                    if (action == on_delete::cascade || action == on_delete::set_null) return;
                    if (!element.delete_orphan && !child_key::all_nullable) return;
                    collection.load_for_change();
                }
                const std::vector<ref<child>> children = collection.items();
                for (const auto& each : children) {
                    // The collection (loaded and kept in step with unflushed moves) says who the
                    // children are; their foreign keys may not be pointed yet.
                    if (element.delete_orphan) {
                        mapper_in<child>(*this->owner_).remove(each.state());
                    } else if constexpr (child_key::all_nullable) {
                        collection.remove(each);     // its many-to-one stops pointing here too
                        child_key::set_null(*each);  // through the handle: the next autoflush compares it
                    }
                }
                // Children taken out of the collection before, not flushed yet: the flush of a
                // deleted parent does not point them, so the orphans go (or are nulled) now.
                using parent_key = key_operations<typename traits::parent_keys>;
                if (item.status == object_status::pending || parent_key::is_null(item.object)) return;
                const typename child_key::value_type key{parent_key::values(item.object)};
                const std::vector<ref<child>> orphans = collection.removed();
                for (const auto& each : orphans) {
                    if (!child_key::equals(object_of(each), key)) continue;  // moved to another parent meanwhile
                    if (element.delete_orphan)
                        mapper_in<child>(*this->owner_).remove(each.state());
                    else if constexpr (child_key::all_nullable)
                        child_key::set_null(*each);
                }
            }
        });
    }

    /// Takes a dropped new object, or a deleted one, out of every loaded relationship that holds
    /// it (a parent's collection would otherwise list it, and a flush write a link to a row that
    /// does not exist).
    void unlink_everywhere(tracked_object& tracked) override {
        auto& item = state_of<T>(tracked);
        // A many-to-one not loaded still names its target by key: if the identity map holds that
        // target, its loaded collection may hold this object (no SQL: an object not in the map
        // is in no loaded collection).
        for_each_relationship_element<T>([&]<class Element>(const Element&) {
            if constexpr (is_many_to_one<Element>) {
                using traits = relationship_traits<Element>;
                using target = typename traits::target;
                using foreign_key = key_operations<typename traits::foreign_keys>;
                using target_key = key_operations<typename traits::target_keys>;
                if constexpr (std::is_same_v<typename traits::target_keys, primary_key_columns<target>>) {
                    if ((item.object.*(traits::member)).is_loaded() || foreign_key::is_null(item.object)) return;
                    const typename target_key::value_type key{foreign_key::values(item.object)};
                    if (const auto found = mapper_in<target>(*this->owner_).find(key_type<target>{key}))
                        leave_target<Element>(*this->owner_, item, found.get(), this->relationships_);
                }
            }
        });
        for_each_relationship_member(item.object, [](auto& member) {
            using member_type = std::remove_cvref_t<decltype(member)>;
            if constexpr (requires { member.weaken(); }) {  // one<U>
                if (member.is_loaded() && member.current()) member.set(ref<typename member_type::target_type>{});
            } else if (member.is_loaded()) {  // many<U>
                const auto linked = member.items();
                for (const auto& other : linked) member.remove(other);
            }
        });
        forget_relationships(tracked);
    }

    /// Whether a target object has its row in the database (persistent, or inserted by this flush).
    template <class Target>
    [[nodiscard]] static bool has_row(const object_state<Target>& target) noexcept {
        return target.status != object_status::pending || target.row_written;
    }

    /// Whether a relationship of T leads back to T through a foreign key (an adjacency list).
    template <class Element>
    static constexpr bool refers_to_own_model =
        relationship_traits<Element>::kind !=
        relationship_kind::many_to_many&& std::is_same_v<typename relationship_traits<Element>::target, T>;
    static constexpr bool self_referential() {
        bool found = false;
        for_each_relationship_element<T>(
            [&]<class Element>(const Element&) { found = found || refers_to_own_model<Element>; });
        return found;
    }

    /// Orders the pending objects of a self-referential model so that each comes after the new
    /// parent it points at (through its many-to-one or a parent's collection), whatever order
    /// they were added in: each row goes in with its parent's key, in one INSERT. Objects on a
    /// cycle keep their relative order; write_updates points them after.
    void order_parents_first() override {
        order_after(pending_, [](const tracked_pointer& tracked, after_edge after) {
            const auto* item = &state_of<T>(*tracked);
            for_each_relationship_element<T>([&]<class Element>(const Element&) {
                if constexpr (refers_to_own_model<Element>) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if constexpr (relationship_traits<Element>::collection) {
                        for (const auto& added : member.added()) after(added.state().get(), item);
                    } else if (member.changed()) {
                        if (const auto referenced = member.current()) after(item, referenced.state().get());
                    }
                }
            });
        });
    }

    /// Orders the deleted objects of a self-referential model so that a row still referencing
    /// another deleted row (a child in its collection, removed by the cascade or not) goes first:
    /// deleting the parent first fails on the foreign key.
    void order_children_first() override {
        order_after(deleted_, [](const tracked_pointer& tracked, after_edge after) {
            const auto* item = &state_of<T>(*tracked);
            for_each_relationship_element<T>([&]<class Element>(const Element&) {
                if constexpr (refers_to_own_model<Element> && relationship_traits<Element>::collection) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if (!member.is_loaded()) return;
                    for (const auto& child : member.items()) after(item, child.state().get());
                    for (const auto& child : member.removed()) after(item, child.state().get());
                }
            });
        });
    }

    /// Writes the association rows of one many-to-many collection of `item` (all of them when
    /// the object is being deleted).
    template <class Element>
    void write_association_rows(connection& target, const state& item, bool deleted) {
        using traits = relationship_traits<Element>;
        using other = typename traits::target;
        // The three statements of this association, built once per dialect for the program.
        struct statements {
            std::string remove_all, remove_one, insert;
        };
        using local_key = key_operations<typename traits::local_keys>;
        using remote_key = key_operations<typename traits::remote_keys>;
        using parent_key = key_operations<typename traits::parent_keys>;
        using target_key = key_operations<typename traits::target_keys>;
        static const auto build = [](dialect target_dialect) {
            int number = 0;
            const auto mark = [target_dialect, &number] { return sql::detail::placeholder(target_dialect, ++number); };
            const auto local = local_key::column_names();
            const auto remote = remote_key::column_names();
            const auto table = sql::detail::quote_identifier(mapping<typename traits::association>::table.name);
            std::string matches_local;
            for (const auto& name : local)
                matches_local += (matches_local.empty() ? "" : " AND ") + name + " = " + mark();
            std::string matches_remote;
            for (const auto& name : remote) matches_remote += " AND " + name + " = " + mark();
            number = 0;
            std::string columns, values;
            for (const auto& name : local) {
                columns += (columns.empty() ? "" : ", ") + name;
                values += (values.empty() ? "" : ", ") + mark();
            }
            for (const auto& name : remote) {
                columns += ", " + name;
                values += ", " + mark();
            }
            const auto remove = "DELETE FROM " + table + " WHERE " + matches_local;
            return statements{remove, remove + matches_remote,
                              "INSERT INTO " + table + " (" + columns + ") VALUES (" + values + ")"};
        };
        static const statements for_sqlite = build(dialect::sqlite);
        static const statements for_postgresql = build(dialect::postgresql);
        const auto& sql = dialect_ == dialect::postgresql ? for_postgresql : for_sqlite;
        const typename local_key::value_type key{parent_key::values(item.object)};
        parameters_.clear();
        std::apply([this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); }, key);
        if (deleted) {
            target.execute_parameters(sql.remove_all, parameters_);
            return;
        }
        const auto local_count = parameters_.size();
        const auto& collection = item.object.*(traits::member);
        const auto write = [&](const std::string& text, const ref<other>& linked) {
            parameters_.erase(parameters_.begin() + static_cast<std::ptrdiff_t>(local_count), parameters_.end());
            const typename remote_key::value_type linked_key{target_key::values(*linked)};
            std::apply([this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); },
                       linked_key);
            target.execute_parameters(text, parameters_);
        };
        // A target being deleted takes all its rows with it (its own mapper deletes them)
        for (const auto& removed : collection.removed())
            if (removed.status() != object_status::deleted) write(sql.remove_one, removed);
        for (const auto& added : collection.added())
            if (added.status() != object_status::deleted) write(sql.insert, added);
    }
};

}  // namespace strata::orm
