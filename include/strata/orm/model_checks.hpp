// strata/orm/model_checks.hpp - what the ORM checks about a model at compile time, before it
// instantiates anything for it.
//
// Every session entry point (add, get, query, ...) asks `checked_model<T>()` first and compiles
// nothing else for T when it fails, so a mistake in a mapping is one static_assert naming it (the
// relationship, its members and both key types appear in the "In instantiation of" line above
// the message), not pages of errors from deep inside the identity map.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include "strata/orm/model.hpp"
#include "strata/orm/relationship.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/schema/mapping.hpp"

namespace strata::orm {

namespace detail {

/// The type a key column compares as: its column value with NULL taken out.
template <auto Member>
using key_value_t = sql::strip_optional_t<schema::column_value_t<schema::member_value_t<Member>>>;

/// Fails, naming both types, unless a foreign-key column and the column it references hold the same type.
template <class ForeignKeyType, class ReferencedKeyType>
constexpr bool key_types_match() {
    static_assert(std::is_same_v<ForeignKeyType, ReferencedKeyType>,
                  "a relationship's foreign key and the key it references have different types (see the types "
                  "above): declare the foreign-key member with the referenced key's type (std::optional of it "
                  "for a nullable key)");
    return std::is_same_v<ForeignKeyType, ReferencedKeyType>;
}

template <class Referenced, class Keys, class Indexes>
struct key_types_check;
template <class Referenced, auto... ForeignKeys, std::size_t... Indexes>
struct key_types_check<Referenced, key_columns<ForeignKeys...>, std::index_sequence<Indexes...>> {
    static constexpr bool check() {
        return (key_types_match<key_value_t<ForeignKeys>,
                                key_value_t<referenced_member<ForeignKeys, Referenced, Indexes>()>>() &&
                ...);
    }
};

/// Fails unless ForeignKeys (columns of one model) match, one for one, the columns of Referenced
/// they point at: references<> targets, else Referenced's primary key in order.
template <class Referenced, auto... ForeignKeys>
constexpr bool foreign_keys_match() {
    constexpr bool all_name_targets =
        (!std::is_null_pointer_v<
             std::remove_cv_t<decltype(std::remove_cvref_t<decltype(column_of<ForeignKeys>())>::target)>> &&
         ...);
    constexpr bool same_count = all_name_targets || sizeof...(ForeignKeys) == primary_key_elements<Referenced>.size();
    static_assert(same_count,
                  "a relationship names as many foreign-key columns as the referenced primary key has columns, "
                  "in its order (or each key column says strata::references<&Model::member>)");
    if constexpr (!same_count)
        return false;
    else
        return key_types_check<Referenced, key_columns<ForeignKeys...>,
                               std::make_index_sequence<sizeof...(ForeignKeys)>>::check();
}

/// Fails unless the relationship's own member belongs to Model.
template <class Model, auto Member>
constexpr bool relationship_member_belongs() {
    constexpr bool own = std::is_same_v<schema::model_of<Member>, Model>;
    static_assert(own, "strata::mapping<T>: a relationship names a member of another class (use &T::member of this T)");
    return own;
}

template <class Model, class Element>
struct relationship_check {
    static constexpr bool check() { return true; }  // columns, constraints, indexes
};

/// one_to_many<&Parent::children, &Child::parent_id>: the keys are the child's and reference the parent.
template <class Model, auto Collection, auto ForeignKey, auto... MoreKeys>
struct relationship_check<Model, one_to_many_definition<Collection, ForeignKey, MoreKeys...>> {
    static constexpr bool check() {
        using child = typename schema::member_value_t<Collection>::target_type;
        constexpr bool keys_in_child = std::is_same_v<schema::model_of<ForeignKey>, child> &&
                                       (std::is_same_v<schema::model_of<MoreKeys>, child> && ...);
        static_assert(keys_in_child,
                      "one_to_many<&Parent::collection, &Child::foreign_key>: the foreign key must be a member of "
                      "the collection's element type (the child's column that points back at the parent)");
        if constexpr (!relationship_member_belongs<Model, Collection>() || !keys_in_child)
            return false;
        else
            return foreign_keys_match<Model, ForeignKey, MoreKeys...>();
    }
};

/// many_to_one<&Child::parent, &Child::parent_id>: the keys are Model's own and reference the target.
template <class Model, auto Reference, auto ForeignKey, auto... MoreKeys>
struct relationship_check<Model, many_to_one_definition<Reference, ForeignKey, MoreKeys...>> {
    static constexpr bool check() {
        using target = typename schema::member_value_t<Reference>::target_type;
        constexpr bool keys_own = std::is_same_v<schema::model_of<ForeignKey>, Model> &&
                                  (std::is_same_v<schema::model_of<MoreKeys>, Model> && ...);
        static_assert(keys_own,
                      "many_to_one<&Child::reference, &Child::foreign_key>: the foreign key must be a member of the "
                      "model that holds the reference (its own column that points at the target)");
        if constexpr (!relationship_member_belongs<Model, Reference>() || !keys_own)
            return false;
        else
            return foreign_keys_match<target, ForeignKey, MoreKeys...>();
    }
};

template <class Referenced, class Keys>
struct association_keys_check;
template <class Referenced, auto... Members>
struct association_keys_check<Referenced, key_columns<Members...>> {
    static constexpr bool check() { return foreign_keys_match<Referenced, Members...>(); }
};

/// many_to_many<&A::bs, &AB::a_id, &AB::b_id>: the local key references Model, the remote key the target.
template <class Model, auto Collection, auto LocalKey, auto RemoteKey>
struct relationship_check<Model, many_to_many_definition<Collection, LocalKey, RemoteKey>> {
    static constexpr bool check() {
        using target = typename schema::member_value_t<Collection>::target_type;
        if constexpr (!relationship_member_belongs<Model, Collection>())
            return false;
        else
            return association_keys_check<Model, keys_of<LocalKey>>::check() &&
                   association_keys_check<target, keys_of<RemoteKey>>::check();
    }
};

template <class Model>
constexpr bool relationships_check() {
    return []<class... Elements>(const std::tuple<Elements...>*) {
        return (relationship_check<Model, Elements>::check() && ...);
    }(static_cast<const schema::elements_of<Model>*>(nullptr));
}

}  // namespace detail

/// Whether the ORM can use Model; when it cannot, one static_assert says why: not mapped, a
/// column of another class, no primary key, more than 64 columns, or a relationship whose keys
/// do not match what they reference.
template <class Model>
constexpr bool checked_model() {
    if constexpr (!mapped<Model>) {
        static_assert(mapped<Model>,
                      "this type is not mapped: specialize strata::mapping<T> with a static constexpr table");
        return false;
    } else if constexpr (!schema::check_mapping<Model>()) {
        return false;
    } else {
        constexpr bool has_key = primary_key_elements<Model>.size() > 0;
        static_assert(has_key, "the ORM needs a primary key: mark a column of strata::mapping<T> strata::primary_key");
        constexpr bool fits = column_count<Model>() <= 64;
        static_assert(fits, "strata maps at most 64 columns per model");
        if constexpr (!has_key || !fits)
            return false;
        else
            return detail::relationships_check<Model>();
    }
}

}  // namespace strata::orm
