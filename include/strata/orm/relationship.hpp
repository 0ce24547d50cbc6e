// strata/orm/relationship.hpp - relationships between mapped models: one<T>, many<T>.
//
//   struct Author { std::int64_t id; std::string name; strata::many<Book> books; };
//   struct Book   { std::int64_t id; std::int64_t author_id; strata::one<Author> author; };
//   ... strata::one_to_many<&Author::books, &Book::author_id>("books")   in mapping<Author>
//   ... strata::many_to_one<&Book::author, &Book::author_id>("author")   in mapping<Book>
//
// Unloaded relationships load lazily through their session when first read - that is the N+1
// a loader option (selectinload, joinedload, contains_eager) removes, and raiseload forbids.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/orm/object.hpp"

namespace strata {

class session;

/// A lazy load was attempted on a relationship set to raise (raiseload): the N+1 guard.
class lazy_load_forbidden : public usage_error {
public:
    using usage_error::usage_error;
};

/// How an unloaded relationship behaves when read.
enum class relationship_mode : std::uint8_t { lazy, raise };

namespace orm {

/// What a relationship member needs to load itself: the session, the object owning it, and the
/// relationship's loader (type-erased; generated per mapping declaration).
struct relationship_context {
    session* owner = nullptr;                                            ///< the session that loaded the parent
    const void* parent = nullptr;                                        ///< the parent object
    void (*load)(session&, const void* parent, void* member) = nullptr;  ///< fills `member`
    std::string_view name;                                               ///< for lazy_load_forbidden messages
    relationship_mode mode = relationship_mode::lazy;
};

/// Throws when a relationship cannot load itself.
inline void check_loadable(const relationship_context& context) {
    if (context.mode == relationship_mode::raise)
        throw lazy_load_forbidden("lazy load of relationship '" + std::string{context.name} +
                                  "' is forbidden by raiseload: load it with selectinload/joinedload");
    if (context.owner == nullptr || context.load == nullptr)
        throw usage_error("relationship '" + std::string{context.name} +
                          "' is not loaded and its object is not attached to a session");
}

}  // namespace orm

/// A many-to-one reference (book->author): loaded on first access unless a loader option loaded it.
template <class T>
class one {
public:
    /// The referenced model.
    using target_type = T;
    /// The referenced object (empty ref for a NULL foreign key); loads it if needed.
    [[nodiscard]] ref<T> get() const {
        if (weak_) return ref<T>{locked_target()};
        return loaded_target();
    }
    /// The referenced object; throws usage_error for a NULL reference.
    T* operator->() const { return &**this; }
    /// The referenced object; throws usage_error for a NULL reference.
    T& operator*() const {
        // No handle copy per access (book->writer->name in a loop): a weak target that could be
        // locked is owned elsewhere, so the reference outlives the lock.
        if (weak_) return locked_target()->object;
        return *loaded_target();
    }
    /// Whether the target is loaded (no statement needed to read it).
    [[nodiscard]] bool is_loaded() const noexcept { return loaded_; }

    /// Calls `visit` with the state of the loaded target, if held strongly (the session's cycle check).
    template <class Visit>
    void visit_loaded(Visit&& visit) const {
        if (loaded_ && target_) visit(static_cast<const void*>(target_.state().get()));
    }
    /// Forgets the loaded target (how the session breaks a reference cycle at its end).
    void unload() noexcept {
        target_ = ref<T>{};
        weak_target_.reset();
        loaded_ = false;
        weak_ = false;
    }
    /// Holds the target weakly from now on: at a session's end, for a child whose parent's loaded
    /// collection holds it, so that the detached pair does not keep itself alive.
    void weaken() noexcept {
        if (!loaded_ || !target_) return;
        weak_target_ = target_.state();
        target_ = ref<T>{};
        weak_ = true;
    }
    /// Sets the loaded target (loaders call this).
    void assign(ref<T> target) {
        target_ = std::move(target);
        weak_target_.reset();
        loaded_ = true;
        weak_ = false;
    }
    /// Binds the relationship to its session and parent (the session calls this).
    void bind(const orm::relationship_context& context) { context_ = context; }
    /// Changes how an unloaded read behaves.
    void set_mode(relationship_mode mode) noexcept { context_.mode = mode; }

private:
    const ref<T>& loaded_target() const {
        if (!loaded_) {
            orm::check_loadable(context_);
            context_.load(*context_.owner, context_.parent, const_cast<one*>(this));
        }
        return target_;
    }
    std::shared_ptr<orm::object_state<T>> locked_target() const {
        if (auto target = weak_target_.lock()) return target;
        throw usage_error("relationship '" + std::string{context_.name} +
                          "': the object it referred to was released after its session ended (a pair loaded both "
                          "ways keeps its many-to-one side weakly once detached): keep a handle to it");
    }

    ref<T> target_;
    std::weak_ptr<orm::object_state<T>> weak_target_;
    bool loaded_ = false;
    bool weak_ = false;
    orm::relationship_context context_;
};

/// A one-to-many collection (author->books), ordered by the children's primary key.
template <class T>
class many {
public:
    /// The child model.
    using target_type = T;
    /// The objects; loads them if needed.
    [[nodiscard]] const std::vector<ref<T>>& items() const {
        if (!loaded_) {
            orm::check_loadable(context_);
            context_.load(*context_.owner, context_.parent, const_cast<many*>(this));
        }
        return items_;
    }
    /// Iteration over the objects (loads them if needed).
    [[nodiscard]] auto begin() const { return items().begin(); }
    /// End of iteration.
    [[nodiscard]] auto end() const { return items().end(); }
    /// Number of objects (loads them if needed).
    [[nodiscard]] std::size_t size() const { return items().size(); }
    /// Object i (loads them if needed).
    [[nodiscard]] const ref<T>& operator[](std::size_t index) const { return items()[index]; }
    /// Whether the collection is loaded.
    [[nodiscard]] bool is_loaded() const noexcept { return loaded_; }

    /// Calls `visit` with the state of each loaded object (the session's cycle check).
    template <class Visit>
    void visit_loaded(Visit&& visit) const {
        if (loaded_)
            for (const auto& item : items_) visit(static_cast<const void*>(item.state().get()));
    }
    /// Forgets the loaded objects (how the session breaks a reference cycle at its end).
    void unload() noexcept {
        items_.clear();
        loaded_ = false;
    }
    /// Marks the collection loaded with no objects yet (loaders call this before appending).
    void start_loading() {
        items_.clear();
        loaded_ = true;
    }
    /// Appends an object once (loaders call this; joined rows repeat children).
    void append_unique(ref<T> item) {
        for (const auto& existing : items_)
            if (existing == item) return;
        items_.push_back(std::move(item));
    }
    /// Appends an object (loaders that know it is new call this).
    void append(ref<T> item) { items_.push_back(std::move(item)); }
    /// Binds the relationship to its session and parent (the session calls this).
    void bind(const orm::relationship_context& context) { context_ = context; }
    /// Changes how an unloaded read behaves.
    void set_mode(relationship_mode mode) noexcept { context_.mode = mode; }

private:
    std::vector<ref<T>> items_;
    bool loaded_ = false;
    orm::relationship_context context_;
};

/// Mapping element: a one-to-many collection whose children point back through ForeignKey.
template <auto Collection, auto ForeignKey>
struct one_to_many_definition {
    std::string_view name;  ///< the relationship's name in messages
};
/// Declares a one-to-many: one_to_many<&Author::books, &Book::author_id>("books").
template <auto Collection, auto ForeignKey>
constexpr one_to_many_definition<Collection, ForeignKey> one_to_many(std::string_view name = "one_to_many") {
    return {name};
}

/// Mapping element: a many-to-one reference through the local ForeignKey.
template <auto Reference, auto ForeignKey>
struct many_to_one_definition {
    std::string_view name;  ///< the relationship's name in messages
};
/// Declares a many-to-one: many_to_one<&Book::author, &Book::author_id>("author").
template <auto Reference, auto ForeignKey>
constexpr many_to_one_definition<Reference, ForeignKey> many_to_one(std::string_view name = "many_to_one") {
    return {name};
}

}  // namespace strata
