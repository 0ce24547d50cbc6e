// strata/orm/session.hpp - the session: identity map + unit of work over one connection at a time.
//
//   strata::session session{engine};
//   auto user = session.add(User{.email = "ada@example.com"});   // INSERT at the next flush
//   auto same = session.get<User>(user->id);                     // the same object, no SQL
//   user->name = "Ada";                                          // found at flush: UPDATE users SET name = ...
//   session.commit();
//
// The session checks a connection out at its first statement (and begins a transaction there),
// and gives it back at commit, rollback or destruction (rolling back what was not committed).
// Before every query it flushes (autoflush). If a statement of a flush fails, the objects are as
// they were before it (pending objects stay pending, changes stay unflushed) and the typed error
// propagates; the transaction is lost, so the session refuses work until rollback(), unless
// session_options::flush_savepoint wrapped the flush in a savepoint that undoes it alone.
#pragma once

#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/engine/engine.hpp"
#include "strata/orm/mapper.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/model_checks.hpp"
#include "strata/orm/ref.hpp"
#include "strata/sql/statement_core.hpp"

namespace strata {

template <class T>
class query;

/// Tag asking bulk_insert to write the generated primary keys back into the objects
/// (SQLAlchemy's return_defaults=True).
struct return_keys_t {
    explicit return_keys_t() = default;
};
/// Pass to session.bulk_insert<T>(objects, strata::return_keys).
inline constexpr return_keys_t return_keys{};

/// Options of a session.
struct session_options {
    bool autoflush = true;   ///< flush before every query, as SQLAlchemy does
    bool raiseload = false;  ///< every relationship raises instead of lazy loading (lazyload() opts back in)
    /// Wraps every flush in SAVEPOINT / RELEASE SAVEPOINT, so that a failed flush is undone alone
    /// and the transaction goes on (two more round trips per flush). Off, as in SQLAlchemy: a
    /// failed flush rolls the whole transaction back and the session needs rollback() before its
    /// next statement (pending_rollback_error until then).
    bool flush_savepoint = false;
    /// Every statement on the primary, reads too, though the engine has read replicas.
    bool on_primary = false;
};

/// An identity-mapped unit of work over one engine.
class session {
public:
    /// A session over `target`; no connection is taken until the first statement.
    explicit session(engine target, session_options options = {}) : engine_(std::move(target)), options_(options) {}
    session(const session&) = delete;
    session& operator=(const session&) = delete;
    /// Rolls back what was not committed, returns the connection, detaches every object.
    ~session();

    /// Adds a new object; it is INSERTed at the next flush. Returns its handle.
    template <class T>
    ref<T> add(T object) {
        if constexpr (orm::checked_model<T>())
            return mapper_for<T>().add(std::move(object));
        else
            return {};
    }

    /// SQLAlchemy's merge: the session's object for `object`'s primary key - from the identity
    /// map without SQL, else loaded by one SELECT - with `object`'s column values copied onto it,
    /// so that the next flush UPDATEs the columns that differ. When no row has that key, or the key
    /// is a generated one left unset, a new pending object holding a copy of the columns
    /// (INSERTed at the next flush). `object` itself stays untracked; its relationship members are
    /// not merged (set them on the returned handle), nor are deferred members it never loaded.
    /// usage_error when this session removed the object with that key. For a model with a
    /// strata::version_counter, `object`'s version must be the session's object's (or 0, left
    /// unset): a copy made from an older version is a stale_data_error, as in SQLAlchemy.
    template <class T>
    ref<T> merge(const T& object) {
        if constexpr (orm::checked_model<T>()) {
            const auto& info = orm::describe<T>();
            bool unset_key = false;
            for (const auto index : info.primary_key)
                unset_key = unset_key || (info.columns[index].generated && info.columns[index].is_unset_key(&object));
            if (!unset_key) {
                const auto key = orm::key_of(object);
                if (const auto mapped = mapper_for<T>().find(key); mapped && mapped->status == object_status::deleted)
                    throw usage_error("merge(): this session removed the " + std::string{info.table} +
                                      " object with this key; flush or roll back before merging it again");
                if (auto existing = get_by_identity<T>(key)) {
                    if (info.versioned()) check_merged_version(info, &object, &*existing);
                    copy_columns(object, *existing, false);  // through the handle: the next flush compares it
                    return existing;
                }
            }
            T copy{};
            copy_columns(object, copy, true);
            return add(std::move(copy));
        } else {
            return {};
        }
    }

    /// The object with this primary key: from the identity map without SQL when loaded (and not
    /// expired), else loaded with one SELECT; an empty ref when no row has that key.
    template <class T, class... Keys>
    ref<T> get(const Keys&... key) {
        if constexpr (orm::checked_model<T>()) {
            static_assert(sizeof...(Keys) == primary_key_elements_count<T>(),
                          "get<T>(key...) takes one value per primary-key column, in mapping order");
            return get_by_identity<T>(orm::key_type<T>{key...});
        } else {
            return {};
        }
    }

    /// get() by identity key; `autoflush` false for a load serving a relationship change (loaders).
    template <class T>
    ref<T> get_by_identity(const orm::key_type<T>& identity, bool autoflush = true) {
        if (auto found = mapper_for<T>().find(identity); found && !found->expired) {
            if (found->status == object_status::deleted) return ref<T>{};
            return ref<T>{std::move(found)};
        }
        return by_key<T>(identity, false, autoflush);
    }

    /// Marks an object for DELETE at the next flush (a pending one is just dropped).
    template <class T>
    void remove(const ref<T>& object) {
        if constexpr (orm::checked_model<T>()) {
            check_owned(object);
            mapper_for<T>().remove(object.state());
            forget_dropped();
        }
    }

    /// Reloads every column of an object from the database, overwriting its values (and loading
    /// columns load_only left out). Throws no_result_found when its row is gone.
    template <class T>
    void refresh(const ref<T>& object) {
        check_owned(object);
        if (object.status() != object_status::persistent) throw usage_error("refresh() needs a persistent object");
        object.state()->expired = true;  // its loaded relationships load again too, as SQLAlchemy's refresh does
        if (!by_key<T>(orm::key_of(*object), true))
            throw no_result_found("refresh(): the row of this object no longer exists in " +
                                  std::string{orm::describe<T>().table});
    }

    /// Stops tracking an object: it stays valid but detached (its changes are not flushed).
    template <class T>
    void expunge(const ref<T>& object) {
        check_owned(object);
        mapper_for<T>().expunge(object.state());
    }

    /// Detaches every object.
    void clear() noexcept { detach_all(); }

    /// Writes pending changes: INSERTs in foreign-key order, UPDATEs of changed columns, DELETEs in
    /// reverse order. If a statement fails, the objects get back their state from before the flush
    /// and the error propagates; the transaction is rolled back whole (pending_rollback_error until
    /// rollback()) or, with session_options::flush_savepoint, only to before the flush.
    void flush();

    /// Flushes, commits and returns the connection; objects stay attached but expired (the next
    /// query that loads them refreshes their values, like SQLAlchemy's expire_on_commit).
    void commit();

    /// Rolls back and returns the connection: pending objects are dropped (detached), removed ones
    /// restored, every object expired. After a failed flush, this is what lets the session go on.
    void rollback();

    /// Ends the session's work: rolls back what was not committed, returns the connection and
    /// detaches every object (SQLAlchemy's Session.close()); the session can be used again.
    void close() noexcept;

    /// Inserts every T of `objects` as fast as the database takes them (COPY on PostgreSQL, a
    /// reused prepared INSERT on SQLite), all or nothing; returns the rows written. The objects
    /// are not added to the identity map. Definition in orm/bulk.hpp.
    template <class T, class Range>
    std::int64_t bulk_insert(const Range& objects);

    /// bulk_insert that also writes each generated primary key into its object: on PostgreSQL the
    /// keys are reserved from the column's sequence in one statement and COPY writes them; on
    /// SQLite each INSERT returns its key. Definition in orm/bulk.hpp.
    template <class T, class Range>
    std::int64_t bulk_insert(Range& objects, return_keys_t);

    /// UPDATEs every column (but deferred ones) of each T by primary key, all or nothing; returns
    /// the rows updated. Definition in orm/bulk.hpp.
    template <class T, class Range>
    std::int64_t bulk_update(const Range& objects);

    /// A query for objects of T (definition in orm/query.hpp).
    template <class T>
    auto query();

    /// Runs a Core statement in the session's transaction (after autoflush); a SELECT without a
    /// lock is a read, which goes to a read replica when the engine has them and the session has
    /// not written.
    template <compilable_statement Statement>
    auto execute(const Statement& statement) {
        autoflush();
        if constexpr (requires { statement.core().lock; }) {
            if (statement.core().lock.strength == sql::lock_strength::none) return read_connection().execute(statement);
            return primary_read_connection().execute(statement);
        } else {
            return connection().execute(statement);
        }
    }

    /// The session's connection to the primary, checked out and in a transaction (begun on first
    /// use); what runs on it counts as a write (reads after the commit see it: read_your_writes).
    strata::connection& connection();
    /// The primary's connection for a read that must see the primary (FOR UPDATE, on_primary()):
    /// the session's transaction there, not counted as a write.
    strata::connection& primary_read_connection();
    /// The connection the session's reads use: a read replica's (in a transaction of its own)
    /// while the engine has replicas and the session has no transaction on the primary and has not
    /// committed a write within engine_options::read_your_writes; the primary's otherwise.
    strata::connection& read_connection();
    /// Drops the read connection after its server failed: the engine leaves the replica out for a
    /// while and the next read goes to another replica or the primary.
    void read_failed() noexcept;

    /// Sends what the session's connections hold - pipelined queries - in one round trip each
    /// (PostgreSQL; elsewhere nothing is held).
    void send_held();

    /// The options the session was made with.
    [[nodiscard]] const session_options& options() const noexcept { return options_; }
    /// Whether a failed flush rolled the transaction back and rollback() has not been called yet.
    [[nodiscard]] bool needs_rollback() const noexcept { return failed_flush_ != nullptr; }
    /// Whether the session holds a connection now.
    [[nodiscard]] bool has_connection() const noexcept { return connection_.has_value(); }
    /// The engine the session runs on.
    [[nodiscard]] const engine& bound_engine() const noexcept { return engine_; }
    /// Objects the identity map holds (pending included).
    [[nodiscard]] std::size_t identity_count() const noexcept {
        std::size_t count = 0;
        for (const auto& entry : mappers_) count += entry.second->size();
        return count;
    }

    /// Flushes if autoflush is on (queries call this).
    void autoflush();

    /// The identity map of T in this session.
    template <class T>
    orm::mapper<T>& mapper_for() {
        return static_cast<orm::mapper<T>&>(objects_of(&type_id<T>, &create_mapper<T>));
    }

private:
    /// Makes the mapper of T (what objects_of calls the first time a session meets T).
    template <class T>
    static std::unique_ptr<orm::model_objects> create_mapper(session* owner, dialect target, relationship_mode mode) {
        // Not make_unique<mapper<T>>: that instantiates unique_ptr<mapper<T>> and its machinery per model.
        return std::unique_ptr<orm::model_objects>(new orm::mapper<T>(owner, target, mode));
    }
    /// The objects of the model whose type_id is `id`, made by `create` the first time (one
    /// function for every model: only the creation is T's own).
    orm::model_objects& objects_of(const void* id,
                                   std::unique_ptr<orm::model_objects> (*create)(session*, dialect, relationship_mode));

    /// Detaches every object. Objects that no handle outside the session reaches, directly or
    /// through loaded relationships, first drop their relationships: a pair loaded both ways
    /// (author.books and book.writer) would otherwise keep itself alive forever.
    void detach_all() noexcept;
    /// Takes the new objects remove() dropped out of the loaded relationships of every model's objects.
    void forget_dropped();

    /// Whether loaded relationships could form a reference cycle: only if the models whose objects
    /// hold loaded targets lead to each other in a loop (author.books and book.writer both loaded).
    /// Loading one direction only - the usual eager load - skips the object graph entirely.
    bool cycles_possible();

    /// Runs `work` inside savepoint `name`: on any exception rolls back to it (or, when the
    /// connection itself failed, gives the connection up for the pool to discard) and rethrows.
    template <class Work>
    void within_savepoint(strata::connection& target, std::string_view name, Work&& work) {
        target.savepoint(name);
        try {
            std::forward<Work>(work)();
            target.release_savepoint(name);
        } catch (...) {
            try {
                target.rollback_to_savepoint(name);
                target.release_savepoint(name);
            } catch (...) {
                release_connection();
            }
            throw;
        }
    }

    /// Copies `from`'s mapped columns to `to` (merge()): deferred members only where `from` loaded
    /// them; the primary key and the version counter only when `with_key` (the key columns that
    /// found `to` are equal anyway, and the session counts the version).
    template <class T>
    static void copy_columns(const T& from, T& to, bool with_key) {
        const auto& info = orm::describe<T>();
        std::size_t index = 0;
        for_each_column<T>([&](const auto& definition) {
            constexpr auto member = std::remove_cvref_t<decltype(definition)>::member;
            const auto& column = info.columns[index++];
            if ((with_key || (!column.primary_key && !column.version_counter)) && column.is_loaded(&from))
                to.*member = from.*member;
        });
    }
    /// merge(): stale_data_error unless `given`'s version counter is 0 or `existing`'s.
    static void check_merged_version(const orm::model_info& info, const void* given, const void* existing);

    template <class T>
    static constexpr char type_id = 0;

    template <class T>
    static constexpr std::size_t primary_key_elements_count() {
        return orm::primary_key_elements<T>.size();
    }

    template <class T>
    void check_owned(const ref<T>& object) const {
        if (!object) throw usage_error("empty strata::ref passed to the session");
        if (object.state()->owner() != this && object.status() != object_status::detached)
            throw usage_error("this object belongs to another session");
    }

    template <class T>
    ref<T> by_key(const orm::key_type<T>& key, bool overwrite, bool autoflush = true);
    /// flush(), comparing only the objects used through a handle since the last flush when
    /// `touched_only` (an autoflush), every object otherwise.
    /// Writes the pending changes; with `then_commit`, commits the session's transaction too, in
    /// the same step (PostgreSQL: the COMMIT rides in the flush's last round trip when nothing
    /// held waits on a check).
    void flush_changes(bool touched_only, bool then_commit = false);

    /// Mappers ordered so that referenced tables come before the tables referencing them.
    std::vector<orm::model_objects*> dependency_order();

    void release_connection() noexcept;
    void release_read_connection() noexcept;
    /// Throws pending_rollback_error while a failed flush waits for rollback().
    void check_no_failed_flush() const;

    engine engine_;
    session_options options_;
    std::optional<strata::connection> connection_;
    std::optional<strata::connection> read_connection_;              ///< on a replica, while the session only reads
    std::optional<std::chrono::steady_clock::time_point> wrote_at_;  ///< when it last committed a write
    bool transaction_wrote_ = false;   ///< the transaction on the primary was used to write
    std::exception_ptr failed_flush_;  ///< the error of a flush that rolled the transaction back
    std::vector<std::pair<const void*, std::unique_ptr<orm::model_objects>>> mappers_;
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/session.hpp"
#endif
