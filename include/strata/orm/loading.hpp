// strata/orm/loading.hpp - loader strategies: lazy (default), selectinload, joinedload,
// contains_eager, raiseload; one class per strategy behind relationship_option<T>.
//
//   session.query<Book>().options(strata::joinedload(&Book::author))           // 1 statement
//   session.query<Author>().options(strata::selectinload(&Author::books))      // 2 statements
//   session.query<Book>().join(&Book::author).options(strata::contains_eager(&Book::author))
//   session.query<Author>().options(strata::raiseload(&Author::books))         // reading throws
//   strata::selectinload(&Author::books).joinedload(&Book::publisher)          // nested levels
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/object.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

class session;
template <class T>
class query;

namespace orm {

/// One query run of a loader option: sees each parent row, then all parents.
template <class T>
class option_run {
public:
    virtual ~option_run() = default;
    /// Called for every row, after its parent object was loaded.
    virtual void on_row(session&, const ref<T>&, const field_reader&) {}
    /// Called once with every parent loaded by the query (selectin loads run here).
    virtual void finish(session&, const std::vector<ref<T>>&) {}
};

/// A loader option for a relationship of T (one class per strategy).
template <class T>
class relationship_option {
public:
    virtual ~relationship_option() = default;
    /// Adjusts the query (joins, extra columns) and returns the run's state.
    virtual std::unique_ptr<option_run<T>> start(sql::select_core& core) const = 0;
    /// Whether the query's rows repeat parents (a joined collection): the result lists each once.
    [[nodiscard]] virtual bool repeats_parents() const noexcept { return false; }
    /// Whether a LIMIT/OFFSET must count parents, not joined rows: the query then selects the
    /// limited parents in a subquery and joins to it (joinedload of a collection).
    [[nodiscard]] virtual bool limits_parents() const noexcept { return false; }
};

/// Options of T, shared between copies of a query.
template <class T>
using option_list = std::vector<std::shared_ptr<const relationship_option<T>>>;

// ---- relationship metadata from the mapping ---------------------------------------------------

template <class Element>
inline constexpr bool is_one_to_many = false;
template <auto C, auto F, auto... M>
inline constexpr bool is_one_to_many<one_to_many_definition<C, F, M...>> = true;
template <class Element>
inline constexpr bool is_many_to_one = false;
template <auto R, auto F, auto... M>
inline constexpr bool is_many_to_one<many_to_one_definition<R, F, M...>> = true;
template <class Element>
inline constexpr bool is_many_to_many = false;
template <auto C, auto L, auto R>
inline constexpr bool is_many_to_many<many_to_many_definition<C, L, R>> = true;
/// Whether a mapping element declares a relationship.
template <class Element>
inline constexpr bool is_relationship = is_one_to_many<Element> || is_many_to_one<Element> || is_many_to_many<Element>;

/// The three kinds of relationship.
enum class relationship_kind : std::uint8_t { one_to_many, many_to_one, many_to_many };

/// The foreign-key columns a declaration names: one member, several, or one strata::keys<...>.
template <auto ForeignKey, auto... MoreKeys>
using declared_keys =
    std::conditional_t<sizeof...(MoreKeys) == 0, keys_of<ForeignKey>, key_columns<ForeignKey, MoreKeys...>>;

template <class Element>
struct relationship_traits;
template <auto Collection, auto ForeignKey, auto... MoreKeys>
struct relationship_traits<one_to_many_definition<Collection, ForeignKey, MoreKeys...>> {
    static constexpr auto kind = relationship_kind::one_to_many;
    static constexpr auto member = Collection;
    using foreign_keys = declared_keys<ForeignKey, MoreKeys...>;  ///< the child's columns
    using parent = schema::model_of<Collection>;
    using target = typename key_operations<foreign_keys>::model;  // the child holds the key
    using parent_keys = referenced_keys_t<foreign_keys, parent>;  ///< the parent's columns they reference
    static constexpr bool collection = true;
};
template <auto Reference, auto ForeignKey, auto... MoreKeys>
struct relationship_traits<many_to_one_definition<Reference, ForeignKey, MoreKeys...>> {
    static constexpr auto kind = relationship_kind::many_to_one;
    static constexpr auto member = Reference;
    using foreign_keys = declared_keys<ForeignKey, MoreKeys...>;  ///< the parent's (the child's) columns
    using parent = schema::model_of<Reference>;
    using target = typename schema::member_value_t<Reference>::target_type;
    using target_keys = referenced_keys_t<foreign_keys, target>;  ///< the target's columns they reference
    static constexpr bool collection = false;
};
template <auto Collection, auto LocalKey, auto RemoteKey>
struct relationship_traits<many_to_many_definition<Collection, LocalKey, RemoteKey>> {
    static constexpr auto kind = relationship_kind::many_to_many;
    static constexpr auto member = Collection;
    using local_keys = keys_of<LocalKey>;    ///< association columns referencing the parent
    using remote_keys = keys_of<RemoteKey>;  ///< association columns referencing the target
    using parent = schema::model_of<Collection>;
    using target = typename schema::member_value_t<Collection>::target_type;
    using association = typename key_operations<local_keys>::model;
    using parent_keys = referenced_keys_t<local_keys, parent>;
    using target_keys = referenced_keys_t<remote_keys, target>;
    static constexpr bool collection = true;
};

/// Calls `visit.template operator()<Element>(element)` for each relationship element of Model's mapping.
template <class Model, class Visit>
constexpr void for_each_relationship_element(Visit&& visit) {
    std::apply(
        [&](const auto&... elements) {
            (
                [&]<class Element>(const Element& element) {
                    if constexpr (is_relationship<Element>) visit.template operator()<Element>(element);
                }(elements),
                ...);
        },
        mapping<Model>::table.elements);
}

/// Whether a model declares any relationship (only such objects can be part of a reference cycle);
/// the same question object_state asks when it decides on shared_from_this.
template <class Model>
inline constexpr bool has_relationship_members = declares_relationships<Model>;

/// Calls `visit(member)` for each relationship member (one<U> or many<U>) of a model object.
template <class Model, class Visit>
void for_each_relationship_member(Model& object, Visit&& visit) {
    std::apply(
        [&](const auto&... elements) {
            (
                [&]<class Element>(const Element&) {
                    if constexpr (is_relationship<Element>) visit(object.*(relationship_traits<Element>::member));
                }(elements),
                ...);
        },
        mapping<std::remove_const_t<Model>>::table.elements);
}

/// The objects of a session and their loaded relationships, as a graph: how the session finds,
/// at its end, the objects no handle outside it can reach, and breaks the reference cycles among
/// them (author.books <-> book.writer) that shared ownership alone would never free.
struct object_graph {
    struct node {
        long use_count = 0;                  ///< owners of the state (0: not tracked by this session)
        long internal = 0;                   ///< owners inside the session: its lists and other objects' relationships
        bool reachable = false;              ///< held, directly or through relationships, from outside
        std::vector<const void*> edges;      ///< loaded relationship targets
        const void* first_holder = nullptr;  ///< an object whose loaded collection holds this one
        std::vector<const void*> other_holders;  ///< more such objects (rare: many-to-many)
    };
    std::unordered_map<const void*, node> nodes;

    /// Records that `parent`'s loaded collection holds `child` (one parent needs no allocation).
    static void add_holder(node& child, const void* parent) {
        if (child.first_holder == nullptr)
            child.first_holder = parent;
        else
            child.other_holders.push_back(parent);
    }
    /// Marks every object reachable from one held outside the session.
    void mark_reachable() {
        std::vector<const void*> pending;
        for (auto& [id, item] : nodes) {
            if (item.use_count > item.internal) {
                item.reachable = true;
                pending.push_back(id);
            }
        }
        while (!pending.empty()) {
            const auto* id = pending.back();
            pending.pop_back();
            for (const auto* target : nodes[id].edges) {
                auto& next = nodes[target];
                if (next.reachable) continue;
                next.reachable = true;
                pending.push_back(target);
            }
        }
    }
    /// Whether `child` is in one of `parent`'s loaded collections.
    [[nodiscard]] bool holds_child(const void* parent, const void* child) const {
        const auto found = nodes.find(child);  // a child's holders are few (usually one parent)
        if (found == nodes.end()) return false;
        const auto& holders = found->second.other_holders;
        return found->second.first_holder == parent ||
               std::find(holders.begin(), holders.end(), parent) != holders.end();
    }
    /// Whether the object is unreachable from outside (its relationships may be dropped).
    [[nodiscard]] bool is_garbage(const void* id) const {
        const auto found = nodes.find(id);
        return found != nodes.end() && !found->second.reachable;
    }
};

/// The first primary-key member of a model.
template <class Model>
constexpr auto first_key_member() {
    return primary_key_member<Model, 0>;
}

}  // namespace orm

template <class Parent, class Target>
class loader;

namespace orm {
template <class Element>
void lazy_load(session& owner, void* parent_state, void* member, bool autoflush);
template <class Parent, class Member>
std::vector<sql::join_clause> relationship_join(Member Parent::*member, sql::join_kind kind);
template <class Model>
void bind_relationships(object_state<Model>& state, session* owner, relationship_mode mode);
}  // namespace orm

}  // namespace strata
