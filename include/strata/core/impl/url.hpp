// strata/core/impl/url.hpp - the definitions behind strata/core/url.hpp (parsing and redacting URLs).
//
// Included by that header in header-only builds; under STRATA_SEPARATE_COMPILATION only by
// src/strata.cpp, so they are compiled once per program.
#pragma once

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/core/url.hpp"
#include "strata/detail/linkage.hpp"

namespace strata {

STRATA_COMPILED_LINKAGE std::string url::redacted() const {
    std::string text = scheme + "://";
    if (!username.empty() || has_password) {
        text += username;
        if (has_password) text += ":***";
        text += '@';
    }
    if (host.find(':') != std::string::npos)
        text += '[' + host + ']';
    else
        text += host;
    if (port) text += ':' + std::to_string(*port);
    if (!database.empty() || scheme == "sqlite") text += '/' + database;
    for (std::size_t i = 0; i < query.size(); ++i)
        text += (i == 0 ? '?' : '&') + query[i].first + '=' + query[i].second;
    return text;
}

}  // namespace strata

namespace strata::detail {

STRATA_COMPILED_LINKAGE std::string redact_raw_url(std::string_view raw) {
    std::size_t start = 0;
    if (const auto scheme_end = raw.find("://"); scheme_end != std::string_view::npos) {
        const bool valid_scheme =
            std::all_of(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(scheme_end), is_scheme_character);
        if (valid_scheme) start = scheme_end + 3;
    }
    const auto at = raw.rfind('@');
    if (at == std::string_view::npos || at < start) return std::string{raw};
    const auto colon = raw.find(':', start);
    if (colon == std::string_view::npos || colon > at) return std::string{raw};
    return std::string{raw.substr(0, colon + 1)} + "***" + std::string{raw.substr(at)};
}

STRATA_COMPILED_LINKAGE int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

STRATA_COMPILED_LINKAGE std::string percent_decode(std::string_view text, std::string_view raw_url,
                                                   std::string_view part) {
    std::string decoded;
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            decoded += text[i];
            continue;
        }
        const int high = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
        const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
        if (high < 0 || low < 0) {
            throw url_error("malformed percent-escape in the " + std::string{part} + " of URL '" +
                            redact_raw_url(raw_url) + "': '%' must be followed by two hex digits");
        }
        decoded += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return decoded;
}

}  // namespace strata::detail

namespace strata {

STRATA_COMPILED_LINKAGE url parse_url(std::string_view raw) {
    const auto fail = [&](const std::string& what) -> url_error {
        return url_error(what + " in database URL '" + detail::redact_raw_url(raw) + "'");
    };
    url result;
    const auto scheme_end = raw.find("://");
    if (scheme_end == std::string_view::npos || scheme_end == 0)
        throw fail("missing scheme (expected e.g. sqlite:///file.db or postgresql://user@host/db)");
    result.scheme = std::string{raw.substr(0, scheme_end)};
    if (!std::all_of(result.scheme.begin(), result.scheme.end(), detail::is_scheme_character))
        throw fail("invalid character in scheme");
    if (result.scheme == "postgres") result.scheme = "postgresql";
    std::string_view rest = raw.substr(scheme_end + 3);

    // Query string first: it can follow any form.
    std::string_view query_text;
    if (const auto question = rest.find('?'); question != std::string_view::npos) {
        query_text = rest.substr(question + 1);
        rest = rest.substr(0, question);
    }
    if (!query_text.empty()) {
        std::size_t position = 0;
        while (position <= query_text.size()) {
            auto end = query_text.find('&', position);
            if (end == std::string_view::npos) end = query_text.size();
            const auto item = query_text.substr(position, end - position);
            if (!item.empty()) {
                const auto equals = item.find('=');
                if (equals == std::string_view::npos || equals == 0)
                    throw fail("a query parameter is not of the form key=value");
                result.query.emplace_back(detail::percent_decode(item.substr(0, equals), raw, "query"),
                                          detail::percent_decode(item.substr(equals + 1), raw, "query"));
            }
            position = end + 1;
        }
    }

    if (result.scheme == "sqlite") {
        // sqlite://<empty authority>/<path>: everything after the third slash is the path.
        if (rest.empty()) return result;  // sqlite:// = memory
        if (rest.front() != '/')
            throw fail("SQLite URLs have no host: write sqlite:///relative.db or sqlite:////abs.db");
        result.database = detail::percent_decode(rest.substr(1), raw, "path");
        return result;
    }

    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        const auto path = rest.substr(slash + 1);
        if (path.find('/') != std::string_view::npos) throw fail("database name contains '/'");
        result.database = detail::percent_decode(path, raw, "database name");
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const auto userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        result.username = detail::percent_decode(userinfo.substr(0, colon), raw, "user name");
        if (colon != std::string_view::npos) {
            result.has_password = true;
            result.password = detail::percent_decode(userinfo.substr(colon + 1), raw, "password");
        }
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) throw fail("unterminated '[' in IPv6 host");
        result.host = std::string{authority.substr(1, close - 1)};
        const auto after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw fail("unexpected text after IPv6 host");
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.find(':');
        result.host = detail::percent_decode(authority.substr(0, colon), raw, "host");
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (!port_text.empty() || authority.ends_with(':')) {
        int port = 0;
        const auto [end, code] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (code != std::errc{} || end != port_text.data() + port_text.size() || port <= 0 || port > 65535)
            throw fail("invalid port (expected 1-65535)");
        result.port = port;
    }
    return result;
}

}  // namespace strata
