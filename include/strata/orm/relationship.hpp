// strata/orm/relationship.hpp - relationships between mapped models: one<T>, many<T>.
//
//   struct Author { std::int64_t id; std::string name; strata::many<Book> books; };
//   struct Book   { std::int64_t id; std::int64_t author_id; strata::one<Author> author; };
//   ... strata::one_to_many<&Author::books, &Book::author_id>("books")   in mapping<Author>
//   ... strata::many_to_one<&Book::author, &Book::author_id>("author")   in mapping<Book>
//   ... strata::many_to_many<&Book::tags, &BookTag::book_id, &BookTag::tag_id>("tags")  through a mapped association
//
// The two sides of a relationship agree in memory: author->books.add(book) sets book->author, and
// book->author = author appends book to author->books when that collection is loaded. The
// foreign keys (and association rows) follow at the next flush.
//
// Unloaded relationships load lazily through their session when first read - that is the N+1
// a loader option (selectinload, joinedload, contains_eager) removes, and raiseload forbids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string_view>
#include <vector>

#include "strata/orm/ref.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/orm/relationship_member.hpp"
#include "strata/schema/mapping.hpp"

namespace strata {

/// A many-to-one reference (book->author): loaded on first access unless a loader option loaded it.
template <class T>
class one : public orm::reference_member {
public:
    /// The referenced model.
    using target_type = T;
    /// The referenced object (empty ref for a NULL foreign key); loads it if needed.
    [[nodiscard]] ref<T> get() const { return ref<T>{target_for_get()}; }
    /// The referenced object; throws usage_error for a NULL reference.
    T* operator->() const { return &**this; }
    /// The referenced object; throws usage_error for a NULL reference.
    T& operator*() const { return orm::state_of<T>(target_for_access()).object; }

    /// Points the reference at `target` (empty: none): the foreign key follows at the next flush,
    /// and a loaded collection on the other side gains (or loses) this object now.
    void set(ref<T> target) { set_target(target.state()); }
    /// book->writer = author: same as set(author).
    one& operator=(ref<T> target) {
        set(std::move(target));
        return *this;
    }
    /// book->publisher_ref = nullptr: clears the reference (its foreign key becomes NULL at the next flush).
    one& operator=(std::nullptr_t) {
        set_target({});
        return *this;
    }
    /// The loaded target without loading (empty when unloaded or NULL).
    [[nodiscard]] ref<T> current() const noexcept { return ref<T>{current_target()}; }
    /// Sets the loaded target (loaders call this).
    void assign(ref<T> target) noexcept { reference_member::assign(std::move(target).take_state()); }
};

/// A collection: one-to-many (author->books) or many-to-many, ordered by the targets' primary key.
template <class T>
class many : public orm::collection_member {
public:
    /// The child model.
    using target_type = T;

    /// Iterates the objects as handles (each step copies one).
    class iterator {
    public:
        using iterator_concept = std::forward_iterator_tag;
        using iterator_category = std::input_iterator_tag;  ///< dereferencing yields a handle, not a reference
        using value_type = ref<T>;
        using difference_type = std::ptrdiff_t;
        using reference = ref<T>;
        using pointer = void;

        iterator() = default;
        /// At entry `at` of `collection`, whose entries are as they were at `version`.
        iterator(const orm::collection_member* collection, std::size_t at, std::uint32_t version)
            : collection_(collection), at_(at), version_(version) {}
        /// The object here; usage_error when the collection lost or reloaded entries since the
        /// iteration began (by position, not by address: such a change cannot leave it dangling).
        ref<T> operator*() const { return ref<T>{collection_->entry_at(at_, version_)}; }
        /// To the next object.
        iterator& operator++() {
            ++at_;
            return *this;
        }
        /// To the next object, returning where it was.
        iterator operator++(int) {
            auto before = *this;
            ++at_;
            return before;
        }
        /// Same position.
        friend bool operator==(const iterator&, const iterator&) = default;

    private:
        const orm::collection_member* collection_ = nullptr;
        std::size_t at_ = 0;
        std::uint32_t version_ = 0;
    };

    /// Iteration over the objects (loads them if needed).
    [[nodiscard]] iterator begin() const {
        (void)entries();
        return iterator{this, 0, version()};
    }
    /// End of iteration (objects added during the iteration are after it).
    [[nodiscard]] iterator end() const { return iterator{this, entries().size(), version()}; }
    /// Number of objects (loads them if needed).
    [[nodiscard]] std::size_t size() const { return entries().size(); }
    /// Whether the collection has no objects (loads it if needed).
    [[nodiscard]] bool empty() const { return entries().empty(); }
    /// Object i (loads them if needed).
    [[nodiscard]] ref<T> operator[](std::size_t index) const { return ref<T>{entries()[index]}; }
    /// Whether `item` is in the collection (loads it if needed).
    [[nodiscard]] bool contains(const ref<T>& item) const { return contains_entry(item.state().get()); }

    /// Adds an object (loading the collection first if needed); at the next flush its foreign key
    /// (or an association row) points at the parent. The other side follows in memory now.
    void add(ref<T> item) { add_entry(item.state()); }
    /// Removes an object; at the next flush its foreign key is set to NULL, or it is deleted when
    /// the relationship is declared with strata::delete_orphan (many-to-many: the association row
    /// goes). Returns whether it was in the collection.
    bool remove(const ref<T>& item) { return remove_entry(item.state().get()); }
};

/// Tag for one_to_many(...): children removed from the collection are DELETEd at flush
/// (SQLAlchemy's cascade="all, delete-orphan") instead of having their foreign key set to NULL.
struct delete_orphan_t {
    explicit delete_orphan_t() = default;
};
/// one_to_many<&Author::books, &Book::author_id>("books", strata::delete_orphan).
inline constexpr delete_orphan_t delete_orphan{};

/// Mapping element: a one-to-many collection whose children point back through their foreign-key
/// column(s) ForeignKey, MoreKeys... (several for a composite key).
template <auto Collection, auto ForeignKey, auto... MoreKeys>
struct one_to_many_definition {
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps a self handle
    std::string_view name;                               ///< the relationship's name in messages
    bool delete_orphan = false;  ///< removed children are deleted (else their foreign key is nulled)
};
/// Declares a one-to-many: one_to_many<&Author::books, &Book::author_id>("books"); a composite key
/// names each child column in the order of the parent's key: one_to_many<&Order::lines, &Line::region, &Line::number>.
template <auto Collection, auto ForeignKey, auto... MoreKeys>
constexpr one_to_many_definition<Collection, ForeignKey, MoreKeys...> one_to_many(
    std::string_view name = "one_to_many") {
    return {name, false};
}
/// Declares a one-to-many whose removed children are deleted at flush.
template <auto Collection, auto ForeignKey, auto... MoreKeys>
constexpr one_to_many_definition<Collection, ForeignKey, MoreKeys...> one_to_many(std::string_view name,
                                                                                  delete_orphan_t) {
    return {name, true};
}

/// Mapping element: a many-to-many collection through a mapped association model whose LocalKey
/// references the parent and RemoteKey the target (each a member, or strata::keys<...> for a
/// composite key).
template <auto Collection, auto LocalKey, auto RemoteKey>
struct many_to_many_definition {
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps a self handle
    std::string_view name;                               ///< the relationship's name in messages
};
/// Declares a many-to-many: many_to_many<&Book::tags, &BookTag::book_id, &BookTag::tag_id>("book.tags").
template <auto Collection, auto LocalKey, auto RemoteKey>
constexpr many_to_many_definition<Collection, LocalKey, RemoteKey> many_to_many(
    std::string_view name = "many_to_many") {
    static_assert(std::is_same_v<typename orm::key_traits<orm::keys_of<LocalKey>>::model,
                                 typename orm::key_traits<orm::keys_of<RemoteKey>>::model>,
                  "many_to_many<Collection, LocalKey, RemoteKey>: both keys must be members of the association model");
    return {name};
}

/// Mapping element: a many-to-one reference through the local foreign-key column(s).
template <auto Reference, auto ForeignKey, auto... MoreKeys>
struct many_to_one_definition {
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps a self handle
    std::string_view name;                               ///< the relationship's name in messages
};
/// Declares a many-to-one: many_to_one<&Book::author, &Book::author_id>("author"); a composite key
/// names each column in the order of the target's key.
template <auto Reference, auto ForeignKey, auto... MoreKeys>
constexpr many_to_one_definition<Reference, ForeignKey, MoreKeys...> many_to_one(
    std::string_view name = "many_to_one") {
    return {name};
}

}  // namespace strata
