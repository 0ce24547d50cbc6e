// strata/detail/string_hash.hpp - transparent string hashing, so caches look up by string_view without copying.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace strata::detail {

/// Hash usable for std::string keys looked up by std::string_view or const char*.
struct string_hash {
    using is_transparent = void;
    [[nodiscard]] std::size_t operator()(std::string_view text) const noexcept {
        return std::hash<std::string_view>{}(text);
    }
};

}  // namespace strata::detail
