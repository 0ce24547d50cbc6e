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

/// Whether `value` falls in the years 0000-9999, the ones "YYYY-MM-DD ..." text holds: SQLite's date
/// functions and its text order need four digits, and MariaDB's DATETIME stops there too.
inline bool in_four_digit_years(timestamp value) noexcept {
    using namespace std::chrono;
    constexpr auto first = sys_days{year{0} / January / 1};
    constexpr auto end = sys_days{year{10000} / January / 1};
    return value >= first && value < end;
}

/// How format_timestamp writes a year outside 0000-9999: ISO 8601's expanded years (-0001,
/// 10000), or PostgreSQL's (a year 0 or before as the year before Christ it is, "0002-... BC").
enum class year_style { iso, postgresql };

/// Writes a timestamp as "YYYY-MM-DD HH:MM:SS.ffffff" into `out` (at most 32 characters: a year of
/// more digits or a sign outside 0000-9999, see year_style) and returns its length.
inline std::size_t format_timestamp(timestamp value, char* out, year_style style = year_style::iso) noexcept {
    using namespace std::chrono;
    // In integers: near timestamp::min() the day's start is before the first microsecond a
    // timestamp holds, so chrono's floor<days> and the subtraction would overflow.
    constexpr std::int64_t per_day = 86'400'000'000;
    std::int64_t day_number = value.time_since_epoch().count() / per_day;
    std::int64_t micros = value.time_since_epoch().count() % per_day;
    if (micros < 0) {
        micros += per_day;
        --day_number;
    }
    // The civil date by Howard Hinnant's days_from_civil inverse, in 64 bits: year_month_day's
    // year stops at 32767, and a timestamp reaches 294247.
    const std::int64_t shifted = day_number + 719'468;
    const std::int64_t era = (shifted >= 0 ? shifted : shifted - 146'096) / 146'097;
    const std::int64_t day_of_era = shifted - era * 146'097;
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
    const std::int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t month_index = (5 * day_of_year + 2) / 153;  // March is 0
    const std::int64_t day_of_month = day_of_year - (153 * month_index + 2) / 5 + 1;
    const std::int64_t month_number = month_index < 10 ? month_index + 3 : month_index - 9;
    std::int64_t year_number = year_of_era + era * 400 + (month_number <= 2 ? 1 : 0);
    auto put = [&out](std::int64_t number, int width) {
        for (int i = width - 1; i >= 0; --i) {
            out[i] = static_cast<char>('0' + number % 10);
            number /= 10;
        }
        out += width;
    };
    char* const start = out;
    const bool before_christ = style == year_style::postgresql && year_number <= 0;
    if (before_christ) {
        year_number = 1 - year_number;  // astronomical year 0 is 1 BC
    } else if (year_number < 0) {
        *out++ = '-';
        year_number = -year_number;
    }
    int width = 4;
    for (std::int64_t limit = 10'000; year_number >= limit; limit *= 10) ++width;
    put(year_number, width);
    *out++ = '-';
    put(month_number, 2);
    *out++ = '-';
    put(day_of_month, 2);
    *out++ = ' ';
    put(micros / 3'600'000'000LL, 2);
    *out++ = ':';
    put(micros / 60'000'000LL % 60, 2);
    *out++ = ':';
    put(micros / 1'000'000LL % 60, 2);
    *out++ = '.';
    put(micros % 1'000'000LL, 6);
    if (before_christ) {
        for (const char c : std::string_view{" BC"}) *out++ = c;
    }
    return static_cast<std::size_t>(out - start);
}

/// The message of the data_error SQLite's and MariaDB's drivers raise for a timestamp or date
/// outside 0000-9999 (PostgreSQL stores 4713 BC to 294276 AD, and refuses the rest itself).
inline std::string outside_four_digit_years(timestamp value, std::string_view database) {
    char buffer[32];
    return "the timestamp " + std::string(buffer, format_timestamp(value, buffer)) + " is outside the years " +
           std::string{database} + " stores (0000-9999); it is refused rather than stored as another time";
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
