// strata/engine/statement_counter.hpp - counts the statements an engine runs while it is alive.
//
// The tool behind every "N statements" assertion, like SQLAlchemy's assert_sql_count:
//     strata::statement_counter counter{engine};
//     ... work ...
//     REQUIRE(counter.count() == 2);
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "strata/engine/engine.hpp"
#include "strata/engine/events.hpp"

namespace strata {

/// Records every statement executed through an engine from construction to destruction.
class statement_counter {
public:
    /// Starts counting statements of `target`.
    explicit statement_counter(const engine& target) : engine_(target) {
        id_ = engine_.listen(event_kind::before_execute, [this](const execute_event& event) {
            std::lock_guard lock{mutex_};
            statements_.emplace_back(event.sql);
        });
    }
    statement_counter(const statement_counter&) = delete;
    statement_counter& operator=(const statement_counter&) = delete;
    ~statement_counter() { engine_.remove_listener(id_); }

    /// Statements executed so far.
    [[nodiscard]] std::size_t count() const {
        std::lock_guard lock{mutex_};
        return statements_.size();
    }
    /// The SQL text of every statement so far, in order.
    [[nodiscard]] std::vector<std::string> statements() const {
        std::lock_guard lock{mutex_};
        return statements_;
    }
    /// Forgets what was counted so far.
    void reset() {
        std::lock_guard lock{mutex_};
        statements_.clear();
    }

private:
    engine engine_;
    listener_id id_ = 0;
    mutable std::mutex mutex_;
    std::vector<std::string> statements_;
};

}  // namespace strata
