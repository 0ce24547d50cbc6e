// strata/orm/strategies.hpp - the loader strategies, one family behind relationship_option
// (SQLAlchemy's orm/strategies.py): lazy (the default; a one-to-many's runs from a run-time
// description, orm/relationship_load.hpp), selectinload, joinedload, contains_eager, raiseload
// and lazyload, and each relationship's behavior (behavior_of<Element>): the constant that the
// unit of work (orm/model_objects.hpp) and the loads over descriptions (orm/relationship_load.hpp)
// follow.
//
//   session.query<Book>().options(strata::joinedload(&Book::author))           // 1 statement
//   session.query<Author>().options(strata::selectinload(&Author::books))      // 2 statements
//   session.query<Book>().join(&Book::author).options(strata::contains_eager(&Book::author))
//   session.query<Author>().options(strata::raiseload(&Author::books))         // reading throws
//   strata::selectinload(&Author::books).joinedload(&Book::publisher)          // nested levels
//
// Includes session and query<T>; <strata/orm.hpp> brings it in with them.
#pragma once

#include <array>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "strata/detail/element_list.hpp"
#include "strata/orm/foreign_key_link.hpp"
#include "strata/orm/loader_option.hpp"
#include "strata/orm/query.hpp"
#include "strata/orm/relationship_load.hpp"
#include "strata/orm/relationship_traits.hpp"
#include "strata/orm/session.hpp"

namespace strata {
namespace orm {

/// Whether relationship Candidate (declared on Element's target) is the other side of Element:
/// the same foreign key seen from the other model, or the same association keys swapped.
template <class Element, class Candidate>
constexpr bool is_inverse_of() {
    if constexpr (!is_relationship<Candidate>) {
        return false;
    } else {
        using mine = relationship_traits<Element>;
        using theirs = relationship_traits<Candidate>;
        constexpr bool points_back = std::is_same_v<typename theirs::target, typename mine::parent>;
        constexpr bool both_many =
            mine::kind == relationship_kind::many_to_many && theirs::kind == relationship_kind::many_to_many;
        constexpr bool neither_many =
            mine::kind != relationship_kind::many_to_many && theirs::kind != relationship_kind::many_to_many;
        if constexpr (points_back && both_many) {
            return std::is_same_v<typename mine::local_keys, typename theirs::remote_keys> &&
                   std::is_same_v<typename mine::remote_keys, typename theirs::local_keys>;
        } else if constexpr (points_back && neither_many) {
            return mine::kind != theirs::kind &&
                   std::is_same_v<typename mine::foreign_keys, typename theirs::foreign_keys>;
        } else {
            return false;
        }
    }
}

/// The description of relationship Element's member in its model's objects.
template <class Element>
constexpr const relationship_member_info* member_info_of() {
    using parent = typename relationship_traits<Element>::parent;
    std::size_t index = 0;
    std::size_t found = 0;
    for_each_relationship_element<parent>([&]<class Other>(const Other&) {
        if (std::is_same_v<Other, Element>) found = index;
        ++index;
    });
    return &relationship_members_of<parent>[found];
}

/// The description of the other side of Element in its target's objects; null when the target
/// does not declare it.
template <class Element>
constexpr const relationship_member_info* inverse_member_info_of() {
    using target = typename relationship_traits<Element>::target;
    const relationship_member_info* found = nullptr;
    std::size_t index = 0;
    for_each_relationship_element<target>([&]<class Inverse>(const Inverse&) {
        if (found == nullptr && is_inverse_of<Element, Inverse>()) found = &relationship_members_of<target>[index];
        ++index;
    });
    return found;
}

/// The object the many-to-one Inverse of `item` names by its foreign key, if the session's
/// identity map holds it (no SQL); empty otherwise.
template <class Inverse>
tracked_pointer target_in_session(session& owner, tracked_object& item);  // defined after behavior_of

/// target_in_session of Element's inverse, when that is a many-to-one; null otherwise.
template <class Element>
constexpr auto inverse_lookup_of() {
    using target = typename relationship_traits<Element>::target;
    tracked_pointer (*found)(session&, tracked_object&) = nullptr;
    for_each_relationship_element<target>([&]<class Inverse>(const Inverse&) {
        if constexpr (is_inverse_of<Element, Inverse>() && is_many_to_one<Inverse>) {
            if (found == nullptr) found = &target_in_session<Inverse>;
        }
    });
    return found;
}

/// The foreign key a one-to-many or many-to-one Element follows; null for a many-to-many.
template <class Element>
constexpr const foreign_key_link* link_of() {
    using traits = relationship_traits<Element>;
    if constexpr (traits::kind == relationship_kind::one_to_many)
        return &foreign_key_link_of<typename traits::foreign_keys, typename traits::parent_keys>;
    else if constexpr (traits::kind == relationship_kind::many_to_one)
        return &foreign_key_link_of<typename traits::foreign_keys, typename traits::target_keys>;
    else
        return nullptr;
}

/// Whether a one-to-many Element's children are deleted with their parent or set NULL by the
/// database (ON DELETE CASCADE or SET NULL on their foreign key).
template <class Element>
constexpr bool database_handles_children() {
    using traits = relationship_traits<Element>;
    if constexpr (traits::kind == relationship_kind::one_to_many) {
        const auto action = column_of<key_traits<typename traits::foreign_keys>::first_member>().options.delete_action;
        return action == on_delete::cascade || action == on_delete::set_null;
    } else {
        return false;
    }
}

/// The mapping element Element of its parent model.
template <class Element>
constexpr const Element& declaration_of() {
    return strata::detail::element_of_type<Element>(
        mapping<typename relationship_traits<Element>::parent>::table.elements);
}

/// Whether Element is a one-to-many declared with strata::delete_orphan.
template <class Element>
constexpr bool deletes_orphans() {
    if constexpr (is_one_to_many<Element>)
        return declaration_of<Element>().delete_orphan;
    else
        return false;
}

/// Whether Element is a many-to-one whose foreign key references its target's primary key, in order.
template <class Element>
constexpr bool references_primary_key() {
    using traits = relationship_traits<Element>;
    if constexpr (is_many_to_one<Element>)
        return std::is_same_v<typename traits::target_keys, primary_key_columns<typename traits::target>>;
    else
        return false;
}

/// target_in_session for a many-to-one Element that references its target's primary key; null
/// for any other relationship.
template <class Element>
constexpr auto target_lookup_of() {
    tracked_pointer (*found)(session&, tracked_object&) = nullptr;
    if constexpr (references_primary_key<Element>()) found = &target_in_session<Element>;
    return found;
}

/// A many-to-many Element's association columns referencing its parent (`to_target` false) or its
/// target; null for any other relationship.
template <class Element, bool to_target>
constexpr const foreign_key_link* association_link_of() {
    using traits = relationship_traits<Element>;
    if constexpr (!is_many_to_many<Element>)
        return nullptr;
    else if constexpr (to_target)
        return &foreign_key_link_of<typename traits::remote_keys, typename traits::target_keys>;
    else
        return &foreign_key_link_of<typename traits::local_keys, typename traits::parent_keys>;
}

/// The behavior of relationship Element (one constant per mapping element).
template <class Element>
inline constexpr relationship_behavior behavior_of{
    .load = &lazy_load,
    .name = declaration_of<Element>().name,
    .member = member_info_of<Element>(),
    .inverse = inverse_member_info_of<Element>(),
    .inverse_target_in_session = inverse_lookup_of<Element>(),
    .target_objects = [](session& owner) -> model_objects& {
        return owner.mapper_for<typename relationship_traits<Element>::target>();
    },
    .kind = relationship_traits<Element>::kind,
    .link = link_of<Element>(),
    .target_in_session = target_lookup_of<Element>(),
    .association_parent = association_link_of<Element, false>(),
    .association_target = association_link_of<Element, true>(),
    .target_model = &detail::model_description<typename relationship_traits<Element>::target>::info,
    .self_referential = relationship_traits<Element>::kind !=
                        relationship_kind::many_to_many&& std::is_same_v<typename relationship_traits<Element>::target,
                                                                         typename relationship_traits<Element>::parent>,
    .delete_orphan = deletes_orphans<Element>(),
    .database_handles_children = database_handles_children<Element>()};

template <class Inverse>
tracked_pointer target_in_session(session& owner, tracked_object& item) {
    return referenced_in_session(behavior_of<Inverse>, owner, behavior_of<Inverse>.link->child_object(item));
}

template <class Model>
std::span<const relationship_behavior* const> relationship_behaviors_of() noexcept {
    static constexpr auto behaviors = [] {
        std::array<const relationship_behavior*, relationship_members_of<Model>.size()> found{};
        std::size_t next = 0;
        for_each_relationship_element<Model>(
            [&]<class Element>(const Element&) { found[next++] = &behavior_of<Element>; });
        return found;
    }();
    return behaviors;
}

/// joinedload of relationship Element (joined_option): `inner`
/// asks for an INNER JOIN, taken for a many-to-one whose foreign key is not nullable.
template <class Element>
struct joined_option_for {
    static std::shared_ptr<relationship_option> make(bool inner = false) {
        using traits = relationship_traits<Element>;
        bool inner_join = false;
        if constexpr (traits::kind == relationship_kind::many_to_one)
            inner_join = inner && !key_traits<typename traits::foreign_keys>::nullable;
        return std::make_shared<joined_option>(behavior_of<Element>, inner_join);
    }
};

/// contains_eager of relationship Element.
template <class Element>
struct contains_eager_option_for {
    static std::shared_ptr<relationship_option> make() {
        return std::make_shared<contains_eager_option>(behavior_of<Element>);
    }
};

/// raiseload (or lazyload: `mode`) of relationship Element.
template <class Element>
struct raise_option_for {
    static std::shared_ptr<relationship_option> make(relationship_mode mode) {
        return std::make_shared<raise_option>(behavior_of<Element>, mode);
    }
};

/// selectinload of relationship Element: one class for every relationship (selectin_option). Its
/// keys' types match what they reference (checked_model), so their values compare as bound.
template <class Element>
struct selectin_option_for {
    static std::shared_ptr<relationship_option> make() {
        return std::make_shared<selectin_option>(behavior_of<Element>);
    }
};

/// Calls `visit.template operator()<Element>()` for the mapping element of Parent that declares the
/// relationship on `member`; false when none does (the one search behind options and joins).
template <class Parent, class Member, class Visit>
bool visit_relationship_of(Member Parent::*member, Visit&& visit) {
    bool found = false;
    for_each_relationship_element<Parent>([&]<class Element>(const Element&) {
        constexpr auto declared = relationship_traits<Element>::member;
        if constexpr (std::is_same_v<std::remove_cv_t<decltype(declared)>, Member Parent::*>) {
            if (declared == member && !found) {
                found = true;
                visit.template operator()<Element>();
            }
        }
    });
    return found;
}

/// Finds the mapping element of relationship `member` and builds its option by Option<Element>::make().
template <template <class> class Option, class Parent, class Member, class... Arguments>
std::shared_ptr<relationship_option> make_option(Member Parent::*member, Arguments... arguments) {
    std::shared_ptr<relationship_option> built;
    if (!visit_relationship_of(member, [&]<class Element>() { built = Option<Element>::make(arguments...); }))
        throw_not_a_relationship(mapping<Parent>::table.name);
    return built;
}

template <class Parent, class Member>
relationship_join relationship_join_of(Member Parent::*member) noexcept {
    relationship_join found{nullptr, mapping<Parent>::table.name};
    visit_relationship_of(member, [&found]<class Element>() { found.behavior = &behavior_of<Element>; });
    return found;
}

}  // namespace orm

/// A loader option for Parent's relationship to Target; chain nested options with .selectinload(...) etc.
template <class Parent, class Target>
class loader {
public:
    /// Wraps a built option; `nested` receives chained options (selectinload only).
    loader(std::shared_ptr<orm::relationship_option> option, orm::option_list* nested)
        : option_(std::move(option)), nested_(nested) {}
    /// The option for query<Parent>::options().
    [[nodiscard]] const std::shared_ptr<orm::relationship_option>& option() const noexcept { return option_; }

    /// Loads a relationship of the targets with selectinload too.
    template <class Member, class Next = typename Member::target_type>
    loader selectinload(Member Target::*member) const {
        add(orm::make_option<orm::selectin_option_for>(member));
        return *this;
    }
    /// Loads a relationship of the targets with joinedload (in the targets' query).
    template <class Member>
    loader joinedload(Member Target::*member) const {
        add(orm::make_option<orm::joined_option_for>(member));
        return *this;
    }
    /// Forbids lazy loads of a relationship of the targets.
    template <class Member>
    loader raiseload(Member Target::*member) const {
        add(orm::make_option<orm::raise_option_for>(member, relationship_mode::raise));
        return *this;
    }

private:
    void add(std::shared_ptr<orm::relationship_option> option) const {
        if (nested_ == nullptr) throw not_supported_error("options can be chained after selectinload only", "", "");
        nested_->push_back(std::move(option));
    }
    std::shared_ptr<orm::relationship_option> option_;
    orm::option_list* nested_;
};

/// selectinload(&Author::books): a second statement WHERE fk IN (...) per 500 parents.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> selectinload(Member Parent::*member) {
    auto option = orm::make_option<orm::selectin_option_for>(member);
    auto* nested = &static_cast<orm::selectin_option&>(*option).nested;  // what selectin_option_for builds
    return {std::move(option), nested};
}

/// joinedload(&Book::author): LEFT OUTER JOIN in the same statement.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> joinedload(Member Parent::*member) {
    return {orm::make_option<orm::joined_option_for>(member), nullptr};
}

/// Tag for joinedload(member, strata::innerjoin): INNER JOIN instead of LEFT OUTER JOIN, used for a
/// many-to-one whose foreign key is not nullable (elsewhere an inner join would drop parents, so
/// the join stays outer).
struct innerjoin_t {
    explicit innerjoin_t() = default;
};
/// joinedload(&Book::writer, strata::innerjoin).
inline constexpr innerjoin_t innerjoin{};

/// joinedload(&Book::writer, strata::innerjoin): INNER JOIN where the key is not nullable.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> joinedload(Member Parent::*member, innerjoin_t) {
    return {orm::make_option<orm::joined_option_for>(member, true), nullptr};
}

/// contains_eager(&Book::author): fill the relationship from the query's own join.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> contains_eager(Member Parent::*member) {
    return {orm::make_option<orm::contains_eager_option_for>(member), nullptr};
}

/// raiseload(&Author::books): reading the relationship unloaded throws lazy_load_forbidden.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> raiseload(Member Parent::*member) {
    return {orm::make_option<orm::raise_option_for>(member, relationship_mode::raise), nullptr};
}

/// lazyload(&Author::books): load on first access even when the session's default is raise.
template <class Parent, class Member>
loader<Parent, typename Member::target_type> lazyload(Member Parent::*member) {
    return {orm::make_option<orm::raise_option_for>(member, relationship_mode::lazy), nullptr};
}

}  // namespace strata
