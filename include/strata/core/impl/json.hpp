// strata/core/impl/json.hpp - the definitions behind strata/core/json.hpp (the JSON check).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "strata/core/json.hpp"
#include "strata/detail/linkage.hpp"

namespace strata::detail {

/// A recursive-descent check of RFC 8259's grammar (no values are built).
class json_checker {
public:
    explicit json_checker(std::string_view text) : text_(text) {}

    bool check(std::string* error) {
        space();
        const bool valid = value(0) && (space(), position_ == text_.size() || fail("text after the value"));
        if (!valid && error) *error = problem_ + " at byte " + std::to_string(position_);
        return valid;
    }

private:
    static constexpr int depth_limit = 1000;

    bool fail(const char* what) {
        if (problem_.empty()) problem_ = what;
        return false;
    }
    void space() {
        while (position_ < text_.size() && (text_[position_] == ' ' || text_[position_] == '\t' ||
                                            text_[position_] == '\n' || text_[position_] == '\r'))
            ++position_;
    }
    bool literal(std::string_view word) {
        if (text_.substr(position_, word.size()) != word) return fail("an unknown word");
        position_ += word.size();
        return true;
    }
    bool value(int depth) {
        if (depth >= depth_limit) return fail("nesting deeper than 1,000 levels");
        if (position_ >= text_.size()) return fail("a missing value");
        switch (text_[position_]) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number();
        }
    }
    bool object(int depth) { return members(depth, '}', true); }
    bool array(int depth) { return members(depth, ']', false); }
    /// An object's `"key": value` members or an array's values, separated by ',' up to `closing`.
    bool members(int depth, char closing, bool keyed) {
        ++position_;  // { or [
        space();
        if (position_ < text_.size() && text_[position_] == closing) return ++position_, true;
        while (true) {
            space();
            if (keyed) {
                if (position_ >= text_.size() || text_[position_] != '"')
                    return fail("an object key that is not a string");
                if (!string()) return false;
                space();
                if (position_ >= text_.size() || text_[position_] != ':') return fail("a missing ':'");
                ++position_;
                space();
            }
            if (!value(depth + 1)) return false;
            space();
            if (position_ < text_.size() && text_[position_] == ',') {
                ++position_;
                continue;
            }
            if (position_ < text_.size() && text_[position_] == closing) return ++position_, true;
            return fail(keyed ? "a missing ',' or '}'" : "a missing ',' or ']'");
        }
    }
    static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
    bool string() {
        ++position_;  // "
        while (position_ < text_.size()) {
            const auto c = static_cast<unsigned char>(text_[position_]);
            if (c == '"') return ++position_, true;
            if (c < 0x20) return fail("a control character in a string");
            if (c == '\\') {
                ++position_;
                if (position_ >= text_.size()) break;
                const char escaped = text_[position_];
                if (escaped == 'u') {
                    for (int i = 1; i <= 4; ++i)
                        if (position_ + i >= text_.size() || !is_hex(text_[position_ + i]))
                            return fail("a \\u escape without four hex digits");
                    position_ += 4;
                } else if (std::string_view{"\"\\/bfnrt"}.find(escaped) == std::string_view::npos) {
                    return fail("an unknown escape");
                }
            }
            ++position_;
        }
        return fail("an unterminated string");
    }
    bool digits() {
        const std::size_t start = position_;
        while (position_ < text_.size() && text_[position_] >= '0' && text_[position_] <= '9') ++position_;
        return position_ > start;
    }
    bool number() {
        if (position_ < text_.size() && text_[position_] == '-') ++position_;
        if (position_ < text_.size() && text_[position_] == '0') {
            ++position_;
        } else if (!digits()) {
            return fail("an unexpected character");
        }
        if (position_ < text_.size() && text_[position_] == '.') {
            ++position_;
            if (!digits()) return fail("a number without digits after '.'");
        }
        if (position_ < text_.size() && (text_[position_] == 'e' || text_[position_] == 'E')) {
            ++position_;
            if (position_ < text_.size() && (text_[position_] == '+' || text_[position_] == '-')) ++position_;
            if (!digits()) return fail("a number without exponent digits");
        }
        return true;
    }

    std::string_view text_;
    std::size_t position_ = 0;
    std::string problem_;
};

STRATA_COMPILED_LINKAGE bool is_json(std::string_view text, std::string* error) {
    return json_checker{text}.check(error);
}

}  // namespace strata::detail
