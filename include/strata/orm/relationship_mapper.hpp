// strata/orm/relationship_mapper.hpp - relationship_mapper<T>: the unit of work's steps that follow
// a model's relationships (pointing foreign keys, cascades, association rows, write order in a
// tree, the object graph at a session's end).
//
// mapper<T> derives from it only when T declares a relationship; for a plain model none of this is
// instantiated and model_objects' no-op defaults stand in.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/error.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/tuple_elements.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/identity_map.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_objects.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_traits.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

template <class T>
class mapper;
/// The identity map of T in `owner` (defined in orm/session.hpp, once session is complete).
template <class T>
mapper<T>& mapper_in(session& owner);

/// Whether a relationship of T leads back to T through a foreign key (an adjacency list).
template <class T, class Element>
inline constexpr bool refers_to_own_model =
    relationship_traits<Element>::kind !=
    relationship_kind::many_to_many&& std::is_same_v<typename relationship_traits<Element>::target, T>;

/// Whether T has a relationship to itself through a foreign key (a tree).
template <class T>
constexpr bool is_self_referential() {
    bool found = false;
    for_each_relationship_element<T>(
        [&]<class Element>(const Element&) { found = found || refers_to_own_model<T, Element>; });
    return found;
}

/// What removing an object of T does along its relationships (model_objects::removal_steps): a
/// function of the typed remove() call sites, not virtual members of mapper<T>, so that a program
/// that deletes nothing compiles neither step.
template <class T>
model_objects::removal_steps removal_of() {
    if constexpr (has_relationship_members<T>) {
        constexpr bool has_collection = [] {
            bool found = false;
            for_each_relationship_element<T>(
                [&]<class Element>(const Element&) { found = found || is_one_to_many<Element>; });
            return found;
        }();
        model_objects::removal_steps steps;
        if constexpr (has_collection)
            steps.cascade = [](model_objects& objects, tracked_object& item) {
                static_cast<mapper<T>&>(objects).cascade_removal(item);
            };
        steps.unlink = [](model_objects& objects, tracked_object& item) {
            static_cast<mapper<T>&>(objects).unlink_everywhere(item);
        };
        return steps;
    } else {
        return {};
    }
}

/// The objects of a model with relationships in one session: what the unit of work does along them.
template <class T>
class relationship_mapper : public identity_map<key_type<T>> {
    using base = identity_map<key_type<T>>;

public:
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

    /// What deleting `item` does to its one-to-many children, as SQLAlchemy's cascades do: with
    /// delete_orphan they are deleted too (before it, at the flush); otherwise a nullable foreign
    /// key is set to NULL. An unloaded collection is loaded first, unless the foreign key declares
    /// ON DELETE CASCADE or SET NULL and so the database does it. A foreign key that can be
    /// neither is left: the DELETE fails with foreign_key_violation and the flush writes nothing.
    void cascade_removal(tracked_object& tracked) {
        auto& item = state_of<T>(tracked);
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_one_to_many<Element>) {
                using traits = relationship_traits<Element>;
                using child = typename traits::target;
                using child_key = key_operations<typename traits::foreign_keys>;
                constexpr const foreign_key_link& link =
                    foreign_key_link_of<typename traits::foreign_keys, typename traits::parent_keys>;
                auto& collection = item.object.*(traits::member);
                if (!collection.is_loaded()) {
                    const auto action = column_of<child_key::first_member>().options.delete_action;
                    if (action == on_delete::cascade || action == on_delete::set_null) return;
                    if (!element.delete_orphan && !link.nullable) return;
                    collection.load_for_change();
                }
                const std::vector<tracked_pointer> children = collection.entries();
                for (const auto& each : children) {
                    // The collection (loaded and kept in step with unflushed moves) says who the
                    // children are; their foreign keys may not be pointed yet.
                    if (element.delete_orphan) {
                        mapper_in<child>(*this->owner_).remove(each, removal_of<child>());
                    } else if (link.nullable) {
                        collection.remove_entry(each.get());  // its many-to-one stops pointing here too
                        each->mark_touched();                 // the next autoflush compares it
                        clear_foreign_key(link, link.child_object(*each));
                    }
                }
                // Children taken out of the collection before, not flushed yet: the flush of a
                // deleted parent does not point them, so the orphans go (or are nulled) now.
                if (item.status == object_status::pending) return;
                const std::vector<tracked_pointer> orphans = collection.removed();
                for (const auto& each : orphans) {
                    void* orphan = link.child_object(*each);
                    // moved to another parent meanwhile (or the parent's key is NULL: none points here)
                    if (!foreign_key_points_at(link, orphan, &item.object)) continue;
                    if (element.delete_orphan) {
                        mapper_in<child>(*this->owner_).remove(each, removal_of<child>());
                    } else if (link.nullable) {
                        each->mark_touched();
                        clear_foreign_key(link, orphan);
                    }
                }
            }
        });
    }

    /// Takes a dropped new object, or a deleted one, out of every loaded relationship that holds
    /// it (a parent's collection would otherwise list it, and a flush write a link to a row that
    /// does not exist).
    void unlink_everywhere(tracked_object& tracked) {
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
                        leave_target<Element>(*this->owner_, item, *found, this->relationships_);
                }
            }
        });
        for (const auto& member : relationship_members_of<T>) {
            if (!member.of(tracked).is_loaded()) continue;
            if (member.collection) {
                auto& collection = member.collection_of(tracked);
                const auto linked = collection.loaded_entries();
                for (const auto& other : linked) collection.remove_entry(other.get());
            } else if (auto& reference = member.reference_of(tracked); reference.current_target()) {
                reference.set_target({});
            }
        }
        this->forget_relationships(tracked);
    }

protected:
    using state = object_state<T>;
    using state_ptr = std::shared_ptr<state>;

    /// The objects of T in `owner` (mapper<T> passes its description).
    relationship_mapper(session* owner, dialect target, relationship_mode relationships, const model_info& info,
                        std::span<const relationship_member_info> members, bool self_referential)
        : base(owner, target, relationships, info, members, self_referential) {}

    using base::map_;
    using model_objects::deleted_;
    using model_objects::dialect_;
    using model_objects::order_after;
    using model_objects::owner_;
    using model_objects::parameters_;
    using model_objects::pending_;
    using model_objects::relationship_changed_;
    using model_objects::relationships_;
    using typename model_objects::after_edge;

    /// Points the foreign key of each many-to-one the user set() at its target's key (the target's
    /// INSERT, if it was new, ran before: referenced models flush first).
    void point_references(tracked_object& tracked) override {
        auto& item = state_of<T>(tracked);
        for_each_relationship_element<T>([&]<class Element>(const Element& element) {
            if constexpr (is_many_to_one<Element>) {
                using traits = relationship_traits<Element>;
                point_reference(foreign_key_link_of<typename traits::foreign_keys, typename traits::target_keys>,
                                element.name, item.object.*(traits::member), &item.object);
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
                constexpr const foreign_key_link& link =
                    foreign_key_link_of<typename traits::foreign_keys, typename traits::parent_keys>;
                if (additions) {
                    point_added_children(link, collection, &item->object);
                    return;
                }
                for (const auto& removed : collection.removed()) {
                    // A child whose key names another parent moved there meanwhile - unless it only
                    // passed through here: moved in from its parent and removed again, its reference
                    // (set by both moves) says it now has none.
                    void* removed_object = link.child_object(*removed);
                    if (!foreign_key_points_at(link, removed_object, &item->object) &&
                        !left_without_parent<Element>(state_of<child>(*removed)))
                        continue;
                    // A constant: a relationship without delete_orphan compiles no removal of its children.
                    constexpr bool orphans_deleted = std::get<Element>(mapping<T>::table.elements).delete_orphan;
                    if constexpr (orphans_deleted) {
                        mapper_in<child>(*this->owner_).remove(removed, removal_of<child>());
                    } else if (link.nullable) {
                        clear_foreign_key(link, removed_object);
                    } else {
                        throw usage_error("removed an object from '" + std::string{element.name} + "' but " +
                                          describe_foreign_key(link) +
                                          " is not nullable: declare the relationship with strata::delete_orphan, "
                                          "or make the column std::optional");
                    }
                }
            }
        });
    }

    /// Orders the pending objects of a self-referential model so that each comes after the new
    /// parent it points at (through its many-to-one or a parent's collection), whatever order
    /// they were added in: each row goes in with its parent's key, in one INSERT. Objects on a
    /// cycle keep their relative order; write_updates points them after.
    void order_parents_first() override {
        order_after(pending_, [](const tracked_pointer& tracked, after_edge after) {
            const auto* item = &state_of<T>(*tracked);
            for_each_relationship_element<T>([&]<class Element>(const Element&) {
                if constexpr (refers_to_own_model<T, Element>) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if constexpr (relationship_traits<Element>::collection) {
                        for (const auto& added : member.added()) after(added.get(), item);
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
                if constexpr (refers_to_own_model<T, Element> && relationship_traits<Element>::collection) {
                    const auto& member = item->object.*(relationship_traits<Element>::member);
                    if (!member.is_loaded()) return;
                    for (const auto& child : member.entries()) after(item, child.get());
                    for (const auto& child : member.removed()) after(item, child.get());
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
        strata::detail::apply_to_elements(
            [this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); }, key);
        // Association rows read nothing back and cannot be refused: they wait for the flush's
        // round trip (an error still names the statement and its values).
        if (deleted) {
            target.execute_held(sql.remove_all, parameters_, {}, false);
            return;
        }
        const auto local_count = parameters_.size();
        const auto& collection = item.object.*(traits::member);
        const auto write = [&](const std::string& text, const tracked_pointer& linked) {
            parameters_.erase(parameters_.begin() + static_cast<std::ptrdiff_t>(local_count), parameters_.end());
            const typename remote_key::value_type linked_key{target_key::values(state_of<other>(*linked).object)};
            strata::detail::apply_to_elements(
                [this](const auto&... values) { (parameters_.push_back(to_parameter(values)), ...); }, linked_key);
            target.execute_held(text, parameters_, {}, false);
        };
        // A target being deleted takes all its rows with it (its own mapper deletes them)
        for (const auto& removed : collection.removed())
            if (removed->status != object_status::deleted) write(sql.remove_one, removed);
        for (const auto& added : collection.added())
            if (added->status != object_status::deleted) write(sql.insert, added);
    }
};

}  // namespace strata::orm
