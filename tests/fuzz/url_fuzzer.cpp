// libFuzzer target for the URL parser (scripts/test.sh runs it for 60 s). Properties checked on
// every input, beyond "no crash, no sanitizer report, no exception but url_error":
//  - a password never reaches an error message: the input is split into A and B and parsed as
//    A + ":" + sentinel + "@" + B, and no url_error may quote the sentinel;
//  - a URL that parses prints (redacted()) without its password.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/core/url.hpp"

namespace {
constexpr std::string_view sentinel = "Sentinel-Pw-7Q";

[[noreturn]] void violated(const char* property, std::string_view input, std::string_view detail) {
    std::fprintf(stderr, "property violated: %s\ninput: %.*s\ndetail: %.*s\n", property, static_cast<int>(input.size()),
                 input.data(), static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void check_parse(std::string_view input, bool holds_sentinel_password) {
    strata::url parsed;
    try {
        parsed = strata::parse_url(input);
    } catch (const strata::url_error& error) {
        const std::string_view message = error.what();
        if (holds_sentinel_password && message.find(sentinel) != std::string_view::npos)
            violated("a url_error quotes the password", input, message);
        return;
    }
    // redacted() must not depend on the password at all: another password prints the same.
    const auto shown = parsed.redacted();
    auto other = parsed;
    other.password = parsed.password + "x";
    if (other.redacted() != shown) violated("redacted() depends on the password", input, shown);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input{reinterpret_cast<const char*>(data), size};
    check_parse(input, false);
    // The same bytes with a password planted at a split point chosen by the first byte.
    // (Skipped when the fuzzer has copied the sentinel into the input itself, where it is no password.)
    if (size > 0 && input.find(sentinel) == std::string_view::npos) {
        const auto split = static_cast<std::size_t>(data[0]) % size;
        std::string planted{input.substr(1, split)};
        planted += ':';
        planted += sentinel;
        planted += '@';
        planted += input.substr(1 + split);
        check_parse(planted, true);
    }
    return 0;
}
