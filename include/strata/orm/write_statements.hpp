// strata/orm/write_statements.hpp - the unit of work's INSERT / UPDATE / DELETE texts for one model.
//
// They depend only on the model's description (model_info) and the dialect, not on the C++ type,
// so every mapper<T> shares this one non-template class: a program compiles it once (once per
// program under STRATA_SEPARATE_COMPILATION) instead of once per mapped model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "strata/core/dialect.hpp"
#include "strata/detail/linkage.hpp"
#include "strata/orm/model.hpp"

namespace strata::orm {

/// The INSERT / UPDATE / DELETE statements of one model's flushes, built once per column set.
class write_statements {
public:
    /// No generated column to return from an INSERT.
    static constexpr std::size_t no_generated_column = static_cast<std::size_t>(-1);

    /// Statements for `info`'s table, in `target`'s dialect.
    write_statements(const model_info& info, dialect target) : info_(info), dialect_(target) {}

    /// INSERT of the columns set in `columns` (one bit per column), returning `generated` unless
    /// it is no_generated_column.
    const std::string& insert(std::uint64_t columns, std::size_t generated);
    /// UPDATE of the columns set in `changed`, by primary key (the key's placeholders come last).
    const std::string& update(std::uint64_t changed);
    /// DELETE by primary key.
    const std::string& remove();

private:
    [[nodiscard]] std::string where_key(std::size_t used) const;

    const model_info& info_;
    dialect dialect_;
    std::unordered_map<std::uint64_t, std::string> insert_cache_;
    std::unordered_map<std::uint64_t, std::string> update_cache_;
    std::string delete_text_;
};

}  // namespace strata::orm

#if !defined(STRATA_SEPARATE_COMPILATION)
#include "strata/orm/impl/write_statements.hpp"
#endif
