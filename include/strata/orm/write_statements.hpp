// strata/orm/write_statements.hpp - the unit of work's INSERT / UPDATE / DELETE of one model's rows:
// their texts, and writing one object's row with them.
//
// They depend only on the model's description (model_info: columns with accessor thunks over a
// `void*` object) and the dialect, not on the C++ type, so every mapper<T> shares this one
// non-template class: a program compiles it once (once per program under
// STRATA_SEPARATE_COMPILATION) instead of once per mapped model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/dialect.hpp"
#include "strata/core/value.hpp"
#include "strata/detail/function_ref.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/engine/connection.hpp"
#include "strata/orm/model.hpp"

namespace strata::orm {

/// Which of the unit of work's statements a text is (shared_statement_text's key).
enum class statement_text_kind : std::uint8_t { insert, update, update_returning, reread, remove, remove_matching };

/// A statement text of one model's flushes: the model, the dialect, the statement, its column masks.
struct statement_text_key {
    const model_info* info = nullptr;  ///< a model's constant description (static storage)
    dialect target = dialect::sqlite;
    statement_text_kind kind = statement_text_kind::insert;
    std::uint64_t columns = 0;   ///< the columns written (INSERT, UPDATE), read (reread) or matched (remove_matching)
    std::uint64_t returned = 0;  ///< the columns RETURNed (INSERT)
    friend bool operator==(const statement_text_key&, const statement_text_key&) = default;
};

/// The text for `key`, built by `build` the first time any session of the program asks for it and
/// kept for the rest of the run: a session per request would otherwise build its INSERTs and
/// UPDATEs again in every request (a fifth of the ORM's own time in TPC-B). Thread-safe.
STRATA_COMPILED_LINKAGE const std::string& shared_statement_text(const statement_text_key& key,
                                                                 strata::detail::function_ref<std::string()> build);

/// The INSERT / UPDATE / DELETE statements of one model's flushes, built once per column set
/// for the whole program (shared_statement_text).
class write_statements {
public:
    /// Statements for `info`'s table, in `target`'s dialect.
    write_statements(const model_info& info, dialect target) : info_(info), dialect_(target) {}

    /// INSERT of the columns set in `columns` (one bit per column), RETURNING the columns set in
    /// `returned` (a generated key, server defaults), in column order.
    [[nodiscard]] const std::string& insert(std::uint64_t columns, std::uint64_t returned) const;
    /// UPDATE of the columns set in `changed`, by primary key (the key's placeholders come last,
    /// then the version's for a versioned model); on_update columns not in `changed` are set to
    /// their SQL, and RETURNed when `returning`.
    [[nodiscard]] const std::string& update(std::uint64_t changed, bool returning = false) const;
    /// The on_update columns an UPDATE of `changed` sets to their SQL (and returns, in column order).
    [[nodiscard]] std::uint64_t updated_by_server(std::uint64_t changed) const noexcept {
        return info_.on_update_columns & ~changed;
    }
    /// DELETE by primary key (and version, for a versioned model).
    [[nodiscard]] const std::string& remove() const;
    /// DELETE of `rows` rows by primary key in one statement (`id IN (...)`, or one
    /// `(a = .. AND b = ..)` per row for a composite key or a versioned model): foreign keys are
    /// checked when the statement ends, so rows of one table that reference each other in a
    /// cycle go together.
    [[nodiscard]] std::string remove_many(std::size_t rows) const;
    /// DELETE of the rows whose columns in `columns` equal the parameters, given in column order
    /// (a many-to-many's association rows, which need not have a primary key of their own).
    [[nodiscard]] const std::string& remove_matching(std::uint64_t columns) const;

    /// No generated key column (inserted_row::generated).
    static constexpr std::size_t no_generated_key = static_cast<std::size_t>(-1);
    /// What an object's INSERT left to the server.
    struct inserted_row {
        std::size_t generated = no_generated_key;  ///< the generated key column, if the database chose it
        std::uint64_t returned = 0;                ///< columns read back (the generated key, server defaults)
        bool version_assigned = false;             ///< the INSERT set a version counter left at 0 to 1
    };
    /// INSERTs `object`'s row (the columns it holds), reading a generated key and the server
    /// defaults it left unset back into it. `scratch` holds the parameters (reused across rows).
    inserted_row insert_row(connection& target, void* object, std::vector<parameter>& scratch);
    /// insert_row() held for the flush's round trip (connection::execute_held): the generated key
    /// and server defaults are read back when it is sent, and then `written_back` is called.
    inserted_row insert_row_held(connection& target, void* object, std::vector<parameter>& scratch,
                                 std::function<void()> written_back);
    /// UPDATEs the columns of `changed` by primary key and reads on_update columns back;
    /// stale_data_error when no row matched. A versioned model's UPDATE also matches `version`
    /// (the one last loaded) and sets the object's version counter to `version + 1`, unless
    /// `changed` holds the counter (then the value set in the object is written).
    void update_row(connection& target, void* object, std::uint64_t changed, std::int64_t version,
                    std::vector<parameter>& scratch);
    /// DELETEs `object`'s row by primary key (and `version`, for a versioned model);
    /// stale_data_error when no row matched.
    void delete_row(connection& target, const void* object, std::int64_t version, std::vector<parameter>& scratch);
    /// DELETEs the rows of `objects` in one statement (for a versioned model, each matching its
    /// entry of `versions`: the version's bits, as a snapshot holds them); stale_data_error unless
    /// every one matched. `clear_self_references`: their nullable foreign keys to their own table
    /// are set to NULL first (MariaDB, whose InnoDB checks a foreign key per row, not per statement).
    void delete_rows(connection& target, std::span<const void* const> objects, std::span<const std::uint64_t> versions,
                     std::vector<parameter>& scratch, bool clear_self_references = false);
    /// Undoes in `object` what an INSERT rolled back had set: the generated key, the server's
    /// values and a version counter it set to 1.
    void forget_insert(void* object, const inserted_row& written) const noexcept;
    /// Throws stale_data_error naming the statement, the table, `object`'s key and, for a
    /// versioned model, the `version` the statement expected.
    [[noreturn]] void throw_stale(std::string_view statement, const void* object, std::int64_t version) const;
    /// Throws stale_data_error: "`statement` of `rows` rows of <table>`after_table` matched `matched`".
    [[noreturn]] void throw_stale_rows(std::string_view statement, std::size_t rows, std::int64_t matched,
                                       std::string_view after_table = {}) const;

private:
    /// The columns `object`'s INSERT writes (and binds into `scratch`), and what it reads back.
    std::uint64_t insert_columns(void* object, inserted_row& written, std::vector<parameter>& scratch) const;
    /// Reads the columns of `returned` (in column order) from a RETURNING row into `object`;
    /// throw_stale (with `version`) when the statement matched no row.
    void read_returned(result& rows, void* object, std::uint64_t returned, std::string_view statement,
                       std::int64_t version = 0) const;
    /// WHERE `columns` (positions, in that order) = the placeholders after the first `used`.
    [[nodiscard]] std::string where_columns(std::span<const std::size_t> columns, std::size_t used) const;
    /// WHERE the primary key = the placeholders after the first `used`.
    [[nodiscard]] std::string where_key(std::size_t used) const { return where_columns(info_.primary_key, used); }
    /// The columns an UPDATE or DELETE matches its row by: the primary key, then the version.
    [[nodiscard]] std::vector<std::size_t> row_match_columns() const;
    /// Binds into `scratch` what row_match_columns() names: `object`'s key, and `version`.
    void bind_row_match(const void* object, std::int64_t version, std::vector<parameter>& scratch) const;
    [[nodiscard]] std::string returning(std::uint64_t columns) const;
    /// WHERE the primary key is one of `rows` keys (placeholders from 1).
    [[nodiscard]] std::string where_keys(std::size_t rows) const;
    /// SELECT of `columns` by the primary key: what RETURNING reads where UPDATE has none (MariaDB).
    [[nodiscard]] const std::string& reread(std::uint64_t columns) const;

    /// The text for a statement of this model (shared_statement_text).
    const std::string& shared(statement_text_kind kind, std::uint64_t columns, std::uint64_t returned,
                              strata::detail::function_ref<std::string()> build) const {
        return shared_statement_text({&info_, dialect_, kind, columns, returned}, build);
    }

    const model_info& info_;
    dialect dialect_;
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/write_statements.hpp"
#endif
