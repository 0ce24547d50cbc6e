// strata/engine/pending.hpp - the answer of a statement sent in a connection's pipeline.
//
// connection::execute_pipelined() holds a statement to send it with the ones after it (and the
// COMMIT) in one round trip on PostgreSQL, so its answer arrives later than the call: a pending<T>
// is where it lands. SQLite runs the statement at once, so there the answer is ready at once.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "strata/core/error.hpp"

namespace strata {

/// The answer of a pipelined statement (connection::execute_pipelined): the rows of a select
/// (or a RETURNING statement), or the affected-row count of an insert, update or delete.
template <class Answer>
class pending {
public:
    /// A pending answer with a slot for the driver to fill.
    pending() : answer_(std::make_shared<std::optional<Answer>>()) {}

    /// Whether the answer has arrived: the round trip that carried the statement is over.
    [[nodiscard]] bool ready() const noexcept { return answer_->has_value(); }

    /// The answer; usage_error while it has not arrived (send_held(), commit() or the connection's
    /// next statement sends it) or when the statement never ran (one before it failed, and that
    /// error was thrown by the call that sent them).
    [[nodiscard]] Answer& get() {
        if (!answer_->has_value())
            throw usage_error(
                "this pipelined statement has no answer yet: it goes to the server with the connection's next "
                "statement, send_held() or commit() (and has none when a statement sent before it failed)");
        return **answer_;
    }

    /// Where the driver writes the answer (shared, so the statement's handler outlives no one).
    [[nodiscard]] const std::shared_ptr<std::optional<Answer>>& slot() const noexcept { return answer_; }

private:
    std::shared_ptr<std::optional<Answer>> answer_;
};

}  // namespace strata
