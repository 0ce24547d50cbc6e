// strata/orm/impl/session.hpp - the definitions behind strata/orm/session.hpp (the session's non-template members).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <typeinfo>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/object_graph.hpp"
#include "strata/orm/query_base.hpp"
#include "strata/orm/session.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE void session::flush() { flush_changes(false); }

STRATA_COMPILED_LINKAGE void session::flush_changes(bool touched_only, bool then_commit) {
    check_no_failed_flush();
    std::size_t work = 0;
    for (auto& entry : mappers_) work += entry.second->prepare_flush(touched_only);
    forget_dropped();  // new orphans prepare_flush dropped
    if (work == 0) {
        if (then_commit && connection_) connection_->commit();
        return;
    }
    bool relationship_changes = false;
    for (auto& entry : mappers_)
        relationship_changes = relationship_changes || entry.second->has_relationship_changes();
    auto& target = connection();
    const auto order = dependency_order();
    const bool any_relationships = std::any_of(
        order.begin(), order.end(), [](const orm::model_objects* item) { return item->has_relationships(); });
    const bool commit_with_writes = then_commit && !options_.flush_savepoint;
    orm::foreign_key_journal journal;  // what the flush points in objects, given back should it fail
    const auto write = [&] {
        try {
            // Held statements go in one round trip per dependency level: before a model whose
            // INSERTs point keys at rows inserted earlier in this flush, and before the UPDATEs
            // that point keys known only now (a cycle's post-update, association rows).
            for (auto* item : order) {
                if (item->has_relationships()) target.send_held();
                item->write_inserts(target, journal);
            }
            if (any_relationships) target.send_held();
            for (auto* item : order) item->write_updates(target, relationship_changes, journal);
            for (auto* item : order) item->write_associations(target);
            for (auto item = order.rbegin(); item != order.rend(); ++item) (*item)->write_deletes(target);
            if (commit_with_writes)
                target.commit();  // what is held, and the COMMIT with it when nothing waits on a check
            else
                target.send_held();  // what nothing read back before: one round trip
        } catch (...) {
            journal.give_back();
            for (auto* item : order) item->abandon_flush();
            throw;
        }
    };
    if (options_.flush_savepoint) {
        within_savepoint(target, "strata_flush", write);
    } else {
        // No savepoint: the statements before the failing one stay in the transaction (PostgreSQL
        // has aborted it anyway), so the whole transaction goes, and the session says so until
        // rollback() rather than let a later commit() believe the earlier writes were kept.
        try {
            write();
        } catch (...) {
            failed_flush_ = std::current_exception();
            release_connection();  // the pool rolls back what the transaction wrote
            throw;
        }
    }
    for (const auto& deleted : mappers_)
        if (deleted.second->has_deleted())
            for (auto& parents : mappers_) parents.second->forget_deleted_targets(*deleted.second);
    forget_dropped();  // new orphans a delete_orphan dropped in this flush
    for (auto* item : order) item->finish_flush();
    if (then_commit && !commit_with_writes) target.commit();
}

STRATA_COMPILED_LINKAGE void session::check_merged_version(const orm::model_info& info, const void* given,
                                                           const void* existing) {
    const auto& column = info.columns[info.version_column];
    const auto given_version = column.bind(given).as_integer();
    const auto existing_version = column.bind(existing).as_integer();
    if (given_version == 0 || given_version == existing_version) return;
    throw stale_data_error("merge() of " + std::string{info.table} + " with " + std::string{column.name} + " = " +
                           std::to_string(given_version) + ": the session's object is at " +
                           std::to_string(existing_version) +
                           "; the copy was made from an older version (leave the version at 0 to merge onto the "
                           "latest one)");
}

STRATA_COMPILED_LINKAGE void session::forget_dropped() {
    for (const auto& dropped : mappers_) {
        if (!dropped.second->has_dropped()) continue;
        for (auto& holders : mappers_) holders.second->forget_dropped_targets(*dropped.second);
        dropped.second->clear_dropped();
    }
}

STRATA_COMPILED_LINKAGE void session::send_held() {
    if (connection_) connection_->send_held();
    if (read_connection_) read_connection_->send_held();
}

STRATA_COMPILED_LINKAGE void session::commit() {
    check_no_failed_flush();
    flush_changes(false, true);
    if (connection_) {
        if (transaction_wrote_) wrote_at_ = std::chrono::steady_clock::now();  // read your writes: from the primary
        release_connection();
    }
    release_read_connection();
    for (auto& entry : mappers_) entry.second->commit();
}

STRATA_COMPILED_LINKAGE void session::rollback() {
    failed_flush_ = nullptr;
    if (connection_) {
        try {
            connection_->rollback();
        } catch (...) {
            release_connection();
            throw;
        }
        release_connection();
    }
    release_read_connection();
    for (auto& entry : mappers_) entry.second->rollback();
}

STRATA_COMPILED_LINKAGE void session::close() noexcept {
    failed_flush_ = nullptr;
    release_connection();
    release_read_connection();
    detach_all();
}

STRATA_COMPILED_LINKAGE strata::connection& session::connection() {
    auto& primary = primary_read_connection();
    transaction_wrote_ = true;
    return primary;
}

STRATA_COMPILED_LINKAGE strata::connection& session::primary_read_connection() {
    check_no_failed_flush();
    if (!connection_) {
        release_read_connection();  // from now on the transaction on the primary reads too
        auto checked_out = engine_.connect();
        checked_out.begin();
        connection_.emplace(std::move(checked_out));
    }
    return *connection_;
}

STRATA_COMPILED_LINKAGE strata::connection& session::read_connection() {
    if (!engine_.has_replicas() || options_.on_primary || connection_) return primary_read_connection();
    if (wrote_at_) {
        const auto& window = engine_.options().read_your_writes;
        if (!window || std::chrono::steady_clock::now() - *wrote_at_ < *window) return primary_read_connection();
    }
    check_no_failed_flush();
    if (!read_connection_) {
        auto checked_out = engine_.connect_for_read();
        checked_out.begin();
        read_connection_.emplace(std::move(checked_out));
    }
    return *read_connection_;
}

STRATA_COMPILED_LINKAGE void session::read_failed() noexcept {
    if (!read_connection_) return;
    try {
        engine_.replica_failed(read_connection_->server());
    } catch (...) {
    }
    release_read_connection();
}

STRATA_COMPILED_LINKAGE void session::release_read_connection() noexcept {
    if (read_connection_) {
        read_connection_->close();  // its read-only transaction ends with it
        read_connection_.reset();
    }
}

STRATA_COMPILED_LINKAGE void session::autoflush() {
    if (options_.autoflush) flush_changes(true);
}

STRATA_COMPILED_LINKAGE orm::model_objects& session::objects_of(
    const void* id, std::unique_ptr<orm::model_objects> (*create)(session*, dialect, relationship_mode)) {
    for (auto& [key, item] : mappers_)
        if (key == id) return *item;
    auto created =
        create(this, engine_.sql_dialect(), options_.raiseload ? relationship_mode::raise : relationship_mode::lazy);
    mappers_.emplace_back(id, std::move(created));
    return *mappers_.back().second;
}

STRATA_COMPILED_LINKAGE session::~session() {
    release_connection();
    release_read_connection();
    detach_all();
}

STRATA_COMPILED_LINKAGE void session::detach_all() noexcept {
    try {
        if (!cycles_possible()) {
            for (auto& entry : mappers_) entry.second->clear();
            return;
        }
        orm::object_graph graph;
        graph.nodes.reserve(identity_count());
        for (auto& entry : mappers_) entry.second->describe_graph(graph);
        graph.mark_reachable();
        for (auto& entry : mappers_) entry.second->release_unreachable(graph);
    } catch (...) {  // out of memory while looking: detach without breaking cycles
    }
    for (auto& entry : mappers_) entry.second->clear();
}

STRATA_COMPILED_LINKAGE bool session::cycles_possible() {
    struct holder {
        std::string_view table;
        std::vector<std::string_view> targets;
    };
    std::vector<holder> holders;
    for (auto& entry : mappers_)
        if (entry.second->has_loaded_relationships())
            holders.push_back({entry.second->info().table, entry.second->relationship_targets()});
    // Repeatedly drop models that lead to no remaining holder; whatever remains is on a loop.
    for (bool dropped = true; dropped && !holders.empty();) {
        dropped = false;
        for (auto item = holders.begin(); item != holders.end(); ++item) {
            const bool leads_on = std::any_of(item->targets.begin(), item->targets.end(), [&](std::string_view table) {
                return std::any_of(holders.begin(), holders.end(),
                                   [&](const holder& other) { return other.table == table; });
            });
            if (!leads_on) {
                holders.erase(item);
                dropped = true;
                break;
            }
        }
    }
    return !holders.empty();
}

STRATA_COMPILED_LINKAGE std::vector<orm::model_objects*> session::dependency_order() {
    std::vector<orm::model_objects*> remaining;
    for (auto& entry : mappers_) remaining.push_back(entry.second.get());
    std::vector<orm::model_objects*> ordered;
    while (!remaining.empty()) {
        auto ready = remaining.begin();
        for (; ready != remaining.end(); ++ready) {
            bool blocked = false;
            for (const auto& table : (*ready)->info().references) {
                if (table == (*ready)->info().table) continue;
                for (auto* other : remaining)
                    if (other != *ready && other->info().table == table) blocked = true;
            }
            if (!blocked) break;
        }
        if (ready == remaining.end()) ready = remaining.begin();  // a cycle: keep the order we have
        ordered.push_back(*ready);
        remaining.erase(ready);
    }
    return ordered;
}

STRATA_COMPILED_LINKAGE void session::check_no_failed_flush() const {
    if (!failed_flush_) return;
    std::string cause = "an exception that is not a std::exception";
    try {
        std::rethrow_exception(failed_flush_);
    } catch (const std::exception& failure) {
        cause = failure.what();
    } catch (...) {
    }
    throw pending_rollback_error("this session's transaction was rolled back after a failed flush (" + cause +
                                 "); call rollback() before using the session again, or set "
                                 "session_options::flush_savepoint to undo only a failed flush");
}

STRATA_COMPILED_LINKAGE void session::release_connection() noexcept {
    transaction_wrote_ = false;
    if (connection_) {
        connection_->close();  // the pool rolls back anything still open
        connection_.reset();
    }
}

}  // namespace strata
