// strata/orm/impl/pending_query.hpp - the definitions behind strata/orm/pending_query.hpp.
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/pending_query.hpp"
#include "strata/orm/session.hpp"
#include "strata/sql/compiler.hpp"

namespace strata::orm {

STRATA_COMPILED_LINKAGE pipelined_load::pipelined_load(const query_base& query, model_objects& objects)
    : query_(query), objects_(&objects), run_(query_.start_loading(false)) {
    if (query_.autoflush_) query_.session_->autoflush();
    auto& connection = query_.connection_for(run_.core);
    run_.compiled = sql::compile(run_.core, connection.sql_dialect());
    // The handler may run long after this call (in whichever call sends the pipeline), or never.
    connection.execute_held(
        run_.compiled.sql, run_.compiled.parameters,
        [answer = std::weak_ptr<std::optional<strata::result>>(answer_)](strata::result& rows) {
            if (auto slot = answer.lock()) slot->emplace(std::move(rows));
        },
        false);
    // Run at once (SQLite's rows are read as it steps, so they are loaded now, while nothing else ran).
    if (answer_->has_value()) load_answer();
}

STRATA_COMPILED_LINKAGE const std::vector<tracked_pointer>& pipelined_load::objects() {
    if (!loaded_) {
        if (!answer_->has_value()) query_.session_->send_held();
        if (!answer_->has_value())
            throw usage_error("this pipelined query of " + std::string{table()} +
                              " never ran: a statement sent before it failed (the call that sent them threw its "
                              "error), its transaction ended before it was sent, or loading its rows failed");
        load_answer();
    }
    return *loaded_;
}

STRATA_COMPILED_LINKAGE void pipelined_load::load_answer() {
    auto rows = std::move(**answer_);
    answer_->reset();
    std::vector<tracked_pointer> loaded;
    auto append = [&loaded](tracked_pointer&& object) { loaded.push_back(std::move(object)); };
    query_.load_rows(run_, rows, *objects_, append, nullptr, nullptr);
    loaded_ = std::move(loaded);
}

}  // namespace strata::orm
