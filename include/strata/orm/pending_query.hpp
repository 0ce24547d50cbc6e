// strata/orm/pending_query.hpp - a query sent in the connection's pipeline, its objects loaded later.
//
//   auto account = session.query<Account>().with_for_update().filter(col<&Account::id> == a).pipelined();
//   auto teller  = session.query<Teller>().with_for_update().filter(col<&Teller::id> == t).pipelined();
//   account.one()->balance += delta;   // both SELECTs (and the BEGIN) went in this one round trip
//   teller.one()->balance += delta;
//
// What connection::execute_pipelined() is to a Core statement, query<T>::pipelined() is to a query:
// on PostgreSQL the SELECT waits to go with the statements after it in one round trip, so several
// reads that do not depend on each other cost one round trip, not one each.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "strata/detail/linkage.hpp"
#include "strata/engine/result.hpp"
#include "strata/orm/object_state.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/ref.hpp"

namespace strata::orm {

class model_objects;

/// A copy of a query sent in the pipeline, and the objects of its answer once loaded: the part of
/// pending_query<T> that does not know T.
class pipelined_load {
public:
    /// Sends `query` (after its autoflush) on the connection it reads from. A driver that holds
    /// nothing (SQLite, MariaDB), or a connection outside a transaction, runs it and loads its
    /// objects at once.
    STRATA_COMPILED_LINKAGE pipelined_load(const query_base& query, model_objects& objects);

    /// Whether the answer has arrived (or the objects were loaded).
    [[nodiscard]] bool ready() const noexcept { return loaded_.has_value() || answer_->has_value(); }

    /// The objects in row order, loaded into the identity map the first time. If the answer has
    /// not arrived, the session first sends what its connections hold (one round trip).
    /// usage_error when the query never ran: a statement sent before it failed (that error was
    /// thrown by the call that sent them), or its transaction ended before it was sent.
    STRATA_COMPILED_LINKAGE const std::vector<tracked_pointer>& objects();

    /// The table queried (for one()'s errors).
    [[nodiscard]] std::string_view table() const noexcept { return query_.info_->table; }

private:
    /// Loads the arrived answer into the identity map.
    void load_answer();

    query_base query_;
    model_objects* objects_;
    query_base::loading run_;
    std::shared_ptr<std::optional<strata::result>> answer_ = std::make_shared<std::optional<strata::result>>();
    std::optional<std::vector<tracked_pointer>> loaded_;
};

}  // namespace strata::orm

namespace strata {

/// The objects of a query sent in the connection's pipeline (query<T>::pipelined()): on PostgreSQL
/// the SELECT goes to the server with the session's next statement, send_held(), commit() - or the
/// first all() or one() of any pending query - in one round trip with everything held before it.
/// SQLite and MariaDB run it at once. Ask for its objects before the transaction ends: a rollback
/// drops what was never sent.
template <class T>
class pending_query {
public:
    /// Wraps a sent query (query<T>::pipelined() makes these).
    explicit pending_query(std::unique_ptr<orm::pipelined_load> load) : load_(std::move(load)) {}

    /// Whether the answer has arrived: asking for the objects takes no round trip.
    [[nodiscard]] bool ready() const noexcept { return load_->ready(); }

    /// Every object of the answer, in row order.
    [[nodiscard]] std::vector<ref<T>> all() {
        const auto& objects = load_->objects();
        std::vector<ref<T>> typed;
        typed.reserve(objects.size());
        for (const auto& object : objects) typed.emplace_back(object);
        return typed;
    }
    /// Exactly one object; throws no_result_found or multiple_results_found.
    [[nodiscard]] ref<T> one() {
        auto found = one_or_none();
        if (!found) orm::throw_no_result(load_->table());
        return found;
    }
    /// One object or an empty ref; throws multiple_results_found for more than one.
    [[nodiscard]] ref<T> one_or_none() {
        const auto& objects = load_->objects();
        if (objects.size() > 1) orm::throw_multiple_results(load_->table(), objects.size());
        return objects.empty() ? ref<T>{} : ref<T>{objects.front()};
    }

private:
    std::unique_ptr<orm::pipelined_load> load_;
};

}  // namespace strata

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/pending_query.hpp"
#endif
