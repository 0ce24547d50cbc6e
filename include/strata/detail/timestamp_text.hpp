// strata/detail/timestamp_text.hpp - timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" text, without locales.
//
// SQLite stores timestamps as this text (the form SQLAlchemy writes, which sorts correctly and
// works with SQLite's date functions); PostgreSQL's text protocol uses it too.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/core/value.hpp"

namespace strata::detail {

/// Writes a timestamp as "YYYY-MM-DD HH:MM:SS.ffffff" into `out` (26 characters) and returns its length.
inline std::size_t format_timestamp(timestamp value, char* out) noexcept {
    using namespace std::chrono;
    const auto day = floor<days>(value);
    const year_month_day date{day};
    const auto micros = (value - day).count();
    auto put = [&out](std::int64_t number, int width) {
        for (int i = width - 1; i >= 0; --i) {
            out[i] = static_cast<char>('0' + number % 10);
            number /= 10;
        }
        out += width;
    };
    char* const start = out;
    put(static_cast<int>(date.year()), 4);
    *out++ = '-';
    put(static_cast<unsigned>(date.month()), 2);
    *out++ = '-';
    put(static_cast<unsigned>(date.day()), 2);
    *out++ = ' ';
    put(micros / 3'600'000'000LL, 2);
    *out++ = ':';
    put(micros / 60'000'000LL % 60, 2);
    *out++ = ':';
    put(micros / 1'000'000LL % 60, 2);
    *out++ = '.';
    put(micros % 1'000'000LL, 6);
    return static_cast<std::size_t>(out - start);
}

/// The timestamp as text.
inline std::string timestamp_to_text(timestamp value) {
    char buffer[32];
    return std::string(buffer, format_timestamp(value, buffer));
}

/// Parses "YYYY-MM-DD[ T]HH:MM:SS[.f...]" (a trailing "Z" or "+00"/"+00:00" is accepted); nullopt if malformed.
inline std::optional<timestamp> parse_timestamp(std::string_view text) noexcept {
    using namespace std::chrono;
    auto digits = [&text](std::size_t position, std::size_t count, int& value) {
        if (position + count > text.size()) return false;
        value = 0;
        for (std::size_t i = position; i < position + count; ++i) {
            if (text[i] < '0' || text[i] > '9') return false;
            value = value * 10 + (text[i] - '0');
        }
        return true;
    };
    int year = 0, month = 0, day_of_month = 0, hour = 0, minute = 0, second = 0;
    if (!digits(0, 4, year) || text.size() < 10 || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
        !digits(8, 2, day_of_month))
        return std::nullopt;
    std::int64_t micros = 0;
    std::size_t position = 10;
    if (position < text.size()) {
        if ((text[position] != ' ' && text[position] != 'T') || !digits(11, 2, hour) || text.size() < 19 ||
            text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' || !digits(17, 2, second))
            return std::nullopt;
        position = 19;
        if (position < text.size() && text[position] == '.') {
            ++position;
            int scale = 100000;
            while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
                micros += static_cast<std::int64_t>(text[position] - '0') * scale;
                scale /= 10;
                ++position;
            }
        }
        const auto zone = text.substr(position);
        if (!zone.empty() && zone != "Z" && zone != "+00" && zone != "+00:00") return std::nullopt;
    }
    const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                              std::chrono::day{static_cast<unsigned>(day_of_month)}};
    if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
    return timestamp{sys_days{date}.time_since_epoch()} + hours{hour} + minutes{minute} + seconds{second} +
           microseconds{micros};
}

}  // namespace strata::detail
