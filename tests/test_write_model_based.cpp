// Core writes, upserts and bulk writes checked against a model: random sequences of single-row
// INSERTs (with and without RETURNING), upserts that skip or update, UPDATEs and DELETEs (with and
// without RETURNING) under random conditions (comparisons, NULL tests, IN lists, AND/OR/NOT with
// SQL's three-valued logic), UPDATEs that break the unique constraint, bulk_insert and bulk_update
// batches (across SQLite's 100-row statements, some with one clashing row), and transactions that
// commit or roll back are applied to each database and to a plain map of what its table must hold.
// A statement that must fail raises unique_violation and changes nothing; the table is read back
// and compared after every operation, and every row count is compared too (MariaDB's upsert
// counts as README documents them). Thirty fixed seeds here; STRATA_WRITE_SEQUENCES=<n> runs n per
// backend (scripts/soak.sh), and a failure names its seed so it replays alone
// (STRATA_WRITE_SEED=<seed>; STRATA_WRITE_ECHO=1 prints its SQL).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "strata/orm.hpp"
#include "support/backends.hpp"

namespace ledger {

/// One row of the written table.
struct entry {
    std::int64_t id = 0;
    std::string code;
    std::int64_t amount = 0;
    std::optional<std::string> note;
    std::optional<double> weight;
    bool flag = false;
    bool operator==(const entry&) const = default;
};

}  // namespace ledger

template <>
struct strata::mapping<ledger::entry> {
    static constexpr auto table = strata::table("ledger_entries",                                       //
                                                strata::column<&ledger::entry::id>("id", primary_key),  //
                                                strata::column<&ledger::entry::code>("code", unique),   //
                                                strata::column<&ledger::entry::amount>("amount"),       //
                                                strata::column<&ledger::entry::note>("note"),           //
                                                strata::column<&ledger::entry::weight>("weight"),       //
                                                strata::column<&ledger::entry::flag>("flag"));
};

namespace write_model {

using ledger::entry;
using strata::col;
using table_picture = std::map<std::int64_t, entry>;

/// Text that COPY, multi-row INSERTs and prepared statements must all carry intact.
const std::vector<std::string> awkward_notes{"plain",
                                             "",
                                             "it's \"quoted\"",
                                             "tab\tand\nnewline",
                                             "back\\slash \\N",
                                             "Ünïcödé ✓ 日本語",
                                             "comma, semi; -- /* */",
                                             "\\.",
                                             "trailing  "};

/// A condition both as SQL and as the model evaluates it (SQL's three values: nullopt is NULL).
struct condition {
    strata::expression<bool> sql;
    std::function<std::optional<bool>(const entry&)> holds;
    std::string text;
};

/// Rows a condition selects in the model: those where it is true (not false, not NULL).
std::vector<std::int64_t> selected(const table_picture& rows, const condition& where) {
    std::vector<std::int64_t> ids;
    for (const auto& [id, row] : rows)
        if (where.holds(row) == std::optional<bool>{true}) ids.push_back(id);
    return ids;
}

std::string describe(const table_picture& rows) {
    std::ostringstream out;
    for (const auto& [id, row] : rows)
        out << id << "=(" << row.code << ',' << row.amount << ',' << (row.note ? "'" + *row.note + "'" : "null") << ','
            << (row.weight ? std::to_string(*row.weight) : "null") << ',' << row.flag << ")\n";
    return out.str();
}

/// One random sequence of writes on one database, with its model.
class sequence {
public:
    sequence(strata::engine& engine, std::uint64_t seed)
        : engine_(engine), random_(seed), connection_(engine.connect()) {
        mariadb_ = engine.sql_dialect() == strata::dialect::mariadb;
    }

    void run(int operations) {
        for (int step = 0; step < operations; ++step) {
            const int pick = below(100);
            std::string what;
            if (pick < 18) {
                what = insert_one();
            } else if (pick < 28) {
                what = upsert(false);
            } else if (pick < 40) {
                what = upsert(true);
            } else if (pick < 55) {
                what = update_where();
            } else if (pick < 62) {
                what = update_code();
            } else if (pick < 72) {
                what = delete_where();
            } else if (pick < 82) {
                what = bulk_insert();
            } else if (pick < 90) {
                what = bulk_update();
            } else {
                what = transaction();
            }
            INFO("step " << step << ": " << what);
            check_table();
        }
    }

private:
    int below(int bound) { return std::uniform_int_distribution<int>{0, bound - 1}(random_); }
    bool chance(int percent) { return below(100) < percent; }

    std::int64_t some_id() { return 1 + below(60); }
    std::int64_t fresh_id() {
        for (;;) {
            const auto id = 61 + below(1'000'000);
            if (!rows_.contains(id) && !taken_ids_.contains(id)) return id;
        }
    }
    /// Codes come from a small pool, so a new row's often clashes; a fresh one from a large one.
    std::string some_code() { return "c" + std::to_string(below(40)); }
    std::string fresh_code() { return "f" + std::to_string(next_code_++); }
    bool code_used(const table_picture& rows, const std::string& code, std::int64_t except = 0) const {
        for (const auto& [id, row] : rows)
            if (id != except && row.code == code) return true;
        return false;
    }

    std::int64_t some_amount() { return below(2001) - 1000; }
    /// A quarter in [-1000, 1000]: exact in binary, on every database.
    double some_weight() { return (below(8001) - 4000) / 4.0; }
    std::string some_note() {
        return awkward_notes[static_cast<std::size_t>(below(static_cast<int>(awkward_notes.size())))];
    }

    entry random_entry(std::int64_t id, std::string code) {
        entry row;
        row.id = id;
        row.code = std::move(code);
        row.amount = some_amount();
        if (chance(75)) row.note = some_note();
        if (chance(70)) row.weight = some_weight();
        row.flag = chance(50);
        return row;
    }

    static auto insert_statement(const entry& row) {
        return strata::insert<entry>()
            .value(col<&entry::id>, row.id)
            .value(col<&entry::code>, row.code)
            .value(col<&entry::amount>, row.amount)
            .value(col<&entry::note>, row.note)
            .value(col<&entry::weight>, row.weight)
            .value(col<&entry::flag>, row.flag);
    }

    /// A single INSERT; a clashing id or code must raise unique_violation and write nothing.
    std::string insert_one() {
        const auto row = random_entry(chance(50) ? some_id() : fresh_id(), chance(60) ? some_code() : fresh_code());
        const bool clashes = rows_.contains(row.id) || code_used(rows_, row.code);
        const bool returning = chance(50);
        std::string what = "insert id " + std::to_string(row.id) + " code " + row.code;
        INFO(what);
        if (clashes) {
            if (returning)
                CHECK_THROWS_AS(connection_.execute(insert_statement(row).returning(col<&entry::id>)),
                                strata::unique_violation);
            else
                CHECK_THROWS_AS(connection_.execute(insert_statement(row)), strata::unique_violation);
            return what + " (clashes)";
        }
        if (returning) {
            CHECK(connection_.execute(insert_statement(row).returning(col<&entry::id>, col<&entry::note>)) ==
                  std::vector<std::tuple<std::int64_t, std::optional<std::string>>>{{row.id, row.note}});
        } else {
            CHECK(connection_.execute(insert_statement(row)) == 1);
        }
        rows_[row.id] = row;
        return what;
    }

    /// An upsert on the primary key. Its code is always new: MariaDB's ON DUPLICATE KEY fires on
    /// any unique key (README), so a clashing code would pick another row there.
    std::string upsert(bool update) {
        const auto row = random_entry(chance(70) ? some_id() : fresh_id(), fresh_code());
        const bool exists = rows_.contains(row.id);
        std::string what =
            std::string{update ? "upsert (update)" : "upsert (nothing)"} + " id " + std::to_string(row.id);
        INFO(what);
        std::int64_t count = 0;
        if (update) {
            count = connection_.execute(
                insert_statement(row)
                    .on_conflict_do_update(col<&entry::id>)
                    .set(col<&entry::amount>, col<&entry::amount> + strata::excluded(col<&entry::amount>))
                    .set(col<&entry::note>, strata::excluded(col<&entry::note>)));
            // MariaDB counts a row its ON DUPLICATE KEY UPDATE changed as 2, and one it found
            // unchanged as 1 (the connector asks for found rows).
            std::int64_t expected = 1;
            if (exists) {
                auto& kept = rows_[row.id];
                if (mariadb_ && (row.amount != 0 || kept.note != row.note)) expected = 2;
                kept.amount += row.amount;
                kept.note = row.note;
            } else {
                rows_[row.id] = row;
            }
            CHECK(count == expected);
        } else {
            count = connection_.execute(insert_statement(row).on_conflict_do_nothing(col<&entry::id>));
            if (!exists) rows_[row.id] = row;
            // MariaDB's DO NOTHING is an ON DUPLICATE KEY UPDATE that finds the row: 1.
            CHECK(count == (exists && !mariadb_ ? 0 : 1));
        }
        return what + (exists ? " (existing)" : " (new)");
    }

    /// A random condition over the table's columns, with the model's reading of it.
    condition random_condition(int depth = 0) {
        const int pick = below(depth < 2 ? 11 : 8);
        switch (pick) {
            case 0: {
                const std::int64_t bound = some_amount();
                return {col<&entry::amount> > bound,
                        [bound](const entry& row) { return std::optional<bool>{row.amount > bound}; },
                        "amount > " + std::to_string(bound)};
            }
            case 1: {
                const std::int64_t bound = some_amount();
                return {col<&entry::amount> <= bound,
                        [bound](const entry& row) { return std::optional<bool>{row.amount <= bound}; },
                        "amount <= " + std::to_string(bound)};
            }
            case 2:
                return {col<&entry::note>.is_null(), [](const entry& row) { return std::optional<bool>{!row.note}; },
                        "note IS NULL"};
            case 3:
                return {col<&entry::weight>.is_not_null(),
                        [](const entry& row) { return std::optional<bool>{row.weight.has_value()}; },
                        "weight IS NOT NULL"};
            case 4: {
                const double bound = some_weight();
                return {col<&entry::weight> > bound,
                        [bound](const entry& row) {
                            return row.weight ? std::optional<bool>{*row.weight > bound} : std::nullopt;
                        },
                        "weight > " + std::to_string(bound)};
            }
            case 5: {
                std::vector<std::int64_t> ids;
                for (int i = below(6); i >= 0; --i) ids.push_back(some_id());
                std::string text = "id IN (";
                for (const auto id : ids) text += std::to_string(id) + ",";
                return {col<&entry::id>.in_(ids),
                        [ids](const entry& row) {
                            return std::optional<bool>{std::find(ids.begin(), ids.end(), row.id) != ids.end()};
                        },
                        text + ")"};
            }
            case 6: {
                const bool wanted = chance(50);
                return {col<&entry::flag> == wanted,
                        [wanted](const entry& row) { return std::optional<bool>{row.flag == wanted}; },
                        std::string{"flag = "} + (wanted ? "true" : "false")};
            }
            case 7: {
                const auto code = some_code();
                return {col<&entry::code> == code,
                        [code](const entry& row) { return std::optional<bool>{row.code == code}; }, "code = " + code};
            }
            case 8:
            case 9: {
                const bool conjunction = pick == 8;  // AND; OR otherwise
                auto left = random_condition(depth + 1);
                auto right = random_condition(depth + 1);
                return {conjunction ? (left.sql && right.sql) : (left.sql || right.sql),
                        [l = left.holds, r = right.holds, conjunction](const entry& row) -> std::optional<bool> {
                            const bool decides = !conjunction;  // a false decides an AND, a true an OR
                            const auto a = l(row);
                            const auto b = r(row);
                            if (a == decides || b == decides) return decides;
                            if (!a || !b) return std::nullopt;
                            return !decides;
                        },
                        "(" + left.text + (conjunction ? " AND " : " OR ") + right.text + ")"};
            }
            default: {
                auto inner = random_condition(depth + 1);
                return {!inner.sql,
                        [h = inner.holds](const entry& row) -> std::optional<bool> {
                            const auto a = h(row);
                            if (!a) return std::nullopt;
                            return !*a;
                        },
                        "NOT " + inner.text};
            }
        }
    }

    /// UPDATE ... SET amount, note or weight WHERE a random condition; the count is the rows matched.
    std::string update_where() {
        const auto where = random_condition();
        const auto ids = selected(rows_, where);
        const int pick = below(3);
        std::int64_t count = 0;
        std::string what = "update where " + where.text;
        INFO(what);
        if (pick == 0) {
            const std::int64_t step = below(21) - 10;
            count = connection_.execute(
                strata::update<entry>().set(col<&entry::amount>, col<&entry::amount> * 2 + step).where(where.sql));
            for (const auto id : ids) rows_[id].amount = rows_[id].amount * 2 + step;
            // Keeps amounts far from overflow after many doublings.
            if (chance(30)) {
                connection_.execute(strata::update<entry>().set(col<&entry::amount>, col<&entry::amount> / 1000));
                for (auto& [id, row] : rows_) row.amount /= 1000;  // integer division truncates on all three
            }
        } else if (pick == 1) {
            std::optional<std::string> note;
            if (chance(60)) note = some_note();
            count = connection_.execute(strata::update<entry>().set(col<&entry::note>, note).where(where.sql));
            for (const auto id : ids) rows_[id].note = note;
        } else {
            count = connection_.execute(
                strata::update<entry>().set(col<&entry::weight>, col<&entry::weight> + 0.25).where(where.sql));
            for (const auto id : ids)
                if (rows_[id].weight) *rows_[id].weight += 0.25;  // NULL + 0.25 stays NULL
        }
        CHECK(count == static_cast<std::int64_t>(ids.size()));
        return what;
    }

    /// UPDATE ... SET code = one code WHERE a condition: fails whole when two rows would share it.
    std::string update_code() {
        const auto where = random_condition();
        const auto ids = selected(rows_, where);
        const auto code = some_code();
        std::string what = "update code to " + code + " where " + where.text;
        INFO(what);
        const auto statement = strata::update<entry>().set(col<&entry::code>, code).where(where.sql);
        bool clashes = ids.size() > 1;
        if (ids.size() == 1) clashes = code_used(rows_, code, ids.front());
        if (clashes) {
            CHECK_THROWS_AS(connection_.execute(statement), strata::unique_violation);
            return what + " (clashes)";
        }
        CHECK(connection_.execute(statement) == static_cast<std::int64_t>(ids.size()));
        for (const auto id : ids) rows_[id].code = code;
        return what;
    }

    std::string delete_where() {
        const auto where = random_condition();
        const auto ids = selected(rows_, where);
        std::string what = "delete where " + where.text;
        INFO(what);
        if (chance(50)) {  // DELETE ... RETURNING: every database returns the rows it removed
            auto removed = connection_.execute(strata::delete_from<entry>().where(where.sql).returning(
                col<&entry::id>, col<&entry::code>, col<&entry::note>));
            std::sort(removed.begin(), removed.end());
            std::vector<std::tuple<std::int64_t, std::string, std::optional<std::string>>> expected;
            for (const auto id : ids) expected.emplace_back(id, rows_[id].code, rows_[id].note);
            CHECK(removed == expected);
        } else {
            CHECK(connection_.execute(strata::delete_from<entry>().where(where.sql)) ==
                  static_cast<std::int64_t>(ids.size()));
        }
        for (const auto id : ids) rows_.erase(id);
        return what;
    }

    /// bulk_insert of 0-250 new rows in a session, a third with one row that clashes (nothing
    /// written), committed or rolled back.
    std::string bulk_insert() {
        std::vector<entry> batch;
        const int size = below(251);
        for (int i = 0; i < size; ++i) {
            const auto id = fresh_id();
            taken_ids_.insert(id);
            batch.push_back(random_entry(id, fresh_code()));
        }
        taken_ids_.clear();
        // One row clashes in a third of the batches: it takes an existing row's key, or the code
        // of another row in the batch.
        bool expect_failure = false;
        if (size > 0 && chance(33)) {
            auto& victim = batch[static_cast<std::size_t>(below(size))];
            if (!rows_.empty() && (size == 1 || chance(50))) {
                victim.id = rows_.begin()->first;
                expect_failure = true;
            } else if (size > 1) {
                victim.code = (&victim == &batch.front() ? batch.back() : batch.front()).code;
                expect_failure = true;
            }
        }
        return bulk_write("bulk_insert", batch, expect_failure ? " (one clashes)" : "",
                          [](auto& session, const auto& rows) { return session.template bulk_insert<entry>(rows); });
    }

    /// bulk_update of some existing rows with new values, sometimes with a code two rows share.
    std::string bulk_update() {
        std::vector<entry> batch;
        for (const auto& [id, row] : rows_)
            if (chance(40)) batch.push_back(random_entry(id, row.code));
        const bool clash = batch.size() > 1 && chance(25);
        if (clash) batch.back().code = batch.front().code;
        return bulk_write("bulk_update", batch, clash ? " (two share a code)" : "",
                          [](auto& session, const auto& rows) { return session.template bulk_update<entry>(rows); });
    }

    /// Runs one bulk write of `batch` in a session of its own: `clash` (its description) not
    /// empty, it must raise unique_violation and write nothing; else it writes every row. The
    /// session then commits (the model keeps the batch unless it failed) or rolls back.
    template <class Write>
    std::string bulk_write(const char* name, const std::vector<entry>& batch, const char* clash, Write&& write) {
        const bool fails = *clash != '\0';
        const bool commit = chance(80);
        std::string what = std::string{name} + " of " + std::to_string(batch.size()) + clash +
                           (commit ? ", committed" : ", rolled back");
        INFO(what);
        strata::session session{engine_};
        if (fails) {
            CHECK_THROWS_AS(write(session, batch), strata::unique_violation);
        } else {
            CHECK(write(session, batch) == static_cast<std::int64_t>(batch.size()));
        }
        if (!commit) {
            session.rollback();
        } else {
            session.commit();
            if (!fails)
                for (const auto& row : batch) rows_[row.id] = row;
        }
        return what;
    }

    /// Two to four writes that cannot fail, in one transaction that commits or rolls back.
    std::string transaction() {
        const auto before = rows_;
        const bool commit = chance(60);
        std::string what = std::string{"transaction, "} + (commit ? "committed:" : "rolled back:");
        {
            strata::transaction transaction{connection_};
            for (int i = 1 + below(3); i >= 0; --i) {
                const int pick = below(3);
                if (pick == 0) {
                    const auto row = random_entry(fresh_id(), fresh_code());
                    CHECK(connection_.execute(insert_statement(row)) == 1);
                    rows_[row.id] = row;
                    what += " insert " + std::to_string(row.id);
                } else if (pick == 1) {
                    what += " " + update_where();
                } else {
                    what += " " + delete_where();
                }
            }
            if (commit) {
                transaction.commit();
            } else {
                transaction.rollback();
                rows_ = before;
            }
        }
        return what;
    }

    /// The whole table, read back, against the model.
    void check_table() {
        const auto found = connection_.execute(strata::select(col<&entry::id>, col<&entry::code>, col<&entry::amount>,
                                                              col<&entry::note>, col<&entry::weight>, col<&entry::flag>)
                                                   .order_by(col<&entry::id>));
        table_picture read;
        for (const auto& [id, code, amount, note, weight, flag] : found)
            read[id] = entry{id, code, amount, note, weight, flag};
        INFO("the model:\n" << describe(rows_) << "the database:\n" << describe(read));
        REQUIRE(read == rows_);
    }

    strata::engine& engine_;
    std::mt19937_64 random_;
    strata::connection connection_;
    bool mariadb_ = false;
    table_picture rows_;
    std::set<std::int64_t> taken_ids_;
    int next_code_ = 0;
};

void run_sequences(strata::engine& engine) {
    const auto sequences = strata::testing::environment_number("STRATA_WRITE_SEQUENCES", 30);
    const auto only = strata::testing::environment_number("STRATA_WRITE_SEED", 0);
    for (std::uint64_t seed = only ? only : 1; seed <= (only ? only : sequences); ++seed) {
        INFO("seed " << seed << " (replay: STRATA_WRITE_SEED=" << seed << ")");
        strata::testing::fresh_tables<entry>(engine);
        sequence run{engine, seed};
        run.run(30);
    }
}

}  // namespace write_model

TEST_CASE("random Core writes, upserts and bulk writes leave each database's table as a plain model says") {
    // STRATA_WRITE_ECHO=1 prints every statement (for a replayed seed).
    const strata::engine_options options{.echo = std::getenv("STRATA_WRITE_ECHO") != nullptr};
    DYNAMIC_SECTION("on sqlite") {
        auto engine = strata::create_engine(strata::testing::sqlite_file_url("write_model"), options);
        write_model::run_sequences(engine);
    }
    DYNAMIC_SECTION("on postgresql") {
        auto engine = strata::create_engine(strata::testing::postgresql_url(), options);
        write_model::run_sequences(engine);
    }
    DYNAMIC_SECTION("on mariadb") {
        auto engine = strata::create_engine(strata::testing::mariadb_url(), options);
        write_model::run_sequences(engine);
    }
}
