// The driver interface is pluggable: a driver defined here, outside include/, registered under its
// own URL scheme, runs statements through the engine unchanged.
#include <catch2/catch.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "support/backends.hpp"

namespace {

/// Every call a recording connection saw, shared by all its connections.
struct call_log {
    std::mutex mutex;
    std::vector<std::string> calls;
    void add(std::string call) {
        std::lock_guard lock{mutex};
        calls.push_back(std::move(call));
    }
};

/// Wraps the SQLite driver and records each call before forwarding it.
class recording_connection final : public strata::driver::connection {
public:
    recording_connection(std::unique_ptr<strata::driver::connection> inner, std::shared_ptr<call_log> log)
        : inner_(std::move(inner)), log_(std::move(log)) {}

    [[nodiscard]] strata::driver::dialect sql_dialect() const noexcept override { return inner_->sql_dialect(); }
    std::unique_ptr<strata::driver::result> execute(std::string_view sql,
                                                    std::span<const strata::parameter> parameters) override {
        log_->add("execute " + std::string{sql} + " with " + std::to_string(parameters.size()) + " parameters");
        return inner_->execute(sql, parameters);
    }
    void execute_script(std::string_view sql) override {
        log_->add("script " + std::string{sql});
        inner_->execute_script(sql);
    }
    void begin(strata::driver::begin_mode mode) override {
        log_->add("begin");
        inner_->begin(mode);
    }
    void commit() override {
        log_->add("commit");
        inner_->commit();
    }
    void rollback() override {
        log_->add("rollback");
        inner_->rollback();
    }
    [[nodiscard]] bool in_transaction() const override { return inner_->in_transaction(); }
    bool ping() noexcept override { return inner_->ping(); }
    void reset() override {
        log_->add("reset");
        inner_->reset();
    }
    [[nodiscard]] bool is_broken() const noexcept override { return inner_->is_broken(); }
    [[nodiscard]] strata::driver::connection_statistics statistics() const noexcept override {
        return inner_->statistics();
    }

private:
    std::unique_ptr<strata::driver::connection> inner_;
    std::shared_ptr<call_log> log_;
};

}  // namespace

TEST_CASE("a driver registered under its own scheme runs statements through the engine unchanged") {
    auto log = std::make_shared<call_log>();
    strata::driver::register_driver("recording", strata::driver::dialect::sqlite,
                                    [log](const strata::url& address, const strata::driver::connect_options& options) {
                                        // A wrapping driver reaches the one it wraps through its open function, so it
                                        // works whether the SQLite driver is header-only or compiled once
                                        // (STRATA_SEPARATE_COMPILATION).
                                        return std::make_unique<recording_connection>(
                                            strata::driver::open_sqlite_connection(address, options), log);
                                    });

    auto engine = strata::create_engine("recording://");
    CHECK(engine.sql_dialect() == strata::driver::dialect::sqlite);
    strata::statement_counter counter{engine};
    {
        auto connection = engine.connect();
        connection.execute_script("CREATE TABLE t (n INTEGER)");
        strata::transaction transaction{connection};
        connection.execute("INSERT INTO t (n) VALUES ($1)", 41);
        transaction.commit();
        CHECK(connection.execute("SELECT n + 1 FROM t").scalar<int>() == 42);
    }
    CHECK(counter.count() == 3);
    CHECK(log->calls == std::vector<std::string>{"script CREATE TABLE t (n INTEGER)", "begin",
                                                 "execute INSERT INTO t (n) VALUES ($1) with 1 parameters", "commit",
                                                 "execute SELECT n + 1 FROM t with 0 parameters", "reset"});
}
