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

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/relationship_keys.hpp"
#include "strata/schema/mapping.hpp"

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

struct relationship_context;

/// What one declared relationship does, whatever object holds it: one constant per mapping
/// element, so that each relationship member carries a pointer to it, not three.
struct relationship_behavior {
    /// Fills `member` of the object whose object_state is `parent_state`; `autoflush` false when
    /// the load serves a change (add, remove, set): flushing then would write the object being
    /// linked before its key is pointed.
    void (*load)(session&, void* parent_state, void* member, bool autoflush) = nullptr;
    /// Keeps the other side in memory in step: `target_state` (an object_state of the target) was
    /// added to (`added`) or taken from this relationship. Returns whether the other side held the
    /// opposite change, unflushed (a many-to-many link added on one side, removed on the other):
    /// the two cancel out, and this side records nothing.
    bool (*link)(const relationship_context&, void* target_state, bool added) = nullptr;
    std::string_view name;  ///< for lazy_load_forbidden messages
    /// Marks the parent (an object_state) used, so the next autoflush compares it: a change made
    /// through a member reached before a query (`a->books.add(session.get<Book>(1))`, whose get
    /// flushes after `a->` was evaluated) would otherwise wait for commit.
    void (*touch)(void* parent_state) noexcept = nullptr;
    /// A one-to-many (the items hold the foreign key): an item's last add or remove since the last
    /// flush is its change (added and removed again, it is left without a parent - it may have left
    /// another parent for this one, and SQLAlchemy sets its reference to None). A many-to-many's
    /// add and remove cancel out.
    bool items_hold_key = false;
};

/// What a relationship member needs to load itself: the session, the object owning it, and the
/// relationship's behavior (type-erased; generated per mapping declaration).
struct relationship_context {
    session* owner = nullptr;                         ///< the session that loaded the parent
    void* parent_state = nullptr;                     ///< the parent's object_state
    const relationship_behavior* behavior = nullptr;  ///< null for an object never seen by a session
    relationship_mode mode = relationship_mode::lazy;

    /// The relationship's name, for messages.
    [[nodiscard]] std::string_view name() const noexcept { return behavior ? behavior->name : "relationship"; }
    /// Whether a load can run (a session and a loader).
    [[nodiscard]] bool can_load() const noexcept { return owner != nullptr && behavior != nullptr; }
    /// Loads `member` through the session (check can_load() first).
    void load(void* member, bool autoflush) const { behavior->load(*owner, parent_state, member, autoflush); }
    /// Marks the parent used since the last flush (see relationship_behavior::touch).
    void touch() const noexcept {
        if (behavior != nullptr && parent_state != nullptr) behavior->touch(parent_state);
    }
    /// Tells the other side that `target_state` joined or left this relationship.
    bool link(void* target_state, bool added) const {
        return behavior != nullptr && parent_state != nullptr && behavior->link(*this, target_state, added);
    }
};

/// Throws when a relationship cannot load itself.
inline void check_loadable(const relationship_context& context) {
    if (context.mode == relationship_mode::raise)
        throw lazy_load_forbidden("lazy load of relationship '" + std::string{context.name()} +
                                  "' is forbidden by raiseload: load it with selectinload/joinedload");
    if (!context.can_load())
        throw usage_error("relationship '" + std::string{context.name()} +
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

    /// Points the reference at `target` (empty: none): the foreign key follows at the next flush,
    /// and a loaded collection on the other side gains (or loses) this object now.
    void set(ref<T> target) {
        // The previous target's loaded collection must lose this object: find it (usually in the
        // identity map, without SQL) unless lazy loads are forbidden here.
        if (!loaded_ && context_.can_load() && context_.mode == relationship_mode::lazy) context_.load(this, false);
        if (loaded_ && !weak_ && target_ == target) return;
        if (loaded_ && !weak_ && target_) context_.link(target_.state().get(), false);
        target_ = std::move(target);
        weak_target_.reset();
        loaded_ = true;
        weak_ = false;
        changed_ = true;
        context_.touch();
        if (target_) context_.link(target_.state().get(), true);
    }
    /// book->writer = author: same as set(author).
    one& operator=(ref<T> target) {
        set(std::move(target));
        return *this;
    }
    /// book->publisher_ref = nullptr: clears the reference (its foreign key becomes NULL at the next flush).
    one& operator=(std::nullptr_t) {
        set(ref<T>{});
        return *this;
    }
    /// The loaded target without loading (empty when unloaded or NULL).
    [[nodiscard]] ref<T> current() const noexcept {
        if (!loaded_) return {};
        if (weak_) return ref<T>{weak_target_.lock()};
        return target_;
    }
    /// Whether set() changed the reference since the last flush.
    [[nodiscard]] bool changed() const noexcept { return changed_; }
    /// The flush wrote the change.
    void clear_changes() noexcept { changed_ = false; }

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
            context_.load(const_cast<one*>(this), true);
        }
        return target_;
    }
    std::shared_ptr<orm::object_state<T>> locked_target() const {
        if (auto target = weak_target_.lock()) return target;
        throw usage_error("relationship '" + std::string{context_.name()} +
                          "': the object it referred to was released after its session ended (a pair loaded both "
                          "ways keeps its many-to-one side weakly once detached): keep a handle to it");
    }

    ref<T> target_;
    std::weak_ptr<orm::object_state<T>> weak_target_;
    bool loaded_ = false;
    bool weak_ = false;
    bool changed_ = false;
    orm::relationship_context context_;
};

/// A collection: one-to-many (author->books) or many-to-many, ordered by the targets' primary key.
template <class T>
class many {
public:
    /// The child model.
    using target_type = T;
    /// The objects; loads them if needed.
    [[nodiscard]] const std::vector<ref<T>>& items() const {
        if (!loaded_) {
            orm::check_loadable(context_);
            context_.load(const_cast<many*>(this), true);
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
    /// Whether `item` is in the collection (loads it if needed).
    [[nodiscard]] bool contains(const ref<T>& item) const {
        const auto& all = items();
        return std::find(all.begin(), all.end(), item) != all.end();
    }

    /// Adds an object (loading the collection first if needed); at the next flush its foreign key
    /// (or an association row) points at the parent. The other side follows in memory now.
    void add(ref<T> item) {
        if (!item) throw usage_error("many<T>::add() of an empty strata::ref");
        prepare_change();
        if (std::find(items_.begin(), items_.end(), item) != items_.end()) return;
        items_.push_back(item);
        if (!context_.link(item.state().get(), true)) record(item, true);
    }
    /// Removes an object; at the next flush its foreign key is set to NULL, or it is deleted when
    /// the relationship is declared with strata::delete_orphan (many-to-many: the association row
    /// goes). Returns whether it was in the collection.
    bool remove(const ref<T>& item) {
        prepare_change();
        const auto found = std::find(items_.begin(), items_.end(), item);
        if (found == items_.end()) return false;
        items_.erase(found);
        if (!context_.link(item.state().get(), false)) record(item, false);
        return true;
    }
    /// Loads the collection, if it is not loaded, without flushing first (the session's delete
    /// cascade calls this: flushing then would write the object being deleted).
    void load_for_change() { prepare_change(); }
    /// Objects added since the last flush.
    [[nodiscard]] const std::vector<ref<T>>& added() const noexcept { return added_; }
    /// Objects removed since the last flush.
    [[nodiscard]] const std::vector<ref<T>>& removed() const noexcept { return removed_; }
    /// Whether add() or remove() changed the collection since the last flush.
    [[nodiscard]] bool changed() const noexcept { return !added_.empty() || !removed_.empty(); }
    /// The flush wrote the changes.
    void clear_changes() noexcept {
        added_.clear();
        removed_.clear();
    }
    /// Appends or removes an object without recording a change (the other side of a relationship
    /// keeping in step: only one side writes). An unflushed opposite change recorded here cancels
    /// out (returns true): a link added here and removed there (or the reverse) is no change at all,
    /// where writing both sides could INSERT and DELETE in the wrong order.
    bool follow(const ref<T>& item, bool added) {
        auto& opposite = added ? removed_ : added_;
        const auto recorded = std::find(opposite.begin(), opposite.end(), item);
        // A one-to-many's child records its own move (its reference writes the key): the
        // collection forgets its recorded change, and nothing is cancelled.
        const bool cancelled =
            recorded != opposite.end() && (context_.behavior == nullptr || !context_.behavior->items_hold_key);
        if (recorded != opposite.end()) opposite.erase(recorded);
        if (!loaded_) return cancelled;  // an unloaded collection reads the database's truth when loaded
        const auto found = std::find(items_.begin(), items_.end(), item);
        if (added && found == items_.end()) items_.push_back(item);
        if (!added && found != items_.end()) items_.erase(found);
        return cancelled;
    }

    /// Calls `visit` with the state of each loaded object (the session's cycle check).
    template <class Visit>
    void visit_loaded(Visit&& visit) const {
        if (loaded_)
            for (const auto& item : items_) visit(static_cast<const void*>(item.state().get()));
    }
    /// Forgets the loaded objects (how the session breaks a reference cycle at its end).
    void unload() noexcept {
        items_.clear();
        added_.clear();
        removed_.clear();
        loaded_ = false;
    }
    /// Marks a new object's collection loaded as it is (its rows cannot exist in the database yet).
    void mark_new() noexcept { loaded_ = true; }
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
    void prepare_change() {
        // A new object's collection (never bound to a session) starts empty; the session marks
        // the collections of added objects loaded the same way (mark_new).
        if (!loaded_ && context_.behavior == nullptr) {
            loaded_ = true;
            return;
        }
        orm::check_loadable(context_);
        if (!loaded_) context_.load(this, false);
    }
    void record(const ref<T>& item, bool added) {
        context_.touch();
        auto& undo = added ? removed_ : added_;
        if (const auto found = std::find(undo.begin(), undo.end(), item); found != undo.end()) {
            undo.erase(found);
            // A many-to-many's add after remove (or the reverse) cancels out. A one-to-many's last
            // change is what counts: a child moved here and away again has no parent now (it may
            // have left another for this one), and one taken out and put back belongs here.
            if (context_.behavior == nullptr || !context_.behavior->items_hold_key) return;
        }
        (added ? added_ : removed_).push_back(item);
    }

    std::vector<ref<T>> items_;
    std::vector<ref<T>> added_;
    std::vector<ref<T>> removed_;
    bool loaded_ = false;
    orm::relationship_context context_;
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
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps shared_from_this
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
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps shared_from_this
    std::string_view name;                               ///< the relationship's name in messages
};
/// Declares a many-to-many: many_to_many<&Book::tags, &BookTag::book_id, &BookTag::tag_id>("book.tags").
template <auto Collection, auto LocalKey, auto RemoteKey>
constexpr many_to_many_definition<Collection, LocalKey, RemoteKey> many_to_many(
    std::string_view name = "many_to_many") {
    static_assert(std::is_same_v<typename orm::key_operations<orm::keys_of<LocalKey>>::model,
                                 typename orm::key_operations<orm::keys_of<RemoteKey>>::model>,
                  "many_to_many<Collection, LocalKey, RemoteKey>: both keys must be members of the association model");
    return {name};
}

/// Mapping element: a many-to-one reference through the local foreign-key column(s).
template <auto Reference, auto ForeignKey, auto... MoreKeys>
struct many_to_one_definition {
    static constexpr bool declares_relationship = true;  ///< object_state<T> keeps shared_from_this
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
